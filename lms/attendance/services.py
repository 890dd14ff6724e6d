"""Writes of sessions, marks and signatures. Every change of a mark or a signature is audited;
a locked sheet changes only by a manager, with a reason."""

import copy
import datetime
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from lms.cohorts.models import Cohort
from lms.core.data_rights import ERASED_TEXT
from lms.progress.enums import EnrollmentStatus

from . import checkin, roster
from .chain import chain_append, locked_for_chain, session_snapshot, signature_digest
from .enums import ChangeKind, SignatureMethod
from .models import (
    AbsenceNotice,
    Attendance,
    AttendanceChange,
    AttendanceSettings,
    AttendanceStatus,
    Session,
)
from .signals import sessions_changed, sheet_amended
from .signatures import signature_svg
from .validation import absence_dates_check, session_dates_check

logger = logging.getLogger(__name__)

AUDITED_FIELDS = ("status", "minutes_late", "comment", "signature_method", "signed_at")
MAX_RECURRING = 200
REASON_MAX_LENGTH = 300
# What an amendment may change: every proof column of the session but its lock.
AMENDABLE_FIELDS = ("date", "start_time", "end_time", "cohort", "module", "trainer", "room",
                    "cancelled", "cancel_reason")


def can_take_roll_call(user, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    if user.sees_everything:
        return True
    return user.is_trainer and (session.trainer_id == user.pk
                                or session.cohort.trainers.filter(pk=user.pk).exists())


def cohort_learner_ids(cohort: Cohort) -> set[int]:
    """The cohort's learners now (for absences declared ahead). A session's learners are
    those of its date: `roster.expected_learner_ids`."""
    return set(cohort.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN)
               .values_list("learner_id", flat=True))


def _check_day(session: Session) -> None:
    """Nobody marks a session before its day: a sheet filled ahead proves nothing."""
    today = timezone.localdate()
    if session.date > today:
        raise ValidationError(_("The roll call of this session opens on its day, %(date)s.")
                              % {"date": session.date.strftime("%d/%m/%Y")},
                              code="before_session_day")


# Sessions -----------------------------------------------------------------------------------

def _announce_sessions(session_ids) -> None:
    # In the caller's transaction: the news to send is recorded with the change (signals.py).
    sessions_changed.send(sender=Session, session_ids=list(session_ids))


@transaction.atomic
def session_create(*, cohort: Cohort, date, start_time, end_time, trainer=None, module=None,
                   room: str = "") -> Session:
    session = Session(cohort=cohort, date=date, start_time=start_time, end_time=end_time,
                      trainer=trainer, module=module, room=room)
    session_dates_check(cohort=cohort, dates=[date])
    session.full_clean()
    session.save()
    _announce_sessions([session.pk])
    return session


@transaction.atomic
def sessions_create_recurring(*, cohort: Cohort, first_date: datetime.date, start_time,
                              end_time, weeks: int, skip_dates=(), trainer=None, module=None,
                              room: str = "") -> list[Session]:
    """A session every week on first_date's weekday, e.g. a club every Tuesday 14:00–16:00 for
    10 weeks; skipped dates (holidays) are not replaced."""
    if not 1 <= weeks <= MAX_RECURRING:
        raise ValidationError({"weeks": _("Between 1 and %(max)s weeks.") % {
            "max": MAX_RECURRING}})
    if end_time <= start_time:
        raise ValidationError({"end_time": _("The session must end after it starts.")})
    skipped = set(skip_dates)
    dates = [first_date + datetime.timedelta(weeks=n) for n in range(weeks)]
    session_dates_check(cohort=cohort, dates=set(dates) - set(skip_dates), field="first_date")
    sessions = [Session(cohort=cohort, date=day, start_time=start_time, end_time=end_time,
                        trainer=trainer, module=module, room=room)
                for day in dates if day not in skipped]
    sessions = Session.objects.bulk_create(sessions)
    _announce_sessions(session.pk for session in sessions)
    return sessions


