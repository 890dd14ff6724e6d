"""Programme figures for funders: trainees active in a period, their exits by IAE category and
sub-type, time spent in the programme, training hours and competences gained — on screen and
as XLSX/CSV, with a pseudonymised variant.

Everything is computed in a fixed number of queries (trainees, attendance marks, competence
validations), whatever the number of trainees."""

import datetime
import hashlib
import hmac
import io
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lms.attendance.selectors import counted_marks
from lms.core.spreadsheets import SafeCsvWriter, xlsx_append
from lms.progress.models import CompetenceAssessment

from .enums import EXIT_OUTCOMES, ExitCategory, TraineeStatus
from .models import Programme, Trainee

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DAYS_PER_MONTH = Decimal("30.4375")
# The first three IAE categories are the "dynamic" exits funders ask about.
DYNAMIC_CATEGORIES = [ExitCategory.SUSTAINABLE_EMPLOYMENT, ExitCategory.TRANSITION_EMPLOYMENT,
                      ExitCategory.POSITIVE_EXIT]
PSEUDONYM_LENGTH = 10


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The current calendar year."""
    today = today or timezone.localdate()
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


def pseudonym(trainee_id: int) -> str:
    """A stable pseudonym: the same trainee gets the same one in every export, and it can't be
    traced back without the site's secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), str(trainee_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]


# --- Figures -------------------------------------------------------------------------------


@dataclass
class TraineeRow:
    trainee: Trainee
    pseudonym: str
    window_start: datetime.date
    window_end: datetime.date
    left_on: datetime.date | None = None  # effective exit (or exited status) date
    exit: object = None  # the Exit when it falls in the period
    hours: Decimal = Decimal("0.00")
    competence_ids: set[int] = field(default_factory=set)

    @property
    def days_in_programme(self) -> int | None:
        if self.exit is None:
            return None
        return (self.exit.date - self.trainee.entry_date).days


@dataclass
class OutcomeRow:
    outcome: str
    label: str
    count: int = 0


@dataclass
class CategoryRow:
    category: str
    label: str
    dynamic: bool
    count: int = 0
    percent: float | None = None
    outcomes: list[OutcomeRow] = field(default_factory=list)


@dataclass
class CompetenceRow:
    code: str
    name: str
    trainees: int = 0


@dataclass
class ProgrammeFigures:
    start: datetime.date
    end: datetime.date
    programme: Programme | None
    rows: list[TraineeRow]
    categories: list[CategoryRow]
    competences: list[CompetenceRow]

    @property
    def active_trainees(self) -> int:
        return len(self.rows)

    @property
    def exits(self) -> list[TraineeRow]:
        return [row for row in self.rows if row.exit is not None]

    @property
    def exits_total(self) -> int:
        return len(self.exits)

    @property
    def dynamic_exits(self) -> int:
        return sum(row.count for row in self.categories if row.dynamic)

    @property
    def dynamic_rate(self) -> float | None:
        return _percent(self.dynamic_exits, self.exits_total)

    @property
    def median_days(self) -> float | None:
        days = [row.days_in_programme for row in self.exits]
        return float(statistics.median(days)) if days else None

    @property
    def median_months(self) -> float | None:
        days = self.median_days
        return None if days is None else round(float(Decimal(days) / DAYS_PER_MONTH), 1)

    @property
    def hours_total(self) -> Decimal:
        return sum((row.hours for row in self.rows), Decimal("0.00"))

    @property
    def competences_gained(self) -> int:
        """Distinct competences validated, counted once per trainee."""
        return sum(len(row.competence_ids) for row in self.rows)

    @property
    def trainees_with_competence(self) -> int:
        return sum(1 for row in self.rows if row.competence_ids)

    @property
    def title(self) -> str:
        return self.programme.name if self.programme else _("All programmes")


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _left_on(trainee: Trainee, today: datetime.date) -> tuple[datetime.date | None, object]:
    """When the trainee left, and the Exit if it is effective. A planned exit becomes
    effective on its date; a status set to "exited" without an Exit record counts from the
    status change."""
    exit_ = getattr(trainee, "exit", None)  # reverse one-to-one: absent when there is none
    if exit_ is not None and (not exit_.planned or exit_.date <= today):
        return exit_.date, exit_
    if trainee.status == TraineeStatus.EXITED:
        return trainee.status_changed_at, None
    return None, None


