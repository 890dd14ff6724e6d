"""Hours and rates: computed over past, non-cancelled, marked sessions only."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from .models import Attendance, Session

HUNDRED = Decimal(100)


@dataclass
class AttendanceFigures:
    sessions_marked: int = 0
    weight_total: Decimal = Decimal(0)
    minutes_attended: int = 0

    def add(self, mark) -> None:
        self.sessions_marked += 1
        self.weight_total += mark.status.weight
        if mark.status.attended:
            # Late arrival subtracts its minutes from the hours attended.
            self.minutes_attended += max(mark.session.duration_minutes - mark.minutes_late, 0)

    @property
    def rate(self) -> Decimal | None:
        if not self.sessions_marked:
            return None
        return (HUNDRED * self.weight_total / self.sessions_marked).quantize(Decimal("0.1"))

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes_attended) / 60).quantize(Decimal("0.01"))


def counted_marks(now=None):
    """Marks that count: a status is set, the session is past and not cancelled."""
    past = Session.objects.scheduled().past(now)
    return (Attendance.objects.filter(status__isnull=False, session__in=past)
            .select_related("status", "session"))


def figures_by_learner(cohort, learners=None, now=None) -> dict[int, AttendanceFigures]:
    """{learner id: figures} for a cohort, in one query."""
    marks = counted_marks(now).filter(session__cohort=cohort)
    if learners is not None:
        marks = marks.filter(learner__in=learners)
    figures: dict[int, AttendanceFigures] = {}
    for mark in marks:
        figures.setdefault(mark.learner_id, AttendanceFigures()).add(mark)
    return figures


def enrollment_figures(enrollments) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """{enrolment id: (rate, hours)} for enrolments in cohorts, in one query."""
    in_cohort = [enrollment for enrollment in enrollments if enrollment.cohort_id]
    if not in_cohort:
        return {}
    marks = counted_marks().filter(
        session__cohort__in={e.cohort_id for e in in_cohort},
        learner__in={e.learner_id for e in in_cohort},
    )
    by_pair: dict[tuple[int, int], AttendanceFigures] = {}
    for mark in marks:
        by_pair.setdefault((mark.learner_id, mark.session.cohort_id), AttendanceFigures()).add(mark)
    result = {}
    for enrollment in in_cohort:
        figures = by_pair.get((enrollment.learner_id, enrollment.cohort_id))
        if figures:
            result[enrollment.pk] = (figures.rate, figures.hours)
    return result


def upcoming_sessions_of(learner, limit: int) -> list[Session]:
    now = timezone.localtime()
    return list(
        Session.objects.scheduled()
        .filter(cohort__enrollments__learner=learner, date__gte=now.date())
        .exclude(date=now.date(), end_time__lte=now.time())
        .select_related("cohort", "module")
        .order_by("date", "start_time")[:limit]
    )
