import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lms.surveys import services
from lms.surveys.enums import SurveyKind
from lms.surveys.models import SurveyInvitation, SurveyResponse
from lms.surveys.tokens import invitation_token
from tests.progress.factories import EnrollmentFactory
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def hot(path):
    return make_survey(kind=SurveyKind.HOT)


@pytest.fixture
def link(hot, enrollment):
    invitation = services.invitation_create(survey=hot, person=enrollment.learner,
                                            cohort=enrollment.cohort, send=False)
    return reverse("surveys:answer", kwargs={"token": invitation_token(invitation)})


def _post(survey, **kwargs):
    data = answers_for(survey, **kwargs)
    return {key: value for key, value in data.items() if value not in ("", [])}


@pytest.mark.parametrize("language, heading, required", [
    ("fr", "Enquête hot", "(obligatoire)"), ("en", "Enquête hot", "(required)")])
def test_answer_page_in_both_languages_without_login(client, settings, link, language,
                                                      heading, required):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html and required in html
    # Radio and checkbox groups are fieldsets with a legend.
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    assert 'name="robots" content="noindex"' in html
    assert "style=" not in html and "<script>" not in html


def test_answering_then_reusing_the_link(client, link, hot):
    response = client.post(link, _post(hot, text="Très bien"))
    assert response.status_code == 200
    assert "Merci" in response.content.decode()
    assert SurveyResponse.objects.count() == 1
    again = client.get(link)
    assert again.status_code == 410
    assert "Déjà répondu" in again.content.decode()
    assert client.post(link, _post(hot)).status_code == 410
    assert SurveyResponse.objects.count() == 1


def test_errors_are_listed_and_linked_to_their_question(client, link, hot):
    response = client.post(link, _post(hot, scale="", single="Jamais"))
    assert response.status_code == 400
    html = response.content.decode()
    first, second = list(hot.questions.all())[:2]
    assert f'href="#id_q{first.pk}_group"' in html
    assert f'aria-describedby="id_q{second.pk}_error"' in html
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("token", ["abc", "x" * 300, "WzEsImFiYyJd:1:bad", "%00", "..."])
def test_bad_links_answer_a_clear_page(client, token):
    response = client.get(f"/enquetes/repondre/{token}/")
    assert response.status_code == 404
    assert "Lien non valide" in response.content.decode()
    assert client.post(f"/enquetes/repondre/{token}/", {}).status_code == 404


def test_tampered_and_expired_links(client, hot, enrollment, link):
    tampered = link.replace("/enquetes/repondre/", "/enquetes/repondre/A")
    assert client.get(tampered).status_code == 404
    SurveyInvitation.objects.update(expires_at="2000-01-01T00:00:00Z")
    response = client.get(link)
    assert response.status_code == 410
    assert "Enquête close" in response.content.decode()


@pytest.fixture
def answered(path, cohort, hot):
    for scale, single, text in [("5", "Oui", "=HYPERLINK(\"x\")"), ("4", "Oui", ""),
                                ("2", "Non", "Froid")]:
        learner = EnrollmentFactory(path=path, cohort=cohort).learner
        invitation = services.invitation_create(survey=hot, person=learner, cohort=cohort,
                                                send=False)
        services.response_submit(token=invitation_token(invitation),
                                 data=answers_for(hot, scale=scale, single=single, text=text))
    learner = EnrollmentFactory(path=path, cohort=cohort).learner
    services.invitation_create(survey=hot, person=learner, cohort=cohort, send=False)
    return hot


def test_results_page(client, manager, answered):
    client.force_login(manager)
    response = client.get(reverse("surveys:results", args=[answered.pk]))
    assert response.status_code == 200
    results = response.context["results"]
    assert (results.invited, results.answered, results.rate) == (4, 3, 75.0)
    scale = results.questions[0]
    assert scale.mean == pytest.approx(3.67)
    assert [bar.count for bar in scale.bars] == [0, 1, 0, 1, 1]
    html = response.content.decode()
    # SVG coordinates with dots, never decimal commas, whatever the language.
    for attribute in re.findall(r'(?:x|y|width|height)="([^"]*)"', html):
        assert "," not in attribute
    assert "<svg" in html and "<table" in html
    assert "Froid" in html


