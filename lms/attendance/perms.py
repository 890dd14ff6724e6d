"""Who may act on which cohort's sessions and sheets. The querysets are the models' scopes
(Cohort.objects.scheduled_by, Session.objects.kept_by, Attendance.objects.visible_to…)."""

from lms.cohorts.models import Cohort


def can_schedule(user, cohort: Cohort) -> bool:
    """A cohort's own trainers and the managers schedule its sessions and keep its sheets."""
    if user.is_authenticated and user.sees_everything:
        return True
    return Cohort.objects.scheduled_by(user).filter(pk=cohort.pk).exists()
