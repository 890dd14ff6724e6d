"""Reads of convocations for other apps."""

from lms.core.data_rights import field_values

from .models import CalendarFeed, ReminderPreference, SentMessage


def learner_convocations_export(user) -> dict:
    """The messages sent to `user`, and whether they have a calendar feed and have turned
    reminders off, for their personal-data export."""
    return {
        "messages": [field_values(message, ["kind", "channel", "recipient", "subject",
                                            "body_text", "sent_at"])
                     for message in SentMessage.objects.filter(learner=user).order_by("sent_at")],
        "calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
        "reminders_off": ReminderPreference.objects.filter(user=user, reminders_off=True)
        .exists(),
    }
