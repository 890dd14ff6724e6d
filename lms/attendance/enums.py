import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

AFTERNOON_FROM = datetime.time(13, 0)
EVENING_FROM = datetime.time(18, 0)


class HalfDay(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")

    @classmethod
    def of(cls, start: datetime.time) -> "HalfDay":
        """The slot a session starting at `start` belongs to: a 21:00 class is an evening
        one, not an afternoon one."""
        if start >= EVENING_FROM:
            return cls.EVENING
        if start >= AFTERNOON_FROM:
            return cls.AFTERNOON
        return cls.MORNING


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", _("Drawn on the trainer's device")
    CHECK_IN = "check_in", _("Self check-in with the session code")
    PAPER = "paper", _("Signed on a paper sheet (manual fallback)")


class AlertKind(models.TextChoices):
    ABSENCE_STREAK = "absence_streak", _("Consecutive absences")
    LOW_RATE = "low_rate", _("Attendance rate under the threshold")


class ChangeKind(models.TextChoices):
    """What an entry of a sheet's audit trail (and hash chain) records."""

    MARK = "mark", _("Mark")
    SIGNATURE = "signature", _("Signature")
    CHECK_IN = "check_in", _("Check-in")
    COUNTERSIGNATURE = "countersignature", _("Countersignature and lock")
    SESSION = "session", _("Session details")
    # The state found when the chain was introduced, for marks or locks older than it.
    BASELINE = "baseline", _("State recorded when the chain started")
    # A learner's comments and drawn signatures erased with their personal data.
    ERASURE = "erasure", _("Personal data erased")
