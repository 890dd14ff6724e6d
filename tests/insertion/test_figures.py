"""Programme figures for funders: counts, exits by category, median time, hours, competences;
pseudonymised exports; permissions; fixed query counts."""

import csv
import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Competence
from lms.attendance.models import Attendance, AttendanceStatus, Session
from lms.insertion.enums import ExitCategory, ExitOutcome, TraineeStatus
from lms.insertion.figures import default_period, programme_figures, pseudonym
from lms.insertion.models import Exit, Interview, ObstacleAssessment
from lms.progress.enums import AssessmentKind, AssessmentMethod
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory, ValidationFactory

D = datetime.date
START, END = D(2025, 1, 1), D(2025, 12, 31)
PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}
URL, XLSX, CSV = "/insertion/chiffres/", "/insertion/chiffres/export.xlsx", \
    "/insertion/chiffres/export.csv"
# The crafted programme lives in 2025 (its day counts hold for that calendar only); its figures
# are read in January 2026, once its sessions are past and their sheets locked, whatever day the
# suite runs (PARCOURS_TEST_DATE): read earlier, no hour would be realised yet.
READ_ON = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)


def exited(trainee, *, on, category, outcome, comment="", planned=False):
    Exit.objects.create(trainee=trainee, date=on, category=category, outcome=outcome,
                        comment=comment, planned=planned)
    if not planned:
        trainee.status, trainee.status_changed_at = TraineeStatus.EXITED, on
        trainee.save()
    return trainee


def csv_rows(response):
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_sheets(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets}


@pytest.fixture
def statuses(db):
    return {status.code: status for status in AttendanceStatus.objects.all()}


