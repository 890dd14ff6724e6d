from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrollmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("Self-enrolment")
    STAFF = "staff", _("Enrolled by staff")
    IMPORT = "import", _("CSV import")


class CompletionSource(models.TextChoices):
    MANUAL = "manual", _("Marked done by the learner")
    QUIZ = "quiz", _("Quiz passed")
    STAFF = "staff", _("Marked done by staff")


class AssessmentKind(models.TextChoices):
    INITIAL = "initial", _("Initial self-positioning")
    FINAL = "final", _("Final self-positioning")
    VALIDATION = "validation", _("Validation by a trainer")


class AssessmentMethod(models.TextChoices):
    SELF = "self", _("Self-assessment")
    OBSERVATION = "observation", _("Observation")
    EXERCISE = "exercise", _("Exercise")
    QUIZ = "quiz", _("Quiz")
    PIX = "pix", _("Pix result")
    CERTIFICATION = "certification", _("Certification")
