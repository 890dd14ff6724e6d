"""Cohort memberships: the days a learner is in a cohort, written by the progress services
(enrolment, withdrawal, completion, reopening, move, import date) and backfilled for the
enrolments made before they existed."""

import datetime
import importlib
import zoneinfo

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from lms.attendance import services as attendance
from lms.attendance.models import Attendance, AttendanceStatus
from lms.attendance.services import MarkInput
from lms.progress import services
from lms.progress.enums import EnrollmentSource, EnrollmentStatus
from lms.progress.models import CohortMembership, Enrollment
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MARCH_2 = datetime.date(2026, 3, 2)
MARCH_10 = datetime.date(2026, 3, 10)
STROKES = ["M10 10 L 50 60 L 90 20"]


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def spans(enrollment):
    return [(m.cohort_id, m.start_date, m.end_date)
            for m in CohortMembership.objects.filter(enrollment=enrollment).order_by("pk")]


@pytest.fixture
def group(path, trainer):
    return CohortFactory(path=path, trainers=[trainer], start_date=MARCH_2,
                         end_date=datetime.date(2026, 6, 30))


@pytest.fixture
def other_group(path, trainer):
    return CohortFactory(path=path, trainers=[trainer], start_date=MARCH_2,
                         end_date=datetime.date(2026, 6, 30))


def enrol(learner, path, cohort, when=MARCH_10, **kwargs):
    with time_machine.travel(at(when), tick=False):
        enrollment, _created = services.enrollment_create(
            learner=learner, path=path, source=EnrollmentSource.STAFF, cohort=cohort, **kwargs)
    return enrollment


@pytest.mark.django_db
def test_enrolling_in_a_cohort_opens_a_membership_from_that_day(path, group, learner):
    enrollment = enrol(learner, path, group)
    assert spans(enrollment) == [(group.pk, MARCH_10, None)]
    # Enrolling again changes nothing.
    assert enrol(learner, path, group, when=datetime.date(2026, 4, 1)) == enrollment
    assert spans(enrollment) == [(group.pk, MARCH_10, None)]


@pytest.mark.django_db
def test_joined_on_sets_the_first_expected_day(path, group, learner):
    enrollment = enrol(learner, path, group, joined_on=MARCH_2)
    assert spans(enrollment) == [(group.pk, MARCH_2, None)]


@pytest.mark.django_db
def test_no_cohort_no_membership(path, learner):
    assert spans(enrol(learner, path, None)) == []


@pytest.mark.django_db
def test_withdrawal_ends_the_membership_that_day(path, group, learner):
    enrollment = enrol(learner, path, group)
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                                   now=at(datetime.date(2026, 4, 3)))
    assert spans(enrollment) == [(group.pk, MARCH_10, datetime.date(2026, 4, 3))]


@pytest.mark.django_db
def test_completing_the_path_keeps_the_learner_on_the_remaining_sessions(path, group, learner,
                                                                         trainer):
    """Completing the online content does not end the group's face-to-face sessions."""
    enrollment = enrol(learner, path, group)
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED,
                                   now=at(datetime.date(2026, 4, 3)))
    assert spans(enrollment) == [(group.pk, MARCH_10, None)]
    later = SessionFactory(cohort=group, trainer=trainer, date=datetime.date(2026, 4, 7))
    with time_machine.travel(at(later.date, 18), tick=False):
        attendance.roll_call_save(session=later, by=trainer,
                                  marks=[MarkInput(learner.pk, "present")])
    assert Attendance.objects.get(session=later, learner=learner).status.code == "present"
    # Withdrawn after completing: the membership ends that day.
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                                   now=at(datetime.date(2026, 4, 9)))
    assert spans(enrollment) == [(group.pk, MARCH_10, datetime.date(2026, 4, 9))]


@pytest.mark.django_db
def test_coming_back_opens_a_new_membership_and_a_same_day_undo_extends_it(path, group,
                                                                          learner):
    enrollment = enrol(learner, path, group)
    withdrawn_on, back_on = datetime.date(2026, 3, 20), datetime.date(2026, 4, 6)
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                                   now=at(withdrawn_on))
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.ACTIVE,
                                   now=at(back_on))
    assert spans(enrollment) == [(group.pk, MARCH_10, withdrawn_on), (group.pk, back_on, None)]
    # Withdrawn by mistake and put back the same day: one unbroken membership.
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                                   now=at(datetime.date(2026, 4, 8), 9))
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.ACTIVE,
                                   now=at(datetime.date(2026, 4, 8), 11))
    assert spans(enrollment) == [(group.pk, MARCH_10, withdrawn_on), (group.pk, back_on, None)]


@pytest.mark.django_db
def test_withdrawing_before_the_first_day_leaves_no_membership(path, group, learner):
    enrollment = enrol(learner, path, group, joined_on=datetime.date(2026, 4, 1))
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                                   now=at(MARCH_10, 15))
    assert spans(enrollment) == []


