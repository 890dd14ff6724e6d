"""Hours and rates: computed over past, non-cancelled, marked sessions only.

Hours are *realised* only on sessions whose sheet is locked (countersigned): that is what a
funder pays and what documents print. Marks of sheets still open count as *provisional* hours,
which pages and the API may show, labelled as such, and which no document ever prints."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from lms.core.data_rights import field_values, json_value, who
from lms.progress.models import CohortMembership, Enrollment

from .models import (
    AbsenceNotice,
    Attendance,
    AttendanceAlert,
    AttendanceChange,
    Session,
    minutes_between,
)

HUNDRED = Decimal(100)


@dataclass
class AttendanceFigures:
    sessions_marked: int = 0
    weight_total: Decimal = Decimal(0)
    # On locked sheets only (realised); the same on open sheets (provisional).
    minutes_attended: int = 0
    minutes_provisional: int = 0

    def add(self, mark) -> None:
        self.add_values(weight=mark.status.weight, attended=mark.status.attended,
                        duration_minutes=mark.session.duration_minutes,
                        minutes_late=mark.minutes_late,
                        locked=mark.session.locked_at is not None)

    def add_values(self, *, weight: Decimal, attended: bool, duration_minutes: int,
                   minutes_late: int, locked: bool) -> None:
        self.sessions_marked += 1
        self.weight_total += weight
        if attended:
            # Late arrival subtracts its minutes from the hours attended.
            minutes = max(duration_minutes - minutes_late, 0)
            if locked:
                self.minutes_attended += minutes
            else:
                self.minutes_provisional += minutes

    @property
    def rate(self) -> Decimal | None:
        if not self.sessions_marked:
            return None
        return (HUNDRED * self.weight_total / self.sessions_marked).quantize(Decimal("0.1"))

    @property
    def hours(self) -> Decimal:
        """Realised hours: attended sessions whose sheet is locked."""
        return _hours(self.minutes_attended)

    @property
    def hours_provisional(self) -> Decimal:
        """Hours attended on sheets not locked yet: they may still change."""
        return _hours(self.minutes_provisional)

    @property
    def hours_total(self) -> Decimal:
        """Realised and provisional: what pages show, the provisional part labelled."""
        return _hours(self.minutes_attended + self.minutes_provisional)

    def merge(self, other: "AttendanceFigures") -> None:
        self.sessions_marked += other.sessions_marked
        self.weight_total += other.weight_total
        self.minutes_attended += other.minutes_attended
        self.minutes_provisional += other.minutes_provisional


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def counted_marks(now=None):
    """Marks that count: a status is set, the session is past and not cancelled."""
    past = Session.objects.scheduled().past(now)
    return (Attendance.objects.filter(status__isnull=False, session__in=past)
            .select_related("status", "session"))


# What a mark contributes to the figures: plain values, so that a dashboard of many learners
# builds no model instances (three per mark with select_related).
MARK_FIGURE_FIELDS = ("learner_id", "session__cohort_id", "status__weight", "status__attended",
                      "session__start_time", "session__end_time", "minutes_late",
                      "session__locked_at")


def figures_by_pair(marks) -> dict[tuple[int, int], AttendanceFigures]:
    """{(learner id, cohort id): figures} of counted marks, in one query."""
    figures: dict[tuple[int, int], AttendanceFigures] = {}
    rows = marks.order_by().values_list(*MARK_FIGURE_FIELDS)
    for learner_id, cohort_id, weight, attended, start, end, minutes_late, locked_at in rows:
        figures.setdefault((learner_id, cohort_id), AttendanceFigures()).add_values(
            weight=weight, attended=attended, duration_minutes=minutes_between(start, end),
            minutes_late=minutes_late, locked=locked_at is not None)
    return figures


def figures_by_learner(cohort, learners=None, now=None) -> dict[int, AttendanceFigures]:
    """{learner id: figures} for a cohort, in one query."""
    marks = counted_marks(now).filter(session__cohort=cohort)
    if learners is not None:
        marks = marks.filter(learner__in=learners)
    return {learner_id: figures for (learner_id, _), figures in figures_by_pair(marks).items()}


def _memberships_covering(*, enrollment_ids=None, session="session__"):
    """Memberships in force on the day of the session `session` points to, in its cohort: a
    mark counts for the enrolment whose membership covers it, so that a learner who moved keeps
    the hours of their former cohort. (Filter by enrolment as well.)"""
    memberships = CohortMembership.objects.filter(
        cohort_id=OuterRef(f"{session}cohort_id"),
        start_date__lte=OuterRef(f"{session}date"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef(f"{session}date")))
    if enrollment_ids is not None:
        memberships = memberships.filter(enrollment_id__in=enrollment_ids)
    return memberships


def _figures_of_enrollments(enrollments) -> dict[int, AttendanceFigures]:
    enrollments = list(enrollments)
    if not enrollments:
        return {}
    ids = [enrollment.pk for enrollment in enrollments]
    # A learner has one enrolment per path and a cohort belongs to one path: a mark is
    # covered by one enrolment's memberships at most.
    covering = _memberships_covering(enrollment_ids=ids).filter(
        enrollment__learner_id=OuterRef("learner_id"))
    rows = (counted_marks()
            .filter(learner__in={e.learner_id for e in enrollments})
            .annotate(enrollment_pk=Subquery(covering.values("enrollment_id")[:1]))
            .filter(enrollment_pk__isnull=False)
            .order_by().values_list("enrollment_pk", *MARK_FIGURE_FIELDS[2:]))
    figures: dict[int, AttendanceFigures] = {}
    for enrollment_pk, weight, attended, start, end, minutes_late, locked_at in rows:
        figures.setdefault(enrollment_pk, AttendanceFigures()).add_values(
            weight=weight, attended=attended, duration_minutes=minutes_between(start, end),
            minutes_late=minutes_late, locked=locked_at is not None)
    return figures


def enrollment_figures(enrollments) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """{enrolment id: (rate, realised hours)} for enrolments in cohorts, in one query."""
    return {pk: (figures.rate, figures.hours)
            for pk, figures in _figures_of_enrollments(enrollments).items()}


def enrollment_hours(enrollments) -> dict[int, tuple[Decimal | None, Decimal, Decimal]]:
    """{enrolment id: (rate, realised hours, provisional hours)}, in one query. Realised:
    attended sessions whose sheet is locked; provisional: attended sessions whose sheet is
    still open. An enrolment without a marked session is absent (unknown rate, 0 h)."""
    return {pk: (figures.rate, figures.hours, figures.hours_provisional)
            for pk, figures in _figures_of_enrollments(enrollments).items()}


@dataclass
class RealisedAttendance:
    """What a document about an enrolment prints of its attendance."""

    hours: Decimal = Decimal("0.00")
    hours_provisional: Decimal = Decimal("0.00")
    first_date: datetime.date | None = None  # first attended session on a locked sheet
    last_date: datetime.date | None = None  # last one


def realised_attendance(enrollment, now=None) -> RealisedAttendance:
    """Realised and provisional hours of an enrolment and the dates of its first and last
    attended sessions on locked sheets, in one query. (Its sheets still open:
    open_sheets_of.)"""
    result = RealisedAttendance()
    figures = AttendanceFigures()
    # The marks of every cohort the learner was in, on the days they were in it.
    rows = (counted_marks(now)
            .filter(Exists(_memberships_covering(enrollment_ids=[enrollment.pk])),
                    learner_id=enrollment.learner_id)
            .order_by().values_list("status__weight", "status__attended", "session__date",
                                    "session__start_time", "session__end_time",
                                    "minutes_late", "session__locked_at"))
    attended_days = []
    for weight, attended, day, start, end, minutes_late, locked_at in rows:
        figures.add_values(weight=weight, attended=attended,
                           duration_minutes=minutes_between(start, end),
                           minutes_late=minutes_late, locked=locked_at is not None)
        if attended and locked_at is not None:
            attended_days.append(day)
    result.hours, result.hours_provisional = figures.hours, figures.hours_provisional
    if attended_days:
        result.first_date, result.last_date = min(attended_days), max(attended_days)
    return result


def open_sheets_of_cohort(cohort, now=None) -> list[Session]:
    """The cohort's past, non-cancelled sessions whose sheet is not locked yet, oldest
    first."""
    return list(Session.objects.scheduled().past(now)
                .filter(cohort=cohort, locked_at__isnull=True)
                .order_by("date", "start_time", "pk"))


def open_sheets_of(enrollment, now=None) -> list[Session]:
    """The past, non-cancelled sessions whose sheet is not locked yet of the cohorts the
    enrolment was in, on the days it was in them (its memberships): the hours they hold are
    provisional until a trainer countersigns them. Oldest first."""
    return list(Session.objects.scheduled().past(now)
                .filter(Exists(_memberships_covering(enrollment_ids=[enrollment.pk],
                                                     session="")),
                        locked_at__isnull=True)
                .order_by("date", "start_time", "pk"))


def upcoming_sessions_of(learner, limit: int) -> list[Session]:
    now = timezone.localtime()
    return list(
        Session.objects.scheduled()
        .filter(cohort__enrollments__learner=learner, date__gte=now.date())
        .exclude(date=now.date(), end_time__lte=now.time())
        .select_related("cohort", "module")
        .order_by("date", "start_time")[:limit]
    )


# Personal data (lms.privacy's export) ------------------------------------------------------

def _session_export(session) -> dict:
    return {"id": session.pk, "cohort": session.cohort.name, "date": json_value(session.date),
            "start_time": json_value(session.start_time),
            "end_time": json_value(session.end_time)}


def learner_attendance_export(user) -> dict:
    """A learner's marks (with their signatures), the audit trail about them, their absences
    declared ahead and the alerts raised about them, for their personal-data export."""
    marks = (Attendance.objects.filter(learner=user)
             .select_related("session__cohort", "status", "marked_by")
             .order_by("session__date", "session__start_time"))
    changes = (AttendanceChange.objects.filter(learner=user)
               .select_related("session__cohort", "changed_by").order_by("changed_at", "pk"))
    return {
        "attendance_marks": [{
            **field_values(mark, ["id", "minutes_late", "comment", "marked_at",
                                  "signature_method", "signature_svg", "signed_at",
                                  "override_at"]),
            "session": _session_export(mark.session),
            "status": mark.status.label if mark.status else None,
            "marked_by": who(mark.marked_by),
            "sheet_locked": mark.session.locked_at is not None,
        } for mark in marks],
        "attendance_changes": [{
            **field_values(change, ["attendance_id", "changed_at", "reason", "before",
                                    "after"]),
            "session": _session_export(change.session),
            "changed_by": who(change.changed_by),
        } for change in changes],
        "absence_notices": [
            {**field_values(notice, ["start_date", "end_date", "reason", "declared_at"]),
             "cohort": notice.cohort.name}
            for notice in AbsenceNotice.objects.filter(learner=user).select_related("cohort")],
        "attendance_alerts": [
            {**field_values(alert, ["kind", "key", "details", "created_at"]),
             "cohort": alert.cohort.name}
            for alert in AttendanceAlert.objects.filter(learner=user).select_related("cohort")
            .order_by("created_at")],
    }


def learner_attendance_kept(user) -> dict[str, int]:
    """What an erasure can't change about a learner (database rules): the entries of the
    audit trail, and their marks on locked sheets."""
    return {
        "attendance_changes": AttendanceChange.objects.filter(learner=user).count(),
        "locked_attendance_marks": Attendance.objects.filter(
            learner=user, session__locked_at__isnull=False).count(),
    }


def learner_cohort_ids(user) -> set[int]:
    """The cohorts whose attendance sheets may list `user`: those of their enrolments and of
    their marks."""
    return (set(Enrollment.objects.filter(learner=user, cohort__isnull=False)
                .values_list("cohort_id", flat=True))
            | set(Attendance.objects.filter(learner=user)
                  .values_list("session__cohort_id", flat=True)))