def test_list_query_count_is_pinned(client, manager, answered, django_assert_num_queries):
    make_survey(kind=SurveyKind.COLD)
    client.force_login(manager)
    url = reverse("surveys:list")
    client.get(url)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    for _ in range(3):
        make_survey(kind=SurveyKind.TRAINERS)
    with django_assert_num_queries(12):
        client.get(url)


def test_results_query_count_is_pinned(client, manager, answered, path, cohort,
                                       django_assert_num_queries):
    client.force_login(manager)
    url = reverse("surveys:results", args=[answered.pk])
    client.get(url)
    with django_assert_num_queries(15):
        client.get(url)
    for _ in range(3):
        learner = EnrollmentFactory(path=path, cohort=cohort).learner
        invitation = services.invitation_create(survey=answered, person=learner,
                                                cohort=cohort, send=False)
        services.response_submit(token=invitation_token(invitation),
                                 data=answers_for(answered, text="Bien"))
    with django_assert_num_queries(15):
        client.get(url)


def test_exports_are_formula_safe(client, manager, answered):
    client.force_login(manager)
    content = client.get(reverse("surveys:export_csv", args=[answered.pk])).content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Élément", "Valeur"]
    assert ["Un commentaire ?", "'=HYPERLINK(\"x\")"] in rows
    xlsx = client.get(reverse("surveys:export_xlsx", args=[answered.pk])).content
    workbook = load_workbook(io.BytesIO(xlsx))
    texts = list(workbook["Réponses libres"].iter_rows(values_only=True))
    assert ("Un commentaire ?", "'=HYPERLINK(\"x\")") in texts


def test_filters(client, manager, answered, path):
    client.force_login(manager)
    url = reverse("surveys:results", args=[answered.pk])
    assert client.get(url, {"start": "2030-13-45"}).status_code == 400
    assert client.get(url, {"start": "2030-01-02", "end": "2030-01-01"}).status_code == 400
    response = client.get(url, {"path": path.pk, "start": "2000-01-01"})
    assert response.context["results"].invited == 4


def test_results_are_for_managers_only(client, trainer, learner, answered):
    url = reverse("surveys:results", args=[answered.pk])
    for user in (trainer, learner):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("surveys:list")).status_code == 404


def test_funder_invitation_page(client, manager, cohort, mailoutbox,
                                django_capture_on_commit_callbacks):
    survey = make_survey(kind=SurveyKind.FUNDERS, anonymous=False)
    client.force_login(manager)
    url = reverse("surveys:invite", args=[survey.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"cohort": cohort.pk, "name": "", "email": "x"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"cohort": cohort.pk, "name": "Région",
                                     "email": "region@example.org"})
    assert response.status_code == 302
    assert mailoutbox[0].to == ["region@example.org"]
    hot = make_survey(kind=SurveyKind.HOT)
    assert client.get(reverse("surveys:invite", args=[hot.pk])).status_code == 404


def test_pilotage_and_quality_pages_link_to_the_surveys(client, manager):
    client.force_login(manager)
    for name in ("progress:manager_dashboard", "quality:complaints"):
        assert reverse("surveys:list") in client.get(reverse(name)).content.decode()


def test_results_page_in_english(client, settings, manager, answered):
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("surveys:results", args=[answered.pk])).content.decode()
    assert "Response rate" in html and "75.0 %" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("surveys:results", args=[answered.pk])).content.decode()
    assert "Taux de réponse" in html


def test_links_to_print_for_people_without_an_address(client, manager, hot, path, cohort,
                                                      enrollment):
    without = EnrollmentFactory(path=path, cohort=cohort, learner__email="").learner
    invitation = services.invitation_create(survey=hot, person=without, cohort=cohort,
                                            send=False)
    services.invitation_create(survey=hot, person=enrollment.learner, cohort=cohort,
                               send=False)
    client.force_login(manager)
    response = client.get(reverse("surveys:handouts", args=[hot.pk]), {"cohort": cohort.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    cards = response.context["cards"]
    assert [card["invitation"] for card in cards] == [invitation]
    assert invitation_token(invitation) in response.content.decode()
    assert 'src="data:image/svg+xml' in response.content.decode()
    client.force_login(enrollment.learner)
    assert client.get(reverse("surveys:handouts", args=[hot.pk])).status_code == 404
