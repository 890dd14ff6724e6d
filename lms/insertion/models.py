from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.core import clock
from lms.core.scopes import role_scope

from .enums import (
    EXIT_OUTCOMES,
    ContractKind,
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObjectiveCategory,
    ObjectiveStatus,
    ObstacleCategory,
    Severity,
    TraineeStatus,
)


class ProgrammeQuerySet(models.QuerySet):
    def staffed_by(self, user):
        return self.filter(staff=user)

    def visible_to(self, user):
        """A manager sees every programme, insertion staff those they staff, anyone else
        none. An `IN (subquery)` filter: annotations such as the trainee count are not
        multiplied by the joined staff rows."""
        return role_scope(self, user, role="is_insertion_staff", scope=lambda programmes:
                          programmes.filter(pk__in=Programme.objects.staffed_by(user).values("pk")))


class Programme(models.Model):
    """An insertion programme (chantier d'insertion) with its staff."""

    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="insertion_programmes",
                                   limit_choices_to={"is_insertion_staff": True},
                                   verbose_name=_("staff"))
    co_financed = models.BooleanField(
        _("co-financed (e.g. ESF)"), default=False,
        help_text=_("Co-financed programmes keep supporting evidence for 10 years."),
    )
    funders = models.CharField(_("funders"), max_length=300, blank=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("insertion programme")
        verbose_name_plural = _("insertion programmes")
        ordering = ["-start_date", "name"]

    def __str__(self):
        return self.name


class TraineeQuerySet(models.QuerySet):
    def followed_by(self, user):
        """Staff see the trainees of their programmes; managers see all."""
        return role_scope(self, user, role="is_insertion_staff",
                          scope=lambda trainees: trainees.filter(programme__staff=user).distinct())

    def in_care_of(self, user):
        """The trainees `user` follows, never their own record: a staff member who is also a
        trainee does not follow themselves (the API's scope, and its follow-up records')."""
        return self.filter(pk__in=Trainee.objects.followed_by(user).exclude(learner=user)
                           .values("pk"))

    def active(self):
        return self.filter(status=TraineeStatus.ACTIVE)


class FollowUpQuerySet(models.QuerySet):
    """A trainee's follow-up records are seen with the trainee (Trainee.objects.in_care_of)."""

    trainee_lookup = "trainee"

    def visible_to(self, user):
        trainees = Trainee.objects.in_care_of(user).values("pk")
        return self.filter(**{f"{self.trainee_lookup}_id__in": trainees})


class MilestoneQuerySet(FollowUpQuerySet):
    trainee_lookup = "objective__trainee"


class Trainee(models.Model):
    """A learner followed in an insertion programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="trainees",
                                  verbose_name=_("programme"))
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="trainee_records", verbose_name=_("learner"))
    referent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="referred_trainees",
                                 verbose_name=_("referent"))
    entry_date = models.DateField(_("entry date"))
    pass_iae_number = models.CharField(_("PASS IAE number"), max_length=30, blank=True)
    pass_iae_start = models.DateField(_("PASS IAE valid from"), null=True, blank=True)
    pass_iae_end = models.DateField(_("PASS IAE valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TraineeStatus.choices,
                              default=TraineeStatus.ACTIVE)
    status_changed_at = models.DateField(_("status since"), default=timezone.localdate)

    objects = TraineeQuerySet.as_manager()

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["learner__last_name", "learner__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "learner"],
                                    name="one_record_per_programme"),
        ]

    def __str__(self):
        return f"{self.learner} · {self.programme}"

    def clean(self):
        if self.pass_iae_start and self.pass_iae_end and self.pass_iae_end < self.pass_iae_start:
            raise ValidationError({"pass_iae_end": _("The PASS IAE ends before it starts.")})


class TraineeStatusChange(models.Model):
    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=TraineeStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=TraineeStatus.choices)
    changed_on = models.DateField(default=timezone.localdate)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_on", "pk"]

    def __str__(self):
        return f"{self.trainee}: {self.from_status or '∅'} → {self.to_status}"


class Contract(models.Model):
    """An insertion contract (CDDI) or one of its renewals."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="contracts")
    kind = models.CharField(_("kind"), max_length=10, choices=ContractKind.choices)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    weekly_hours = models.DecimalField(
        _("weekly hours"), max_digits=4, decimal_places=1,
        validators=[MinValueValidator(20), MaxValueValidator(35)],
        help_text=_("Between 20 and 35 hours a week for a CDDI."),
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("insertion contract")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")),
                                   name="contract_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start_date}–{self.end_date}"


class PlanObjective(models.Model):
    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="objectives")
    category = models.CharField(_("category"), max_length=15, choices=ObjectiveCategory.choices)
    title = models.CharField(_("objective"), max_length=250)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ObjectiveStatus.choices,
                              default=ObjectiveStatus.PLANNED)
    training_path = models.ForeignKey("courses.TrainingPathPage", on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+",
                                      verbose_name=_("training path"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan objective")
        ordering = ["target_date", "pk"]

    def __str__(self):
        return self.title


class Milestone(models.Model):
    objective = models.ForeignKey(PlanObjective, on_delete=models.CASCADE,
                                  related_name="milestones")
    title = models.CharField(_("milestone"), max_length=250)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.title


class ObstacleAssessment(models.Model):
    """The severity of an obstacle at a date: the history shows its evolution."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="obstacles")
    category = models.CharField(_("obstacle"), max_length=15, choices=ObstacleCategory.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    assessed_on = models.DateField(_("date"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=300, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("obstacle assessment")
        ordering = ["assessed_on", "pk"]

    def __str__(self):
        return f"{self.get_category_display()} {self.severity}"


class Interview(models.Model):
    """A follow-up interview. `notes` are confidential: programme staff only, each reading
    logged."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="interviews")
    date = models.DateField(_("date"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+", verbose_name=_("staff member"))
    kind = models.CharField(_("type"), max_length=10, choices=InterviewKind.choices)
    notes = models.TextField(_("confidential notes"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up interview")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"


class NoteAccess(models.Model):
    """Who read a trainee's confidential notes, and when."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="note_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accessed_at = models.DateTimeField(default=clock.now)
    context = models.CharField(max_length=60)

    class Meta:
        ordering = ["-accessed_at"]

    def __str__(self):
        return f"{self.user} → {self.trainee} {self.accessed_at:%d/%m/%Y %H:%M}"


class Exit(models.Model):
    trainee = models.OneToOneField(Trainee, on_delete=models.CASCADE, related_name="exit")
    date = models.DateField(_("exit date"))
    category = models.CharField(_("category"), max_length=25, choices=ExitCategory.choices)
    outcome = models.CharField(_("outcome"), max_length=25, choices=ExitOutcome.choices)
    comment = models.TextField(_("comment"), blank=True)
    planned = models.BooleanField(
        _("planned, not yet effective"), default=False,
        help_text=_("An exit planned ahead; it becomes effective on its date."),
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("exit")

    def __str__(self):
        return f"{self.get_category_display()} · {self.get_outcome_display()}"

    def clean(self):
        if self.outcome not in EXIT_OUTCOMES.get(self.category, []):
            raise ValidationError({"outcome": _("This outcome does not belong to the category.")})
