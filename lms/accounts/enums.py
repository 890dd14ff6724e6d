from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")
    INSERTION_STAFF = "insertion_staff", _("Insertion staff")
    MANAGER = "manager", _("Manager")


class AccessChannel(models.TextChoices):
    """How staff gave a learner their link to choose a password."""

    HANDOUT = "handout", _("printed handout or QR code on screen")
    EMAIL = "email", _("sent by email")
