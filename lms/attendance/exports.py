"""A cohort's attendance sheet as XLSX and CSV: one row per learner, one column per session
(cancelled sessions left out), then the rate and hours. An unmarked session is a blank cell,
never "absent"."""

import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.core.spreadsheets import SafeCsvWriter, xlsx_append

from . import roster
from .audit import cohort_history
from .models import Attendance, Session
from .selectors import AttendanceFigures, counted_marks, figures_by_pair

User = get_user_model()

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass
class SheetRow:
    learner: object
    cells: list[str]  # one per session, "" when unmarked
    figures: AttendanceFigures | None

    @property
    def rate(self) -> Decimal | None:
        return self.figures.rate if self.figures else None

    @property
    def hours(self) -> Decimal:
        return self.figures.hours if self.figures else Decimal("0.00")

    @property
    def sessions_marked(self) -> int:
        return self.figures.sessions_marked if self.figures else 0


@dataclass
class AttendanceSheet:
    cohort: object
    sessions: list[Session]
    rows: list[SheetRow]

    def headers(self) -> list[str]:
        return [_("Last name"), _("First name"), *map(session_heading, self.sessions),
                _("Sessions marked"), _("Attendance rate (%)"), _("Hours attended")]


def session_heading(session: Session) -> str:
    return f"{session.date:%d/%m/%Y} {session.half_day.label}"


def mark_text(mark: Attendance | None) -> str:
    if mark is None or mark.status is None:
        return ""
    if mark.minutes_late:
        return _("%(status)s (+%(minutes)s min)") % {"status": mark.status.display_label,
                                                     "minutes": mark.minutes_late}
    return mark.status.display_label


def cohort_learners(cohort) -> list:
    """The cohort's learners: those in it now, and those expected at one of its scheduled
    sessions at least (a learner who left or moved stays on the sheets of their days), by
    name, in one query."""
    memberships = roster.memberships_shown(cohort).select_related("enrollment__learner")
    learners = {m.enrollment.learner_id: m.enrollment.learner for m in memberships}
    return sorted(learners.values(), key=_by_name)


def _by_name(user) -> tuple:
    return (user.last_name.lower(), user.first_name.lower(), user.username)


NOT_EXPECTED = "—"  # a session before the learner joined or after they left


def attendance_sheet(cohort, now=None) -> AttendanceSheet:
    """Everything the exports need, in four queries whatever the size of the cohort. A cell
    of a session the learner was not expected at (before they joined, after they left) is
    "—", and no mark of such a session counts in their figures."""
    sessions = list(Session.objects.scheduled().filter(cohort=cohort)
                    .order_by("date", "start_time", "pk"))
    by_session, learners_by_id = roster.roster_with_learners(sessions)
    expected = {session_id: set(ids) for session_id, ids in by_session.items()}
    learner_ids = set(learners_by_id)
    learners = sorted(learners_by_id.values(), key=_by_name)
    marks = (Attendance.objects
             .filter(session__cohort=cohort, session__cancelled_at__isnull=True,
                     status__isnull=False)
             .select_related("status"))
    by_pair = {(mark.learner_id, mark.session_id): mark for mark in marks}
    figures = {
        learner_id: figures for (learner_id, _cohort), figures in figures_by_pair(
            roster.expected_marks(counted_marks(now).filter(session__cohort=cohort,
                                                            learner__in=learner_ids))).items()
    }
    rows = [
        SheetRow(learner=learner,
                 cells=[mark_text(by_pair.get((learner.pk, session.pk)))
                        if learner.pk in expected[session.pk] else NOT_EXPECTED
                        for session in sessions],
                 figures=figures.get(learner.pk))
        for learner in learners
    ]
    return AttendanceSheet(cohort=cohort, sessions=sessions, rows=rows)


def export_filename(cohort, extension: str) -> str:
    return f"emargement-{slugify(cohort.name) or cohort.pk}.{extension}"


def _french_decimal(value: Decimal | None) -> str:
    # French Excel reads "66,7" as a number and "66.7" as text.
    return "" if value is None else str(value).replace(".", ",")


def sheet_csv(sheet: AttendanceSheet) -> bytes:
    """UTF-8 with a BOM and `;` between fields: what a French Excel opens without a wizard."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(sheet.headers())
    for row in sheet.rows:
        writer.writerow([row.learner.last_name, row.learner.first_name, *row.cells,
                         row.sessions_marked, _french_decimal(row.rate),
                         _french_decimal(row.hours)])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(name: str) -> str:
    # Excel refuses these characters and more than 31 characters in a sheet's name.
    cleaned = "".join(" " if char in '[]:*?/\\' else char for char in name).strip()
    return (cleaned or _("Attendance"))[:31]


def _history_sheet(workbook, cohort, *, bold) -> None:
    """The cohort's audit trail, as the history pages show it."""
    from openpyxl.styles import Alignment

    history = workbook.create_sheet(_sheet_title(_("History")))
    xlsx_append(history, [_("When"), _("Session"), _("Learner"), _("What changed"),
                          _("Before"), _("After"), _("By"), _("Reason")])
    for row in cohort_history(cohort):
        # Free text typed by users: inert, and without characters XLSX can't hold.
        xlsx_append(history, [
            row.when, row.session_text, row.learner_text, row.what,
            "\n".join(f"{line.label} : {line.before}" for line in row.lines),
            "\n".join(f"{line.label} : {line.after}" for line in row.lines),
            row.who, row.entry.reason,
        ])
    for line in history.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in history[1]:
        cell.font = bold
    history.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (17, 17, 22, 22, 32, 32, 22, 40), strict=True):
        history.column_dimensions[letter].width = width


def sheet_xlsx(sheet: AttendanceSheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = _sheet_title(sheet.cohort.name)
    workbook.properties.title = _("Attendance of %(cohort)s") % {"cohort": sheet.cohort.name}
    xlsx_append(worksheet, sheet.headers())
    for row in sheet.rows:
        xlsx_append(worksheet, [row.learner.last_name, row.learner.first_name, *row.cells,
                          row.sessions_marked,
                          float(row.rate) if row.rate is not None else None,
                          float(row.hours)])
    bold = Font(bold=True)
    for cell in worksheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rate_column = len(sheet.sessions) + 4
    for line in range(2, worksheet.max_row + 1):
        worksheet.cell(row=line, column=rate_column).number_format = "0.0"
        worksheet.cell(row=line, column=rate_column + 1).number_format = "0.00"
    worksheet.freeze_panes = "C2"
    for column in range(1, worksheet.max_column + 1):
        worksheet.column_dimensions[get_column_letter(column)].width = 18
    _history_sheet(workbook, sheet.cohort, bold=bold)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
