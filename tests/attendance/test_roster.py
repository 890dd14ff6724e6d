"""The roster is the truth of each date (issue 11, point 4): a learner is expected at a
cohort's sessions from the day they joined it until the day they left it, and only there do
they appear on roll calls, sheets, exports, rates and alerts."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from certificates.snapshots import session_rows
from lms.attendance import alerts, exports, roster, services
from lms.attendance.enums import AlertKind
from lms.attendance.models import Attendance, AttendanceAlert, AttendanceSettings, AttendanceStatus
from lms.attendance.services import MarkInput
from lms.progress import services as progress
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
START = datetime.date(2026, 3, 2)
JOINED = datetime.date(2026, 3, 16)  # the newcomer joins two weeks in
NOW = datetime.datetime(2026, 3, 30, 19, 0, tzinfo=PARIS)


def day(n):
    return START + datetime.timedelta(days=n)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def group(path, trainer):
    return CohortFactory(path=path, trainers=[trainer], start_date=START,
                         end_date=datetime.date(2026, 6, 30))


@pytest.fixture
def founder(path, group):
    return EnrollmentFactory(path=path, cohort=group, membership=START,
                             learner=LearnerFactory(last_name="Abel")).learner


@pytest.fixture
def newcomer(path, group):
    return EnrollmentFactory(path=path, cohort=group, membership=JOINED,
                             learner=LearnerFactory(last_name="Zola")).learner


@pytest.fixture
def sessions(group, trainer, founder, newcomer):
    """A session every two days from the start, until the 28th day: 7 before JOINED."""
    return [SessionFactory(cohort=group, trainer=trainer, date=day(n)) for n in range(0, 28, 2)]


def before_and_after(sessions):
    return ([s for s in sessions if s.date < JOINED], [s for s in sessions if s.date >= JOINED])


@pytest.mark.django_db
def test_roster_by_session_in_one_query(sessions, founder, newcomer,
                                        django_assert_num_queries):
    with django_assert_num_queries(1):
        found = roster.roster_by_session(sessions)
    earlier, later = before_and_after(sessions)
    assert all(found[s.pk] == [founder.pk] for s in earlier)
    assert all(found[s.pk] == sorted([founder.pk, newcomer.pk]) for s in later)
    assert roster.expected_learner_ids(earlier[-1]) == {founder.pk}
    assert roster.is_expected(later[0], newcomer.pk)
    assert not roster.is_expected(earlier[0], newcomer.pk)


@pytest.mark.django_db
def test_the_newcomer_cannot_be_marked_nor_sign_before_joining(clock, sessions, trainer,
                                                              newcomer):
    earlier, later = before_and_after(sessions)
    with pytest.raises(ValidationError) as error:
        services.roll_call_save(session=earlier[0], by=trainer,
                                marks=[MarkInput(newcomer.pk, "absent")])
    assert set(error.value.error_dict) == {"marks[0].learner"}
    with pytest.raises(ValidationError):
        services.signature_paper(session=earlier[0], learner_id=newcomer.pk, by=trainer)
    assert not Attendance.objects.filter(learner=newcomer).exists()
    services.roll_call_save(session=later[0], by=trainer,
                            marks=[MarkInput(newcomer.pk, "present")])


@pytest.mark.django_db
def test_the_api_refuses_a_mark_before_joining(clock, sessions, trainer, newcomer):
    api = APIClient()
    api.force_authenticate(trainer)
    earlier, _later = before_and_after(sessions)
    response = api.post(f"/api/v1/sessions/{earlier[0].pk}/roll-call/",
                        {"marks": [{"learner": newcomer.pk, "status": "absent"}]},
                        format="json")
    assert response.status_code == 400
    assert set(response.json()["marks"]["0"]) == {"learner"}


@pytest.mark.django_db
def test_roll_call_pages_list_the_learners_of_that_day(clock, client, sessions, trainer,
                                                       founder, newcomer):
    client.force_login(trainer)
    earlier, later = before_and_after(sessions)
    response = client.get(f"/emargement/seances/{earlier[0].pk}/")
    assert [row.learner for row in response.context["rows"]] == [founder]
    response = client.get(f"/emargement/seances/{later[0].pk}/")
    assert [row.learner for row in response.context["rows"]] == [founder, newcomer]
    # Their signature page for a day before they joined does not exist.
    assert client.get(
        f"/emargement/seances/{earlier[0].pk}/signature/{newcomer.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_check_in_of_a_session_before_joining_is_not_theirs(clock, client, sessions,
                                                                newcomer):
    client.force_login(newcomer)
    earlier, later = before_and_after(sessions)
    assert client.get(f"/emargement/seances/{earlier[-1].pk}/pointer/").status_code == 404
    assert client.get(f"/emargement/seances/{later[0].pk}/pointer/").status_code == 200


@pytest.mark.django_db
def test_sheets_exports_and_rates_leave_out_the_days_before_joining(clock, sessions, group,
                                                                    founder, newcomer):
    absent = AttendanceStatus.objects.get(code="absent")
    present = AttendanceStatus.objects.get(code="present")
    earlier, later = before_and_after(sessions)
    # Marks recorded before the roster existed, on days the newcomer was not in the group:
    # they must count for nothing.
    Attendance.objects.bulk_create([Attendance(session=s, learner=newcomer, status=absent)
                                    for s in earlier])
    Attendance.objects.bulk_create([Attendance(session=s, learner=newcomer, status=present)
                                    for s in later])
    # The week before JOINED: one row, the founder's.
    rows = session_rows(earlier[-3:])
    assert [row["name"] for row in rows] == [founder.get_full_name()]
    # A span across the joining day: the newcomer's earlier cells say "not expected".
    span = [earlier[-1], later[0]]
    rows = {row["name"]: row for row in session_rows(span)}
    cells = rows[newcomer.get_full_name()]["cells"]
    assert [cell["expected"] for cell in cells] == [False, True]
    assert cells[0]["status"] == "" and cells[1]["status"] == "Présent·e"

    sheet = exports.attendance_sheet(group)
    newcomer_row = next(row for row in sheet.rows if row.learner == newcomer)
    assert newcomer_row.cells[:len(earlier)] == [exports.NOT_EXPECTED] * len(earlier)
    assert newcomer_row.sessions_marked == len(later)
    assert newcomer_row.rate == Decimal("100.0")
    assert exports.cohort_learners(group) == [founder, newcomer]


@pytest.mark.django_db
def test_no_false_absence_streak_for_the_sessions_before_joining(clock, sessions, group,
                                                                 newcomer):
    settings = AttendanceSettings.load()
    settings.consecutive_absences = 3
    settings.rate_minimum_sessions = 2
    settings.save()
    absent = AttendanceStatus.objects.get(code="absent")
    present = AttendanceStatus.objects.get(code="present")
    earlier, later = before_and_after(sessions)
    Attendance.objects.bulk_create([Attendance(session=s, learner=newcomer, status=absent)
                                    for s in earlier])
    Attendance.objects.bulk_create([Attendance(session=s, learner=newcomer, status=present)
                                    for s in later if s.date < NOW.date()])
    alerts.cohort_scan(group, config=settings, now=NOW)
    assert not AttendanceAlert.objects.filter(learner=newcomer).exists()
    # The same absences after joining do raise one.
    Attendance.objects.filter(learner=newcomer, session__in=later).update(status=absent)
    found = alerts.cohort_scan(group, config=settings, now=NOW)
    assert {o.kind for o in found if o.learner == newcomer} >= {AlertKind.ABSENCE_STREAK}


@pytest.mark.django_db
def test_the_learner_page_counts_only_their_sessions(clock, client, sessions, newcomer):
    absent = AttendanceStatus.objects.get(code="absent")
    present = AttendanceStatus.objects.get(code="present")
    earlier, later = before_and_after(sessions)
    Attendance.objects.create(session=earlier[0], learner=newcomer, status=absent)
    Attendance.objects.create(session=later[0], learner=newcomer, status=present)
    client.force_login(newcomer)
    response = client.get("/emargement/mes-absences/")
    (_cohort, figures), = response.context["figures"]
    assert figures.sessions_marked == 1 and figures.rate == Decimal("100.0")


@pytest.mark.django_db
def test_a_moved_learner_keeps_their_marks_and_old_sheets(clock, path, sessions, group,
                                                          trainer, founder):
    other = CohortFactory(path=path, trainers=[trainer], start_date=START,
                          end_date=datetime.date(2026, 6, 30))
    other_session = SessionFactory(cohort=other, trainer=trainer, date=day(27))
    earlier, later = before_and_after(sessions)
    services.roll_call_save(session=earlier[0], by=trainer,
                            marks=[MarkInput(founder.pk, "present")])
    moved_on = later[0].date
    progress.enrollment_move(enrollment=founder.enrollments.get(), cohort=other, by=trainer,
                             on_date=moved_on)
    # The old cohort's earlier sheet still shows them, with their mark.
    rows = session_rows([earlier[0]])
    assert rows[0]["name"] == founder.get_full_name()
    assert rows[0]["cells"][0]["status"] == "Présent·e"
    # Not on the old cohort's sessions from the move on; on the new cohort's.
    assert founder.pk not in roster.expected_learner_ids(later[0])
    assert roster.expected_learner_ids(other_session) == {founder.pk}
    assert founder in exports.cohort_learners(group)
    assert Attendance.objects.filter(learner=founder).count() == 1


def lock(*sessions_to_lock):
    """Countersigned and locked, as the lock service leaves a sheet (straight to the table)."""
    from django.utils import timezone

    from lms.attendance.models import Session

    Session.objects.filter(pk__in=[s.pk for s in sessions_to_lock]).update(
        locked_at=timezone.now(), countersigned_at=timezone.now(),
        countersignature_svg='<svg xmlns="http://www.w3.org/2000/svg"></svg>')


@pytest.mark.django_db
def test_a_moved_learner_keeps_the_realised_hours_of_their_former_cohort(
        clock, path, sessions, group, trainer, manager, founder, django_assert_num_queries):
    from lms.attendance.selectors import enrollment_hours, open_sheets_of, realised_attendance

    other = CohortFactory(path=path, trainers=[trainer], start_date=START,
                          end_date=datetime.date(2026, 6, 30))
    other_session = SessionFactory(cohort=other, trainer=trainer, date=day(27))
    earlier, later = before_and_after(sessions)
    for session in earlier[:2]:
        services.roll_call_save(session=session, by=trainer,
                                marks=[MarkInput(founder.pk, "present")])
    lock(*earlier[:2])
    enrollment = founder.enrollments.get()
    progress.enrollment_move(enrollment=enrollment, cohort=other, by=trainer,
                             on_date=later[0].date)
    services.roll_call_save(session=other_session, by=trainer,
                            marks=[MarkInput(founder.pk, "present")])
    lock(other_session)
    enrollment.refresh_from_db()

    attended = realised_attendance(enrollment)
    assert attended.hours == Decimal("9.00")  # 3 h in the old cohort twice, 3 h in the new
    assert (attended.first_date, attended.last_date) == (earlier[0].date, other_session.date)
    with django_assert_num_queries(1):
        assert enrollment_hours([enrollment])[enrollment.pk][1] == Decimal("9.00")
    # The old cohort's sheets still open from the learner's days there, none of later.
    assert open_sheets_of(enrollment) == earlier[2:]

    # Moved out of every cohort: the hours stay.
    progress.enrollment_move(enrollment=enrollment, cohort=None, by=manager,
                             on_date=day(28))
    enrollment.refresh_from_db()
    assert realised_attendance(enrollment).hours == Decimal("9.00")
    assert enrollment_hours([enrollment])[enrollment.pk][1] == Decimal("9.00")
