"""Demo attendance of the four demo groups (lms.demo.groups): every past session has its roll
call, its check-ins and drawn signatures, its trainer's countersignature and its lock, each
written on the session's day through the services (so the chain entries and the sheets are
real); a learner of the club misses three sessions in a row and the daily scan raises the
alert; a learner has declared an absence for today's club, whose roll call stays open for the
demo trainer. Idempotent: a locked sheet is left as it is."""

import datetime
import hashlib

from django.db import transaction

from lms.attendance import checkin, roster
from lms.attendance.alerts import attendance_alerts_scan
from lms.attendance.models import AbsenceNotice, AttendanceSettings
from lms.attendance.services import (
    MarkInput,
    absence_declare,
    checkin_with_code,
    roll_call_save,
    session_cancel,
    session_lock,
    signature_draw,
    signature_paper,
)
from lms.demo.clock import at, demo_clock, signature_strokes
from lms.demo.groups import GROUPS, demo_cohort, past_sessions

# Who misses the last three sessions of their group before today (the alert's story).
ABSENT_STREAK = {"club": "bernard.guillot", "insertion": "kevin.grondin"}
# (group, index of the past session, username): status, minutes late, comment.
EVENTS = {
    ("club", 0, "jean-claude.payet"): ("absent", 0, ""),
    ("club", 1, "noel.girard"): ("late", 15, "Bus en retard."),
    ("club", 2, "josiane.texier"): ("excused", 0, "Rendez-vous médical, prévenu la veille."),
    ("vocational", 3, "olena.kovalenko"): ("excused", 0, "Rendez-vous à la préfecture."),
    ("vocational", 5, "mehmet.yilmaz"): ("late", 25, "Garde d'enfant."),
    ("vocational", 6, "camille.dupuis"): ("absent", 0, ""),
    ("workshop", 2, "moussa.kone"): ("absent", 0, ""),
    ("workshop", 3, "soifia.alimohamed"): ("late", 10, ""),
    ("insertion", 1, "iryna.melnyk"): ("excused", 0, "Cours de français (FLE)."),
}
# Who checks in with the code on their own phone rather than signing on the trainer's.
CHECKS_IN = {"aicha.traore", "ibrahima.ndiaye", "zahra.ahmadi", "ioana.stefanescu",
             "thuha.nguyen", "nassim.bouzid", "andrii.shevchenko"}
PAPER = {"ginette.baudouin"}  # signs the paper sheet: she won't use the tablet
TODAY_NOTICE = ("club", "monique.riviere", "Rendez-vous chez le médecin, je préviens.")


def attendance_demo_seed(*, today: datetime.date) -> int:
    """Take the roll call of every past session of the demo groups not locked yet, then scan
    for alerts. Returns the sheets locked."""
    locked = 0
    for spec in GROUPS:
        cohort = demo_cohort(spec)
        if cohort is None:
            continue
        sessions = list(past_sessions(cohort, today))
        streak_from = len(sessions) - 3
        for index, session in enumerate(sessions):
            if session.is_locked or session.is_cancelled:
                continue
            events = {username: status for (key, number, username), status in EVENTS.items()
                      if key == spec.key and number == index}
            if index >= streak_from and spec.key in ABSENT_STREAK:
                events[ABSENT_STREAK[spec.key]] = ("absent", 0, "")
            with transaction.atomic():
                _roll_call(session, events)
            locked += 1
    _today_notice(today)
    _cancel_one(today)
    with transaction.atomic():
        attendance_alerts_scan()
    return locked


def _draws_first(username: str, day: datetime.date) -> bool:
    return hashlib.sha256(f"{username}:{day}".encode()).digest()[0] % 2 == 0


def _roll_call(session, events) -> None:
    trainer = session.trainer
    learners = {user.pk: user for user in roster.expected_learners(session)}
    window = AttendanceSettings.load().checkin_window_seconds
    statuses = {pk: events.get(user.username, ("present", 0, "")) for pk, user in
                learners.items()}
    # Those with a phone check in as the session starts.
    start = at(session.date, session.start_time) + datetime.timedelta(minutes=4)
    for pk, user in learners.items():
        if user.username in CHECKS_IN and statuses[pk][0] == "present":
            with demo_clock(start) as moment:
                code, _expires = checkin.current_code(session, window_seconds=window,
                                                      now=moment.timestamp())
                checkin_with_code(session=session, learner=user, code=code,
                                  now=moment.timestamp())
    # The trainer's roll call, then the others sign on the trainer's tablet.
    end = at(session.date, session.end_time)
    with demo_clock(end - datetime.timedelta(minutes=20)):
        roll_call_save(session=session, by=trainer, marks=[
            MarkInput(learner_id=pk, status=status, minutes_late=late, comment=comment)
            for pk, (status, late, comment) in statuses.items()])
    # Not always in the same order: who comes to the tablet first changes from day to day.
    for number, (pk, user) in enumerate(sorted(learners.items(), key=lambda item: (
            not _draws_first(item[1].username, session.date), item[0]))):
        status = statuses[pk][0]
        if status not in ("present", "late") or user.username in CHECKS_IN and (
                status == "present"):
            continue
        with demo_clock(end - datetime.timedelta(minutes=15 - number % 10)):
            if user.username in PAPER:
                signature_paper(session=session, learner_id=pk, by=trainer)
            else:
                signature_draw(session=session, learner_id=pk, by=trainer,
                               strokes=signature_strokes(f"{user.username}:{session.date}"))
    with demo_clock(end + datetime.timedelta(minutes=5)):
        session_lock(session=session, by=trainer,
                     strokes=signature_strokes(f"{trainer.username}:{session.date}"))


def _today_notice(today: datetime.date) -> None:
    key, username, reason = TODAY_NOTICE
    cohort = demo_cohort(next(spec for spec in GROUPS if spec.key == key))
    if cohort is None or not cohort.start_date <= today <= cohort.end_date:
        return
    learner = cohort.enrollments.filter(learner__username=username).first()
    if learner is None or AbsenceNotice.objects.filter(
            learner=learner.learner, cohort=cohort).exists():
        return
    absence_declare(learner=learner.learner, cohort=cohort, start_date=today, end_date=today,
                    reason=reason)


def _cancel_one(today: datetime.date) -> None:
    """A session of the vocational group in two weeks is cancelled (its learners are told on
    commit, as the cancellation service does)."""
    cohort = demo_cohort(next(spec for spec in GROUPS if spec.key == "vocational"))
    if cohort is None or cohort.sessions.filter(cancelled_at__isnull=False).exists():
        return
    session = (cohort.sessions.filter(date__gte=today + datetime.timedelta(days=14))
               .order_by("date", "start_time").first())
    if session is not None:
        with transaction.atomic():
            session_cancel(session=session, by=session.trainer,
                           reason="Formateur retenu par une session de certification Pix.")
