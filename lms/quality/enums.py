"""Statuses and kinds of the quality register (Qualiopi indicators 31-32) and of funding."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class ComplainantKind(models.TextChoices):
    LEARNER = "learner", _("Learner")
    FUNDER = "funder", _("Funder")
    EMPLOYER = "employer", _("Employer")
    TRAINER = "trainer", _("Trainer")
    OTHER = "other", _("Other")


class ComplaintChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    SURVEY = "survey", _("Satisfaction survey")
    OTHER = "other", _("Other")


class ImprovementSource(models.TextChoices):
    SURVEY = "survey", _("Satisfaction survey")
    COMPLAINT = "complaint", _("Complaint")
    AUDIT = "audit", _("Audit")
    TEAM = "team", _("Team")
    OTHER = "other", _("Other")


class ImprovementStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")


class FunderType(models.TextChoices):
    """The funding lines of the BPF (cadre C), simplified to what a tiers-lieu meets."""

    CPF = "cpf", _("Personal training account (CPF)")
    OPCO = "opco", _("Skills operator (OPCO)")
    FRANCE_TRAVAIL = "france_travail", _("France Travail (AIF…)")
    REGION = "region", _("Region")
    EMPLOYER = "employer", _("Employer (skills development plan)")
    SELF_FUNDED = "self_funded", _("Self-funded")
    FREE_OTHER_PUBLIC = "free_other_public", _("Free of charge or other public funds")
