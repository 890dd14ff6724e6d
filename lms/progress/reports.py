"""Reads behind the trainer and manager views — the learners × modules matrix, the per-path
figures of the manager dashboard — and the CSV/XLSX builders of those figures.

Every read runs a fixed number of queries, whatever the number of learners or paths."""

import datetime
import io
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Competence, TrainingPathPage
from lms.cohorts.models import Cohort
from lms.core.spreadsheets import SafeCsvWriter, xlsx_append

from .completion import module_is_complete
from .enums import EnrollmentStatus
from .models import Enrollment
from .perms import paths_managed_by
from .selectors import ModuleOutline, completions_by_learner, path_outline, path_targets

IN_PROGRESS = [EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE]
SECONDS_PER_DAY = 86400


# --- Trainer scope -------------------------------------------------------------------------


def followed_enrollments(user):
    """Enrolments a trainer follows, never their own (nobody validates themselves)."""
    return Enrollment.objects.visible_to(user).exclude(learner=user)


@dataclass
class TrainerIndex:
    paths: list[TrainingPathPage]
    cohorts: list[Cohort]


def trainer_index(user) -> TrainerIndex:
    """The paths and cohorts `user` follows, each with its number of learners (3 queries)."""
    paths = list(paths_managed_by(user).order_by("title"))
    cohorts = list(Cohort.objects.managed_by(user).select_related("path")
                   .order_by("-start_date", "name"))
    visible = followed_enrollments(user).values("pk")
    rows = (Enrollment.objects.filter(pk__in=visible).order_by()
            .values_list("path_id", "cohort_id").annotate(learners=Count("pk")))
    by_path: dict[int, int] = {}
    by_cohort: dict[int, int] = {}
    for path_id, cohort_id, learners in rows:
        by_path[path_id] = by_path.get(path_id, 0) + learners
        if cohort_id is not None:
            by_cohort[cohort_id] = by_cohort.get(cohort_id, 0) + learners
    for path in paths:
        path.learner_count = by_path.get(path.pk, 0)
    for cohort in cohorts:
        cohort.learner_count = by_cohort.get(cohort.pk, 0)
    return TrainerIndex(paths=paths, cohorts=cohorts)


# --- Learners × modules matrix -------------------------------------------------------------


@dataclass
class MatrixCell:
    done: int
    total: int
    complete: bool


@dataclass
class MatrixRow:
    enrollment: Enrollment
    cells: list[MatrixCell]
    done: int
    total: int

    @property
    def learner(self):
        return self.enrollment.learner

    @property
    def percent(self) -> int:
        # Rounded down: 100 % only once every lesson is done.
        return self.done * 100 // self.total if self.total else 0


@dataclass
class Matrix:
    modules: list[ModuleOutline]
    rows: list[MatrixRow]

    @property
    def learners(self) -> dict[int, object]:
        return {row.learner.pk: row.learner for row in self.rows}


def progress_matrix(*, enrollments, path) -> Matrix:
    """One row per enrolment, one cell per module of the path: lessons done out of the live
    lessons, and whether the module's required lessons are all done (4 queries)."""
    modules = path_outline(path)
    enrollments = list(enrollments.select_related("learner", "cohort")
                       .order_by("learner__last_name", "learner__first_name",
                                 "learner__username"))
    done_by_learner = completions_by_learner([e.learner_id for e in enrollments], path)
    rows = []
    for enrollment in enrollments:
        done = done_by_learner.get(enrollment.learner_id, set())
        cells = [
            MatrixCell(
                done=sum(1 for lesson in outline.lessons if lesson.pk in done),
                total=len(outline.lessons),
                complete=module_is_complete(outline.lessons, done),
            )
            for outline in modules
        ]
        rows.append(MatrixRow(enrollment=enrollment, cells=cells,
                              done=sum(cell.done for cell in cells),
                              total=sum(cell.total for cell in cells)))
    return Matrix(modules=modules, rows=rows)


def targeted_competences(path) -> list[tuple[Competence, int]]:
    """The competences a path targets with their target level, in the framework's order
    (2 queries)."""
    targets = path_targets(path)
    competences = Competence.objects.with_framework().filter(pk__in=targets)
    return [(competence, targets[competence.pk]) for competence in competences]


# --- Manager dashboard ---------------------------------------------------------------------


@dataclass
class PathFigures:
    title: str
    path_id: int | None = None
    enrolled: int = 0
    active: int = 0
    completed: int = 0
    withdrawn: int = 0
    days_to_complete: list[float] = field(default_factory=list, repr=False)

    @property
    def completion_rate(self) -> float | None:
        """Share of the period's enrolments completed today, from 0 to 1."""
        return self.completed / self.enrolled if self.enrolled else None

    @property
    def completion_percent(self) -> float | None:
        rate = self.completion_rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def median_days(self) -> float | None:
        if not self.days_to_complete:
            return None
        return round(statistics.median(self.days_to_complete), 1)


@dataclass
class ManagerReport:
    start: datetime.date
    end: datetime.date
    rows: list[PathFigures]
    total: PathFigures


def period_bounds(start: datetime.date, end: datetime.date):
    """[start 00:00, day after end 00:00) in the site's time zone: both days are included."""
    tz = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=tz)
    return low, high


