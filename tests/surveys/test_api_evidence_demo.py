import csv
import datetime
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lms.demo.seeds.surveys import surveys_demo_seed
from lms.surveys import services
from lms.surveys.enums import SurveyKind
from lms.surveys.evidence import survey_evidence
from lms.surveys.models import Survey, SurveyInvitation, SurveyMessage, SurveyResponse
from lms.surveys.tokens import invitation_token
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(path, cohort):
    survey = make_survey(kind=SurveyKind.HOT)
    for scale in ("5", "3"):
        learner = EnrollmentFactory(path=path, cohort=cohort).learner
        invitation = services.invitation_create(survey=survey, person=learner, cohort=cohort,
                                                send=False)
        services.response_submit(token=invitation_token(invitation),
                                 data=answers_for(survey, scale=scale, text="Bien"))
    return survey


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_results_for_managers(manager, answered, cohort, django_assert_num_queries):
    api = _api(manager)
    listing = api.get("/api/v1/survey-results/")
    assert listing.status_code == 200
    assert listing.json()["results"][0]["response_rate"] == 100.0
    with django_assert_num_queries(2):
        api.get("/api/v1/survey-results/")
    detail = api.get(f"/api/v1/survey-results/{answered.pk}/", {"cohort": cohort.pk})
    assert detail.status_code == 200
    body = detail.json()
    assert body["answered"] == 2 and body["questions"][0]["mean"] == 4.0
    assert body["questions"][3]["texts"] == ["Bien", "Bien"]
    assert api.get("/api/v1/survey-results/", {"start": "nope"}).status_code == 400
    assert api.get("/api/v1/survey-results/", {"start": "2030-02-01",
                                               "end": "2030-01-01"}).status_code == 400


def test_api_refuses_others(trainer, learner, answered):
    for user in (trainer, learner):
        assert _api(user).get("/api/v1/survey-results/").status_code == 403
    assert APIClient().get("/api/v1/survey-results/").status_code in (401, 403)


def test_api_schema_lists_the_results(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/survey-results/{id}/" in schema


def test_evidence_for_a_group_and_a_year(answered, cohort, path, trainer):
    files = dict(survey_evidence(cohort=cohort))
    folder = f"surveys/hot-{answered.pk}"
    assert set(files) == {"surveys/index.html", f"{folder}/results.html",
                          f"{folder}/results.csv", f"{folder}/invitations.csv"}
    html = files[f"{folder}/results.html"].decode()
    assert "Indicateur Qualiopi 30" in html and "Bien" in html
    assert "4.0" in html or "4" in html
    rows = list(csv.reader(io.StringIO(files[f"{folder}/invitations.csv"].decode("utf-8-sig")),
                           delimiter=";"))
    assert len(rows) == 3 and rows[1][-1] == "oui"
    other = CohortFactory(path=path, trainers=[trainer])
    assert survey_evidence(cohort=other) == []
    year = timezone.localdate().year
    assert survey_evidence(year=year)
    assert survey_evidence(year=year - 5) == []


@pytest.mark.dates
def test_demo_seed_is_idempotent_and_answers_ended_groups(path, trainer, mailoutbox):
    today = timezone.localdate()
    ended = CohortFactory(path=path, trainers=[trainer],
                          start_date=today - datetime.timedelta(days=200),
                          end_date=today - datetime.timedelta(days=120))
    for _ in range(5):
        EnrollmentFactory(path=path, cohort=ended)
    assert surveys_demo_seed(today=today) is True
    assert surveys_demo_seed(today=today) is False
    assert Survey.objects.count() == 4
    hot = Survey.objects.get(kind=SurveyKind.HOT)
    assert SurveyInvitation.objects.filter(survey=hot).count() == 5
    assert SurveyResponse.objects.filter(survey=hot).exists()
    assert SurveyResponse.objects.filter(survey__kind=SurveyKind.TRAINERS).count() == 1
    assert SurveyResponse.objects.filter(survey__kind=SurveyKind.FUNDERS).count() == 1
    assert SurveyInvitation.objects.filter(survey__kind=SurveyKind.COLD).count() == 5
    assert SurveyMessage.objects.count() == SurveyInvitation.objects.count()
    assert mailoutbox == []  # made-up addresses are not written to
    assert survey_evidence(cohort=ended)
