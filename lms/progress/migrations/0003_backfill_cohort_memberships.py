"""Give every enrolment in a cohort its membership: from the local day of its enrolment until
the day of its withdrawal or completion (open otherwise).

Marks recorded before this existed are kept visible: a session where the learner was marked
as attending, or signed, before their enrolment date (a trainer who entered the group after
its first session) or after their withdrawal widens the membership to it. Other marks outside
those dates (a blank "absent" for someone not yet enrolled) are left out of the roster."""

import zoneinfo

from django.conf import settings
from django.db import migrations
from django.db.models import Max, Min, Q

WITHDRAWN, COMPLETED = "withdrawn", "completed"


def local_date(moment):
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def backfill(apps, schema_editor):
    Enrollment = apps.get_model("progress", "Enrollment")
    CohortMembership = apps.get_model("progress", "CohortMembership")
    Attendance = apps.get_model("attendance", "Attendance")
    proof = {
        (row["learner_id"], row["session__cohort_id"]): (row["first"], row["last"])
        for row in (Attendance.objects
                    .filter(Q(status__attended=True) | Q(signed_at__isnull=False))
                    .values("learner_id", "session__cohort_id")
                    .annotate(first=Min("session__date"), last=Max("session__date")))
    }
    rows = []
    for enrollment in Enrollment.objects.filter(cohort__isnull=False).iterator():
        start = local_date(enrollment.enrolled_at)
        end = None
        if enrollment.status == WITHDRAWN:
            end = local_date(enrollment.status_changed_at)
        elif enrollment.status == COMPLETED and enrollment.completed_at:
            end = local_date(enrollment.completed_at)
        first, last = proof.get((enrollment.learner_id, enrollment.cohort_id), (None, None))
        if first and first < start:
            start = first
        if end and last and last > end:
            end = last
        if end and end < start:
            end = start
        rows.append(CohortMembership(enrollment_id=enrollment.pk,
                                     cohort_id=enrollment.cohort_id,
                                     start_date=start, end_date=end))
    CohortMembership.objects.bulk_create(rows, batch_size=500)


def unfill(apps, schema_editor):
    apps.get_model("progress", "CohortMembership").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("progress", "0002_cohort_membership"),
        # Reads the marks to keep those already recorded on the roster.
        ("attendance", "0003_default_statuses"),
    ]

    operations = [migrations.RunPython(backfill, unfill)]
