"""Bounds on what people type (issue 12): sessions within their cohort's dates, dates within
a sane range, notes of a sensible length; field errors, never a 500 nor a stored typo."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from lms.attendance import services as attendance
from lms.attendance.models import AbsenceNotice, Session
from lms.cohorts.models import Cohort
from lms.insertion.models import Interview
from lms.progress.models import CompetenceAssessment
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

D = datetime.date
API = "/api/v1/"


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def fixed_cohort(path, trainer):
    return CohortFactory(path=path, trainers=[trainer], start_date=D(2025, 3, 3),
                         end_date=D(2025, 6, 27))


# Sessions ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", [D(9999, 12, 31), D(2025, 3, 2), D(2025, 6, 28), D(1, 1, 1)])
def test_a_session_outside_its_cohort_is_refused_by_the_service(fixed_cohort, day):
    with pytest.raises(ValidationError) as error:
        attendance.session_create(cohort=fixed_cohort, date=day, start_time=datetime.time(9),
                                  end_time=datetime.time(12))
    assert "date" in error.value.error_dict
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_sessions_on_the_cohort_first_and_last_days_are_accepted(fixed_cohort):
    for day in (D(2025, 3, 3), D(2025, 6, 27)):
        attendance.session_create(cohort=fixed_cohort, date=day, start_time=datetime.time(9),
                                  end_time=datetime.time(12))
    assert Session.objects.count() == 2


@pytest.mark.django_db
def test_the_api_answers_400_for_a_session_dated_9999(fixed_cohort, trainer):
    api = api_as(trainer)
    data = {"cohort": fixed_cohort.pk, "date": "9999-12-31", "start_time": "09:00",
            "end_time": "12:00"}
    response = api.post(f"{API}sessions/", data, format="json")
    assert response.status_code == 400 and "date" in response.json()
    response = api.post(f"{API}sessions/recurring/",
                        {**data, "date": None, "first_date": "2025-06-10", "weeks": 4},
                        format="json")
    assert response.status_code == 400, response.content  # two of four weeks past the end
    assert "first_date" in response.json()
    assert not Session.objects.exists()
    response = api.post(f"{API}sessions/recurring/",
                        {**data, "date": None, "first_date": "2025-06-10", "weeks": 4,
                         "skip_dates": ["2025-06-24"]}, format="json")
    assert response.status_code == 400
    response = api.post(f"{API}sessions/recurring/",
                        {**data, "date": None, "first_date": "2025-06-10", "weeks": 3},
                        format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_the_admin_form_refuses_a_session_outside_its_cohort(fixed_cohort):
    session = Session(cohort=fixed_cohort, date=D(2030, 1, 1), start_time=datetime.time(9),
                      end_time=datetime.time(12))
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "date" in error.value.error_dict


# Cohorts -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end", "field"), [
    ("1999-12-31", "2025-01-01", "start_date"),
    ("2025-01-01", "9999-12-31", "end_date"),
])
def test_cohort_dates_stay_in_this_century(path, manager, start, end, field):
    response = api_as(manager).post(f"{API}cohorts/", {
        "name": "Groupe", "path": path.pk, "start_date": start, "end_date": end},
        format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Cohort.objects.exists()


# Absence notices -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_absence_in_9999_is_refused(learner, path, trainer):
    today = timezone.localdate()
    cohort = CohortFactory(path=path, trainers=[trainer])
    EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    api = api_as(learner)
    response = api.post(f"{API}absence-notices/", {
        "cohort": cohort.pk, "start_date": "9999-12-30", "end_date": "9999-12-31",
        "reason": "RDV"}, format="json")
    assert response.status_code == 400 and "start_date" in response.json()
    in_a_month = (today + datetime.timedelta(days=30)).isoformat()
    response = api.post(f"{API}absence-notices/", {
        "cohort": cohort.pk, "start_date": in_a_month, "end_date": "9999-12-31",
        "reason": "RDV"}, format="json")
    assert response.status_code == 400 and "end_date" in response.json()
    assert not AbsenceNotice.objects.exists()
    response = api.post(f"{API}absence-notices/", {
        "cohort": cohort.pk, "start_date": in_a_month, "end_date": in_a_month,
        "reason": "RDV"}, format="json")
    assert response.status_code == 201, response.content


# Assessments, interviews ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_assessment_dated_year_1_is_refused(manager, learner, path, referential):
    from courses.models import Competence

    competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.1")
    EnrollmentFactory(learner=learner, path=path)
    response = api_as(manager).post(f"{API}competence-assessments/", {
        "competence": competence.pk, "kind": "validation", "level": 3,
        "method": "observation", "learner": learner.pk, "path": path.pk,
        "assessed_on": "0001-01-01"}, format="json")
    assert response.status_code == 400, response.content
    assert "assessed_on" in response.json()
    response = api_as(manager).post(f"{API}competence-assessments/", {
        "competence": competence.pk, "kind": "validation", "level": 3,
        "method": "observation", "learner": learner.pk, "path": path.pk,
        "evidence": "x" * 200_000}, format="json")
    assert response.status_code == 400 and "evidence" in response.json()
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
def test_interview_notes_of_200_kb_are_refused(staff, trainee):
    api = api_as(staff)
    data = {"trainee": trainee.pk, "date": timezone.localdate().isoformat(),
            "kind": "initial", "notes": "x" * 200_000}
    response = api.post(f"{API}interviews/", data, format="json")
    assert response.status_code == 400 and "notes" in response.json()
    response = api.post(f"{API}interviews/", {**data, "notes": "ok", "date": "0001-01-01"},
                        format="json")
    assert response.status_code == 400 and "date" in response.json()
    response = api.post(f"{API}interviews/", {**data, "notes": "ok",
                                              "next_steps": "y" * 200_000}, format="json")
    assert response.status_code == 400 and "next_steps" in response.json()
    assert not Interview.objects.exists()
