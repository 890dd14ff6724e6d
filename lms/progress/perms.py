"""Who may act on which path, cohort, enrolment and learner: managers on all, trainers on the
paths and cohorts they train. The querysets are the models' scopes (Cohort.objects.managed_by,
Enrollment.objects.visible_to…); these are the object checks."""

from django.db.models import Q

from courses.models import TrainingPathPage
from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.scopes import role_scope

from .models import Enrollment


def is_staff(user) -> bool:
    """A trainer or a manager: someone who follows other people's progress."""
    return user.is_authenticated and (user.sees_everything or user.is_trainer)


def paths_managed_by(user):
    """Paths whose learners `user` may follow, enrol and assess. (Paths are Wagtail pages,
    whose manager is Wagtail's: the scope lives here.)"""
    return role_scope(TrainingPathPage.objects.all(), user, role="is_trainer",
                      scope=lambda paths: paths.filter(Q(trainers=user)
                                                       | Q(cohorts__trainers=user)).distinct())


def can_manage_path(user, path) -> bool:
    return (user.is_authenticated and user.sees_everything) \
        or paths_managed_by(user).filter(pk=path.pk).exists()


def can_manage_cohort(user, cohort) -> bool:
    """A cohort's own trainers and the trainers of its whole path; not another cohort's."""
    if user.is_authenticated and user.sees_everything:
        return True
    return Cohort.objects.managed_by(user).filter(pk=cohort.pk).exists()


def can_manage_enrollment(user, enrollment) -> bool:
    if not user.is_authenticated:
        return False
    if user.sees_everything or (user.is_trainer
                                and enrollment.path.trainers.filter(pk=user.pk).exists()):
        return True
    return enrollment.cohort_id is not None and can_manage_cohort(user, enrollment.cohort)


def learners_followed_by(user):
    """Users whose progress `user` may read and write: themselves, the learners of the
    enrolments they can see (their paths and cohorts), everyone for a manager."""
    if user.sees_everything:
        return User.objects.all()
    if not user.is_trainer:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(
        Q(pk=user.pk) | Q(pk__in=Enrollment.objects.visible_to(user).values("learner_id"))
    )
