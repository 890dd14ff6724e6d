"""Convocations, their updates and reminders (Qualiopi indicator 9), and calendar feeds.

Every message is logged as sent (SentMessage): the evidence an auditor asks for. A learner
without an e-mail address gets a letter instead, logged the same way and listed for staff to
print on the group's page.

What a placement or a change of sessions owes the learners is recorded in the transaction of
that change (an Announcement: the outbox, see receivers.py), then sent by a task once committed.
Nothing is lost when that task can't be queued (the broker is down) or its message is lost (a
Redis restart): every SWEEP_EVERY seconds, beat and a thread of every worker (tasks.py) send
what is due straight from the database, without the broker. An announcement is claimed with a
conditional UPDATE before it is sent and holds a lease while it is sent: it is sent once, even
with two sweepers, a sweeper and its task, or a task delivered twice."""

import datetime
import hashlib
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from lms.accounts.models import Organisation
from lms.attendance.models import Session
from lms.attendance.roster import roster_with_learners
from lms.core.data_rights import ERASED_TEXT
from lms.progress.models import CohortMembership

from . import ics
from .enums import AnnouncementKind, Channel, MessageKind
from .models import Announcement, CalendarFeed, ReminderPreference, SentMessage, SessionRevision

logger = logging.getLogger(__name__)

OPTOUT_SALT = "convocations.reminders-off"
SESSION_RELATED = ("cohort__path", "module", "trainer")


def absolute_url(url: str) -> str:
    return settings.SITE_URL + url


# Reminder preference ---------------------------------------------------------------------------

def reminders_off(user) -> bool:
    return ReminderPreference.objects.filter(user=user, reminders_off=True).exists()


def reminders_set(*, user, off: bool) -> ReminderPreference:
    preference, _created = ReminderPreference.objects.update_or_create(
        user=user, defaults={"reminders_off": off, "changed_at": timezone.now()})
    return preference


def optout_token(user) -> str:
    return signing.dumps(user.pk, salt=OPTOUT_SALT)


