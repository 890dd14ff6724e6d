from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    CONVOCATION = "convocation", _("convocation")
    UPDATE = "update", _("change of sessions")
    CANCELLATION = "cancellation", _("cancelled sessions")
    REMINDER = "reminder", _("reminder")


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter to print")


class AnnouncementKind(models.TextChoices):
    CONVOCATION = "convocation", _("convocation")
    SESSIONS = "sessions", _("sessions changed")
