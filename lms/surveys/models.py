"""Satisfaction surveys (Qualiopi indicator 30): designed by managers in the Wagtail admin,
sent to learners (hot and cold), trainers and funders, answered through a personal link.

Anonymity is a property of the tables, not of the pages: the response of an anonymous survey
has no column that leads back to its invitation or to a person (no foreign key, no hash, and
no time of answer on the invitation that a date could be matched with). The invitation only
records *that* its person answered, so that reminders skip them."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from lms.core import clock

from .enums import MessageKind, QuestionKind, RespondentKind, SurveyKind

TEXT_MAX = 5000
SCALE = range(1, 6)


class SurveyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_path(self, path, kind):
        """The active survey of `kind` for `path`: the one attached to it, else one attached
        to no path (a survey for every path); the most recent if several."""
        attached = Survey.paths.through.objects.filter(survey=OuterRef("pk"))
        own = attached.filter(trainingpathpage=path)
        return (self.active().filter(kind=kind)
                .annotate(own=Exists(own), general=~Exists(attached))
                .filter(Q(own=True) | Q(general=True))
                .order_by("-own", "-pk").first())


class Survey(ClusterableModel):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    paths = ParentalManyToManyField(
        "courses.TrainingPathPage", blank=True, related_name="surveys",
        verbose_name=_("training paths"),
        help_text=_("Leave empty for a survey of every path without a survey of its own."))
    intro = models.TextField(_("introduction"), blank=True, max_length=2000,
                             help_text=_("Shown above the questions."))
    anonymous = models.BooleanField(
        _("anonymous"), default=True,
        help_text=_("Answers are kept without any link to the person who gave them."))
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Only active surveys are sent."))
    delay_days = models.PositiveSmallIntegerField(
        _("days after the end (cold survey)"), default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)])
    valid_days = models.PositiveSmallIntegerField(
        _("days the link stays valid"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)])
    reminder_days = models.PositiveSmallIntegerField(
        _("days before a reminder"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)])
    created_at = models.DateTimeField(default=clock.now, editable=False)

    objects = SurveyQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("is_active")]),
        FieldPanel("paths"),
        FieldPanel("intro"),
        FieldPanel("anonymous"),
        MultiFieldPanel([FieldRowPanel([FieldPanel("delay_days"), FieldPanel("valid_days"),
                                        FieldPanel("reminder_days")])],
                        heading=_("Sending")),
        InlinePanel("questions", heading=_("Questions"), label=_("Question"), min_num=1),
    ]

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["kind", "title", "pk"]

    def __str__(self):
        return self.title

    @property
    def respondent_kind(self) -> str:
        from .enums import RESPONDENT_OF_KIND

        return RESPONDENT_OF_KIND[self.kind]


class SurveyQuestion(Orderable):
    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind of answer"), max_length=20, choices=QuestionKind.choices,
                            default=QuestionKind.SCALE)
    choices = models.TextField(
        _("choices"), blank=True, max_length=2000,
        help_text=_("Single or multiple choice: one choice per line."))
    required = models.BooleanField(_("required"), default=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)

    panels = [
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("choices"),
        FieldPanel("help_text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    @property
    def options(self) -> list[str]:
        seen = []
        for line in self.choices.splitlines():
            line = line.strip()
            if line and line not in seen:
                seen.append(line)
        return seen

    def clean(self):
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(self.options) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class SurveyInvitation(models.Model):
    """One person asked to answer one survey, about one group (or path). The personal link
    signs (pk, nonce): changing the nonce revokes it."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations",
                               verbose_name=_("survey"))
    respondent_kind = models.CharField(_("respondent"), max_length=20,
                                       choices=RespondentKind.choices)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="survey_invitations",
                               verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="survey_invitations",
                               verbose_name=_("group"))
    path = models.ForeignKey("courses.TrainingPathPage", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="survey_invitations",
                             verbose_name=_("training path"))
    nonce = models.CharField(max_length=32, default=new_nonce)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered = models.BooleanField(_("answered"), default=False)
    # Only for surveys that are not anonymous: the time would match the response's date.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A daily scan, a retried task and a completion may all ask: one invitation.
            models.UniqueConstraint(fields=["survey", "person", "cohort"],
                                    condition=Q(person__isnull=False, cohort__isnull=False),
                                    name="one_survey_invitation_per_person_and_group"),
            models.UniqueConstraint(fields=["survey", "person", "path"],
                                    condition=Q(person__isnull=False, cohort__isnull=True),
                                    name="one_survey_invitation_per_person_and_path"),
        ]
        indexes = [models.Index(fields=["survey", "created_at"]),
                   models.Index(fields=["answered", "sent_at"])]

    def __str__(self):
        return f"{self.survey} · {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.get_full_name() or self.person.username
        return self.name

    @property
    def address(self) -> str:
        return (self.person.email if self.person_id else self.email) or ""


class SurveyResponse(models.Model):
    """A set of answers. `invitation` is always empty for an anonymous survey; the group and
    path are kept for the results, the day (not the time) for the period."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    respondent_kind = models.CharField(max_length=20, choices=RespondentKind.choices)
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="survey_responses")
    path = models.ForeignKey("courses.TrainingPathPage", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="survey_responses")
    submitted_on = models.DateField()
    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="response")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["survey", "submitted_on"])]

    def __str__(self):
        return f"{self.survey} · {self.submitted_on:%Y-%m-%d}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE,
                                 related_name="answers")
    # SET_NULL and the text as asked: removing a question later keeps what was answered.
    question = models.ForeignKey(SurveyQuestion, on_delete=models.SET_NULL, null=True,
                                 related_name="answers")
    question_text = models.CharField(max_length=300)
    scale = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(scale__isnull=True)
                                   | Q(scale__gte=1, scale__lte=5),
                                   name="survey_answer_scale_1_to_5"),
        ]

    def __str__(self):
        return self.question_text


class SurveyMessage(models.Model):
    """An invitation or reminder as sent: the evidence that learners were asked."""

    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.SET_NULL, null=True,
                                   related_name="messages")
    survey = models.ForeignKey(Survey, on_delete=models.SET_NULL, null=True,
                               related_name="messages")
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.SET_NULL, null=True,
                               related_name="survey_messages")
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("text"))
    sent_at = models.DateTimeField(_("sent at"), default=clock.now)

    class Meta:
        verbose_name = _("survey message sent")
        verbose_name_plural = _("survey messages sent")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return self.subject