def optout_user(token: str):
    """The person an opt-out link was made for, or None. The link does not expire: a reminder
    of last year must still let its reader stop them."""
    from lms.accounts.models import User

    try:
        pk = signing.loads(token, salt=OPTOUT_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


# Calendar feeds --------------------------------------------------------------------------------

def calendar_feed_regenerate(*, user) -> CalendarFeed:
    """A new secret address; the previous one answers 404 from now on."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user)


def calendar_feed_revoke(*, user) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feed_sessions(user):
    """Every session of `user`: as a learner, those of their cohorts on the days they belong to
    them; as a trainer, those they give or of the cohorts they train. Cancelled ones too (a
    calendar app removes them on STATUS:CANCELLED)."""
    condition = Q(pk__in=[])
    for cohort_id, start, end in CohortMembership.objects.filter(
            enrollment__learner=user).values_list("cohort_id", "start_date", "end_date"):
        span = Q(cohort_id=cohort_id, date__gte=start)
        if end is not None:
            span &= Q(date__lte=end)
        condition |= span
    if user.is_trainer:
        condition |= Q(pk__in=Session.objects.trained_by(user).values("pk"))
    return (Session.objects.filter(condition).distinct().select_related(*SESSION_RELATED)
            .order_by("date", "start_time", "pk"))


def sequences_for(sessions) -> dict[int, int]:
    return dict(SessionRevision.objects.filter(session__in=[s.pk for s in sessions])
                .values_list("session_id", "sequence"))


def feed_ics(*, feed: CalendarFeed, now=None) -> bytes:
    sessions = list(feed_sessions(feed.user))
    organisation = Organisation.load()
    return ics.calendar_bytes(sessions, sequences=sequences_for(sessions), now=now,
                              name=organisation.name)


# Messages --------------------------------------------------------------------------------------

def _trainers(cohort, sessions) -> list:
    trainers = {trainer.pk: trainer for trainer in cohort.trainers.order_by(
        "last_name", "first_name")}
    for session in sessions:
        if session.trainer_id and session.trainer_id not in trainers:
            trainers[session.trainer_id] = session.trainer
    return list(trainers.values())


def _subject(kind: str, cohort, sessions) -> str:
    path = cohort.path.title
    if kind == MessageKind.CONVOCATION:
        return _("Convocation: %(path)s") % {"path": path}
    if kind == MessageKind.CANCELLATION:
        return _("Cancelled session: %(path)s") % {"path": path}
    if kind == MessageKind.REMINDER:
        return _("Reminder: your session tomorrow, %(path)s") % {"path": path}
    return _("Change in your sessions: %(path)s") % {"path": path}


def _deliver(*, kind: str, learner, cohort, sessions, session=None, now,
             announcement_id: int | None = None) -> SentMessage:
    """Render the message, send it by e-mail (or make it a letter when the learner has no
    address), and log it. For a reminder the log row is written first: the unique constraint
    makes a second run skip it (IntegrityError) before anything is sent."""
    sequences = sequences_for(sessions)
    method = "CANCEL" if kind == MessageKind.CANCELLATION else "REQUEST"
    channel = Channel.EMAIL if learner.email else Channel.LETTER
    organisation = Organisation.load()
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "kind": kind, "learner": learner, "cohort": cohort, "path": cohort.path,
            "sessions": sessions, "trainers": _trainers(cohort, sessions),
            "organisation": organisation, "channel": channel,
            "calendar_url": absolute_url(reverse("convocations:my-calendar")),
            "optout_url": absolute_url(reverse("convocations:reminders-off")
                                       + "?t=" + optout_token(learner)),
        }
        subject = _subject(kind, cohort, sessions)
        text = render_to_string("convocations/email/message.txt", context)
        html = render_to_string("convocations/email/message.html", context)
    attachments = []
    if channel == Channel.EMAIL:
        content = ics.calendar_bytes(sessions, sequences=sequences, method=method, now=now,
                                     attendee_email=learner.email)
        name = "annulation.ics" if method == "CANCEL" else "seances.ics"
        attachments.append({"name": name, "content_type": f"text/calendar; method={method}",
                            "sha256": hashlib.sha256(content).hexdigest(),
                            "content": content.decode()})
    message = SentMessage(kind=kind, channel=channel, recipient=learner.email, learner=learner,
                          cohort=cohort, session=session, subject=subject, body_text=text,
                          body_html=html, attachments=attachments, sent_at=now,
                          announcement_id=announcement_id)
    with transaction.atomic():
        message.save()  # IntegrityError for a reminder already sent
        if channel == Channel.EMAIL:
            email = EmailMultiAlternatives(subject=subject, body=text, to=[learner.email])
            email.attach_alternative(_html_document(subject, html), "text/html")
            for attachment in attachments:
                email.attach(attachment["name"], attachment["content"],
                             attachment["content_type"])
            # Raised inside the transaction: a message that did not leave is not logged.
            email.send(fail_silently=False)
    return message


def _html_document(subject: str, fragment: str) -> str:
    """The logged HTML is the message's body (staff pages show it); the e-mail wraps it."""
    return (f'<!DOCTYPE html><html lang="{settings.LANGUAGE_CODE}"><head><meta charset="utf-8">'
            f"<title>{escape(subject)}</title></head><body>{fragment}</body></html>")


def _reachable(learner) -> bool:
    return learner.is_active and learner.erased_at is None


@transaction.atomic
def _revise(session_ids, *, now) -> None:
    """Raise the SEQUENCE of sessions that already had one; start others at 0."""
    existing = set(SessionRevision.objects.select_for_update().filter(
        session_id__in=session_ids).values_list("session_id", flat=True))
    SessionRevision.objects.filter(session_id__in=existing).update(
        sequence=F("sequence") + 1, changed_at=now)
    SessionRevision.objects.bulk_create(
        [SessionRevision(session_id=pk, changed_at=now) for pk in set(session_ids) - existing],
        ignore_conflicts=True)


def convocation_send(*, membership_id: int, now=None,
                     announcement_id: int | None = None) -> SentMessage | None:
    """The convocation of a learner just placed in a cohort: the programme, their sessions
    from the day they join, the place and how to get there, the accessibility referent, what
    to bring, the trainers, and the sessions as an .ics file."""
    now = now or timezone.now()
    membership = (CohortMembership.objects
                  .select_related("enrollment__learner", "cohort__path")
                  .filter(pk=membership_id).first())
    if membership is None:  # undone before the task ran
        return None
    learner, cohort = membership.enrollment.learner, membership.cohort
    if not _reachable(learner):
        return None
    if SentMessage.objects.filter(kind=MessageKind.CONVOCATION, learner=learner, cohort=cohort,
                                  sent_at__gte=membership.created_at).exists():
        return None  # the same placement announced twice (a task retried)
    first_day = max(membership.start_date, timezone.localdate(now))
    sessions = Session.objects.scheduled().filter(cohort=cohort, date__gte=first_day)
    if membership.end_date:
        sessions = sessions.filter(date__lte=membership.end_date)
    sessions = list(sessions.select_related(*SESSION_RELATED))
    # Their SEQUENCE starts here (0): the next change must be seen as newer.
    SessionRevision.objects.bulk_create(
        [SessionRevision(session_id=s.pk, changed_at=now) for s in sessions],
        ignore_conflicts=True)
    return _deliver(kind=MessageKind.CONVOCATION, learner=learner, cohort=cohort,
                    sessions=sessions, now=now, announcement_id=announcement_id)


def session_updates_send(*, session_ids, now=None) -> list[SentMessage]:
    """Sessions created, changed or cancelled: their learners get the news, with an .ics of the
    same UIDs and a higher SEQUENCE (METHOD:CANCEL for the cancelled ones). Sessions already
    past are not announced: an amendment of an old sheet is not news for the learner."""
    now = now or timezone.now()
    session_ids = list(session_ids)
    _revise(session_ids, now=now)
    return _session_updates(session_ids, now=now)


def _session_updates(session_ids, *, now, announcement_id: int | None = None
                     ) -> list[SentMessage]:
    today = timezone.localdate(now)
    sessions = list(Session.objects.filter(pk__in=session_ids, date__gte=today)
                    .select_related(*SESSION_RELATED).order_by("date", "start_time", "pk"))
    roster, learners = roster_with_learners(sessions)
    grouped: dict[tuple, list] = defaultdict(list)
    for session in sessions:
        kind = MessageKind.CANCELLATION if session.is_cancelled else MessageKind.UPDATE
        for learner_id in roster.get(session.pk, ()):
            grouped[(learner_id, session.cohort_id, kind)].append(session)
    # Sent again (a sweep after a worker died mid-way): those already told are skipped.
    told = set()
    if announcement_id is not None:
        told = set(SentMessage.objects.filter(announcement_id=announcement_id)
                   .values_list("learner_id", "cohort_id", "kind"))
    sent = []
    for (learner_id, cohort_id, kind), group in grouped.items():
        learner = learners[learner_id]
        if not _reachable(learner) or (learner_id, cohort_id, kind) in told:
            continue
        sent.append(_deliver(kind=kind, learner=learner, cohort=group[0].cohort,
                             sessions=group, session=group[0] if len(group) == 1 else None,
                             now=now, announcement_id=announcement_id))
    return sent


def reminders_send(*, now=None) -> int:
    """The reminder of tomorrow's sessions, by e-mail, to learners who did not opt out. Run
    daily; running it twice sends nothing more (one reminder per learner and session)."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    sessions = list(Session.objects.scheduled().filter(date=tomorrow)
                    .select_related(*SESSION_RELATED))
    roster, learners = roster_with_learners(sessions)
    opted_out = set(ReminderPreference.objects.filter(
        user_id__in=learners, reminders_off=True).values_list("user_id", flat=True))
    count = 0
    for session in sessions:
        for learner_id in roster.get(session.pk, ()):
            learner = learners[learner_id]
            if not learner.email or learner_id in opted_out or not _reachable(learner):
                continue
            try:
                _deliver(kind=MessageKind.REMINDER, learner=learner, cohort=session.cohort,
                         sessions=[session], session=session, now=now)
            except IntegrityError:
                continue  # already reminded
            except Exception:  # one bad address does not stop the others' reminders
                logger.exception("Reminder of session %s to learner %s failed", session.pk,
                                 learner_id)
                continue
            count += 1
    return count


# The outbox ---------------------------------------------------------------------------------

# How often the sweep runs (beat, and a thread of every worker: tasks.py).
SWEEP_EVERY = 15
# A new announcement's task normally sends it within a second; the sweep leaves it to its task
# this long. A lost task's announcement is so sent at most GRACE + SWEEP_EVERY (jittered)
# after its change; one whose task could not be queued at the next sweep.
GRACE = datetime.timedelta(seconds=30)
# How long an attempt holds an announcement: renewed before each, far longer than sending one
# (a convocation is one e-mail; a change, one per learner of the sessions).
LEASE = datetime.timedelta(minutes=5)
# Then given up (logged, `error` kept): a message that failed this often won't go by retrying.
MAX_ATTEMPTS = 8
SWEEP_LIMIT = 100


def announcement_record(*, kind: str, membership_id: int | None = None, session_ids=(),
                        now=None) -> Announcement:
    """Record what the change being committed owes the learners; its task is queued once
    committed (receivers.py)."""
    now = now or timezone.now()
    return Announcement.objects.create(kind=kind, membership_id=membership_id,
                                       session_ids=sorted(set(session_ids)), created_at=now,
                                       due_at=now + GRACE)


def sessions_announce(*, session_ids, now=None) -> Announcement:
    """Sessions created, changed or cancelled: their SEQUENCE is raised with the change (the
    calendar feeds show it at once), and their learners' news recorded to be sent."""
    now = now or timezone.now()
    session_ids = list(session_ids)
    _revise(session_ids, now=now)
    return announcement_record(kind=AnnouncementKind.SESSIONS, session_ids=session_ids,
                               now=now)


def announcement_queue_failed(*, announcement_id: int) -> None:
    """Its task could not be queued: the next sweep sends it, without waiting for GRACE."""
    Announcement.objects.filter(pk=announcement_id, claim="", sent_at__isnull=True) \
        .update(due_at=timezone.now())


def _claim(announcement_id: int, *, claim: str, now, taken_over: bool) -> bool:
    """Hold the announcement for LEASE. A task takes one nobody holds; the sweep (and a task
    that finds an expired lease) only one that is due. One UPDATE: of two contenders, one."""
    free = Q(due_at__lte=now) | Q(claim="") if not taken_over else Q(due_at__lte=now)
    return Announcement.objects.filter(free, pk=announcement_id, sent_at__isnull=True,
                                       due_at__isnull=False) \
        .update(claim=claim, due_at=now + LEASE, attempts=F("attempts") + 1) == 1


def _send_claimed(announcement: Announcement, *, claim: str) -> bool:
    """Send an announcement held by `claim`; True once marked sent."""
    now = timezone.now()
    try:
        if announcement.kind == AnnouncementKind.CONVOCATION:
            convocation_send(membership_id=announcement.membership_id, now=now,
                             announcement_id=announcement.pk)
        else:
            _session_updates(announcement.session_ids, now=now,
                             announcement_id=announcement.pk)
    except Exception as error:
        attempts = announcement.attempts
        given_up = attempts >= MAX_ATTEMPTS
        delay = datetime.timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))
        Announcement.objects.filter(pk=announcement.pk, claim=claim).update(
            due_at=None if given_up else timezone.now() + delay, error=repr(error)[:2000])
        logger.log(logging.ERROR if given_up else logging.WARNING,
                   "Announcement %s not sent (attempt %s%s)", announcement.pk, attempts,
                   ", given up" if given_up else "", exc_info=True)
        return False
    return Announcement.objects.filter(pk=announcement.pk, claim=claim).update(
        sent_at=timezone.now(), due_at=None, error="") == 1