def programme_figures(*, user, start: datetime.date, end: datetime.date,
                      programme: Programme | None = None, today=None) -> ProgrammeFigures:
    """Figures of the trainees `user` follows (one programme or all), active at any time
    between start and end (both included). Three queries."""
    today = today or timezone.localdate()
    trainees = (Trainee.objects.followed_by(user).filter(entry_date__lte=end)
                # Left before the period: not part of it (the Python check below is exact).
                .exclude(status=TraineeStatus.EXITED, status_changed_at__lt=start))
    if programme is not None:
        trainees = trainees.filter(programme=programme)
    rows: list[TraineeRow] = []
    for trainee in trainees.select_related("learner", "programme", "exit").order_by(
            "learner__last_name", "learner__first_name", "pk"):
        left_on, exit_ = _left_on(trainee, today)
        if left_on is not None and left_on < start:
            continue
        rows.append(TraineeRow(
            trainee=trainee, pseudonym=pseudonym(trainee.pk), left_on=left_on,
            exit=exit_ if exit_ is not None and start <= exit_.date <= end else None,
            window_start=max(start, trainee.entry_date),
            window_end=min(end, left_on) if left_on else end,
        ))
    by_learner: dict[int, list[TraineeRow]] = {}
    for row in rows:
        by_learner.setdefault(row.trainee.learner_id, []).append(row)
    learner_ids = list(by_learner)
    _add_hours(by_learner, learner_ids, start, end)
    competences = _add_competences(by_learner, learner_ids, start, end)
    return ProgrammeFigures(start=start, end=end, programme=programme, rows=rows,
                            categories=_categories(rows), competences=competences)


def _rows_on(by_learner, learner_id: int, day: datetime.date):
    """The trainee records of a learner whose time in the programme covers `day`."""
    for row in by_learner.get(learner_id, ()):
        if row.window_start <= day <= row.window_end:
            yield row


def _add_hours(by_learner, learner_ids, start, end) -> None:
    """Hours attended: past, non-cancelled sessions marked with an "attended" status, minus
    the minutes late, on locked sheets only (realised hours: what a funder is shown never
    counts a sheet that may still change) — the same rule as the attendance figures, in one
    query."""
    if not learner_ids:
        return
    marks = (counted_marks().filter(learner_id__in=learner_ids, status__attended=True,
                                    session__locked_at__isnull=False,
                                    session__date__gte=start, session__date__lte=end)
             .values_list("learner_id", "session__date", "session__start_time",
                          "session__end_time", "minutes_late"))
    minutes: dict[int, int] = {}
    for learner_id, day, start_time, end_time, late in marks:
        length = (datetime.datetime.combine(day, end_time)
                  - datetime.datetime.combine(day, start_time)).total_seconds() // 60
        for row in _rows_on(by_learner, learner_id, day):
            minutes[id(row)] = minutes.get(id(row), 0) + max(int(length) - late, 0)
    for rows in by_learner.values():
        for row in rows:
            row.hours = (Decimal(minutes.get(id(row), 0)) / 60).quantize(Decimal("0.01"))


