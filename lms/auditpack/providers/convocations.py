"""Indicator 9: the convocations, updates and reminders sent to the group's learners, each as
it was sent (lms.convocations' log), with its calendar attachment."""

from django.utils import timezone
from django.utils.translation import gettext as _

from lms.convocations.models import SentMessage

from .base import Evidence, Scope, csv_bytes, person, safe_name


def _message_text(message) -> str:
    sent = timezone.localtime(message.sent_at)
    headers = [
        f"{_('Date')}: {sent:%d/%m/%Y %H:%M %Z}",
        f"{_('Channel')}: {message.get_channel_display()}",
        f"{_('Kind')}: {message.get_kind_display()}",
        f"{_('To')}: {person(message.learner)} <{message.recipient}>",
        f"{_('Subject')}: {message.subject}",
    ]
    names = [attachment.get("name", "") for attachment in message.attachments or []]
    if names:
        headers.append(f"{_('Attachments')}: {', '.join(names)}")
    return "\n".join(headers) + "\n\n" + message.body_text


def sent_messages(scope: Scope) -> list[Evidence]:
    evidence = []
    for cohort in scope.cohorts:
        messages = list(SentMessage.objects.filter(cohort=cohort).select_related("learner")
                        .order_by("sent_at", "pk"))
        if not messages:
            continue
        folder = f"convocations/{scope.folder(cohort)}"
        rows, files = [], []
        for message in messages:
            stem = (f"{timezone.localtime(message.sent_at):%Y-%m-%d}-{message.kind}-"
                    f"{safe_name(person(message.learner) or message.recipient)}-{message.pk}")
            files.append(Evidence(
                path=f"{folder}{stem}.txt", content=_message_text(message).encode("utf-8"),
                title=_("%(kind)s sent to %(learner)s on %(date)s") % {
                    "kind": message.get_kind_display().capitalize(),
                    "learner": person(message.learner) or message.recipient,
                    "date": timezone.localtime(message.sent_at).strftime("%d/%m/%Y")}))
            for index, attachment in enumerate(message.attachments or []):
                name = safe_name(attachment.get("name", "").rsplit(".", 1)[0])
                files.append(Evidence(
                    path=f"{folder}{stem}-{index + 1}-{name}.ics",
                    content=str(attachment.get("content", "")).encode("utf-8"),
                    title=_("Calendar attached to it (%(name)s)") % {
                        "name": attachment.get("name", "")}))
            rows.append([f"{timezone.localtime(message.sent_at):%Y-%m-%d %H:%M}",
                         message.get_kind_display(),
                         message.get_channel_display(), person(message.learner),
                         message.recipient, message.subject, f"{stem}.txt"])
        evidence.append(Evidence(
            path=f"{folder}journal.csv",
            content=csv_bytes([_("Sent at"), _("Kind"), _("Channel"), _("Learner"),
                               _("Recipient"), _("Subject"), _("File")], rows),
            title=_("Log of the messages sent to the group %(group)s") % {
                "group": cohort.name}))
        evidence += files
    return evidence
