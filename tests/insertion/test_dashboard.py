"""Insertion staff dashboard: who reaches it, each row's figures, the alerts, sorting and
filtering, and a query count that does not grow with the number of trainees."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Competence
from lms.attendance.enums import AlertKind
from lms.attendance.models import Attendance, AttendanceAlert, AttendanceStatus
from lms.insertion.enums import ContractKind, ExitCategory, ExitOutcome, TraineeStatus
from lms.insertion.models import Contract, Exit, Interview
from tests.accounts.factories import LearnerFactory, ManagerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import TrainingPathFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory, ValidationFactory

URL = "/insertion/"
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def contract(trainee, *, end, start=None, kind=ContractKind.INITIAL):
    return Contract.objects.create(trainee=trainee, kind=kind,
                                   start_date=start or end - datetime.timedelta(days=180),
                                   end_date=end, weekly_hours=26)


def interview(trainee, on, staff=None):
    return Interview.objects.create(trainee=trainee, date=on, kind="regular", staff=staff,
                                    notes="secret")


def rows_of(response):
    return response.context["rows"]


def row_for(response, trainee):
    return next(row for row in rows_of(response) if row.trainee.pk == trainee.pk)


def codes(row):
    return {alert.code for alert in row.alerts}


def marks(cohort, learner, statuses: list[str]):
    """One past 3-hour session a day in `cohort` per status code."""
    by_code = {status.code: status for status in AttendanceStatus.objects.all()}
    for offset, code in enumerate(statuses):
        session = SessionFactory(cohort=cohort, date=days(-20 + offset))
        Attendance.objects.create(session=session, learner=learner, status=by_code[code])


# --- Access ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/comptes/" in response["Location"]


@pytest.mark.django_db
def test_trainers_and_learners_get_404(client, trainee, trainer, learner):
    for user in (trainer, learner, LearnerFactory()):
        client.force_login(user)
        assert client.get(URL).status_code == 404


@pytest.mark.django_db
def test_staff_see_only_the_trainees_of_their_programmes(client, trainee, staff):
    other = TraineeFactory(programme=ProgrammeFactory(staff=[InsertionStaffFactory()]))
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert [row.trainee for row in rows_of(response)] == [trainee]
    assert str(other.learner) not in response.content.decode()
    client.force_login(InsertionStaffFactory())  # staff of no programme: an empty list
    assert rows_of(client.get(URL)) == []


@pytest.mark.django_db
def test_managers_see_every_trainee(client, trainee, manager):
    other = TraineeFactory(programme=ProgrammeFactory())
    client.force_login(manager)
    assert {row.trainee for row in rows_of(client.get(URL))} == {trainee, other}


# --- Figures of a row ------------------------------------------------------------------------

@pytest.mark.dates
@pytest.mark.django_db
def test_row_figures(client, staff, trainee, catalogue, referential):
    contract(trainee, start=days(-200), end=days(-20))
    contract(trainee, start=days(-19), end=days(150), kind=ContractKind.RENEWAL)
    interview(trainee, days(-40))
    interview(trainee, days(-3))
    # Attendance over two groups, weighted by marked sessions: 4 of 4 and 0 of 1 → 80 %,
    # not the 50 % of an average of the two rates.
    first, second = CohortFactory(path=TrainingPathFactory(parent=catalogue)), None
    second = CohortFactory(path=TrainingPathFactory(parent=catalogue))
    EnrollmentFactory(learner=trainee.learner, path=first.path, cohort=first)
    EnrollmentFactory(learner=trainee.learner, path=second.path, cohort=second)
    EnrollmentFactory(learner=trainee.learner, path=TrainingPathFactory(parent=catalogue))
    marks(first, trainee.learner, ["present"] * 4)
    marks(second, trainee.learner, ["absent"])
    # Competences: two distinct since entry (one validated twice), one before entry.
    digcomp = Competence.objects.of_framework("digcomp-2.2")
    a, b, c = digcomp.get(code="1.1"), digcomp.get(code="2.1"), digcomp.get(code="3.1")
    ValidationFactory(learner=trainee.learner, competence=a, assessed_on=days(-30))
    ValidationFactory(learner=trainee.learner, competence=a, assessed_on=days(-10), level=4)
    ValidationFactory(learner=trainee.learner, competence=b, assessed_on=days(-5))
    ValidationFactory(learner=trainee.learner, competence=c,
                      assessed_on=trainee.entry_date - datetime.timedelta(days=1))
    client.force_login(staff)
    response = client.get(URL)
    row = row_for(response, trainee)
    assert row.contract_end == days(150)
    assert row.last_interview == days(-3)
    assert row.attendance_rate == Decimal("80.0")
    assert row.attended_hours == Decimal("12.00")
    assert row.hours_provisional == Decimal("12.00")  # no sheet locked yet
    assert row.competences_gained == 2
    assert row.alerts == []
    html = response.content.decode()
    assert "80,0 %" in html and "12,00 h" in html
    assert "dont 12,00 h provisoires (feuilles non clôturées)" in html
    assert f"{days(150):%d/%m/%Y}" in html


@pytest.mark.dates
@pytest.mark.django_db
def test_a_trainee_without_any_data(client, staff, trainee):
    trainee.entry_date = days(-5)
    trainee.save()
    client.force_login(staff)
    row = row_for(client.get(URL), trainee)
    assert (row.contract_end, row.last_interview, row.attendance_rate, row.attended_hours,
            row.competences_gained, row.alerts) == (None, None, None, None, 0, [])


@pytest.mark.django_db
def test_hours_of_open_sheets_are_labelled_provisional(client, staff, trainee, catalogue):
    """Issue 11, point 1: the realised hours (locked sheets) and, labelled, the provisional
    ones (sheets still open)."""
    cohort = CohortFactory(path=TrainingPathFactory(parent=catalogue))
    EnrollmentFactory(learner=trainee.learner, path=cohort.path, cohort=cohort)
    marks(cohort, trainee.learner, ["present", "present", "present"])
    first = cohort.sessions.order_by("date").first()
    type(first).objects.filter(pk=first.pk).update(locked_at=timezone.now())
    client.force_login(staff)
    response = client.get(URL)
    row = row_for(response, trainee)
    assert (row.attended_hours, row.hours_provisional) == (Decimal("9.00"), Decimal("6.00"))
    assert "9,00 h, dont 6,00 h provisoires (feuilles non clôturées)" in \
        response.content.decode()
    type(first).objects.filter(cohort=cohort, locked_at__isnull=True).update(
        locked_at=timezone.now())
    response = client.get(URL)
    assert row_for(response, trainee).hours_provisional == 0
    assert "provisoire" not in response.content.decode()


# --- Alerts ----------------------------------------------------------------------------------

@pytest.mark.dates
@pytest.mark.django_db
@pytest.mark.parametrize(("end", "exit_kind", "alerted"), [
    (20, None, True),
    (30, None, True),
    (-3, None, True),  # ended, and still no exit
    (31, None, False),
    (20, "planned", False),
    (20, "effective", False),
])
def test_contract_ending_alert(client, staff, trainee, end, exit_kind, alerted):
    interview(trainee, days(-1))
    contract(trainee, end=days(end))
    if exit_kind:
        Exit.objects.create(trainee=trainee, date=days(end), planned=exit_kind == "planned",
                            category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                            outcome=ExitOutcome.CDI)
    client.force_login(staff)
    response = client.get(URL)
    assert ("contract_ending" in codes(row_for(response, trainee))) is alerted
    if alerted:
        assert "no exit recorded" in response.content.decode().lower() or \
            "aucune sortie" in response.content.decode().lower()


@pytest.mark.dates
@pytest.mark.django_db
def test_no_alert_once_the_exit_is_effective(client, staff, trainee):
    contract(trainee, end=days(10))
    Exit.objects.create(trainee=trainee, date=days(-1), category=ExitCategory.OTHER,
                        outcome=ExitOutcome.JOB_SEEKING)
    trainee.status = TraineeStatus.EXITED
    trainee.save()
    client.force_login(staff)
    assert row_for(client.get(URL), trainee).alerts == []


@pytest.mark.dates
@pytest.mark.django_db
@pytest.mark.parametrize(("entry", "last", "alerted"), [
    (-90, -31, True),
    (-90, -30, False),
    (-90, -5, False),
    (-90, None, True),   # never, entered 90 days ago
    (-31, None, True),
    (-30, None, False),  # never, but entered 30 days ago
    (-10, None, False),
])
def test_no_interview_alert(client, staff, trainee, entry, last, alerted):
    trainee.entry_date = days(entry)
    trainee.save()
    if last is not None:
        interview(trainee, days(last))
    interview(TraineeFactory(programme=trainee.programme), TODAY)  # someone else's
    client.force_login(staff)
    assert ("no_interview" in codes(row_for(client.get(URL), trainee))) is alerted


@pytest.mark.dates
@pytest.mark.django_db
def test_absence_streak_alert(client, staff, trainee, cohort):
    interview(trainee, TODAY)
    client.force_login(staff)
    low_rate = AttendanceAlert.objects.create(learner=trainee.learner, cohort=cohort,
                                              kind=AlertKind.LOW_RATE, key="low")
    assert row_for(client.get(URL), trainee).alerts == []
    old = AttendanceAlert.objects.create(learner=trainee.learner, cohort=cohort,
                                         kind=AlertKind.ABSENCE_STREAK, key="old")
    AttendanceAlert.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31))
    assert row_for(client.get(URL), trainee).alerts == []
    AttendanceAlert.objects.create(learner=trainee.learner, cohort=cohort,
                                   kind=AlertKind.ABSENCE_STREAK, key="recent")
    AttendanceAlert.objects.create(learner=LearnerFactory(), cohort=cohort,
                                   kind=AlertKind.ABSENCE_STREAK, key="other")
    response = client.get(URL)
    assert codes(row_for(response, trainee)) == {"absence_streak"}
    assert low_rate.pk  # a low rate alone is not this alert


# --- Sorting and filtering -------------------------------------------------------------------

@pytest.fixture
def three(staff, programme):
    """Alice (contract ends in 100 days, interview 40 days ago, 50 %), Bruno (ends in 20
    days, never interviewed, 100 %), Chloé (no contract, interview yesterday, no attendance)."""
    names = [("Alice", "Durand"), ("Bruno", "Martin"), ("Chloé", "Bernard")]
    other_staff = InsertionStaffFactory()
    programme.staff.add(other_staff)
    trainees = {}
    for first, last in names:
        learner = LearnerFactory(first_name=first, last_name=last)
        trainees[first] = TraineeFactory(programme=programme, learner=learner, referent=staff)
    contract(trainees["Alice"], end=days(100))
    contract(trainees["Bruno"], end=days(20))
    interview(trainees["Alice"], days(-40))
    interview(trainees["Chloé"], days(-1))
    trainees["Chloé"].referent = other_staff
    trainees["Chloé"].status = TraineeStatus.SUSPENDED
    trainees["Chloé"].save()
    cohort = CohortFactory(path=TrainingPathFactory(parent=_catalogue()))
    for name, codes_ in (("Alice", ["present", "absent"]), ("Bruno", ["present"])):
        EnrollmentFactory(learner=trainees[name].learner, path=cohort.path, cohort=cohort)
        marks(cohort, trainees[name].learner, codes_)
    return trainees


def _catalogue():
    from courses.models import CatalogueIndexPage

    return CatalogueIndexPage.objects.first()


def first_names(response):
    return [row.trainee.learner.first_name for row in rows_of(response)]


@pytest.mark.django_db
@pytest.mark.parametrize(("sort", "expected"), [
    ("", ["Chloé", "Alice", "Bruno"]),  # by last name: Bernard, Durand, Martin
    ("name", ["Chloé", "Alice", "Bruno"]),
    ("-name", ["Bruno", "Alice", "Chloé"]),
    ("contract_end", ["Bruno", "Alice", "Chloé"]),
    ("-contract_end", ["Chloé", "Alice", "Bruno"]),
    ("last_interview", ["Bruno", "Alice", "Chloé"]),
    ("rate", ["Alice", "Bruno", "Chloé"]),
    ("-rate", ["Chloé", "Bruno", "Alice"]),
    ("nonsense", ["Chloé", "Alice", "Bruno"]),
    ("learner__password", ["Chloé", "Alice", "Bruno"]),
])
def test_sorting(client, staff, catalogue, three, sort, expected):
    client.force_login(staff)
    response = client.get(URL, {"sort": sort})
    assert response.status_code == 200
    assert first_names(response) == expected


@pytest.mark.django_db
def test_sort_links_keep_the_filters_and_flip_the_order(client, staff, catalogue, three,
                                                         programme):
    client.force_login(staff)
    response = client.get(URL, {"sort": "rate", "programme": programme.pk})
    columns = response.context["columns"]
    assert columns["rate"]["aria_sort"] == "ascending"
    assert "sort=-rate" in columns["rate"]["url"]
    assert f"programme={programme.pk}" in columns["name"]["url"]
    assert 'aria-sort="ascending"' in response.content.decode()


@pytest.mark.django_db
def test_filters(client, staff, catalogue, three, programme):
    other_programme = ProgrammeFactory(staff=[staff])
    TraineeFactory(programme=other_programme,
                   learner=LearnerFactory(first_name="Zoé", last_name="Zola"))
    client.force_login(staff)
    assert first_names(client.get(URL, {"programme": programme.pk})) == [
        "Chloé", "Alice", "Bruno"]
    assert first_names(client.get(URL, {"programme": other_programme.pk})) == ["Zoé"]
    assert first_names(client.get(URL, {"status": "suspended"})) == ["Chloé"]
    assert first_names(client.get(URL, {"referent": staff.pk})) == ["Alice", "Bruno"]
    # Alice: interview 40 days ago; Bruno: contract ends within 30 days; Zoé: never seen
    # after 90 days. Chloé has no alert.
    response = client.get(URL, {"alerts": "1", "sort": "-name"})
    assert first_names(response) == ["Zoé", "Bruno", "Alice"]
    assert response.context["alert_count"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    {"programme": "abc"}, {"programme": "999999"}, {"status": "nope"}, {"referent": "x"},
    {"referent": "-1"}, {"alerts": "", "sort": "'; drop table"},
])
def test_invalid_parameters_are_ignored(client, staff, catalogue, three, query):
    client.force_login(staff)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert len(rows_of(response)) == 3


@pytest.mark.django_db
def test_a_programme_of_someone_else_cannot_be_filtered_on(client, staff, catalogue, three):
    foreign = TraineeFactory(programme=ProgrammeFactory(staff=[InsertionStaffFactory()]))
    client.force_login(staff)
    response = client.get(URL, {"programme": foreign.programme_id})
    assert foreign not in [row.trainee for row in rows_of(response)]
    assert len(rows_of(response)) == 3  # the value is not a choice: ignored


@pytest.mark.django_db
def test_trainer_who_is_also_a_learner_still_gets_404(client):
    client.force_login(TrainerFactory(is_learner=True))
    assert client.get(URL).status_code == 404


# --- Query count -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_query_count_does_not_grow_with_the_trainees(client, staff, programme, catalogue,
                                                     referential, django_assert_num_queries,
                                                     size):
    cohort = CohortFactory(path=TrainingPathFactory(parent=catalogue))
    present = AttendanceStatus.objects.get(code="present")
    sessions = [SessionFactory(cohort=cohort, date=days(-n)) for n in range(1, 4)]
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.1")
    for n in range(size):
        trainee = TraineeFactory(programme=programme, referent=staff)
        contract(trainee, end=days(10 + n))
        interview(trainee, days(-n))
        EnrollmentFactory(learner=trainee.learner, path=cohort.path, cohort=cohort)
        Attendance.objects.bulk_create([Attendance(session=session, learner=trainee.learner,
                                                   status=present) for session in sessions])
        ValidationFactory(learner=trainee.learner, competence=competence, assessed_on=TODAY)
        AttendanceAlert.objects.create(learner=trainee.learner, cohort=cohort,
                                       kind=AlertKind.ABSENCE_STREAK, key=f"k{n}")
    manager = ManagerFactory()
    for user in (staff, manager):
        client.force_login(user)
        client.get(URL)
        with django_assert_num_queries(12):
            response = client.get(URL, {"sort": "rate", "alerts": "1"})
        assert len(rows_of(response)) == size
        assert all(row.attendance_rate == Decimal("100.0") and row.competences_gained == 1
                   for row in rows_of(response))
