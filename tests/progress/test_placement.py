"""Placing enrolled learners in a group — self-enrolled ones included — from the group's
placement page, the enrol form, the API and the CSV import (tests/progress/test_imports.py):
one service, enrollments_place/enrollment_move, which convenes them and keeps their marks."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from lms.attendance.models import Attendance, AttendanceStatus
from lms.convocations.models import SentMessage
from lms.progress import services
from lms.progress.enums import EnrollmentSource, EnrollmentStatus
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def place_url(cohort):
    return reverse("progress:trainer_cohort_place", args=[cohort.pk])


@pytest.fixture
def self_enrolled(path):
    return EnrollmentFactory(learner=LearnerFactory(first_name="Ahamada", last_name="Saïd"),
                             path=path, cohort=None, source=EnrollmentSource.SELF)


def test_the_service_places_and_convenes(self_enrolled, cohort, trainer,
                                         django_capture_on_commit_callbacks):
    SessionFactory(cohort=cohort, date=timezone.localdate() + timezone.timedelta(days=3),
                   trainer=trainer)
    with django_capture_on_commit_callbacks(execute=True):
        placed = services.enrollments_place(enrollments=[self_enrolled], cohort=cohort,
                                            by=trainer)
    assert [enrollment.cohort for enrollment in placed] == [cohort]
    membership = self_enrolled.memberships.get()
    assert (membership.cohort, membership.start_date) == (cohort, timezone.localdate())
    assert SentMessage.objects.filter(learner=self_enrolled.learner).exists()


def test_moving_between_groups_keeps_the_marks(path, cohort, trainer, enrollment, learner):
    session = SessionFactory(cohort=cohort, date=timezone.localdate() - timezone.timedelta(1))
    present = AttendanceStatus.objects.get(code="present")
    Attendance.objects.create(session=session, learner=learner, status=present)
    other = CohortFactory(path=path, trainers=[trainer])
    services.enrollments_place(enrollments=[enrollment], cohort=other, by=trainer)
    enrollment.refresh_from_db()
    assert enrollment.cohort == other
    assert Attendance.objects.filter(session=session, learner=learner).exists()
    assert list(enrollment.memberships.values_list("cohort_id", flat=True)) == [
        cohort.pk, other.pk]


def test_the_placement_page_lists_and_places(client, cohort, trainer, self_enrolled, path):
    elsewhere = EnrollmentFactory(path=path, cohort=CohortFactory(path=path))  # not theirs
    withdrawn = EnrollmentFactory(path=path, cohort=None, status=EnrollmentStatus.WITHDRAWN)
    client.force_login(trainer)
    response = client.get(place_url(cohort))
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "Ahamada Saïd" in text
    assert str(elsewhere.learner) not in text and str(withdrawn.learner) not in text
    response = client.post(place_url(cohort), {"enrollments": [elsewhere.pk]})
    assert response.status_code == 400  # not a choice
    response = client.post(place_url(cohort), {"enrollments": [self_enrolled.pk]})
    assert response.status_code == 302
    self_enrolled.refresh_from_db()
    assert self_enrolled.cohort == cohort


def test_the_placement_page_says_a_full_group(client, cohort, trainer, self_enrolled, path):
    cohort.capacity = 1
    cohort.save()
    EnrollmentFactory(path=path, cohort=cohort)
    client.force_login(trainer)
    response = client.post(place_url(cohort), {"enrollments": [self_enrolled.pk]})
    assert response.status_code == 400
    assert f"Le groupe {cohort.name} est complet (capacité : 1)" in html.unescape(
        response.content.decode())


def test_the_placement_page_is_for_the_group_staff(client, cohort, learner, self_enrolled):
    for user in (learner, TrainerFactory()):
        client.force_login(user)
        assert client.get(place_url(cohort)).status_code == 404


def test_the_placement_page_query_count_is_pinned(client, cohort, trainer, path):
    client.force_login(trainer)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(place_url(cohort)).status_code == 200
        return len(queries)

    EnrollmentFactory(path=path, cohort=None)
    count()  # the first page of the session warms what every page reads once
    few = count()
    for _ in range(5):
        EnrollmentFactory(path=path, cohort=None)
    assert count() == few <= 12


def test_the_enrol_form_places_a_self_enrolled_learner(client, cohort, trainer, self_enrolled):
    client.force_login(trainer)
    url = reverse("progress:trainer_cohort_enrol", args=[cohort.pk])
    response = client.get(url, {"q": "Saïd"})
    text = html.unescape(response.content.decode())
    assert "aucun groupe : cochez pour l'y placer" in text
    assert f'value="{self_enrolled.learner.pk}" id="enrol-learner-{self_enrolled.learner.pk}"' \
        in text
    assert 'disabled' not in text.split(f'id="enrol-learner-{self_enrolled.learner.pk}"')[1] \
        .split(">")[0]
    response = client.post(url, {"action": "enrol", "learners": [self_enrolled.learner.pk],
                                 "cohort": cohort.pk, "q": "Saïd"})
    assert response.status_code == 302
    self_enrolled.refresh_from_db()
    assert self_enrolled.cohort == cohort


def test_the_api_places_a_self_enrolled_learner(self_enrolled, cohort, trainer):
    api = APIClient()
    api.force_authenticate(trainer)
    response = api.post("/api/v1/enrollments/", {"learner": self_enrolled.learner.pk,
                                                 "path": cohort.path_id, "cohort": cohort.pk},
                        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["cohort"] == cohort.pk
    cohort.capacity = 1
    cohort.save()
    other = EnrollmentFactory(path=cohort.path, cohort=None)
    response = api.post("/api/v1/enrollments/", {"learner": other.learner.pk,
                                                 "path": cohort.path_id, "cohort": cohort.pk},
                        format="json")
    assert response.status_code == 400 and set(response.json()) == {"cohort"}