def _add_competences(by_learner, learner_ids, start, end) -> list[CompetenceRow]:
    """Competences validated by a trainer during the period, while in the programme."""
    if not learner_ids:
        return []
    validations = (CompetenceAssessment.objects.validations()
                   .filter(learner_id__in=learner_ids, assessed_on__gte=start,
                           assessed_on__lte=end)
                   .order_by()
                   .values_list("learner_id", "competence_id", "assessed_on",
                                "competence__code", "competence__name_fr",
                                "competence__name_en"))
    names: dict[int, tuple[str, str, str]] = {}
    for learner_id, competence_id, day, code, name_fr, name_en in validations:
        for row in _rows_on(by_learner, learner_id, day):
            row.competence_ids.add(competence_id)
            names[competence_id] = (code, name_fr, name_en)
    english = (get_language() or "fr").startswith("en")
    table: dict[int, CompetenceRow] = {
        pk: CompetenceRow(code=code, name=(name_en if english and name_en else name_fr))
        for pk, (code, name_fr, name_en) in names.items()
    }
    for rows in by_learner.values():
        for row in rows:
            for competence_id in row.competence_ids:
                table[competence_id].trainees += 1
    return sorted(table.values(), key=lambda row: row.code)


def _categories(rows: list[TraineeRow]) -> list[CategoryRow]:
    exits = [row.exit for row in rows if row.exit is not None]
    table = []
    for category, outcomes in EXIT_OUTCOMES.items():
        in_category = [exit_ for exit_ in exits if exit_.category == category]
        table.append(CategoryRow(
            category=category.value, label=str(category.label),
            dynamic=category in DYNAMIC_CATEGORIES, count=len(in_category),
            percent=_percent(len(in_category), len(exits)),
            outcomes=[OutcomeRow(outcome=outcome.value, label=str(outcome.label),
                                 count=sum(1 for e in in_category if e.outcome == outcome))
                      for outcome in outcomes],
        ))
    return table


# --- Bar chart (exits by category) ------------------------------------------------------------

CHART_WIDTH = 400
CHART_BAR_AREA = 340  # the rest holds the count after the longest bar
CHART_LABEL_HEIGHT = 20
CHART_BAR_HEIGHT = 18
CHART_ROW_GAP = 14


@dataclass
class ChartBar:
    label: str
    value: int
    dynamic: bool
    label_y: int
    bar_y: int
    width: float


@dataclass
class BarChart:
    width: int
    height: int
    bar_height: int
    bars: list[ChartBar]


def exits_chart(figures: ProgrammeFigures) -> BarChart:
    """One horizontal bar per exit category, scaled to the largest: horizontal bars keep the
    category names readable on a phone."""
    largest = max((row.count for row in figures.categories), default=0) or 1
    scale = CHART_BAR_AREA / largest
    bars, y = [], 0
    for row in figures.categories:
        bars.append(ChartBar(label=row.label, value=row.count, dynamic=row.dynamic,
                             label_y=y + CHART_LABEL_HEIGHT - 6, bar_y=y + CHART_LABEL_HEIGHT,
                             width=round(row.count * scale, 1)))
        y += CHART_LABEL_HEIGHT + CHART_BAR_HEIGHT + CHART_ROW_GAP
    return BarChart(width=CHART_WIDTH, height=y, bar_height=CHART_BAR_HEIGHT, bars=bars)


# --- Exports -------------------------------------------------------------------------------


def export_filename(figures: ProgrammeFigures, extension: str, *, pseudonymised: bool) -> str:
    scope = f"programme-{figures.programme.pk}" if figures.programme else "programmes"
    suffix = "-pseudonymise" if pseudonymised else ""
    return (f"chiffres-insertion-{scope}-{figures.start.isoformat()}-{figures.end.isoformat()}"
            f"{suffix}.{extension}")


def summary_rows(figures: ProgrammeFigures) -> list[list]:
    return [
        [_("Programme"), figures.title],
        [_("Period"), f"{figures.start.isoformat()} – {figures.end.isoformat()}"],
        [_("Active trainees"), figures.active_trainees],
        [_("Exits"), figures.exits_total],
        [_("Dynamic exits"), figures.dynamic_exits],
        [_("Dynamic exit rate (%)"), figures.dynamic_rate],
        [_("Median time in programme (days)"), figures.median_days],
        [_("Median time in programme (months)"), figures.median_months],
        [_("Training hours"), figures.hours_total],
        [_("Competences gained"), figures.competences_gained],
        [_("Trainees with a competence gained"), figures.trainees_with_competence],
    ]


