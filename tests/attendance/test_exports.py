"""A cohort's attendance as XLSX and CSV: cells, blanks, cancelled sessions, permissions."""

import csv
import datetime
import io

import pytest
from django.utils import timezone as django_timezone
from openpyxl import load_workbook

from lms.attendance.models import Attendance, AttendanceStatus, Session
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.dates

TODAY = datetime.date.today()


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


def xlsx_url(cohort):
    return f"/emargement/groupes/{cohort.pk}/export.xlsx"


def csv_url(cohort):
    return f"/emargement/groupes/{cohort.pk}/export.csv"


def xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return [["" if value is None else value for value in row]
            for row in workbook.active.iter_rows(values_only=True)]


def csv_rows(response):
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def sheet(path, cohort):
    """Two learners, four sessions (one cancelled): the expected cells of each."""
    status = {s.code: s for s in AttendanceStatus.objects.all()}
    alice = EnrollmentFactory(path=path, cohort=cohort,
                              learner=LearnerFactory(first_name="Alice", last_name="Martin")
                              ).learner
    zoe = EnrollmentFactory(path=path, cohort=cohort,
                            learner=LearnerFactory(first_name="Zoé", last_name="Bernard")
                            ).learner
    morning = SessionFactory(cohort=cohort, date=days_ago(5))
    afternoon = SessionFactory(cohort=cohort, date=days_ago(5),
                               start_time=datetime.time(14), end_time=datetime.time(17))
    cancelled = SessionFactory(cohort=cohort, date=days_ago(4), cancel_reason="Grève")
    cancelled.cancelled_at = cancelled.created_at
    cancelled.save()
    last = SessionFactory(cohort=cohort, date=days_ago(3))
    Attendance.objects.bulk_create([
        Attendance(session=morning, learner=alice, status=status["present"]),
        Attendance(session=afternoon, learner=alice, status=status["late"], minutes_late=15),
        Attendance(session=cancelled, learner=alice, status=status["absent"]),
        Attendance(session=morning, learner=zoe, status=status["absent"]),
        Attendance(session=afternoon, learner=zoe, status=None, comment="?"),
        Attendance(session=last, learner=zoe, status=status["present"]),
    ])
    # Countersigned: the hours of a funder export are those of locked sheets only.
    Session.objects.filter(pk__in=[morning.pk, afternoon.pk, last.pk]).update(
        locked_at=django_timezone.now())
    return {"sessions": [morning, afternoon, last], "cancelled": cancelled,
            "alice": alice, "zoe": zoe}


@pytest.mark.django_db
def test_xlsx_has_a_row_per_learner_and_a_column_per_session(client, trainer, cohort, sheet):
    client.force_login(trainer)
    response = client.get(xlsx_url(cohort))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = xlsx_rows(response)
    morning, afternoon, last = sheet["sessions"]
    assert len(header) == 2 + 3 + 3  # names, three sessions, marked + rate + hours
    assert header[2].startswith(morning.date.strftime("%d/%m/%Y"))
    assert header[3].startswith(afternoon.date.strftime("%d/%m/%Y"))
    assert header[2] != header[3]  # morning and afternoon of the same day
    assert header[4].startswith(last.date.strftime("%d/%m/%Y"))
    assert not any(sheet["cancelled"].date.strftime("%d/%m/%Y") in str(h) for h in header)
    # By last name: Bernard before Martin.
    assert rows[0] == ["Bernard", "Zoé", "Absent·e", "", "Présent·e", 2, 50.0, 3.0]
    assert rows[1] == ["Martin", "Alice", "Présent·e", "En retard (+15 min)", "", 2, 75.0, 5.75]


@pytest.mark.django_db
def test_csv_is_utf8_with_bom_and_semicolons(client, manager, cohort, sheet):
    client.force_login(manager)
    response = client.get(csv_url(cohort))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert len(header) == 8
    assert rows == [
        ["Bernard", "Zoé", "Absent·e", "", "Présent·e", "2", "50,0", "3,00"],
        ["Martin", "Alice", "Présent·e", "En retard (+15 min)", "", "2", "75,0", "5,75"],
    ]


@pytest.mark.django_db
def test_a_learner_never_marked_has_blank_cells_and_no_rate(client, trainer, path, cohort,
                                                           sheet):
    EnrollmentFactory(path=path, cohort=cohort,
                      learner=LearnerFactory(first_name="Yves", last_name="Zola"))
    client.force_login(trainer)
    *_, row = csv_rows(client.get(csv_url(cohort)))
    assert row == ["Zola", "Yves", "", "", "", "0", "", "0,00"]


@pytest.mark.django_db
def test_only_the_cohort_trainers_and_managers_export(client, cohort, sheet):
    for url in [xlsx_url(cohort), csv_url(cohort)]:
        assert client.get(url).status_code == 302  # to the login page
    for user in [TrainerFactory(), sheet["alice"]]:
        client.force_login(user)
        for url in [xlsx_url(cohort), csv_url(cohort)]:
            assert client.get(url).status_code == 404
    client.force_login(TrainerFactory())
    assert client.get("/emargement/groupes/999999/export.csv").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_exports_query_count_is_fixed(client, trainer, path, cohort,
                                      django_assert_num_queries, size):
    present = AttendanceStatus.objects.get(code="present")
    sessions = [SessionFactory(cohort=cohort, date=days_ago(n)) for n in range(1, 6)]
    learners = [EnrollmentFactory(path=path, cohort=cohort).learner for _ in range(size)]
    Attendance.objects.bulk_create([
        Attendance(session=session, learner=learner, status=present)
        for session in sessions for learner in learners[::2]
    ])
    client.force_login(trainer)
    client.get(csv_url(cohort))
    # The XLSX has one more: its "History" sheet (the audit trail, empty here).
    for url, queries in [(xlsx_url(cohort), 8), (csv_url(cohort), 7)]:
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
    assert len(csv_rows(response)) == size + 1
