"""Hours and rates: computed over past, non-cancelled, marked sessions only."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from .models import Attendance, Session, minutes_between

HUNDRED = Decimal(100)


@dataclass
class AttendanceFigures:
    sessions_marked: int = 0
    weight_total: Decimal = Decimal(0)
    minutes_attended: int = 0

    def add(self, mark) -> None:
        self.add_values(weight=mark.status.weight, attended=mark.status.attended,
                        duration_minutes=mark.session.duration_minutes,
                        minutes_late=mark.minutes_late)

    def add_values(self, *, weight: Decimal, attended: bool, duration_minutes: int,
                   minutes_late: int) -> None:
        self.sessions_marked += 1
        self.weight_total += weight
        if attended:
            # Late arrival subtracts its minutes from the hours attended.
            self.minutes_attended += max(duration_minutes - minutes_late, 0)

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


# What a mark contributes to the figures: plain values, so that a dashboard of many learners
# builds no model instances (three per mark with select_related).
MARK_FIGURE_FIELDS = ("learner_id", "session__cohort_id", "status__weight", "status__attended",
                      "session__start_time", "session__end_time", "minutes_late")


def figures_by_pair(marks) -> dict[tuple[int, int], AttendanceFigures]:
    """{(learner id, cohort id): figures} of counted marks, in one query."""
    figures: dict[tuple[int, int], AttendanceFigures] = {}
    rows = marks.order_by().values_list(*MARK_FIGURE_FIELDS)
    for learner_id, cohort_id, weight, attended, start, end, minutes_late in rows:
        figures.setdefault((learner_id, cohort_id), AttendanceFigures()).add_values(
            weight=weight, attended=attended, duration_minutes=minutes_between(start, end),
            minutes_late=minutes_late)
    return figures


def figures_by_learner(cohort, learners=None, now=None) -> dict[int, AttendanceFigures]:
    """{learner id: figures} for a cohort, in one query."""
    marks = counted_marks(now).filter(session__cohort=cohort)
    if learners is not None:
        marks = marks.filter(learner__in=learners)
    return {learner_id: figures for (learner_id, _), figures in figures_by_pair(marks).items()}


def enrollment_figures(enrollments) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """{enrolment id: (rate, hours)} for enrolments in cohorts, in one query."""
    in_cohort = [enrollment for enrollment in enrollments if enrollment.cohort_id]
    if not in_cohort:
        return {}
    by_pair = figures_by_pair(counted_marks().filter(
        session__cohort__in={e.cohort_id for e in in_cohort},
        learner__in={e.learner_id for e in in_cohort},
    ))
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