@transaction.atomic
def session_cancel(*, session: Session, by, reason: str) -> Session:
    """Cancel a session that has not taken place. A locked sheet proves it took place: only a
    manager's amendment (session_amend) cancels it."""
    if not can_take_roll_call(by, session):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the session is cancelled.")})
    session = locked_for_chain().get(pk=session.pk)
    if session.is_locked:
        raise ValidationError(_("This sheet is locked: only a manager's amendment, with a "
                                "reason, can cancel the session."))
    if session.is_cancelled:
        raise ValidationError(_("This session is already cancelled."))
    now = timezone.now()
    session.cancelled_at = now
    session.cancel_reason = reason.strip()
    session.save(update_fields=["cancelled_at", "cancel_reason"])
    chain_append(session, [AttendanceChange(
        kind=ChangeKind.SESSION, changed_by=by, changed_at=now, reason=reason.strip(),
        before={"cancelled_at": None, "cancel_reason": ""},
        after={"cancelled_at": session_snapshot(session)["cancelled_at"],
               "cancel_reason": session.cancel_reason},
    )])
    _announce_sessions([session.pk])
    return session


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for amending the sheet.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under %(limit)d characters.")
                               % {"limit": REASON_MAX_LENGTH}})
    return reason


def _names(learner_ids) -> str:
    learners = get_user_model().objects.filter(pk__in=learner_ids).order_by(
        "last_name", "first_name", "pk")
    return ", ".join(learner.get_full_name() or learner.username for learner in learners)


def session_roster_check(*, session: Session, cohort_id: int, date) -> None:
    """Refuse moving `session` (as stored) to `cohort_id` on `date` if that changes who is on
    its sheet. Who is expected follows from the cohort and the date (roster.py): a move must not
    take a learner's mark or signature off the days they were expected (it would silently stop
    counting), nor, once the sheet is locked, put on it anyone who wasn't on it when it was
    countersigned. Raises a ValidationError naming the learners, on `cohort` or `date`."""
    if (cohort_id, date) == (session.cohort_id, session.date):
        return
    before = roster.expected_learner_ids(session)
    after = roster.expected_learner_ids(Session(cohort_id=cohort_id, date=date))
    recorded = set(Attendance.objects.filter(session=session).filter(
        Q(status__isnull=False) | Q(signed_at__isnull=False)).values_list(
        "learner_id", flat=True))
    dropped = (before - after) & recorded
    added = (after - before) if session.is_locked else set()
    if not dropped and not added:
        return
    problems = []
    if dropped:
        problems.append(ValidationError(
            _("%(names)s would no longer be expected at this session, yet their mark or "
              "signature is on its sheet.") % {"names": _names(dropped)},
            code="roster_dropped"))
    if added:
        problems.append(ValidationError(
            _("%(names)s would be added to this locked sheet: they were not on it when it "
              "was countersigned.") % {"names": _names(added)}, code="roster_added"))
    problems.append(ValidationError(
        _("An amendment cannot change who is on the sheet: choose a date and a group at "
          "which the same learners are expected."), code="roster_changed"))
    raise ValidationError({"cohort" if cohort_id != session.cohort_id else "date": problems})


def _announce_amendment(session: Session, *, by, reason: str, cohort_ids=(), dates=()) -> None:
    """Once committed, tell the documents built from this sheet that it changed."""
    cohort_ids = {session.cohort_id, *cohort_ids}
    dates = {session.date, *dates}

    def send():
        for receiver, error in sheet_amended.send_robust(
                sender=Session, session_id=session.pk, by=by, reason=reason,
                cohort_ids=cohort_ids, dates=dates):
            if isinstance(error, Exception):
                logger.error("sheet_amended receiver %r failed for session %s", receiver,
                             session.pk, exc_info=error)

    transaction.on_commit(send)


