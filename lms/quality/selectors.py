"""Reads of the quality register, and the BPF figures (bilan pédagogique et financier).

The BPF's trainee-hours are *realised* hours: attended marks on locked sheets, as
lms.attendance.selectors counts them for every document. Hours of sheets still open are not
figures yet: their sessions are listed as data to fix, as are enrolments with no funding."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext

from courses.enums import ActionType
from lms.attendance.models import Session
from lms.attendance.selectors import counted_marks, figures_by_pair
from lms.progress.models import Enrollment

from .enums import FunderType
from .models import DATE_MAX, DATE_MIN, Complaint, Improvement

YEAR_MIN, YEAR_MAX = DATE_MIN.year, DATE_MAX.year
NOT_RECORDED = "not_recorded"


def complaints_filtered(*, status: str = "", year: int | None = None, source: str = ""):
    """The register's complaints; `source` is the complainant's kind."""
    complaints = Complaint.objects.select_related("cohort", "path")
    if status:
        complaints = complaints.filter(status=status)
    if year:
        complaints = complaints.filter(received_on__year=year)
    if source:
        complaints = complaints.filter(complainant_kind=source)
    return complaints.order_by("-received_on", "-pk")


def improvements_filtered(*, status: str = "", year: int | None = None, source: str = ""):
    improvements = Improvement.objects.select_related("complaint")
    if status:
        improvements = improvements.filter(status=status)
    if year:
        improvements = improvements.filter(identified_on__year=year)
    if source:
        improvements = improvements.filter(source=source)
    return improvements.order_by("-identified_on", "-pk")


@dataclass
class BpfLine:
    key: str
    label: str
    trainees: int = 0
    hours: Decimal = Decimal("0.00")


@dataclass
class BpfFigures:
    year: int
    by_funding: list[BpfLine]
    by_objective: list[BpfLine]
    trainees: int = 0
    hours: Decimal = Decimal("0.00")
    # Data to fix before the figures are complete.
    unfunded: list[Enrollment] = field(default_factory=list)
    open_sheets: list[Session] = field(default_factory=list)
    hours_by_enrollment: dict[int, Decimal] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not (self.unfunded or self.open_sheets)


def bpf_figures(*, year: int, now=None) -> BpfFigures:
    """Trainees and trainee-hours of `year` by funding type and by objective (the path's type
    of action), in three queries.

    A trainee is an enrolment with realised hours during the year (an attended session of the
    year on a locked sheet); their hours are those of the year only, so that an action over two
    years is split between the two reports as the BPF asks."""
    period = Q(session__date__gte=datetime.date(year, 1, 1),
               session__date__lte=datetime.date(year, 12, 31))
    by_pair = figures_by_pair(counted_marks(now).filter(period))
    hours_by_pair = {pair: figures.hours for pair, figures in by_pair.items() if figures.hours}
    enrollments = []
    if hours_by_pair:
        learners = {learner_id for learner_id, _cohort in hours_by_pair}
        cohorts = {cohort_id for _learner, cohort_id in hours_by_pair}
        enrollments = [
            enrollment for enrollment in
            Enrollment.objects.filter(learner_id__in=learners, cohort_id__in=cohorts)
            .select_related("learner", "cohort", "path", "funding")
            .order_by("cohort__name", "learner__last_name", "learner__first_name", "pk")
            if (enrollment.learner_id, enrollment.cohort_id) in hours_by_pair
        ]

    funding_lines = {key: BpfLine(key, str(label)) for key, label in FunderType.choices}
    funding_lines[NOT_RECORDED] = BpfLine(NOT_RECORDED, "")
    objective_lines = {key: BpfLine(key, str(label)) for key, label in ActionType.choices}
    figures = BpfFigures(year=year, by_funding=[], by_objective=[])
    for enrollment in enrollments:
        hours = hours_by_pair[(enrollment.learner_id, enrollment.cohort_id)]
        figures.hours_by_enrollment[enrollment.pk] = hours
        funding = getattr(enrollment, "funding", None)
        if funding is None:
            figures.unfunded.append(enrollment)
        key = funding.funder_type if funding else NOT_RECORDED
        for line in (funding_lines[key], objective_lines[enrollment.path.action_type]):
            line.trainees += 1
            line.hours += hours
        figures.trainees += 1
        figures.hours += hours
    funding_lines[NOT_RECORDED].label = gettext("Funding not recorded")
    figures.by_funding = [line for line in funding_lines.values()
                          if line.key != NOT_RECORDED or line.trainees]
    figures.by_objective = list(objective_lines.values())
    figures.open_sheets = list(
        Session.objects.scheduled().past(now)
        .filter(date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31),
                locked_at__isnull=True)
        .select_related("cohort").order_by("date", "start_time", "pk"))
    return figures
