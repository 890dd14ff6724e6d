"""Managers design surveys in the Wagtail admin: a snippet with its questions inline."""

import pytest
from django.urls import reverse

from lms.surveys import services
from lms.surveys.models import Survey
from lms.surveys.tokens import invitation_token
from tests.accounts.factories import ManagerFactory
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/surveys/survey/add/"


@pytest.fixture
def admin_client(client):
    client.force_login(ManagerFactory(is_superuser=True, is_staff=True))
    return client


def _question(index, text, kind, choices="", required=True):
    prefix = f"questions-{index}-"
    data = {prefix + "text": text, prefix + "kind": kind, prefix + "choices": choices,
            prefix + "help_text": "", prefix + "ORDER": str(index), prefix + "DELETE": "",
            prefix + "id": ""}
    if required:
        data[prefix + "required"] = "on"
    return data


def _form(*questions, **fields):
    data = {"title": "Satisfaction à chaud", "kind": "hot", "is_active": "on", "intro": "",
            "anonymous": "on", "delay_days": "90", "valid_days": "30", "reminder_days": "7",
            "questions-TOTAL_FORMS": str(len(questions)), "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "1", "questions-MAX_NUM_FORMS": "1000"}
    for index, question in enumerate(questions):
        data.update(_question(index, *question))
    data.update(fields)
    return data


def test_a_manager_designs_a_survey_in_the_admin(admin_client, path):
    assert admin_client.get(ADD_URL).status_code == 200
    response = admin_client.post(ADD_URL, _form(
        ("Êtes-vous satisfait·e ?", "scale"), ("Recommanderiez-vous ?", "single", "Oui\nNon"),
        ("Un commentaire ?", "text", "", False), paths=[path.pk]))
    assert response.status_code == 302, response.context["form"].errors
    survey = Survey.objects.get()
    assert [q.kind for q in survey.questions.all()] == ["scale", "single", "text"]
    assert list(survey.paths.all()) == [path]
    assert admin_client.get("/admin/snippets/surveys/survey/").status_code == 200


def test_a_choice_question_needs_two_choices(admin_client):
    response = admin_client.post(ADD_URL, _form(("Recommanderiez-vous ?", "single", "Oui")))
    assert response.status_code == 200
    assert not Survey.objects.exists()


def test_deleting_an_answered_survey_is_refused_without_a_500(admin_client, enrollment):
    survey = make_survey(anonymous=False)
    invitation = services.invitation_create(survey=survey, person=enrollment.learner,
                                            cohort=enrollment.cohort, send=False)
    services.response_submit(token=invitation_token(invitation), data=answers_for(survey))
    url = reverse("wagtailsnippets_surveys_survey:delete", args=[survey.pk])
    assert admin_client.get(url).status_code in (200, 302)
    response = admin_client.post(url)
    assert response.status_code in (200, 302)
    assert Survey.objects.filter(pk=survey.pk).exists()