@pytest.fixture
def after_the_period():
    with time_machine.travel(READ_ON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def data(after_the_period, programme, staff, path, cohort, referential, statuses):
    """Seven trainees in `programme`, one in another programme; sessions and validations."""
    def trainee(first, last, entry, **kwargs):
        learner = LearnerFactory(first_name=first, last_name=last,
                                 email=f"{first.lower()}@exemple.fr", phone="0611223344")
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
        return TraineeFactory(programme=programme, learner=learner, entry_date=entry,
                              referent=staff, pass_iae_number=f"99999{len(first):07d}",
                              **kwargs)

    t1 = exited(trainee("Amina", "Benali", D(2024, 6, 1)), on=D(2025, 3, 1),
                category=ExitCategory.SUSTAINABLE_EMPLOYMENT, outcome=ExitOutcome.CDI,
                comment="Embauchée chez Leroy")
    t2 = exited(trainee("Bruno", "Carré", D(2025, 2, 1)), on=D(2025, 8, 1),
                category=ExitCategory.TRANSITION_EMPLOYMENT, outcome=ExitOutcome.CDD_SHORT)
    t3 = exited(trainee("Chloé", "Dumas", D(2025, 5, 1)), on=D(2025, 11, 1),
                category=ExitCategory.OTHER, outcome=ExitOutcome.JOB_SEEKING)
    t4 = trainee("Driss", "Elkaim", D(2025, 9, 1))
    exited(trainee("Eva", "Fabre", D(2024, 1, 1)), on=D(2024, 12, 15),  # left before
           category=ExitCategory.POSITIVE_EXIT, outcome=ExitOutcome.QUALIFYING_TRAINING)
    trainee("Farid", "Gomez", D(2026, 1, 5))  # came after
    t7 = trainee("Gaëlle", "Hamon", D(2025, 10, 1))
    exited(t7, on=D(2099, 12, 31), category=ExitCategory.OTHER, outcome=ExitOutcome.UNKNOWN,
           planned=True)
    other_staff = InsertionStaffFactory()
    other = ProgrammeFactory(staff=[other_staff])
    TraineeFactory(programme=other, entry_date=D(2025, 1, 1),
                   learner=LearnerFactory(first_name="Hugo", last_name="Ibarra"))
    ObstacleAssessment.objects.create(trainee=t4, category="housing", severity=3,
                                      note="Hébergé chez sa sœur")
    Interview.objects.create(trainee=t4, date=D(2025, 9, 2), kind="initial",
                             notes="Très confidentiel")

    def session(day, start=9, end=12, **kwargs):
        return SessionFactory(cohort=cohort, date=day, start_time=datetime.time(start),
                              end_time=datetime.time(end), **kwargs)

    cancelled = session(D(2025, 3, 11))
    cancelled.cancelled_at = cancelled.created_at
    cancelled.save()
    marks = [
        (session(D(2025, 2, 10)), t1, "present", 0),  # 180 min
        (session(D(2025, 4, 10)), t1, "present", 0),  # after the exit: not counted
        (session(D(2025, 3, 10)), t2, "late", 30),  # 150 min
        (session(D(2025, 3, 10), 14, 17), t2, "absent", 0),
        (cancelled, t2, "present", 0),
        (session(D(2024, 12, 1)), t4, "present", 0),  # before the period
    ]
    Attendance.objects.bulk_create([
        Attendance(session=s, learner=t.learner, status=statuses[code], minutes_late=late)
        for s, t, code, late in marks
    ])
    # Countersigned: the figures count realised hours, those of locked sheets only.
    Session.objects.filter(pk__in={s.pk for s, *_rest in marks}).update(
        locked_at=datetime.datetime(2025, 12, 31, tzinfo=datetime.UTC))
    c1, c2, c3 = Competence.objects.order_by("pk")[:3]
    for learner, competence, day in [(t1.learner, c1, D(2025, 2, 1)),
                                     (t1.learner, c1, D(2025, 2, 20)),
                                     (t1.learner, c2, D(2024, 5, 1)),
                                     (t2.learner, c1, D(2025, 6, 1)),
                                     (t4.learner, c2, D(2025, 10, 1))]:
        ValidationFactory(learner=learner, competence=competence, assessed_on=day)
    ValidationFactory(learner=t2.learner, competence=c3, assessed_on=D(2025, 6, 1),
                      kind=AssessmentKind.INITIAL, method=AssessmentMethod.SELF)
    return {"trainees": [t1, t2, t3, t4, t7], "competences": [c1, c2], "other": other,
            "other_staff": other_staff}


@pytest.mark.django_db
def test_figures_of_a_crafted_programme(data, staff, programme):
    figures = programme_figures(user=staff, start=START, end=END, programme=programme)
    assert figures.active_trainees == 5
    assert {row.trainee.pk for row in figures.rows} == {t.pk for t in data["trainees"]}
    assert figures.exits_total == 3
    counts = {row.category: row.count for row in figures.categories}
    assert counts == {"sustainable_employment": 1, "transition_employment": 1,
                      "positive_exit": 0, "other": 1}
    outcomes = {o.outcome: o.count for row in figures.categories for o in row.outcomes}
    assert outcomes["cdi"] == outcomes["cdd_short"] == outcomes["job_seeking"] == 1
    assert outcomes["unknown"] == 0  # a planned exit isn't effective yet
    assert figures.dynamic_exits == 2
    assert figures.dynamic_rate == 66.7
    # 273, 181 and 184 days in the programme.
    assert figures.median_days == 184
    assert figures.median_months == 6.0
    assert str(figures.hours_total) == "5.50"
    assert figures.competences_gained == 3
    assert figures.trainees_with_competence == 3
    c1, c2 = data["competences"]
    assert [(row.code, row.trainees) for row in figures.competences] == sorted(
        [(c1.code, 2), (c2.code, 1)])


@pytest.mark.django_db
def test_staff_see_their_programmes_and_managers_all(data, staff, manager):
    assert programme_figures(user=staff, start=START, end=END).active_trainees == 5
    assert programme_figures(user=manager, start=START, end=END).active_trainees == 6


@pytest.mark.django_db
def test_page_shows_tables_and_chart(client, data, staff, programme):
    client.force_login(staff)
    response = client.get(URL, {**PERIOD, "programme": programme.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<caption" in html and 'scope="row"' in html
    assert "66,7" in html  # dynamic exit rate, in French
    assert "Benali" not in html  # figures only: no names on screen


@pytest.mark.dates
@pytest.mark.django_db
def test_default_period_is_the_current_calendar_year(client, staff):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    start, end = default_period()
    assert (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    assert start.year == end.year == timezone.localdate().year
    assert response.context["figures"].start == start
    assert response.context["figures"].end == end


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"start": "2025-13-01"}, {"end": "pas une date"},
                                   {"start": "2025-06-01", "end": "2025-01-01"},
                                   {"programme": "abc"}, {"programme": "999999"},
                                   {"programme": "9" * 30}, {"start": "0001-01-01"}])
def test_bad_input_is_a_form_error(client, data, staff, query):
    client.force_login(staff)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert client.get(CSV, query).status_code == 400


@pytest.mark.django_db
def test_permissions(client, data, staff, trainer, learner, programme, manager):
    other = data["other"]
    client.force_login(staff)
    for url in (URL, XLSX, CSV):
        assert client.get(url, {"programme": other.pk}).status_code == 404
    client.force_login(data["other_staff"])
    assert client.get(URL, {"programme": programme.pk}).status_code == 404
    assert client.get(URL, {"programme": other.pk}).status_code == 200
    for user in (trainer, learner):
        client.force_login(user)
        for url in (URL, XLSX, CSV):
            assert client.get(url).status_code == 404
    client.force_login(manager)
    assert client.get(URL, {"programme": other.pk}).status_code == 200
    client.logout()
    assert client.get(URL).status_code == 302


@pytest.mark.django_db
def test_pseudonymised_exports_have_no_names_and_stable_pseudonyms(client, data, staff,
                                                                   programme):
    client.force_login(staff)
    query = {**PERIOD, "programme": programme.pk, "pseudonymised": "1"}
    first, second = client.get(CSV, query), client.get(CSV, query)
    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/csv")
    assert first.content == second.content
    text = first.content.decode("utf-8-sig")
    expected = {pseudonym(t.pk) for t in data["trainees"]}
    assert all(len(code) == 10 for code in expected)
    rows = csv_rows(first)
    assert {row[0] for row in rows if row} >= expected
    workbook = xlsx_sheets(client.get(XLSX, query))
    trainees_sheet = next(rows for title, rows in workbook.items() if title in (
        "Stagiaires", "Trainees", "Salarié·es en insertion"))
    assert {row[0] for row in trainees_sheet[1:]} == expected
    flat = text + repr(workbook)
    for trainee in data["trainees"]:
        learner = trainee.learner
        for secret in (learner.first_name, learner.last_name, learner.email, learner.phone,
                       trainee.pass_iae_number):
            assert secret not in flat, secret
    for secret in ("Hébergé", "confidentiel", "Leroy"):
        assert secret not in flat


@pytest.mark.django_db
def test_named_export_has_names_but_no_contact_details_or_notes(client, data, staff,
                                                                programme):
    client.force_login(staff)
    response = client.get(XLSX, {**PERIOD, "programme": programme.pk})
    assert response.status_code == 200
    assert "pseudonymise" not in response["Content-Disposition"]
    flat = repr(xlsx_sheets(response))
    for trainee in data["trainees"]:
        assert trainee.learner.last_name in flat
        assert trainee.learner.email not in flat
        assert trainee.pass_iae_number not in flat
    for secret in ("Hébergé", "confidentiel", "Leroy", "0611223344"):
        assert secret not in flat
    text = client.get(CSV, {**PERIOD, "programme": programme.pk}).content.decode("utf-8-sig")
    assert "Benali;Amina" in text and "amina@exemple.fr" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_query_count_is_fixed(after_the_period, client, staff, programme, path, cohort,
                              referential, statuses, django_assert_num_queries, size):
    sessions = [SessionFactory(cohort=cohort, date=D(2025, 3, day)) for day in range(1, 4)]
    competence = Competence.objects.first()
    for index in range(size):
        learner = LearnerFactory()
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
        trainee = TraineeFactory(programme=programme, learner=learner, entry_date=D(2024, 9, 1))
        if index % 2:
            exited(trainee, on=D(2025, 6, 1), category=ExitCategory.POSITIVE_EXIT,
                   outcome=ExitOutcome.OTHER_IAE)
        ValidationFactory(learner=learner, competence=competence, assessed_on=D(2025, 4, 1))
        Attendance.objects.bulk_create([Attendance(session=s, learner=learner,
                                                   status=statuses["present"])
                                        for s in sessions])
    client.force_login(staff)
    query = {**PERIOD, "programme": programme.pk}
    client.get(URL, query)
    # session + user, programme chosen, trainees, marks, validations, programme choices,
    # and the base template's own (organisation, permissions, Wagtail user bar and site).
    with django_assert_num_queries(13):
        response = client.get(URL, query)
    assert response.context["figures"].active_trainees == size
    # Exports: session + user, programme chosen, trainees, marks, validations.
    for url in (XLSX, CSV):
        with django_assert_num_queries(6):
            assert client.get(url, {**query, "pseudonymised": "1"}).status_code == 200
