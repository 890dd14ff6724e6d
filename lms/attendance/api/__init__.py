"""REST API of cohorts, sessions, attendance marks and absence notices, one module each (the
actions on a session's sheet in sheets.py). Every write of a session, a mark or a signature goes
through lms.attendance.services; querysets are scoped to the caller, so a foreign object answers
404."""

from .absences import AbsenceNoticeViewSet
from .cohorts import CohortViewSet
from .marks import AttendanceViewSet
from .sessions import SessionViewSet

__all__ = ["AbsenceNoticeViewSet", "AttendanceViewSet", "CohortViewSet", "SessionViewSet",
           "register"]


def register(router) -> None:
    """Register the attendance viewsets on the project's API router."""
    router.register("cohorts", CohortViewSet, basename="cohort")
    router.register("sessions", SessionViewSet, basename="session")
    router.register("attendance", AttendanceViewSet, basename="attendance")
    router.register("absence-notices", AbsenceNoticeViewSet, basename="absence-notice")