@pytest.mark.django_db
def test_a_move_keeps_the_old_days_and_the_marks(path, group, other_group, learner, trainer):
    enrollment = enrol(learner, path, group, joined_on=MARCH_2)
    before = SessionFactory(cohort=group, trainer=trainer, date=datetime.date(2026, 3, 9))
    with time_machine.travel(at(before.date, 18), tick=False):
        attendance.roll_call_save(session=before, by=trainer,
                                  marks=[MarkInput(learner.pk, "present")])
    moved_on = datetime.date(2026, 3, 16)
    with time_machine.travel(at(MARCH_10), tick=False):
        services.enrollment_move(enrollment=enrollment, cohort=other_group, by=trainer,
                                 on_date=moved_on)
    enrollment.refresh_from_db()
    assert enrollment.cohort == other_group
    assert spans(enrollment) == [(group.pk, MARCH_2, datetime.date(2026, 3, 15)),
                                 (other_group.pk, moved_on, None)]
    assert Attendance.objects.filter(session=before, learner=learner).exists()


@pytest.mark.django_db
def test_a_move_cannot_strand_a_mark_nor_rewrite_a_closed_sheet(path, group, other_group,
                                                                learner, trainer):
    enrollment = enrol(learner, path, group, joined_on=MARCH_2)
    marked = SessionFactory(cohort=group, trainer=trainer, date=datetime.date(2026, 3, 9))
    with time_machine.travel(at(marked.date, 18), tick=False):
        attendance.roll_call_save(session=marked, by=trainer,
                                  marks=[MarkInput(learner.pk, "absent")])
    with pytest.raises(ValidationError) as error:
        services.enrollment_move(enrollment=enrollment, cohort=other_group, by=trainer,
                                 on_date=datetime.date(2026, 3, 5))
    assert error.value.error_dict["cohort"][0].code == "marked_after"
    closed = SessionFactory(cohort=other_group, trainer=trainer, date=datetime.date(2026, 3, 12))
    with time_machine.travel(at(closed.date, 18), tick=False):
        attendance.session_lock(session=closed, by=trainer, strokes=STROKES)
    with pytest.raises(ValidationError) as error:
        services.enrollment_move(enrollment=enrollment, cohort=other_group, by=trainer,
                                 on_date=datetime.date(2026, 3, 10))
    assert error.value.error_dict["cohort"][0].code == "locked_sheet"
    assert spans(enrollment) == [(group.pk, MARCH_2, None)]  # nothing changed
    services.enrollment_move(enrollment=enrollment, cohort=other_group, by=trainer,
                             on_date=datetime.date(2026, 3, 13))
    assert spans(enrollment)[-1] == (other_group.pk, datetime.date(2026, 3, 13), None)


@pytest.mark.django_db
def test_only_a_trainer_of_both_groups_moves_a_learner(path, learner):
    mine, theirs = TrainerFactory(), TrainerFactory()
    group = CohortFactory(path=path, trainers=[mine])
    elsewhere = CohortFactory(path=path, trainers=[theirs])
    enrollment = enrol(learner, path, group)
    with pytest.raises(PermissionDenied):
        services.enrollment_move(enrollment=enrollment, cohort=elsewhere, by=mine,
                                 on_date=MARCH_10)
    with pytest.raises(PermissionDenied):
        services.enrollment_move(enrollment=enrollment, cohort=elsewhere, by=theirs,
                                 on_date=MARCH_10)
    assert spans(enrollment) == [(group.pk, MARCH_10, None)]


@pytest.mark.django_db
def test_the_import_date_moves_the_first_day(path, group, learner):
    enrollment = enrol(learner, path, group)
    services.membership_set_start(enrollment=enrollment, start_date=MARCH_2)
    assert spans(enrollment) == [(group.pk, MARCH_2, None)]


