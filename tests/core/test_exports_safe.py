"""Every CSV and XLSX export of the URLconf, with hostile names in the data: no cell a
spreadsheet would run as a formula (OWASP's CSV injection rule, lms.core.spreadsheets)."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from lms.attendance.models import Attendance, AttendanceStatus
from lms.core.spreadsheets import SafeCsvWriter, safe_cell, xlsx_append
from lms.insertion.enums import ExitCategory, ExitOutcome, TraineeStatus
from lms.insertion.models import Exit
from lms.progress.models import Enrollment
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.insertion.factories import ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory
from tests.test_authorization_matrix import discovered_routes

D = datetime.date
# The world lives in last year, whatever day the suite runs (PARCOURS_TEST_DATE): its session is
# then past and its sheet can be locked, so the BPF counts its hours and names its learners.
YEAR = timezone.localdate().year - 1
DAY = D(YEAR, 3, 4)
PERIOD = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)", "\t=1+1", "\r=1+1",
           "=cmd|' /C calc'!A0"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number written as text (French decimals): a value, not a formula.
NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def export_routes():
    """The URL patterns that answer a spreadsheet: named or shaped as an export."""
    found = {}
    for key, routes in discovered_routes().items():
        for route in routes:
            shape = route.route.replace("^", "").replace("$", "")
            if re.search(r"\.(csv|xlsx)$", shape) or re.search(r"(csv|xlsx|export)", key):
                found[key] = route
    return found


# Per export: how to reach it with the hostile world (kwargs, query). A new export URL without
# an entry here fails test_every_export_url_is_walked: add it, with hostile data it shows.
def _cohort_kwargs(world):
    return {"cohort_id": world.cohort.pk}


def _quality_register(world):
    """A complaint and an improvement action written by a hostile hand."""
    from lms.quality.models import Complaint, Improvement

    complaint = Complaint.objects.create(
        received_on=DAY, complainant_kind="learner", complainant_name=HOSTILE[0],
        complainant_contact="+33 6 00 00 00 00", channel="email", cohort=world.cohort,
        description="-Salle froide", answer="@réponse")
    Improvement.objects.create(source="complaint", complaint=complaint, identified_on=DAY,
                               description=HOSTILE[0], owner="=1+1")
    return {}


def _bpf_world(world):
    """The hostile learners' session locked: their hours are realised, their funding
    missing, so the BPF lists them by name."""
    from lms.attendance.models import Session

    Session.objects.filter(pk=world.session.pk).update(locked_at=timezone.now())
    return {}


def _survey_world(world):
    """A named survey answered by a hostile learner, with a hostile free-text answer."""
    from lms.accounts.models import User
    from lms.surveys import services
    from lms.surveys.tokens import invitation_token
    from tests.surveys.factories import answers_for, make_survey

    survey = make_survey(anonymous=False)
    learner = User.objects.filter(enrollments__cohort=world.cohort).order_by("pk").first()
    invitation = services.invitation_create(survey=survey, person=learner, cohort=world.cohort,
                                            path=world.cohort.path, send=False)
    services.response_submit(token=invitation_token(invitation),
                             data=answers_for(survey, text=HOSTILE[0]))
    return {"survey_id": survey.pk}


EXPORTS = {
    "attendance:cohort_export_xlsx": (_cohort_kwargs, {}),
    "attendance:cohort_export_csv": (_cohort_kwargs, {}),
    "progress:manager_export_csv": (lambda world: {}, PERIOD),
    "progress:manager_export_xlsx": (lambda world: {}, PERIOD),
    "insertion:figures-xlsx": (lambda world: {}, PERIOD),
    "insertion:figures-csv": (lambda world: {}, PERIOD),
    "progress:import_template": (lambda world: {}, {}),
    "quality:complaints_export_csv": (_quality_register, {}),
    "quality:complaints_export_xlsx": (_quality_register, {}),
    "quality:improvements_export_csv": (_quality_register, {}),
    "quality:improvements_export_xlsx": (_quality_register, {}),
    "quality:bpf_export_csv": (_bpf_world, {"annee": str(YEAR)}),
    "quality:bpf_export_xlsx": (_bpf_world, {"annee": str(YEAR)}),
    "surveys:export_csv": (_survey_world, {}),
    "surveys:export_xlsx": (_survey_world, {}),
    # Not a spreadsheet: the personal data of one person as JSON (lms.privacy.export).
    "personal_data:export": None,
}


@pytest.fixture
def world(db, path, manager):
    from types import SimpleNamespace

    statuses = {status.code: status for status in AttendanceStatus.objects.all()}
    AttendanceStatus.objects.filter(code="present").update(label="=1+2")
    w = SimpleNamespace(manager=manager)
    path.title = "=HYPERLINK(\"http://x\",\"parcours\")"
    path.save_revision().publish()
    w.cohort = CohortFactory(name="@SUM(1) groupe", path=path, start_date=D(YEAR, 1, 6),
                             end_date=D(YEAR, 6, 30))
    w.session = SessionFactory(cohort=w.cohort, date=DAY)
    w.programme = ProgrammeFactory(name="-Chantier", start_date=D(YEAR - 1, 1, 1))
    enrolled_at = timezone.make_aware(datetime.datetime(YEAR, 2, 3, 10))
    for index, hostile in enumerate(HOSTILE):
        learner = LearnerFactory(first_name=hostile, last_name=HOSTILE[-1 - index])
        EnrollmentFactory(learner=learner, path=path, cohort=w.cohort)
        Attendance.objects.create(session=w.session, learner=learner,
                                  status=statuses["present"])
        trainee = TraineeFactory(programme=w.programme, learner=learner,
                                 entry_date=D(YEAR, 1, 6))
        if index % 2:
            Exit.objects.create(trainee=trainee, date=D(YEAR, 5, 1),
                                category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                                outcome=ExitOutcome.CDI, comment="=1+1")
            trainee.status, trainee.status_changed_at = TraineeStatus.EXITED, D(YEAR, 5, 1)
            trainee.save()
    Enrollment.objects.update(enrolled_at=enrolled_at)
    return w


def test_every_export_url_is_walked():
    routes = export_routes()
    assert {"attendance:cohort_export_csv", "progress:manager_export_xlsx",
            "insertion:figures-csv"} <= set(routes)
    unknown = sorted(set(routes) - set(EXPORTS))
    assert not unknown, f"Export URLs without a hostile check: {unknown}"


def _csv_cells(content: bytes):
    text = content.decode("utf-8-sig")
    delimiter = ";" if ";" in text.partition("\n")[0] else ","
    yield from (cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                for cell in row)


def _xlsx_cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.mark.parametrize("key", sorted(key for key, how in EXPORTS.items() if how))
@pytest.mark.parametrize("pseudonymised", [False, True])
def test_no_export_carries_a_formula(client, world, key, pseudonymised):
    kwargs_of, query = EXPORTS[key]
    from django.urls import reverse

    client.force_login(world.manager)
    query = {**query, **({"pseudonymised": "1"} if pseudonymised else {})}
    response = client.get(reverse(key, kwargs=kwargs_of(world)), query)
    assert response.status_code == 200, response.content[:500]
    content_type = response["Content-Type"]
    if content_type.startswith("text/csv"):
        cells = list(_csv_cells(response.content))
        assert cells
        bad = [cell for cell in cells
               if cell.startswith(FORMULA_START) and not NUMBER.match(cell)]
        assert not bad, f"{key}: cells a spreadsheet would run: {bad}"
        if key != "progress:import_template" and not pseudonymised:
            assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    else:
        assert "spreadsheetml" in content_type
        cells = list(_xlsx_cells(response.content))
        assert cells
        formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert not formulas, f"{key}: formula cells {formulas}"
        texts = [cell.value for cell in cells if isinstance(cell.value, str)]
        bad = [text for text in texts if text.startswith(FORMULA_START)]
        assert not bad, f"{key}: cells a spreadsheet would run: {bad}"
        if not pseudonymised:
            assert any(text.startswith("'=HYPERLINK") for text in texts)


def test_the_helper_neutralises_text_only():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("\r=1") == "'\r=1"
    assert safe_cell("Zoé") == "Zoé"
    assert safe_cell("") == ""
    assert safe_cell(-1) == -1 and safe_cell(-1.5) == -1.5
    assert safe_cell(None) is None


def test_csv_writer_and_xlsx_append_write_inert_cells():
    from openpyxl import Workbook

    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow(["=1+1", -2, "ok"])
    assert buffer.getvalue() == "'=1+1;-2;ok\r\n"
    sheet = Workbook().active
    xlsx_append(sheet, ["=1+1", -2, "@x"])
    assert [cell.data_type for cell in sheet[1]] == ["s", "n", "s"]
    assert [cell.value for cell in sheet[1]] == ["'=1+1", -2, "'@x"]
