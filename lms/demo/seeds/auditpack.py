"""Demo: one ready audit pack, of the demo group with the most evidence, so that the demo's
manager finds a pack to download and the auditor's view of a group at once."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from lms.accounts.models import User
from lms.auditpack import services
from lms.auditpack.models import AuditPack
from lms.cohorts.models import Cohort


def _richest_group(today: datetime.date):
    """The started group with learners who completed it (their attestations and survey
    answers are evidence too), then the most convocations sent and locked sheets."""
    return (Cohort.objects.filter(start_date__lte=today)
            .annotate(completed=Count("enrollments", filter=Q(enrollments__status="completed"),
                                      distinct=True),
                      messages=Count("convocation_messages", distinct=True),
                      locked=Count("sessions", filter=Q(sessions__locked_at__isnull=False),
                                   distinct=True))
            .order_by("-completed", "-messages", "-locked", "-start_date", "pk").first())


def auditpack_demo_seed(*, today: datetime.date | None = None) -> bool:
    """Build the demo pack unless a pack exists (idempotent). Run after the other apps' demo
    data: the pack shows what they hold. Whether a pack was made."""
    if AuditPack.objects.exists():
        return False
    today = today or timezone.localdate()
    cohort = _richest_group(today)
    manager = User.objects.filter(is_manager=True, is_active=True).order_by("pk").first()
    if cohort is None or manager is None:
        return False
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    services.pack_build(pack_id=pack.pk)  # in process: no worker runs while seeding
    return True
