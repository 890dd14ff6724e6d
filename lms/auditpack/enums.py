from django.db import models
from django.utils.translation import gettext_lazy as _


class PackStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
