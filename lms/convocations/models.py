import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.core import clock

from .enums import AnnouncementKind, Channel, MessageKind


class Announcement(models.Model):
    """What the learners are owed about a change (a placement, sessions changed), written in
    the transaction of the change: the outbox of convocations and session updates. A task sends
    it once committed; when that task could not be queued (broker down) or was lost, the sweep
    (services.announcements_send_due) sends it. Claimed before sending, so that it is sent
    once: `claim` names the attempt that holds it until `due_at`."""

    kind = models.CharField(_("kind"), max_length=20, choices=AnnouncementKind.choices)
    # Plain ids: a placement undone or a session deleted before the sending leaves nothing to
    # send, not an error.
    membership_id = models.PositiveIntegerField(null=True, blank=True)
    session_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    # When the sweep takes it: a grace after its creation (its task is on the way), the end
    # of the current attempt's lease, or the next try after a failure. None: sent, or given up.
    due_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("announcement to send")
        verbose_name_plural = _("announcements to send")
        indexes = [
            # The sweep's one query when nothing is due.
            models.Index(fields=["due_at"], condition=Q(due_at__isnull=False),
                         name="announcement_due"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class SentMessage(models.Model):
    """A message sent to a learner about their sessions, kept as sent: the evidence of the
    convocation (Qualiopi indicator 9). A letter is logged when it is made, for staff to print
    and hand over."""

    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    # SET_NULL, not CASCADE: the evidence outlives a deleted account or session.
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                related_name="convocation_messages", verbose_name=_("learner"))
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.SET_NULL, null=True,
                               related_name="convocation_messages", verbose_name=_("cohort"))
    session = models.ForeignKey("attendance.Session", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="convocation_messages",
                                verbose_name=_("session"))
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # [{"name", "content_type", "sha256", "content"}]: the .ics files as attached.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent at"), default=clock.now)
    # The announcement this message is part of: sending it again skips who already got it.
    announcement = models.ForeignKey(Announcement, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="messages")

    class Meta:
        verbose_name = _("message sent")
        verbose_name_plural = _("messages sent")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # The daily reminder task may run twice (a retry, a second beat): one reminder.
            models.UniqueConstraint(fields=["learner", "session"],
                                    condition=Q(kind=MessageKind.REMINDER),
                                    name="one_reminder_per_learner_and_session"),
        ]
        indexes = [models.Index(fields=["cohort", "sent_at"])]

    def __str__(self):
        return self.subject


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


class CalendarFeed(models.Model):
    """The secret address of a person's calendar: whoever holds it reads the person's sessions
    (calendar apps cannot log in). Regenerating it revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("calendar feed")

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class ReminderPreference(models.Model):
    """A learner's choice about the reminder sent the day before each session."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="reminder_preference")
    reminders_off = models.BooleanField(_("no reminders"), default=False)
    changed_at = models.DateTimeField(default=clock.now)

    def __str__(self):
        return f"{self.user}: {'off' if self.reminders_off else 'on'}"


class SessionRevision(models.Model):
    """The iCalendar SEQUENCE of a session: raised on each change so that calendar apps
    replace the event they hold (same UID)."""

    session = models.OneToOneField("attendance.Session", on_delete=models.CASCADE,
                                   primary_key=True, related_name="calendar_revision")
    sequence = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(default=clock.now)

    def __str__(self):
        return f"{self.session_id}#{self.sequence}"
