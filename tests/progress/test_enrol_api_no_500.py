"""Regression: enrolling through the API without a cohort answered 500 after committing the
enrolment, when the trainer follows only a cohort of the path (issue 12)."""

import pytest
from rest_framework.test import APIClient

from lms.cohorts.models import Cohort
from lms.progress.models import Enrollment
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.cohorts.factories import CohortFactory

ENROLLMENTS = "/api/v1/enrollments/"


@pytest.fixture
def cohort_trainer(path):
    trainer = TrainerFactory()
    CohortFactory(path=path, trainers=[trainer], name="Groupe du mardi")
    return trainer


@pytest.mark.django_db
def test_a_cohort_trainer_enrolling_without_a_cohort_gets_a_400_and_nothing_is_saved(
        path, cohort_trainer):
    learner = LearnerFactory()
    api = APIClient()
    api.force_authenticate(cohort_trainer)
    response = api.post(ENROLLMENTS, {"path": path.pk, "learner": learner.pk}, format="json")
    assert response.status_code == 400, response.content
    assert "cohort" in response.json()
    assert not Enrollment.objects.filter(learner=learner).exists()


@pytest.mark.django_db
def test_a_cohort_trainer_still_enrols_in_their_cohort(path, cohort_trainer):
    learner = LearnerFactory()
    cohort = Cohort.objects.get(path=path)
    api = APIClient()
    api.force_authenticate(cohort_trainer)
    response = api.post(ENROLLMENTS, {"path": path.pk, "learner": learner.pk,
                                      "cohort": cohort.pk}, format="json")
    assert response.status_code == 201, response.content
