"""The demo's convocations: each learner placed in a demo group got theirs the day they were
placed (lms.progress.demo places them on that day; when the placement's commit did not send
it, as in a test's transaction, it is sent here at the same moment). Idempotent: the service
sends one convocation per placement."""

import datetime

from lms.convocations.services import convocation_send
from lms.demo.clock import demo_clock
from lms.demo.groups import GROUPS, demo_cohort
from lms.progress.models import CohortMembership


def convocations_demo_seed(*, today: datetime.date) -> int:
    """Returns the convocations sent."""
    sent = 0
    cohorts = [cohort for cohort in map(demo_cohort, GROUPS) if cohort is not None]
    memberships = (CohortMembership.objects.filter(cohort__in=cohorts)
                   .order_by("created_at", "pk"))
    for membership in memberships:
        moment = membership.created_at + datetime.timedelta(minutes=2)
        with demo_clock(moment):
            sent += convocation_send(membership_id=membership.pk) is not None
    return sent