def manager_report(*, start: datetime.date, end: datetime.date) -> ManagerReport:
    """Per path, the enrolments started in the period by their status today, the completion
    rate among them and their median time to complete (3 queries).

    Counting the period's enrolments keeps the figures consistent: enrolled = active
    (pending or active) + completed + withdrawn, and the completion rate stays within 100 %."""
    low, high = period_bounds(start, end)
    in_period = Enrollment.objects.filter(enrolled_at__gte=low, enrolled_at__lt=high).order_by()
    rows = {
        path_id: PathFigures(title=title, path_id=path_id)
        for path_id, title in TrainingPathPage.objects.order_by("title", "pk")
        .values_list("pk", "title")
    }
    counts = in_period.values_list("path_id").annotate(
        enrolled=Count("pk"),
        active=Count("pk", filter=Q(status__in=IN_PROGRESS)),
        completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
        withdrawn=Count("pk", filter=Q(status=EnrollmentStatus.WITHDRAWN)),
    )
    total = PathFigures(title=_("All paths"))
    for path_id, enrolled, active, completed, withdrawn in counts:
        figures = rows[path_id]
        figures.enrolled, figures.active = enrolled, active
        figures.completed, figures.withdrawn = completed, withdrawn
        total.enrolled += enrolled
        total.active += active
        total.completed += completed
        total.withdrawn += withdrawn
    # A median is no portable SQL aggregate: one query brings the completed pairs of dates.
    durations = in_period.filter(status=EnrollmentStatus.COMPLETED).values_list(
        "path_id", "enrolled_at", "completed_at")
    for path_id, enrolled_at, completed_at in durations:
        days = (completed_at - enrolled_at).total_seconds() / SECONDS_PER_DAY
        rows[path_id].days_to_complete.append(days)
        total.days_to_complete.append(days)
    return ManagerReport(start=start, end=end, rows=list(rows.values()), total=total)


# --- Bar chart geometry --------------------------------------------------------------------

CHART_WIDTH = 400
CHART_BAR_AREA = 350  # the rest holds the number of enrolments after the longest bar
CHART_LABEL_HEIGHT = 20
CHART_BAR_HEIGHT = 18
CHART_ROW_GAP = 14
CHART_TOP = 34  # room for the legend


@dataclass
class ChartSegment:
    status: str
    label: str
    value: int
    x: float
    width: float


@dataclass
class ChartBar:
    title: str
    label_y: int
    bar_y: int
    end: float
    figures: PathFigures
    segments: list[ChartSegment]


@dataclass
class BarChart:
    width: int
    height: int
    bar_height: int
    legend: list[tuple[str, str]]
    bars: list[ChartBar]


def bar_chart(report: ManagerReport, *, max_title: int = 48) -> BarChart:
    """A horizontal stacked bar per path (completed, active, withdrawn), scaled to the largest
    number of enrolments; horizontal bars keep long titles readable on a phone."""
    statuses = [("completed", _("Completed")), ("active", _("Active")),
                ("withdrawn", _("Withdrawn"))]
    largest = max((row.enrolled for row in report.rows), default=0) or 1
    scale = CHART_BAR_AREA / largest
    bars = []
    y = CHART_TOP
    for row in report.rows:
        x = 0.0
        segments = []
        for status, label in statuses:
            value = getattr(row, status)
            width = round(value * scale, 1)
            if value:
                segments.append(ChartSegment(status=status, label=label, value=value, x=x,
                                             width=width))
            x = round(x + width, 1)
        title = row.title if len(row.title) <= max_title else row.title[: max_title - 1] + "…"
        bars.append(ChartBar(title=title, label_y=y + CHART_LABEL_HEIGHT - 6,
                             bar_y=y + CHART_LABEL_HEIGHT, end=x, figures=row,
                             segments=segments))
        y += CHART_LABEL_HEIGHT + CHART_BAR_HEIGHT + CHART_ROW_GAP
    return BarChart(width=CHART_WIDTH, height=y, bar_height=CHART_BAR_HEIGHT, legend=statuses,
                    bars=bars)


# --- Exports -------------------------------------------------------------------------------


def export_headers() -> list[str]:
    return [_("Training path"), _("Enrolled"), _("Active"), _("Completed"), _("Withdrawn"),
            _("Completion rate (%)"), _("Median time to complete (days)")]


def export_filename(report: ManagerReport, extension: str) -> str:
    return f"pilotage-{report.start.isoformat()}-{report.end.isoformat()}.{extension}"


def _french_decimal(value: float | None) -> str:
    # French Excel reads "66,7" as a number and "66.7" as text.
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def report_csv(report: ManagerReport) -> bytes:
    """UTF-8 with a BOM and `;` between fields: what a French Excel opens without a wizard."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(export_headers())
    for row in [*report.rows, report.total]:
        writer.writerow([row.title, row.enrolled, row.active, row.completed, row.withdrawn,
                         _french_decimal(row.completion_percent),
                         _french_decimal(row.median_days)])
    return buffer.getvalue().encode("utf-8-sig")


def report_xlsx(report: ManagerReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Dashboard")[:31]
    workbook.properties.title = _("Enrolments from %(start)s to %(end)s") % {
        "start": report.start.isoformat(), "end": report.end.isoformat()}
    xlsx_append(sheet, export_headers())
    for row in [*report.rows, report.total]:
        xlsx_append(sheet, [row.title, row.enrolled, row.active, row.completed, row.withdrawn,
                      row.completion_rate, row.median_days])
        sheet.cell(row=sheet.max_row, column=6).number_format = "0.0%"
        sheet.cell(row=sheet.max_row, column=7).number_format = "0.0"
    bold = Font(bold=True)
    for cell in [*sheet[1], *sheet[sheet.max_row]]:
        cell.font = bold
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 45
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
