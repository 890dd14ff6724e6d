from django.db import models
from django.utils.translation import gettext_lazy as _


class PathKind(models.TextChoices):
    BEGINNER_CLUB = "beginner_club", _("Beginner club")
    VOCATIONAL = "vocational", _("Vocational training")
    CERTIFYING = "certifying", _("Certifying training")
    INCLUSION_WORKSHOP = "inclusion_workshop", _("Digital-inclusion workshop")
    INSERTION_PROGRAMME = "insertion_programme", _("Insertion programme")


class Modality(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")
    HYBRID = "hybrid", _("Hybrid")


class Certification(models.TextChoices):
    NONE = "", _("No certification")
    PIX = "pix", _("Pix certification")
    CLEA_NUMERIQUE = "clea_numerique", _("CléA numérique")
    PCIE_ICDL = "pcie_icdl", _("PCIE / ICDL")
    TOSA = "tosa", _("TOSA")


class LevelBand(models.TextChoices):
    FOUNDATION = "foundation", _("Foundation")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")
    HIGHLY_SPECIALISED = "highly_specialised", _("Highly specialised")


class CalloutKind(models.TextChoices):
    TIP = "tip", _("Tip")
    INFO = "info", _("Good to know")
    WARNING = "warning", _("Warning")


class ActionType(models.TextChoices):
    """Type of action on the Labour Ministry's certificate of completion model."""

    TRAINING = "training", _("Training action")
    SKILLS_ASSESSMENT = "skills_assessment", _("Skills assessment")
    VAE = "vae", _("Validation of prior experience (VAE)")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship training action")
