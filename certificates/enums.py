from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    ATTESTATION = "attestation", _("End-of-training attestation")
    CERTIFICATE = "certificate", _("Certificate of completion")
    ATTENDANCE_SHEET = "attendance_sheet", _("Attendance sheet")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RENDERING = "rendering", _("Rendering")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed")


class Validity(models.TextChoices):
    VALID = "valid", _("Valid")
    SUPERSEDED = "superseded", _("Superseded by a newer version")
    # Superseded by a version issued because an attendance sheet it was made from was amended.
    AMENDED = "amended", _("Superseded after an amendment of the attendance record")
    REVOKED = "revoked", _("Revoked")


class ReissueCause(models.TextChoices):
    """Why a version after the first was made."""

    CORRECTION = "correction", _("Correction")
    AMENDMENT = "amendment", _("Amendment of the attendance record")
