from django.db import models
from django.utils.translation import gettext_lazy as _


class TraineeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")


class ContractKind(models.TextChoices):
    INITIAL = "initial", _("Initial contract")
    RENEWAL = "renewal", _("Renewal")


class ObjectiveCategory(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    TRAINING = "training", _("Training")
    SOCIAL = "social", _("Social")
    DIGITAL = "digital", _("Digital")


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    ABANDONED = "abandoned", _("Abandoned")


class ObstacleCategory(models.TextChoices):
    MOBILITY = "mobility", _("Mobility")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health")
    CHILDCARE = "childcare", _("Childcare")
    FINANCES = "finances", _("Finances")
    ADMINISTRATIVE = "administrative", _("Administrative")
    LANGUAGE = "language", _("Language")
    DIGITAL = "digital", _("Digital")


class Severity(models.IntegerChoices):
    NONE = 0, _("None")
    LIGHT = 1, _("Light")
    MODERATE = 2, _("Moderate")
    SEVERE = 3, _("Severe")


class InterviewKind(models.TextChoices):
    INITIAL = "initial", _("Initial")
    REGULAR = "regular", _("Regular")
    MID_TERM = "mid_term", _("Mid-term")
    EXIT = "exit", _("Exit")


class ExitCategory(models.TextChoices):
    """The IAE exit categories; the first three are "dynamic" exits."""

    SUSTAINABLE_EMPLOYMENT = "sustainable_employment", _("Sustainable employment")
    TRANSITION_EMPLOYMENT = "transition_employment", _("Transition employment")
    POSITIVE_EXIT = "positive_exit", _("Positive exit")
    OTHER = "other", _("Other exit")


class ExitOutcome(models.TextChoices):
    """Sub-types of each exit category (DGEFP classification)."""

    CDI = "cdi", _("Permanent contract (CDI)")
    CDD_6_MONTHS = "cdd_6_months", _("Fixed-term contract of 6 months or more")
    BUSINESS_CREATION = "business_creation", _("Business creation")
    CIVIL_SERVICE = "civil_service", _("Civil service job")
    CDD_SHORT = "cdd_short", _("Fixed-term contract under 6 months")
    SUBSIDISED_CONTRACT = "subsidised_contract", _("Subsidised contract outside IAE")
    TEMPORARY_WORK = "temporary_work", _("Temporary work")
    QUALIFYING_TRAINING = "qualifying_training", _("Qualifying training")
    OTHER_IAE = "other_iae", _("Move to another IAE structure")
    RETIREMENT = "retirement", _("Retirement")
    JOB_SEEKING = "job_seeking", _("Job seeking")
    INACTIVE = "inactive", _("Inactive")
    HEALTH = "health", _("Health reasons")
    DISMISSAL = "dismissal", _("Dismissal")
    UNKNOWN = "unknown", _("Unknown")


EXIT_OUTCOMES = {
    ExitCategory.SUSTAINABLE_EMPLOYMENT: [ExitOutcome.CDI, ExitOutcome.CDD_6_MONTHS,
                                          ExitOutcome.BUSINESS_CREATION,
                                          ExitOutcome.CIVIL_SERVICE],
    ExitCategory.TRANSITION_EMPLOYMENT: [ExitOutcome.CDD_SHORT, ExitOutcome.SUBSIDISED_CONTRACT,
                                         ExitOutcome.TEMPORARY_WORK],
    ExitCategory.POSITIVE_EXIT: [ExitOutcome.QUALIFYING_TRAINING, ExitOutcome.OTHER_IAE,
                                 ExitOutcome.RETIREMENT],
    ExitCategory.OTHER: [ExitOutcome.JOB_SEEKING, ExitOutcome.INACTIVE, ExitOutcome.HEALTH,
                         ExitOutcome.DISMISSAL, ExitOutcome.UNKNOWN],
}