def announcement_send(*, announcement_id: int) -> bool:
    """Its task: send the announcement unless another attempt holds or sent it."""
    claim = uuid.uuid4().hex
    if not _claim(announcement_id, claim=claim, now=timezone.now(), taken_over=False):
        return False
    announcement = Announcement.objects.get(pk=announcement_id)
    return _send_claimed(announcement, claim=claim)


def announcements_send_due(*, limit: int = SWEEP_LIMIT) -> int:
    """Send the announcements due: their task could not be queued or was lost, their last
    attempt failed, or its worker died. How many were sent.

    Cheap (one indexed query when nothing is due) and safe from beat and every worker at once:
    the due rows are read with SKIP LOCKED, and each is claimed again by a conditional UPDATE
    just before it is sent (which renews its lease), so a row is sent by one sweeper only."""
    now = timezone.now()
    with transaction.atomic():
        due = list(Announcement.objects.filter(due_at__lte=now).select_for_update(
            skip_locked=True).order_by("due_at").values_list("pk", flat=True)[:limit])
    sent = 0
    for pk in due:
        claim = uuid.uuid4().hex
        if not _claim(pk, claim=claim, now=timezone.now(), taken_over=True):
            continue  # another sweeper, or its task, took it meanwhile
        sent += _send_claimed(Announcement.objects.get(pk=pk), claim=claim)
    return sent


# Personal data (lms.privacy's erasure) ------------------------------------------------------

def learner_convocations_erase(*, user) -> dict[str, int]:
    """The log keeps that a convocation was sent, and when (Qualiopi evidence); what named
    the person (address, text) goes, and so do the feed and the preference."""
    return {
        "convocations_anonymised": SentMessage.objects.filter(learner=user).update(
            recipient="", subject=ERASED_TEXT, body_text=ERASED_TEXT, body_html="",
            attachments=[]),
        "calendar_feeds": CalendarFeed.objects.filter(user=user).delete()[0],
        "reminder_preferences": ReminderPreference.objects.filter(user=user).delete()[0],
    }
