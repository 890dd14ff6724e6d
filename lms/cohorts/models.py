import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.accounts.validators import date_range_check
from lms.core.scopes import own_or_trained, role_scope

COHORT_DATE_MIN, COHORT_DATE_MAX = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class CohortQuerySet(models.QuerySet):
    """Who sees which cohort. Scopes are `pk IN (subquery)` filters rather than joins: no
    DISTINCT, and annotations such as a learner count are not multiplied by joined rows."""

    def trained_by(self, user):
        return self.filter(trainers=user)

    def visible_to(self, user):
        """A manager sees every cohort, a trainer those they train, a learner their own."""
        return own_or_trained(
            self, user,
            own=Q(pk__in=Cohort.objects.filter(enrollments__learner=user).values("pk")),
            trained=lambda: Q(pk__in=Cohort.objects.trained_by(user).values("pk")))

    def managed_by(self, user):
        """Cohorts whose learners `user` follows, enrols and assesses: those they train and
        those of the paths they train; all of them for a manager."""
        return role_scope(self, user, role="is_trainer", scope=lambda cohorts: cohorts.filter(
            pk__in=Cohort.objects.filter(Q(trainers=user) | Q(path__trainers=user)).values("pk")))

    def scheduled_by(self, user):
        """Cohorts whose sessions and attendance `user` keeps: those they train (not the
        other cohorts of their paths); all of them for a manager."""
        return role_scope(self, user, role="is_trainer", scope=lambda cohorts: cohorts.filter(
            pk__in=Cohort.objects.trained_by(user).values("pk")))

    def running_on(self, day):
        return self.filter(start_date__lte=day, end_date__gte=day)

    def open(self):
        return self.filter(closed_on__isnull=True)


class Cohort(models.Model):
    """One run of a training path (a group, a promotion) with its dates and learners.

    Learners belong to a cohort through their enrolment in the path."""

    name = models.CharField(_("name"), max_length=150)
    path = models.ForeignKey(
        "courses.TrainingPathPage", on_delete=models.PROTECT, related_name="cohorts",
        verbose_name=_("training path"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    what_to_bring = models.TextField(
        _("what to bring"), blank=True,
        help_text=_("Printed on the convocation: documents, equipment, a packed lunch…"),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="trained_cohorts", blank=True,
        limit_choices_to={"is_trainer": True}, verbose_name=_("trainers"),
    )
    # Closed by its trainers or a manager once it is over (cohort_close): no learner joins it
    # any more and its dates no longer change; its records stay.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="cohort_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def clean(self):
        errors = {}
        # A cohort runs in this century: 0202 or 9999 is a typo that breaks every week and rate.
        for name in ("start_date", "end_date"):
            try:
                date_range_check(getattr(self, name), low=COHORT_DATE_MIN, high=COHORT_DATE_MAX)
            except ValidationError as error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
