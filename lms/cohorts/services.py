"""Writes of cohorts (groups): the site's forms, the REST API and the Wagtail admin all call
these, so a cohort's rules hold wherever it is edited:

- its dates are coherent: the end after the start, and every session still planned within
  them (the attendance app answers `cohort_dates_changing`);
- its training path does not change once learners are in it (their enrolment ties them to
  the cohort *and* the path: moving the cohort would split them);
- its capacity, when set, is never below the learners in it, and no learner joins it full;
- its trainers are trainers; a closed cohort takes no learner and its dates stay.

`by` is the person acting: their right is checked here (PermissionDenied). `by=None` is a
system write (the demo's seed, a data migration): no right to check."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Cohort
from .perms import can_change_cohort, can_create_cohort
from .signals import cohort_dates_changing

# The fields cohort_update accepts (the `trainers` relation is set apart).
EDITABLE_FIELDS = ("name", "path", "start_date", "end_date", "place", "capacity",
                   "what_to_bring")


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _trainers_check(trainers) -> list:
    trainers = list(trainers)
    wrong = [person for person in trainers if not person.is_trainer]
    if wrong:
        raise ValidationError({"trainers": ValidationError(
            _("%(names)s is not a trainer.") % {"names": ", ".join(map(str, wrong))},
            code="not_a_trainer")})
    return trainers


def cohort_learner_count(cohort: Cohort) -> int:
    """Learners in the cohort now or from a coming day: its open memberships (a withdrawn
    learner's is closed; one who completed the path keeps their place until the end)."""
    return cohort.memberships.filter(end_date__isnull=True).count()


def _capacity_check(cohort: Cohort) -> None:
    if cohort.capacity is None:
        return
    if cohort.capacity < 1:
        raise ValidationError({"capacity": ValidationError(
            _("A capacity is at least one learner; leave it empty for no limit."),
            code="min_value")})
    if cohort.pk is not None and (count := cohort_learner_count(cohort)) > cohort.capacity:
        raise ValidationError({"capacity": ValidationError(
            _("%(count)d learners are already in this group: the capacity cannot be lower.")
            % {"count": count}, code="below_learners")})


@transaction.atomic
def cohort_create(*, name: str, path, start_date, end_date, by=None, place: str = "",
                  capacity: int | None = None, what_to_bring: str = "", trainers=()
                  ) -> Cohort:
    """A new cohort of `path`. A trainer creates cohorts of the paths they teach, and is one
    of its trainers: the group pages list the groups one trains, they would lose sight of it."""
    if by is not None and not can_create_cohort(by, path):
        raise PermissionDenied(_("You can create groups only for the paths you teach."))
    cohort = Cohort(name=name.strip(), path=path, start_date=start_date, end_date=end_date,
                    place=place.strip(), capacity=capacity, what_to_bring=what_to_bring.strip())
    trainers = _trainers_check(trainers)
    if by is not None and by.is_trainer and not by.is_manager and by not in trainers:
        trainers.append(by)
    cohort.full_clean()
    _capacity_check(cohort)
    cohort.save()
    cohort.trainers.set(trainers)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, by=None, trainers=None, **fields) -> Cohort:
    """Change the fields given (EDITABLE_FIELDS) and, when given, the trainers."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"cohort_update() got unexpected fields: {', '.join(sorted(unknown))}")
    cohort = Cohort.objects.select_for_update().select_related("path").get(pk=cohort.pk)
    if by is not None and not can_change_cohort(by, cohort):
        raise PermissionDenied(_("You cannot change this group."))
    if cohort.is_closed:
        raise ValidationError(_("This group is closed: it no longer changes."),
                              code="closed")
    new_path = fields.get("path")
    if new_path is not None and new_path.pk != cohort.path_id:
        if cohort.enrollments.exists() or cohort.memberships.exists():
            raise ValidationError({"path": ValidationError(
                _("This cohort has learners: its training path cannot change."),
                code="has_learners")})
        if by is not None and not can_create_cohort(by, new_path):
            raise PermissionDenied(_("You can create groups only for the paths you teach."))
    if trainers is not None:
        trainers = _trainers_check(trainers)
    for name, value in fields.items():
        setattr(cohort, name, value.strip() if isinstance(value, str) else value)
    cohort.full_clean()
    _capacity_check(cohort)
    current = Cohort.objects.only("start_date", "end_date").get(pk=cohort.pk)
    if (cohort.start_date, cohort.end_date) != (current.start_date, current.end_date):
        cohort_dates_changing.send(sender=Cohort, cohort=current, start_date=cohort.start_date,
                                   end_date=cohort.end_date, closing=False)
    cohort.save()
    if trainers is not None:
        cohort.trainers.set(trainers)
    return cohort


@transaction.atomic
def cohort_close(*, cohort: Cohort, by=None, on_date=None) -> Cohort:
    """Close the cohort on `on_date` (today by default): it ends that day at the latest, takes
    no learner any more and its dates no longer change. Sessions still planned after that day
    are refused (cancel them first); the learners, sessions and documents stay as they are."""
    cohort = Cohort.objects.select_for_update().select_related("path").get(pk=cohort.pk)
    if by is not None and not can_change_cohort(by, cohort):
        raise PermissionDenied(_("You cannot close this group."))
    if cohort.is_closed:
        raise ValidationError(_("This group is already closed."), code="closed")
    on_date = on_date or timezone.localdate()
    if on_date < cohort.start_date:
        raise ValidationError({"on_date": ValidationError(
            _("The group starts on %(start)s: it cannot be closed before.")
            % {"start": _day(cohort.start_date)}, code="before_start")})
    end_date = min(cohort.end_date, on_date)
    if end_date != cohort.end_date:
        cohort_dates_changing.send(sender=Cohort, cohort=cohort, start_date=cohort.start_date,
                                   end_date=end_date, closing=True)
    cohort.end_date = end_date
    cohort.closed_on = on_date
    cohort.save(update_fields=["end_date", "closed_on"])
    return cohort


def cohort_seat_check(*, cohort: Cohort, enrollment_id: int | None = None) -> None:
    """Whether one more learner may join `cohort` (the enrolment `enrollment_id`, if it is
    not counted already): refused on "cohort" when it is closed or full. Called by the
    progress services inside their transaction, under the cohort's row lock, so that two
    placements at once do not both take the last seat."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise ValidationError({"cohort": ValidationError(
            _("The group %(name)s is closed: no learner joins it any more.")
            % {"name": cohort.name}, code="closed")})
    if cohort.capacity is None:
        return
    taken = cohort.memberships.filter(end_date__isnull=True)
    if enrollment_id is not None:
        taken = taken.exclude(enrollment_id=enrollment_id)
    if taken.count() >= cohort.capacity:
        raise ValidationError({"cohort": ValidationError(
            _("The group %(name)s is full (capacity %(capacity)d).")
            % {"name": cohort.name, "capacity": cohort.capacity}, code="full")})
