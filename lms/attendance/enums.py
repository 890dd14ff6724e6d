from django.db import models
from django.utils.translation import gettext_lazy as _


class HalfDay(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", _("Drawn on the trainer's device")
    CHECK_IN = "check_in", _("Self check-in with the session code")
    PAPER = "paper", _("Signed on a paper sheet (manual fallback)")


class AlertKind(models.TextChoices):
    ABSENCE_STREAK = "absence_streak", _("Consecutive absences")
    LOW_RATE = "low_rate", _("Attendance rate under the threshold")
