"""Attendance alerts: consecutive absences and a low attendance rate, each occurrence recorded
once (AttendanceAlert.key) and told to the cohort's trainers and the learner's insertion staff.

Only marks that count are read (past, non-cancelled sessions with a status, at which the
learner was expected): an unmarked session is skipped, never taken for an absence, and a
session before the learner joined the cohort or after they left it is not theirs."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.notifications import notification_send
from lms.progress.enums import EnrollmentStatus
from lms.progress.models import CohortMembership

from .enums import AlertKind
from .models import AttendanceAlert, AttendanceSettings
from .roster import expected_marks
from .selectors import AttendanceFigures, counted_marks

# A cohort that ended lately may still get its last marks filled in.
RECENTLY_ENDED_DAYS = 14
KEY_MAX_LENGTH = 200


@dataclass
class Occurrence:
    learner: User
    kind: AlertKind
    key: str
    details: dict = field(default_factory=dict)


# Detection: pure functions over one learner's counted marks, in date order -----------------

def absence_streaks(marks, length: int) -> list[list]:
    """Runs of at least `length` absences in a row; any non-absence mark ends a run."""
    streaks, current = [], []
    for mark in marks:
        if mark.status.is_absence:
            current.append(mark)
            continue
        if len(current) >= length:
            streaks.append(current)
        current = []
    if len(current) >= length:
        streaks.append(current)
    return streaks


def low_rate_start(marks, *, threshold: Decimal, minimum: int):
    """The mark from which the rate has stayed under the threshold (once `minimum` marks
    exist), or None when it is not under now. A recovery resets it: the next drop is a new
    occurrence."""
    figures = AttendanceFigures()
    start = None
    for mark in marks:
        figures.add(mark)
        under = figures.sessions_marked >= minimum and figures.rate < threshold
        if not under:
            start = None
        elif start is None:
            start = mark
    return start


def _threshold_text(threshold: Decimal) -> str:
    # 70.00 → "70", 62.50 → "62.5": a stable key whatever the stored precision.
    return format(threshold.normalize(), "f")


def streak_key(streak: list, length: int) -> str:
    """The dates of the absences that made the streak reach the alert length: a longer run
    keeps the same key, a new run after a presence gets a new one."""
    dates = [mark.session.date.isoformat() for mark in streak[:length]]
    key = ",".join(dates)
    if len(key) > KEY_MAX_LENGTH:
        key = f"{dates[0]}..{dates[-1]}:{len(dates)}"
    return key


def rate_key(start_mark, threshold: Decimal) -> str:
    return f"rate<{_threshold_text(threshold)}:since={start_mark.session.date.isoformat()}"


def _absence_dates(marks) -> list[str]:
    return [mark.session.date.isoformat() for mark in marks if mark.status.is_absence]


def learner_occurrences(learner, marks, figures, config) -> list[Occurrence]:
    """Every alert situation of one learner in one cohort (already notified or not)."""
    found = []
    for streak in absence_streaks(marks, config.consecutive_absences):
        found.append(Occurrence(
            learner=learner, kind=AlertKind.ABSENCE_STREAK,
            key=streak_key(streak, config.consecutive_absences),
            details={"dates": [mark.session.date.isoformat() for mark in streak],
                     "session_ids": [mark.session_id for mark in streak],
                     "count": len(streak)},
        ))
    threshold = Decimal(config.rate_threshold)
    if (figures and figures.sessions_marked >= config.rate_minimum_sessions
            and figures.rate < threshold):
        start = low_rate_start(marks, threshold=threshold,
                               minimum=config.rate_minimum_sessions)
        if start is not None:
            found.append(Occurrence(
                learner=learner, kind=AlertKind.LOW_RATE, key=rate_key(start, threshold),
                details={"rate": str(figures.rate), "threshold": _threshold_text(threshold),
                         "sessions_marked": figures.sessions_marked,
                         "since": start.session.date.isoformat(),
                         "dates": _absence_dates(marks)},
            ))
    return found


# Recipients ---------------------------------------------------------------------------------

# Besides the cohort's trainers, the people who follow a learner elsewhere are told of their
# alerts: the insertion app (above this one) registers its programme staff here from its
# AppConfig.ready — a function taking learner ids and answering {learner id: [users]}.
AlertFollowers = Callable[[Iterable[int]], dict[int, list[User]]]
_alert_followers: list[AlertFollowers] = []


def register_alert_followers(followers: AlertFollowers) -> None:
    if followers not in _alert_followers:
        _alert_followers.append(followers)


def followers_by_learner(learner_ids) -> dict[int, list[User]]:
    """Who else follows each learner (insertion staff…), in a fixed number of queries."""
    found: dict[int, list[User]] = defaultdict(list)
    for followers in _alert_followers:
        for learner_id, users in followers(learner_ids).items():
            found[learner_id].extend(users)
    return dict(found)


def followers_of(learner) -> list[User]:
    """Who else follows `learner` (insertion staff…)."""
    return followers_by_learner([learner.pk]).get(learner.pk, [])


# Scan ---------------------------------------------------------------------------------------

def cohorts_to_scan(today: datetime.date):
    """Cohorts running today or ended in the last RECENTLY_ENDED_DAYS days."""
    return (
        Cohort.objects.filter(start_date__lte=today,
                              end_date__gte=today - datetime.timedelta(days=RECENTLY_ENDED_DAYS))
        .select_related("path")
        .prefetch_related(Prefetch("trainers", queryset=User.objects.filter(is_active=True)))
        .order_by("pk")
    )


def _already_notified(cohort) -> tuple[set, dict]:
    """Keys already recorded, and the sessions already covered by a streak alert per learner
    (a streak that overlaps a notified one is the same occurrence, e.g. after a late mark)."""
    keys, covered = set(), defaultdict(set)
    for learner_id, kind, key, details in (AttendanceAlert.objects.filter(cohort=cohort)
                                           .values_list("learner_id", "kind", "key", "details")):
        keys.add((learner_id, kind, key))
        if kind == AlertKind.ABSENCE_STREAK:
            covered[learner_id].update((details or {}).get("session_ids", []))
    return keys, covered


def _is_new(occurrence: Occurrence, keys: set, covered: dict) -> bool:
    if (occurrence.learner.pk, occurrence.kind, occurrence.key) in keys:
        return False
    if occurrence.kind == AlertKind.ABSENCE_STREAK:
        return not covered[occurrence.learner.pk] & set(occurrence.details["session_ids"])
    return True


def _record(cohort, occurrences: list[Occurrence]) -> list[Occurrence]:
    """Insert the alerts; on a clash with a concurrent scan, keep only those this scan won."""
    rows = [AttendanceAlert(learner=o.learner, cohort=cohort, kind=o.kind, key=o.key,
                            details=o.details) for o in occurrences]
    try:
        with transaction.atomic():
            AttendanceAlert.objects.bulk_create(rows)
        return occurrences
    except IntegrityError:
        won = []
        for occurrence, row in zip(occurrences, rows, strict=True):
            row.pk = None
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            won.append(occurrence)
        return won


def _format_dates(isodates) -> list[str]:
    return [datetime.date.fromisoformat(day).strftime("%d/%m/%Y") for day in isodates]


def _notify(cohort, occurrence: Occurrence, recipients) -> None:
    url = reverse("attendance:cohort_detail", args=[cohort.pk])
    learner = occurrence.learner
    context = {"learner": learner, "cohort": cohort, "details": occurrence.details,
               "dates": _format_dates(occurrence.details.get("dates", []))}
    if occurrence.kind == AlertKind.ABSENCE_STREAK:
        title = _("Attendance alert: %(learner)s missed %(count)s sessions in a row (%(cohort)s)")
        template = "attendance/email/alert_streak.txt"
        values = {"count": occurrence.details["count"]}
    else:
        title = _("Attendance alert: %(learner)s is at %(rate)s %% attendance (%(cohort)s)")
        template = "attendance/email/alert_rate.txt"
        values = {"rate": number_format(Decimal(occurrence.details["rate"]), 1)}
        context["rate"] = values["rate"]
    title = title % {"learner": learner, "cohort": cohort.name, **values}
    body = render_to_string(template, context).strip()
    notification_send(recipients=recipients, title=title, body=body, url=url)


def cohort_scan(cohort, *, config, now=None) -> list[Occurrence]:
    """Record and notify the new alerts of one cohort: three queries when nothing is new,
    whatever the number of learners, plus a few per new alert."""
    # Learners who were in the cohort at some point and have not withdrawn; only the sessions
    # they were expected at count, so joining late raises no "absent" streak for the
    # sessions before (see roster.expected_marks).
    memberships = (CohortMembership.objects.filter(cohort=cohort)
                   .exclude(enrollment__status=EnrollmentStatus.WITHDRAWN)
                   .select_related("enrollment__learner"))
    learners = {m.enrollment.learner_id: m.enrollment.learner for m in memberships}
    if not learners:
        return []
    marks_by_learner = defaultdict(list)
    marks = (expected_marks(counted_marks(now).filter(session__cohort=cohort,
                                                      learner__in=list(learners)))
             .order_by("session__date", "session__start_time", "session__pk"))
    for mark in marks:
        marks_by_learner[mark.learner_id].append(mark)
    figures = {}  # from the marks already loaded, not a second query of the same marks
    for learner_id, learner_marks in marks_by_learner.items():
        figures[learner_id] = AttendanceFigures()
        for mark in learner_marks:
            figures[learner_id].add(mark)
    keys, covered = _already_notified(cohort)

    new = []
    for learner_id, learner in learners.items():
        for occurrence in learner_occurrences(learner, marks_by_learner[learner_id],
                                              figures.get(learner_id), config):
            if _is_new(occurrence, keys, covered):
                new.append(occurrence)
    if not new:
        return []

    with transaction.atomic():
        # Alerts and their notifications stand or fall together: if sending fails, the next
        # scan finds the occurrence again and retries.
        new = _record(cohort, new)
        staff = followers_by_learner({o.learner.pk for o in new}) if new else {}
        trainers = list(cohort.trainers.all())
        for occurrence in new:
            recipients = [*trainers, *staff.get(occurrence.learner.pk, [])]
            if recipients:
                _notify(cohort, occurrence, recipients)
    return new


def attendance_alerts_scan(*, now=None) -> int:
    """Scan every running or recently ended cohort; returns the number of new alerts.
    Running it again the same day records and sends nothing more."""
    now = now or timezone.now()
    config = AttendanceSettings.load()
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        for cohort in cohorts_to_scan(timezone.localtime(now).date()):
            created += len(cohort_scan(cohort, config=config, now=now))
    return created
