"""Attendance alerts: consecutive absences, low rate, once per occurrence, recipients, task."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from courses.enums import PathKind
from lms.attendance import alerts
from lms.attendance.enums import AlertKind
from lms.attendance.models import Attendance, AttendanceAlert, AttendanceSettings, AttendanceStatus
from lms.attendance.tasks import attendance_alerts_scan_task
from lms.core.models import Notification
from lms.progress.enums import EnrollmentStatus
from tests.accounts.factories import LearnerFactory, TrainerFactory, UserFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import TrainingPathFactory
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.dates

TODAY = datetime.date.today()


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def config(db):
    """Default rule, with the rate alert kept out of the way unless a test sets it."""
    settings = AttendanceSettings.load()
    settings.consecutive_absences = 3
    settings.rate_threshold = Decimal("70")
    settings.rate_minimum_sessions = 100
    settings.save()
    return settings


@pytest.fixture
def statuses(db):
    return {status.code: status for status in AttendanceStatus.objects.all()}


def history(cohort, learner, codes, statuses, *, start=40):
    """One past session a day per code: a status code, "unmarked" (a row without a status),
    "none" (no row at all) or "cancelled" (an absence on a cancelled session)."""
    sessions = []
    for offset, code in enumerate(codes):
        session = SessionFactory(cohort=cohort, date=days_ago(start - offset))
        sessions.append(session)
        if code == "none":
            continue
        if code == "cancelled":
            session.cancelled_at = session.created_at
            session.cancel_reason = "Formateur malade"
            session.save()
            code = "absent"
        Attendance.objects.create(session=session, learner=learner,
                                  status=None if code == "unmarked" else statuses[code],
                                  comment="pas de nouvelles" if code == "unmarked" else "")
    return sessions


def streak_alerts(learner):
    return AttendanceAlert.objects.filter(learner=learner, kind=AlertKind.ABSENCE_STREAK)


# --- Consecutive absences --------------------------------------------------------------------


@pytest.mark.django_db
def test_three_absences_in_a_row_raise_one_alert_told_to_the_trainer(
        enrollment, cohort, learner, trainer, config, statuses):
    sessions = history(cohort, learner, ["present", "absent", "absent", "absent"], statuses)
    assert alerts.attendance_alerts_scan() == 1
    alert = streak_alerts(learner).get()
    dates = [s.date.isoformat() for s in sessions[1:]]
    assert alert.key == ",".join(dates) and alert.details["dates"] == dates
    assert alert.cohort == cohort
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [trainer.email]
    assert str(learner) in email.subject
    for session in sessions[1:]:
        assert f"{session.date:%d/%m/%Y}" in email.body
    assert f"/emargement/groupes/{cohort.pk}/" in email.body
    notification = Notification.objects.get(recipient=trainer)
    assert notification.url == f"/emargement/groupes/{cohort.pk}/"
    assert f"{sessions[1].date:%d/%m/%Y}" in notification.body


@pytest.mark.django_db
@pytest.mark.parametrize("gap", ["unmarked", "none"])
def test_an_unmarked_session_is_skipped_not_counted(enrollment, cohort, learner, config,
                                                    statuses, gap):
    sessions = history(cohort, learner, ["absent", gap, "absent", "absent"], statuses)
    alerts.attendance_alerts_scan()
    alert = streak_alerts(learner).get()
    assert alert.details["count"] == 3
    assert alert.details["dates"] == [sessions[i].date.isoformat() for i in (0, 2, 3)]


@pytest.mark.django_db
def test_a_presence_breaks_the_streak(enrollment, cohort, learner, config, statuses):
    config.consecutive_absences = 2
    config.save()
    history(cohort, learner, ["absent", "present", "absent", "late", "absent"], statuses)
    assert alerts.attendance_alerts_scan() == 0
    assert not AttendanceAlert.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_excused_absence_breaks_the_streak(enrollment, cohort, learner, config, statuses):
    history(cohort, learner, ["absent", "absent", "excused", "absent"], statuses)
    assert alerts.attendance_alerts_scan() == 0


@pytest.mark.django_db
def test_cancelled_and_future_sessions_do_not_count(enrollment, cohort, learner, config,
                                                    statuses):
    history(cohort, learner, ["absent", "cancelled", "absent"], statuses)
    future = SessionFactory(cohort=cohort, date=days_ago(-3))
    Attendance.objects.create(session=future, learner=learner, status=statuses["absent"])
    assert alerts.attendance_alerts_scan() == 0


@pytest.mark.django_db
def test_withdrawn_learners_and_old_cohorts_are_not_scanned(path, trainer, config, statuses):
    withdrawn = EnrollmentFactory(path=path, status=EnrollmentStatus.WITHDRAWN,
                                  cohort=CohortFactory(path=path, trainers=[trainer]))
    history(withdrawn.cohort, withdrawn.learner, ["absent"] * 3, statuses)
    old = CohortFactory(path=path, trainers=[trainer], start_date=days_ago(300),
                        end_date=days_ago(200))
    learner = LearnerFactory()
    EnrollmentFactory(path=TrainingPathFactory(parent=path.get_parent()), learner=learner,
                      cohort=old)
    history(old, learner, ["absent"] * 3, statuses, start=250)
    assert alerts.attendance_alerts_scan() == 0


# --- Low rate --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rate_alert_waits_for_the_minimum_number_of_sessions(enrollment, cohort, learner,
                                                             config, statuses):
    config.consecutive_absences = 50
    config.rate_minimum_sessions = 4
    config.save()
    history(cohort, learner, ["present", "absent", "absent"], statuses)  # 33 %, 3 marked
    assert alerts.attendance_alerts_scan() == 0
    session = SessionFactory(cohort=cohort, date=days_ago(2))
    Attendance.objects.create(session=session, learner=learner, status=statuses["late"])
    assert alerts.attendance_alerts_scan() == 1  # (1 + 0 + 0 + 0.5) / 4 = 37.5 %
    alert = AttendanceAlert.objects.get(kind=AlertKind.LOW_RATE)
    assert alert.details["rate"] == "37.5" and alert.details["sessions_marked"] == 4
    assert alert.key == f"rate<70:since={session.date.isoformat()}"
    assert "37,5 %" in mail.outbox[0].subject and "37,5 %" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_drop_after_recovering_is_a_new_alert(enrollment, cohort, learner, config,
                                                    statuses):
    config.consecutive_absences = 50
    config.rate_minimum_sessions = 2
    config.save()
    history(cohort, learner, ["absent", "absent"], statuses, start=60)
    assert alerts.attendance_alerts_scan() == 1
    # Same situation the next days, even with one more absence: nothing new.
    history(cohort, learner, ["absent"], statuses, start=50)
    assert alerts.attendance_alerts_scan() == 0
    # Back above 70 % (7 present out of 10)…
    history(cohort, learner, ["present"] * 7, statuses, start=40)
    assert alerts.attendance_alerts_scan() == 0
    # …then under again: a new occurrence.
    history(cohort, learner, ["absent"] * 2, statuses, start=20)
    assert alerts.attendance_alerts_scan() == 1
    assert AttendanceAlert.objects.filter(kind=AlertKind.LOW_RATE).count() == 2
    assert len(mail.outbox) == 2


# --- Once per occurrence ---------------------------------------------------------------------


@pytest.mark.django_db
def test_scanning_again_creates_and_sends_nothing(enrollment, cohort, learner, config,
                                                  statuses):
    config.rate_minimum_sessions = 3
    config.save()
    history(cohort, learner, ["absent"] * 3, statuses)
    assert alerts.attendance_alerts_scan() == 2  # a streak and a low rate
    counts = (AttendanceAlert.objects.count(), Notification.objects.count(), len(mail.outbox))
    assert counts == (2, 2, 2)
    assert alerts.attendance_alerts_scan() == 0
    assert (AttendanceAlert.objects.count(), Notification.objects.count(),
            len(mail.outbox)) == counts


@pytest.mark.django_db
def test_a_longer_streak_is_the_same_occurrence_a_new_one_is_not(enrollment, cohort, learner,
                                                                 config, statuses):
    history(cohort, learner, ["absent"] * 3, statuses, start=40)
    assert alerts.attendance_alerts_scan() == 1
    history(cohort, learner, ["absent"], statuses, start=30)
    assert alerts.attendance_alerts_scan() == 0
    # A late mark on an earlier session lengthens the same streak: still no new alert.
    history(cohort, learner, ["absent"], statuses, start=45)
    assert alerts.attendance_alerts_scan() == 0
    history(cohort, learner, ["present", "absent", "absent", "absent"], statuses, start=20)
    assert alerts.attendance_alerts_scan() == 1
    assert streak_alerts(learner).count() == 2
    assert len(mail.outbox) == 2


# --- Recipients ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_trainer_of_the_cohort_is_told_but_not_insertion_staff_outside_programmes(
        enrollment, cohort, learner, trainer, config, statuses):
    second = TrainerFactory()
    cohort.trainers.add(second)
    UserFactory(is_insertion_staff=True)
    history(cohort, learner, ["absent"] * 3, statuses)
    alerts.attendance_alerts_scan()
    assert sorted(email.to[0] for email in mail.outbox) == sorted([trainer.email, second.email])
    assert set(Notification.objects.values_list("recipient", flat=True)) == {trainer.pk,
                                                                             second.pk}


@pytest.mark.django_db
def test_insertion_staff_of_the_learners_programme_are_told(
        catalogue, trainer, config, statuses):
    from tests.insertion.factories import ProgrammeFactory, TraineeFactory

    path = TrainingPathFactory(parent=catalogue, kind=PathKind.INSERTION_PROGRAMME)
    cohort = CohortFactory(path=path, trainers=[trainer])
    learner = EnrollmentFactory(path=path, cohort=cohort).learner
    staff = UserFactory(is_insertion_staff=True, is_trainer=True)
    gone = UserFactory(is_insertion_staff=True, is_active=False)
    other_programme_staff = UserFactory(is_insertion_staff=True)
    ProgrammeFactory(staff=[other_programme_staff])
    TraineeFactory(learner=learner, programme=ProgrammeFactory(staff=[staff, gone]))
    cohort.trainers.add(staff)  # told once even though they are both
    history(cohort, learner, ["absent"] * 3, statuses)
    alerts.attendance_alerts_scan()
    assert sorted(email.to[0] for email in mail.outbox) == sorted([trainer.email, staff.email])
    assert alerts.followers_of(learner) == [staff]
    assert alerts.followers_of(LearnerFactory()) == []


# --- Task and query count --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_runs_through_celery(enrollment, cohort, learner, config, statuses):
    history(cohort, learner, ["absent"] * 3, statuses)
    result = attendance_alerts_scan_task.delay()
    assert result.get() == 1
    assert len(mail.outbox) == 1
    assert attendance_alerts_scan_task.delay().get() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_scan_query_count_is_fixed(path, cohort, trainer, config, statuses,
                                   django_assert_num_queries, size):
    config.rate_minimum_sessions = 3
    config.save()
    other_path = TrainingPathFactory(parent=path.get_parent())
    other = CohortFactory(path=other_path, trainers=[trainer])
    sessions = [SessionFactory(cohort=cohort, date=days_ago(10 - n)) for n in range(4)]
    codes = ["absent", "absent", "absent", "present"]
    marks = []
    for index in range(size):
        learner = EnrollmentFactory(path=path, cohort=cohort).learner
        EnrollmentFactory(cohort=other, path=other_path, learner=learner)
        for session, code in zip(sessions, codes if index % 2 else ["present"] * 4,
                                 strict=True):
            marks.append(Attendance(session=session, learner=learner, status=statuses[code]))
    Attendance.objects.bulk_create(marks)
    assert alerts.attendance_alerts_scan() == size // 2 * 2
    # Steady state, as every day after the first: a fixed count per cohort.
    with django_assert_num_queries(9):
        assert alerts.attendance_alerts_scan() == 0
