from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    HOT = "hot", _("hot (end of the training)")
    COLD = "cold", _("cold (some time after)")
    TRAINERS = "trainers", _("trainers of a group")
    FUNDERS = "funders", _("funders and employers of a group")


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("scale from 1 to 5")
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")
    TEXT = "text", _("free text")


class RespondentKind(models.TextChoices):
    LEARNER = "learner", _("learner")
    TRAINER = "trainer", _("trainer")
    FUNDER = "funder", _("funder or employer")


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("invitation")
    REMINDER = "reminder", _("reminder")


# Who answers each kind of survey.
RESPONDENT_OF_KIND = {
    SurveyKind.HOT: RespondentKind.LEARNER,
    SurveyKind.COLD: RespondentKind.LEARNER,
    SurveyKind.TRAINERS: RespondentKind.TRAINER,
    SurveyKind.FUNDERS: RespondentKind.FUNDER,
}
