"""A learner answers a satisfaction survey on a 360 px phone through the personal link of
their e-mail, without logging in: errors first, then the answers, then the used link."""

import pytest
from django.urls import reverse

from lms.surveys import services
from lms.surveys.enums import SurveyKind
from lms.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from lms.surveys.tokens import invitation_token
from tests.accounts.factories import PASSWORD
from tests.e2e.helpers import SMALL_PHONE, Journey, log_in
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FITS_WIDTH_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def survey_link(organisation, enrollment):
    survey = make_survey(kind=SurveyKind.HOT, title="Votre avis sur le Club premiers pas")
    invitation = services.invitation_create(survey=survey, person=enrollment.learner,
                                            cohort=enrollment.cohort, send=False)
    return survey, reverse("surveys:answer", kwargs={"token": invitation_token(invitation)})


def test_learner_answers_a_survey_on_a_phone(live_server, new_page, survey_link):
    survey, link = survey_link
    page = new_page(SMALL_PHONE)
    journey = Journey("survey", page, live_server.url)

    journey.goto(link)
    page.get_by_role("heading", level=1, name=survey.title).wait_for()
    assert page.evaluate(FITS_WIDTH_JS)
    assert page.locator("fieldset legend").count() == 3
    journey.step("survey")

    # Sent empty: the summary names each required question and leads to it.
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer mes réponses").click()
    summary = page.locator("#errors")
    assert summary.is_visible()
    assert summary.locator("a").count() == 2
    journey.step("survey-errors")
    summary.locator("a").first.click()
    assert page.evaluate("() => location.hash").endswith("_group")

    page.get_by_label("4", exact=True).check()
    page.get_by_label("Oui", exact=True).check()
    page.get_by_label("Le groupe").check()
    page.get_by_label("Les supports").check()
    page.get_by_label("Un commentaire ?").fill("Un formateur patient, merci !")
    assert page.evaluate(FITS_WIDTH_JS)
    journey.step("survey-filled")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_role("heading", level=1, name="Merci").wait_for()
    journey.step("survey-thanks")

    response = SurveyResponse.objects.get()
    assert response.invitation_id is None  # anonymous
    assert SurveyInvitation.objects.get().answered
    answers = {a.question_text: a for a in SurveyAnswer.objects.filter(response=response)}
    assert answers["Êtes-vous satisfait·e ?"].scale == 4
    assert answers["Qu'avez-vous apprécié ?"].choices == ["Le groupe", "Les supports"]

    # The link served once.
    reused = page.goto(journey.url(link))
    assert reused.status == 410
    page.get_by_role("heading", level=1, name="Déjà répondu").wait_for()
    journey.step("survey-used")

    journey.finish()
    journey.assert_accessible()


def test_manager_reads_the_results_on_a_phone(live_server, new_page, survey_link, manager):
    survey, link = survey_link
    invitation = SurveyInvitation.objects.get()
    services.response_submit(token=invitation_token(invitation),
                             data=answers_for(survey, scale="5", text="Bien"))
    page = new_page(SMALL_PHONE)
    journey = Journey("survey-results", page, live_server.url)
    log_in(journey, manager.username, PASSWORD)
    journey.goto("/enquetes/")
    page.get_by_role("link", name=survey.title).click()
    page.get_by_role("heading", level=1, name=survey.title).wait_for()
    assert page.locator("svg.survey-chart").count() == 3
    assert page.evaluate(FITS_WIDTH_JS)
    journey.step("results")
    journey.finish()
    journey.assert_accessible()
