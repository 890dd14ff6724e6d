"""Who is expected at each session: the learners whose cohort membership
(`lms.progress.models.CohortMembership`) covers the session's date.

A roll call, a signature, a check-in, a sheet, an export, a rate and an alert all ask this
module, never `Enrollment.cohort`: that field says where a learner is today, while a session of
last month is about who was in the group last month. A learner enrolled mid-cohort is absent
from the earlier sessions; one who left or moved is absent from the later ones and keeps the
marks of the sessions they were expected at."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.utils.translation import gettext as _

from lms.progress.models import CohortMembership
from lms.progress.services import cohort_roster_changing

from .models import Attendance, Session

User = get_user_model()


def _memberships(sessions):
    """The memberships in force on the day of one of `sessions` at least (a superset: those of
    their cohorts overlapping their span of dates)."""
    return (CohortMembership.objects.filter(cohort_id__in={s.cohort_id for s in sessions})
            .overlapping(min(s.date for s in sessions), max(s.date for s in sessions)))


def _roster(sessions, memberships) -> dict[int, list[int]]:
    by_cohort: dict[int, list[tuple]] = defaultdict(list)
    for cohort_id, learner_id, start, end in memberships:
        by_cohort[cohort_id].append((learner_id, start, end))
    return {
        session.pk: sorted({
            learner_id for learner_id, start, end in by_cohort.get(session.cohort_id, ())
            if start <= session.date and (end is None or end >= session.date)
        })
        for session in sessions
    }


def roster_by_session(sessions) -> dict[int, list[int]]:
    """{session id: ids of the learners expected at it, in increasing order}, in one query
    whatever the number of sessions and learners."""
    sessions = list(sessions)
    if not sessions:
        return {}
    rows = _memberships(sessions).values_list("cohort_id", "enrollment__learner_id",
                                              "start_date", "end_date")
    return _roster(sessions, rows)


def roster_with_learners(sessions) -> tuple[dict[int, list[int]], dict[int, object]]:
    """(roster_by_session, {learner id: learner} of everyone on it), in one query."""
    sessions = list(sessions)
    if not sessions:
        return {}, {}
    memberships = list(_memberships(sessions).select_related("enrollment__learner"))
    roster = _roster(sessions, [(m.cohort_id, m.enrollment.learner_id, m.start_date,
                                 m.end_date) for m in memberships])
    on_it = {learner_id for ids in roster.values() for learner_id in ids}
    learners = {m.enrollment.learner_id: m.enrollment.learner for m in memberships
                if m.enrollment.learner_id in on_it}
    return roster, learners


def memberships_shown(cohort):
    """Memberships of `cohort` that put a learner on its pages: open ones (in it now), and
    those in force on the day of one of its scheduled sessions at least."""
    sessions = Session.objects.scheduled().filter(
        cohort_id=OuterRef("cohort_id"), date__gte=OuterRef("start_date"))
    return CohortMembership.objects.filter(cohort=cohort).filter(
        Q(end_date__isnull=True)
        | Exists(sessions.filter(date__lte=OuterRef("end_date"))))


def _on_session_date(session) -> Q:
    return Q(cohort_id=session.cohort_id) & (Q(end_date__isnull=True)
                                             | Q(end_date__gte=session.date)) & Q(
        start_date__lte=session.date)


def expected_learner_ids(session) -> set[int]:
    """Ids of the learners expected at `session`, in one query."""
    return set(CohortMembership.objects.filter(_on_session_date(session))
               .values_list("enrollment__learner_id", flat=True))


def is_expected(session, learner_id: int) -> bool:
    return CohortMembership.objects.filter(_on_session_date(session),
                                           enrollment__learner_id=learner_id).exists()


def expected_learners(session):
    """The learners expected at `session`, by name (a queryset: one query when read)."""
    ids = CohortMembership.objects.filter(_on_session_date(session)).values(
        "enrollment__learner_id")
    return User.objects.filter(pk__in=ids).order_by(Lower("last_name"), Lower("first_name"),
                                                    "username")


def learners_of(sessions):
    """Everyone expected at one at least of `sessions`, by name, in one query."""
    sessions = list(sessions)
    if not sessions:
        return User.objects.none()
    ids = {learner_id for ids in roster_by_session(sessions).values() for learner_id in ids}
    return User.objects.filter(pk__in=ids).order_by(Lower("last_name"), Lower("first_name"),
                                                    "username")


def _membership_covers(learner_ref: str, cohort_ref: str, date_ref: str) -> Exists:
    return Exists(CohortMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef(date_ref)),
        enrollment__learner_id=OuterRef(learner_ref), cohort_id=OuterRef(cohort_ref),
        start_date__lte=OuterRef(date_ref),
    ))


def expected_marks(marks):
    """Only the marks of sessions at which their learner was expected: a mark recorded before
    memberships existed for a session before the learner's enrolment counts for nothing."""
    return marks.filter(_membership_covers("learner_id", "session__cohort_id", "session__date"))


def sessions_expected_for(learner, sessions=None):
    """The sessions (of `sessions`, default all) at which `learner` is or was expected."""
    sessions = Session.objects.all() if sessions is None else sessions
    return sessions.filter(Exists(CohortMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("date")),
        enrollment__learner_id=learner.pk, cohort_id=OuterRef("cohort_id"),
        start_date__lte=OuterRef("date"),
    )))


def unsigned_present(session) -> list:
    """Learners expected at `session`, marked with a status that counts as attended, with no
    signature nor check-in: the sheet must not look signed for them."""
    marks = (Attendance.objects.filter(session=session, status__attended=True,
                                       signed_at__isnull=True,
                                       learner__in=expected_learners(session).values("pk"))
             .select_related("learner")
             .order_by(Lower("learner__last_name"), Lower("learner__first_name"), "learner_id"))
    return [mark.learner for mark in marks]


@receiver(cohort_roster_changing, dispatch_uid="attendance.roster_guard")
def roster_guard(sender, *, enrollment, cohort, first_date, last_date, joining, **kwargs):
    """Refuse a roster change that would rewrite a closed sheet (adding or removing someone on
    it) or leave a recorded mark outside the days its learner was expected."""
    sessions = Session.objects.filter(cohort=cohort, date__gte=first_date)
    if last_date is not None:
        sessions = sessions.filter(date__lte=last_date)
    locked = sessions.filter(locked_at__isnull=False).order_by("date", "start_time").first()
    if locked is not None:
        raise ValidationError({"cohort": ValidationError(_(
            "The attendance sheet of %(date)s in %(cohort)s is closed: its list of learners "
            "cannot change. Choose a date after it.") % {
                "date": locked.date.strftime("%d/%m/%Y"), "cohort": cohort},
            code="locked_sheet")})
    if joining:
        return
    marked = (Attendance.objects.filter(session__in=sessions, learner_id=enrollment.learner_id)
              .select_related("session").order_by("-session__date").first())
    if marked is not None:
        raise ValidationError({"cohort": ValidationError(_(
            "%(learner)s has a mark on %(date)s in %(cohort)s: the change can only take "
            "effect after that day.") % {
                "learner": enrollment.learner, "date": marked.session.date.strftime("%d/%m/%Y"),
                "cohort": cohort},
            code="marked_after")})
