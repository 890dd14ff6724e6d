"""Tell people something: an in-app notification and an email each."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.utils import timezone

from .data_rights import field_values
from .models import Notification


def absolute_url(url: str) -> str:
    """Emails need a full address; in-app links stay relative to the site."""
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    if url.startswith("/") and base:
        return base.rstrip("/") + url
    return url


def notification_send(*, recipients, title: str, body: str, url: str = "") -> list[Notification]:
    """One Notification row per recipient (one bulk insert) and one email each (one SMTP
    connection). The same person listed twice is told once; people without an email address
    still get the in-app notification."""
    unique = list({user.pk: user for user in recipients}.values())
    if not unique:
        return []
    notifications = Notification.objects.bulk_create([
        Notification(recipient=user, title=title[:200], body=body, url=url[:300])
        for user in unique
    ])
    text = f"{body}\n\n{absolute_url(url)}\n" if url else body
    # The subject must be a single line: a header can't carry a newline.
    subject = " ".join(title.split())
    messages = [(subject, text, None, [user.email]) for user in unique if user.email]
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return notifications


def notification_mark_read(*, notification: Notification, user) -> Notification:
    """Mark one of `user`'s notifications read (again: nothing changes)."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; how many were."""
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())
def notifications_export(user) -> list[dict]:
    """The notifications sent to `user`, for their personal-data export."""
    return [field_values(notification, ["title", "body", "url", "created_at", "read_at"])
            for notification in Notification.objects.filter(recipient=user)
            .order_by("created_at")]


def notifications_erase(*, user, names: list[str], replacement: str) -> dict[str, int]:
    """Delete `user`'s notifications, and replace their `names` in those sent to others about
    them (attendance alerts to staff…) by `replacement`."""
    deleted = Notification.objects.filter(recipient=user).delete()[0]
    names = [name for name in dict.fromkeys(names) if name and len(name) >= 3]
    changed = []
    if names:
        mentions = Q()
        for name in names:
            mentions |= Q(title__contains=name) | Q(body__contains=name)
        for notification in Notification.objects.filter(mentions).exclude(recipient=user):
            for name in names:
                notification.title = notification.title.replace(name, replacement)
                notification.body = notification.body.replace(name, replacement)
            changed.append(notification)
        Notification.objects.bulk_update(changed, ["title", "body"])
    return {"notifications_deleted": deleted, "notifications_mentioning": len(changed)}