def exit_headers() -> list[str]:
    return [_("Category"), _("Outcome"), _("Exits"), _("Share of exits (%)")]


def exit_rows(figures: ProgrammeFigures) -> list[list]:
    lines = []
    for category in figures.categories:
        lines.append([category.label, "", category.count, category.percent])
        for outcome in category.outcomes:
            lines.append([category.label, outcome.label, outcome.count,
                          _percent(outcome.count, figures.exits_total)])
    return lines


def trainee_headers(*, pseudonymised: bool) -> list[str]:
    who = [_("Pseudonym")] if pseudonymised else [_("Last name"), _("First name")]
    return [*who, _("Programme"), _("Entry date"), _("Exit date"), _("Exit category"),
            _("Exit outcome"), _("Days in programme"), _("Training hours"),
            _("Competences gained")]


def trainee_rows(figures: ProgrammeFigures, *, pseudonymised: bool) -> list[list]:
    """One line per trainee: a pseudonym or the name, never contact details, PASS IAE number,
    notes or obstacles."""
    lines = []
    rows = sorted(figures.rows, key=lambda row: row.pseudonym) if pseudonymised else figures.rows
    for row in rows:
        learner = row.trainee.learner
        who = [row.pseudonym] if pseudonymised else [learner.last_name or learner.username,
                                                     learner.first_name]
        exit_ = row.exit
        lines.append([
            *who, row.trainee.programme.name, row.trainee.entry_date,
            exit_.date if exit_ else None,
            exit_.get_category_display() if exit_ else "",
            exit_.get_outcome_display() if exit_ else "",
            row.days_in_programme, row.hours, len(row.competence_ids),
        ])
    return lines


def competence_headers() -> list[str]:
    return [_("Code"), _("Competence"), _("Trainees")]


def competence_rows(figures: ProgrammeFigures) -> list[list]:
    return [[row.code, row.name, row.trainees] for row in figures.competences]


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (Decimal, float)):
        # French Excel reads "66,7" as a number and "66.7" as text.
        return str(value).replace(".", ",")
    return str(value)


def figures_csv(figures: ProgrammeFigures, *, pseudonymised: bool) -> bytes:
    """UTF-8 with a BOM and `;` between fields: what a French Excel opens without a wizard.
    The sections follow each other, separated by an empty line."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    sections = [
        ([_("Figure"), _("Value")], summary_rows(figures)),
        (exit_headers(), exit_rows(figures)),
        (trainee_headers(pseudonymised=pseudonymised),
         trainee_rows(figures, pseudonymised=pseudonymised)),
        (competence_headers(), competence_rows(figures)),
    ]
    for index, (headers, lines) in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerow(headers)
        for line in lines:
            writer.writerow([_csv_value(value) for value in line])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def figures_xlsx(figures: ProgrammeFigures, *, pseudonymised: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.properties.title = _("Programme figures: %(title)s") % {"title": figures.title}
    sheets = [
        (_("Summary"), [_("Figure"), _("Value")], summary_rows(figures)),
        (_("Exits"), exit_headers(), exit_rows(figures)),
        (_("Trainees"), trainee_headers(pseudonymised=pseudonymised),
         trainee_rows(figures, pseudonymised=pseudonymised)),
        (_("Competences"), competence_headers(), competence_rows(figures)),
    ]
    bold = Font(bold=True)
    for index, (title, headers, lines) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title[:31]
        xlsx_append(sheet, headers)
        for line in lines:
            xlsx_append(sheet, [_xlsx_value(value) for value in line])
        for cell in sheet[1]:
            cell.font = bold
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, datetime.date):
                    cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A2"
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 20
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