@transaction.atomic
def session_amend(*, session: Session, by, reason: str, **changes) -> Session:
    """A manager's amendment of a session (its date, times, cohort, module, trainer, room, or
    its cancellation: `cancelled=True/False`), with a reason. Audited and chained; the
    documents already issued from the sheet are issued again."""
    if not by.sees_everything:
        raise PermissionDenied(_("Only a manager amends a session."))
    reason = _check_reason(reason)
    unknown = sorted(set(changes) - set(AMENDABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be amended.") for name in unknown})
    session = locked_for_chain().get(pk=session.pk)
    stored = copy.copy(session)  # as it is before the amendment
    before_state = session_snapshot(session)
    old_cohort_id, old_date = session.cohort_id, session.date
    now = timezone.now()
    cancelled = changes.pop("cancelled", None)
    for name, value in changes.items():
        setattr(session, name, value.strip() if isinstance(value, str) else value)
    if cancelled and not session.is_cancelled:
        session.cancelled_at = now
        session.cancel_reason = session.cancel_reason or reason
    elif cancelled is False and session.is_cancelled:
        session.cancelled_at, session.cancel_reason = None, ""
    if cancelled is None and "cancel_reason" in changes and not session.is_cancelled:
        session.cancel_reason = ""
    if session.is_cancelled and not session.cancel_reason:
        raise ValidationError({"cancel_reason": _("Say why the session is cancelled.")})
    session.full_clean(exclude=["checkin_secret"])
    if session.module_id and not session.cohort.path.modules().filter(
            pk=session.module_id).exists():
        raise ValidationError({"module": _("This module is not in the cohort's training "
                                           "path.")})
    session_roster_check(session=stored, cohort_id=session.cohort_id, date=session.date)
    after_state = session_snapshot(session)
    changed = [key for key in after_state if after_state[key] != before_state[key]]
    if not changed:
        raise ValidationError(_("The amendment changes nothing."))
    session.amended_at = now
    session.save()
    chain_append(session, [AttendanceChange(
        kind=ChangeKind.SESSION, amendment=session.is_locked, changed_by=by, changed_at=now,
        reason=reason, before={key: before_state[key] for key in changed},
        after={key: after_state[key] for key in changed},
    )])
    _announce_amendment(session, by=by, reason=reason, cohort_ids={old_cohort_id},
                        dates={old_date})
    _announce_sessions([session.pk])
    return session


# Roll call ----------------------------------------------------------------------------------

@dataclass
class MarkInput:
    learner_id: int
    status: str | None  # a status code, or None for "unmarked"
    minutes_late: int = 0
    comment: str = ""


def _snapshot(mark: Attendance, statuses_by_pk) -> dict:
    status = statuses_by_pk.get(mark.status_id)
    return {
        "status": status.code if status else None,
        "minutes_late": mark.minutes_late,
        "comment": mark.comment,
        "signature_method": mark.signature_method,
        "signed_at": mark.signed_at.isoformat() if mark.signed_at else None,
        "signature_sha256": signature_digest(mark.signature_svg),
    }


def _check_editable(session: Session, by, reason: str) -> bool:
    """True when this write is a manager's override of a locked sheet."""
    if session.is_cancelled:
        raise ValidationError(_("This session is cancelled."))
    if not session.is_locked:
        if not can_take_roll_call(by, session):
            raise PermissionDenied
        return False
    if not by.sees_everything:
        raise PermissionDenied(_("This sheet is locked: only a manager can change it."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for changing a locked sheet.")})
    _check_reason(reason)
    return True


@transaction.atomic
def roll_call_save(*, session: Session, by, marks: list[MarkInput], reason: str = ""
                   ) -> dict[str, int]:
    """Save the whole group's marks in one go. Re-submitting the same marks changes nothing;
    learners left out or sent as unmarked stay unmarked."""
    session = locked_for_chain().select_related("cohort").get(pk=session.pk)
    override = _check_editable(session, by, reason)
    _check_day(session)
    statuses = {status.code: status for status in AttendanceStatus.objects.active()}
    statuses_by_pk = {status.pk: status for status in AttendanceStatus.objects.all()}
    allowed = roster.expected_learner_ids(session)
    errors = {}
    seen = set()
    for index, item in enumerate(marks):
        if item.learner_id not in allowed:
            errors[f"marks[{index}].learner"] = _(
                "This learner is not expected at this session: they were not in the cohort "
                "on that day.")
        elif item.learner_id in seen:
            errors[f"marks[{index}].learner"] = _("This learner appears twice.")
        if item.status is not None and item.status not in statuses:
            errors[f"marks[{index}].status"] = _("Unknown status.")
        if not 0 <= item.minutes_late <= session.duration_minutes:
            errors[f"marks[{index}].minutes_late"] = _("Minutes late must be between 0 and "
                                                       "the session's length.")
        seen.add(item.learner_id)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    existing = {mark.learner_id: mark for mark in session.marks.all()}
    to_create, to_update, changes = [], [], []
    for item in marks:
        status = statuses[item.status] if item.status else None
        mark = existing.get(item.learner_id)
        if mark is None:
            if status is None and not item.comment:
                continue  # still unmarked: nothing to record
            mark = Attendance(session=session, learner_id=item.learner_id)
            before = {}
        else:
            before = _snapshot(mark, statuses_by_pk)
        mark.status = status
        mark.minutes_late = item.minutes_late if status else 0
        mark.comment = item.comment.strip()
        after = _snapshot(mark, statuses_by_pk)
        if before == after:
            continue
        mark.marked_by, mark.marked_at = by, now
        if override:
            mark.override_at = now
        (to_update if mark.pk else to_create).append(mark)
        changes.append((mark, before, after))
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["status", "minutes_late", "comment",
                                               "marked_by", "marked_at", "override_at"])
    chain_append(session, [
        AttendanceChange(attendance=mark, learner_id=mark.learner_id, kind=ChangeKind.MARK,
                         amendment=override, changed_by=by, changed_at=now,
                         reason=reason.strip(), before=before, after=after)
        for mark, before, after in changes
    ])
    if override and changes:
        _announce_amendment(session, by=by, reason=reason.strip())
    return {"created": len(to_create), "updated": len(to_update),
            "unchanged": len(marks) - len(changes)}


# Signatures ---------------------------------------------------------------------------------

def _sign(*, session: Session, learner_id: int, by, method: SignatureMethod, svg: str = "",
          mark_present: bool, reason: str = "") -> Attendance:
    # The session's row lock orders the entries of its chain (see lms.attendance.chain).
    session = locked_for_chain().select_related("cohort").get(pk=session.pk)
    if method == SignatureMethod.CHECK_IN:
        override = False  # the learner's own check-in: checked by the caller
    else:
        override = _check_editable(session, by, reason)
    _check_day(session)
    statuses_by_pk = {status.pk: status for status in AttendanceStatus.objects.all()}
    now = timezone.now()
    mark = (Attendance.objects.select_for_update()
            .filter(session=session, learner_id=learner_id).first())
    before = _snapshot(mark, statuses_by_pk) if mark else {}
    mark = mark or Attendance(session=session, learner_id=learner_id)
    if mark_present and mark.status_id is None:
        mark.status = AttendanceStatus.objects.get(code="present")
        mark.marked_by, mark.marked_at = by, now
    mark.signature_svg = svg
    mark.signature_method = method
    mark.signed_at = now
    if override:
        mark.override_at = now
    mark.save()
    kind = ChangeKind.CHECK_IN if method == SignatureMethod.CHECK_IN else ChangeKind.SIGNATURE
    chain_append(session, [AttendanceChange(
        attendance=mark, learner_id=learner_id, kind=kind, amendment=override, changed_by=by,
        changed_at=now, reason=reason.strip(), before=before,
        after=_snapshot(mark, statuses_by_pk),
    )])
    if override:
        _announce_amendment(session, by=by, reason=reason.strip())
    return mark


@transaction.atomic
def signature_draw(*, session: Session, learner_id: int, strokes: list[str], by,
                   reason: str = "") -> Attendance:
    """A learner signs on the trainer's device."""
    if not roster.is_expected(session, learner_id):
        raise ValidationError({"learner": _("This learner is not expected at this session.")})
    return _sign(session=session, learner_id=learner_id, by=by, svg=signature_svg(strokes),
                 method=SignatureMethod.DRAWN, mark_present=True, reason=reason)


@transaction.atomic
def signature_paper(*, session: Session, learner_id: int, by, reason: str = "") -> Attendance:
    """Manual fallback: the learner signed the paper sheet kept by the trainer."""
    if not roster.is_expected(session, learner_id):
        raise ValidationError({"learner": _("This learner is not expected at this session.")})
    return _sign(session=session, learner_id=learner_id, by=by, method=SignatureMethod.PAPER,
                 mark_present=True, reason=reason)


@transaction.atomic
def checkin_with_code(*, session: Session, learner, code: str, now: float | None = None
                      ) -> Attendance:
    """Self check-in on the learner's phone with the code the trainer shows."""
    if not roster.is_expected(session, learner.pk):
        raise PermissionDenied(_("You are not a learner of this session."))
    if session.is_cancelled:
        raise ValidationError(_("This session is cancelled."))
    if session.is_locked:
        raise ValidationError(_("The sheet of this session is already closed."))
    window = AttendanceSettings.load().checkin_window_seconds
    if not checkin.code_is_valid(session, code, window_seconds=window, now=now):
        raise ValidationError({"code": _("This code is wrong or has expired. Ask your trainer "
                                         "for the code on screen now.")})
    return _sign(session=session, learner_id=learner.pk, by=learner,
                 method=SignatureMethod.CHECK_IN, mark_present=True)


@transaction.atomic
def session_lock(*, session: Session, by, strokes: list[str], confirm_unsigned: bool = False
                 ) -> Session:
    """The trainer countersigns and closes the sheet; from now on only a manager changes it.

    Learners marked as attending who neither signed nor checked in are named, and the sheet
    is closed only once the trainer confirms it so: the sheet then prints them as present but
    not signed, never as signed."""
    session = locked_for_chain().get(pk=session.pk)
    if not can_take_roll_call(by, session):
        raise PermissionDenied
    if session.is_locked:
        return session
    if session.is_cancelled:
        raise ValidationError(_("This session is cancelled."))
    _check_day(session)
    unsigned = roster.unsigned_present(session)
    if unsigned and not confirm_unsigned:
        raise ValidationError({"confirm_unsigned": ValidationError(
            _("Marked present without a signature or check-in: %(names)s. Have them sign, or "
              "confirm that you close the sheet without their signature.")
            % {"names": ", ".join(learner.get_full_name() or learner.username
                                  for learner in unsigned)},
            code="unsigned_present")})
    session.countersignature_svg = signature_svg(strokes)
    session.countersigned_at = session.locked_at = timezone.now()
    session.locked_by = by
    session.save(update_fields=["countersignature_svg", "countersigned_at", "locked_at",
                                "locked_by"])
    chain_append(session, [AttendanceChange(
        kind=ChangeKind.COUNTERSIGNATURE, changed_by=by, changed_at=session.locked_at,
        after=session_snapshot(session),
    )])
    return session


def erased_signature_svg() -> str:
    """Where a drawn signature was: a valid SVG that says it was erased, so that every page
    and sheet still renders."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200">'
            '<text x="20" y="110" font-size="32" fill="#555">'
            f'{escape(_("Signature erased"))}</text></svg>')


def learner_attendance_erase(*, learner, by) -> dict[str, int]:
    """The free text about a learner in attendance (absence reasons; comments and drawn
    signatures of open sheets). Called by the personal-data erasure (lms.privacy)."""
    marks = marks_erase_personal_data(learner=learner, by=by, erased_svg=erased_signature_svg())
    return {
        "absence_notices": AbsenceNotice.objects.filter(learner=learner).update(
            reason=ERASED_TEXT),
        "attendance_comments": marks["comments"],
        "attendance_signatures": marks["signatures"],
    }


def marks_erase_personal_data(*, learner, by, erased_svg: str) -> dict[str, int]:
    """Erase the free text and drawn signatures of a learner's marks on open sheets (locked
    sheets keep them: they are the proof), each erasure chained so that the sheet still
    verifies."""
    statuses_by_pk = {status.pk: status for status in AttendanceStatus.objects.all()}
    counts = {"comments": 0, "signatures": 0}
    session_ids = (Attendance.objects.filter(learner=learner, session__locked_at__isnull=True)
                   .values_list("session_id", flat=True).distinct())
    for session in locked_for_chain().filter(pk__in=list(session_ids)).order_by("pk"):
        if session.is_locked:  # locked meanwhile: its marks are the proof, kept
            continue
        mark = Attendance.objects.select_for_update().get(session=session, learner=learner)
        before = _snapshot(mark, statuses_by_pk)
        fields = []
        if mark.comment:
            mark.comment = ""
            counts["comments"] += 1
            fields.append("comment")
        if mark.signature_method == SignatureMethod.DRAWN and mark.signature_svg:
            mark.signature_svg = erased_svg
            counts["signatures"] += 1
            fields.append("signature_svg")
        if not fields:
            continue
        mark.save(update_fields=fields)
        chain_append(session, [AttendanceChange(
            attendance=mark, learner_id=learner.pk, kind=ChangeKind.ERASURE, changed_by=by,
            changed_at=timezone.now(), reason="personal data erased", before=before,
            after=_snapshot(mark, statuses_by_pk),
        )])
    return counts


# Absences declared ahead --------------------------------------------------------------------

def absence_declare(*, learner, cohort: Cohort, start_date, end_date, reason: str
                    ) -> AbsenceNotice:
    if learner.pk not in cohort_learner_ids(cohort):
        raise PermissionDenied(_("You are not a learner of this cohort."))
    if start_date < timezone.localdate():
        raise ValidationError({"start_date": _("An absence is declared ahead, not afterwards.")})
    absence_dates_check(start_date=start_date, end_date=end_date, today=timezone.localdate())
    notice = AbsenceNotice(learner=learner, cohort=cohort, start_date=start_date,
                           end_date=end_date, reason=reason.strip())
    notice.full_clean()
    notice.save()
    return notice


def absence_notices_changeable(notices, *, now=None) -> dict[int, bool]:
    """For each notice (by pk), whether its learner may still change or withdraw it: until
    the first session it covers starts (the trainer may have relied on it from then); a
    notice covering no session, until its last day has passed. One query for them all."""
    now = timezone.localtime(now)
    ahead = [notice for notice in notices if notice.end_date >= now.date()]
    result = {notice.pk: False for notice in notices}
    if not ahead:
        return result
    sessions = (Session.objects.scheduled()
                .filter(cohort_id__in={notice.cohort_id for notice in ahead},
                        date__gte=min(notice.start_date for notice in ahead),
                        date__lte=max(notice.end_date for notice in ahead))
                .values_list("cohort_id", "date", "start_time"))
    starts = sorted(sessions, key=lambda row: (row[1], row[2]))
    for notice in ahead:
        first = next(((day, start) for cohort_id, day, start in starts
                      if cohort_id == notice.cohort_id
                      and notice.start_date <= day <= notice.end_date), None)
        result[notice.pk] = first is None or first > (now.date(), now.time())
    return result


def absence_notice_changeable(notice: AbsenceNotice, *, now=None) -> bool:
    return absence_notices_changeable([notice], now=now)[notice.pk]


def _check_changeable(notice: AbsenceNotice, learner) -> None:
    if notice.learner_id != learner.pk:
        raise PermissionDenied
    if not absence_notice_changeable(notice):
        raise ValidationError(_("The session this absence covers has started: the notice can "
                                "no longer be changed. Tell your trainer."),
                              code="notice_started")


@transaction.atomic
def absence_update(*, notice: AbsenceNotice, learner, start_date, end_date, reason: str
                   ) -> AbsenceNotice:
    """The learner changes the dates or the reason of their notice, before it starts."""
    notice = AbsenceNotice.objects.select_for_update().get(pk=notice.pk)
    _check_changeable(notice, learner)
    if start_date < timezone.localdate():
        raise ValidationError({"start_date": _("An absence is declared ahead, not afterwards.")})
    absence_dates_check(start_date=start_date, end_date=end_date, today=timezone.localdate())
    notice.start_date, notice.end_date, notice.reason = start_date, end_date, reason.strip()
    notice.full_clean()
    notice.save(update_fields=["start_date", "end_date", "reason"])
    return notice


@transaction.atomic
def absence_withdraw(*, notice: AbsenceNotice, learner) -> None:
    """The learner withdraws their notice (they will come after all), before it starts."""
    notice = AbsenceNotice.objects.select_for_update().get(pk=notice.pk)
    _check_changeable(notice, learner)
    notice.delete()
