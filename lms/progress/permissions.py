"""Who may act on which path: managers on all, trainers on the paths and cohorts they train."""

from django.db.models import Q

from courses.models import TrainingPathPage
from lms.cohorts.models import Cohort
from lms.cohorts.perms import can_change_cohort


def is_manager(user) -> bool:
    return user.is_authenticated and (user.is_manager or user.is_superuser)


def paths_managed_by(user):
    """Paths whose learners `user` may follow, enrol and assess."""
    paths = TrainingPathPage.objects.all()
    if is_manager(user):
        return paths
    if not (user.is_authenticated and user.is_trainer):
        return paths.none()
    return paths.filter(Q(trainers=user) | Q(cohorts__trainers=user)).distinct()


def can_manage_path(user, path) -> bool:
    return is_manager(user) or paths_managed_by(user).filter(pk=path.pk).exists()


def cohorts_managed_by(user):
    """The cohorts can_manage_cohort allows, as a queryset: a manager all, a trainer those they
    train and those of the paths they train."""
    return Cohort.objects.managed_by(user)


def can_manage_cohort(user, cohort) -> bool:
    """A cohort's own trainers and the trainers of its whole path; not another cohort's
    (the cohorts app's rule, the same for its learners as for its settings)."""
    return can_change_cohort(user, cohort)


def can_manage_enrollment(user, enrollment) -> bool:
    if is_manager(user) or (user.is_authenticated and user.is_trainer
                            and enrollment.path.trainers.filter(pk=user.pk).exists()):
        return True
    return enrollment.cohort_id is not None and can_manage_cohort(user, enrollment.cohort)
