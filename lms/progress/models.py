from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Left, Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.referential import MAX_LEVEL, MIN_LEVEL
from lms.core import clock
from lms.core.scopes import own_or_trained

from .enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentSource,
    EnrollmentStatus,
)


class EnrollmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Object-level scope: a learner sees their own, a trainer those of the paths and
        cohorts they train, a manager all."""
        return own_or_trained(
            self, user, own=Q(learner=user), distinct=True,
            trained=lambda: Q(cohort__trainers=user) | Q(path__trainers=user))

    def current(self):
        return self.filter(status__in=[EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE,
                                       EnrollmentStatus.COMPLETED])

    def of_path(self, path):
        return self.filter(path=path)


class Enrollment(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments",
        verbose_name=_("learner"),
    )
    path = models.ForeignKey(
        "courses.TrainingPathPage", on_delete=models.PROTECT, related_name="enrollments",
        verbose_name=_("training path"),
    )
    cohort = models.ForeignKey(
        "cohorts.Cohort", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="enrollments", verbose_name=_("cohort"),
    )
    status = models.CharField(_("status"), max_length=20, choices=EnrollmentStatus.choices,
                              default=EnrollmentStatus.ACTIVE)
    status_changed_at = models.DateTimeField(_("status changed at"), default=clock.now)
    source = models.CharField(_("source"), max_length=10, choices=EnrollmentSource.choices)
    enrolled_at = models.DateTimeField(_("enrolled at"), default=clock.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("enrolled by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "path"], name="one_enrollment_per_path"),
            models.CheckConstraint(
                condition=~Q(status=EnrollmentStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="completed_enrollment_has_date",
            ),
        ]
        indexes = [models.Index(fields=["path", "status"])]

    def __str__(self):
        return f"{self.learner} → {self.path}"


class EnrollmentStatusChange(models.Model):
    """Every change of an enrolment's status, with its date: the history is never rewritten."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE,
                                   related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=EnrollmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=EnrollmentStatus.choices)
    changed_at = models.DateTimeField(default=clock.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("enrolment status change")
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.enrollment}: {self.from_status or '∅'} → {self.to_status}"


class CohortMembershipQuerySet(models.QuerySet):
    def on(self, day):
        """Memberships in force on `day` (both ends included)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def overlapping(self, first, last):
        """Memberships in force on at least one day from `first` to `last`."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=first),
                           start_date__lte=last)

    def open(self):
        return self.filter(end_date__isnull=True)


class CohortMembership(models.Model):
    """The days an enrolment was in a cohort: who is expected at each of its sessions.

    `Enrollment.cohort` says where a learner is now; these rows say where they were on any
    date, so that a sheet, a roll call or a rate of a past session lists the learners of that
    day, not those of today. Both dates are included; an open end means "still there". Rows
    are written by the progress services only (enrolment, move, withdrawal, completion)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE,
                                   related_name="memberships", verbose_name=_("enrolment"))
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE,
                               related_name="memberships", verbose_name=_("cohort"))
    start_date = models.DateField(_("in the cohort from"))
    end_date = models.DateField(_("in the cohort until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("cohort membership")
        verbose_name_plural = _("cohort memberships")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
            # One open membership per enrolment: a learner is in one cohort of a path at a time.
            models.UniqueConstraint(fields=["enrollment"], condition=Q(end_date__isnull=True),
                                    name="one_open_membership_per_enrollment"),
        ]
        indexes = [models.Index(fields=["cohort", "start_date"])]

    def __str__(self):
        end = f"{self.end_date:%d/%m/%Y}" if self.end_date else "…"
        return f"{self.enrollment} · {self.cohort} {self.start_date:%d/%m/%Y}–{end}"


class LessonCompletionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A learner sees their own; a trainer the completions of the lessons of the paths
        where they follow the learner, not that learner's progress in other paths."""
        # The enrolment's path is an ancestor of the lesson: its tree path prefixes the lesson's.
        return own_or_trained(self, user, own=Q(learner=user), trained=lambda: Exists(
            Enrollment.objects.visible_to(user).filter(
                learner=OuterRef("learner_id"),
                path__path=Left(OuterRef("lesson__path"), Length("path__path")))))

    def within(self, page):
        """Completions of lessons under a path or module, through the page tree."""
        return self.filter(lesson__path__startswith=page.path)


class LessonCompletion(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="lesson_completions")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE,
                               related_name="completions")
    completed_at = models.DateTimeField(default=clock.now)
    source = models.CharField(max_length=10, choices=CompletionSource.choices,
                              default=CompletionSource.MANUAL)

    objects = LessonCompletionQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "lesson"], name="one_completion_per_lesson"),
        ]

    def __str__(self):
        return f"{self.learner} ✓ {self.lesson}"


class QuizAttempt(models.Model):
    """A scored submission of a quiz block; attempts are kept, the best one counts."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="quiz_attempts")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE,
                               related_name="quiz_attempts")
    block_id = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    pass_mark = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    passed = models.BooleanField()
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("quiz attempt")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["learner", "lesson"])]

    def __str__(self):
        return f"{self.learner} · {self.lesson} · {self.score} %"


class CompetenceAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Competence levels are the learner's, across paths: a trainer following a learner
        sees the whole profile they validate against."""
        return own_or_trained(self, user, own=Q(learner=user), trained=lambda: Q(
            learner__in=Enrollment.objects.visible_to(user).values("learner_id")))

    def validations(self):
        return self.filter(kind=AssessmentKind.VALIDATION)

    def of_learner(self, learner):
        return self.filter(learner=learner)


class CompetenceAssessment(models.Model):
    """A level on a competence: the learner's own positioning (initial, final) or a trainer's
    validation. Rows are only ever added; a learner's current level is derived from them."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="competence_assessments", verbose_name=_("learner"))
    competence = models.ForeignKey("courses.Competence", on_delete=models.PROTECT,
                                   related_name="assessments", verbose_name=_("competence"))
    path = models.ForeignKey(
        "courses.TrainingPathPage", on_delete=models.PROTECT, null=True, blank=True,
        related_name="competence_assessments", verbose_name=_("training path"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssessmentKind.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(MIN_LEVEL), MaxValueValidator(MAX_LEVEL)]
    )
    method = models.CharField(_("method"), max_length=15, choices=AssessmentMethod.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    assessed_on = models.DateField(_("date"), default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("assessed by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CompetenceAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("competence assessment")
        verbose_name_plural = _("competence assessments")
        ordering = ["-assessed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=MIN_LEVEL, level__lte=MAX_LEVEL),
                name="assessment_level_in_range",
            ),
            # Self-positioning is the learner's own; a validation says how it was observed.
            models.CheckConstraint(
                condition=(Q(kind=AssessmentKind.VALIDATION) & ~Q(method=AssessmentMethod.SELF))
                | (~Q(kind=AssessmentKind.VALIDATION) & Q(method=AssessmentMethod.SELF)),
                name="assessment_method_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["learner", "competence", "kind"])]

    def __str__(self):
        return f"{self.learner} · {self.competence.code} · {self.get_kind_display()} {self.level}"