@pytest.mark.django_db
def test_backfill_from_enrolments_and_recorded_marks(path, group, trainer):
    """The data migration: from the enrolment day to the withdrawal or completion day,
    widened to the sessions where the learner was recorded as attending or signed."""
    backfill = importlib.import_module(
        "lms.progress.migrations.0003_backfill_cohort_memberships").backfill
    present = AttendanceStatus.objects.get(code="present")
    absent = AttendanceStatus.objects.get(code="absent")
    early = SessionFactory(cohort=group, date=datetime.date(2026, 3, 3))
    late = SessionFactory(cohort=group, date=datetime.date(2026, 4, 20))
    active = EnrollmentFactory(path=path, cohort=group, enrolled_at=at(MARCH_10, 23),
                               membership=False)
    # Entered after the first session, where the trainer had marked them present.
    entered_late = EnrollmentFactory(path=path, cohort=group, enrolled_at=at(MARCH_10),
                                     membership=False)
    Attendance.objects.create(session=early, learner=entered_late.learner, status=present)
    # Marked absent before enrolling (the old bug): not widened for that.
    absent_before = EnrollmentFactory(path=path, cohort=group, enrolled_at=at(MARCH_10),
                                      membership=False)
    Attendance.objects.create(session=early, learner=absent_before.learner, status=absent)
    withdrawn = EnrollmentFactory(path=path, cohort=group, enrolled_at=at(MARCH_10),
                                  status=EnrollmentStatus.WITHDRAWN,
                                  status_changed_at=at(datetime.date(2026, 4, 1)),
                                  membership=False)
    completed = EnrollmentFactory(path=path, cohort=group, enrolled_at=at(MARCH_10),
                                  status=EnrollmentStatus.COMPLETED,
                                  completed_at=at(datetime.date(2026, 4, 2)), membership=False)
    Attendance.objects.create(session=late, learner=completed.learner, status=present)
    no_cohort = EnrollmentFactory(path=path, learner=LearnerFactory())
    assert not CohortMembership.objects.exists()

    backfill(apps, None)

    # 23:00 in Paris is still the 10th, whatever the server's clock zone.
    assert spans(active) == [(group.pk, MARCH_10, None)]
    assert spans(entered_late) == [(group.pk, early.date, None)]
    assert spans(absent_before) == [(group.pk, MARCH_10, None)]
    assert spans(withdrawn) == [(group.pk, MARCH_10, datetime.date(2026, 4, 1))]
    assert spans(completed) == [(group.pk, MARCH_10, late.date)]
    assert spans(no_cohort) == []
    assert Enrollment.objects.count() == 6


@pytest.mark.django_db
def test_the_api_moves_a_learner(path, group, other_group, learner, trainer):
    from rest_framework.test import APIClient

    enrollment = enrol(learner, path, group, joined_on=MARCH_2)
    url = f"/api/v1/enrollments/{enrollment.pk}/move/"
    api = APIClient()
    api.force_authenticate(learner)
    assert api.post(url, {"cohort": other_group.pk}, format="json").status_code == 403
    api.force_authenticate(TrainerFactory())
    assert api.post(url, {"cohort": other_group.pk}, format="json").status_code == 404
    api.force_authenticate(trainer)
    foreign = CohortFactory(path=path, trainers=[TrainerFactory()])
    response = api.post(url, {"cohort": foreign.pk}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"cohort"}
    closed = SessionFactory(cohort=other_group, trainer=trainer, date=datetime.date(2026, 3, 12))
    with time_machine.travel(at(closed.date, 18), tick=False):
        attendance.session_lock(session=closed, by=trainer, strokes=STROKES)
    response = api.post(url, {"cohort": other_group.pk, "on_date": "2026-03-09"}, format="json")
    assert response.status_code == 400 and "12/03/2026" in response.json()["cohort"][0]
    response = api.post(url, {"cohort": other_group.pk, "on_date": "2026-03-13"}, format="json")
    assert response.status_code == 200 and response.json()["cohort"] == other_group.pk
    assert spans(enrollment) == [(group.pk, MARCH_2, datetime.date(2026, 3, 12)),
                                 (other_group.pk, datetime.date(2026, 3, 13), None)]


@pytest.mark.django_db
def test_the_api_enrols_from_a_past_day_but_not_onto_a_closed_sheet(path, group, trainer):
    from rest_framework.test import APIClient

    first = SessionFactory(cohort=group, trainer=trainer, date=MARCH_2)
    api = APIClient()
    api.force_authenticate(trainer)
    learner = LearnerFactory()
    response = api.post("/api/v1/enrollments/", {"learner": learner.pk, "path": path.pk,
                                                 "cohort": group.pk, "joined_on": "2026-03-02"},
                        format="json")
    assert response.status_code == 201
    assert spans(Enrollment.objects.get(pk=response.json()["id"])) == [(group.pk, MARCH_2, None)]
    with time_machine.travel(at(MARCH_2, 18), tick=False):
        attendance.session_lock(session=first, by=trainer, strokes=STROKES)
    late = LearnerFactory()
    response = api.post("/api/v1/enrollments/", {"learner": late.pk, "path": path.pk,
                                                 "cohort": group.pk, "joined_on": "2026-03-02"},
                        format="json")
    assert response.status_code == 400 and "02/03/2026" in response.json()["cohort"][0]
    assert not Enrollment.objects.filter(learner=late).exists()


@pytest.mark.django_db
def test_enrolling_after_the_morning_sheet_is_closed_starts_the_next_day(path, group, learner,
                                                                        trainer):
    morning = SessionFactory(cohort=group, trainer=trainer, date=MARCH_10)
    type(morning).objects.filter(pk=morning.pk).update(
        locked_at=at(MARCH_10, 12), countersigned_at=at(MARCH_10, 12),
        countersignature_svg='<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    enrollment = enrol(learner, path, group, when=MARCH_10)  # at 10:00 that day
    assert spans(enrollment) == [(group.pk, datetime.date(2026, 3, 11), None)]
    # A date given explicitly on the closed day is still refused.
    with pytest.raises(ValidationError):
        enrol(LearnerFactory(), path, group, when=MARCH_10, joined_on=MARCH_10)
