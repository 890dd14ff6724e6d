"""Indicator 2: the results of the group — learners enrolled, completed, withdrawn, still in
training, and the completion and drop-out rates the organisation publishes."""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from lms.progress.enums import EnrollmentStatus
from lms.progress.models import Enrollment

from .base import Evidence, Scope, csv_bytes


def _rate(part: int, whole: int):
    if not whole:
        return ""
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def group_results(scope: Scope) -> list[Evidence]:
    rows = []
    for cohort in scope.cohorts:
        statuses = Counter(Enrollment.objects.filter(memberships__cohort=cohort).distinct()
                           .values_list("status", flat=True))
        total = sum(statuses.values())
        if not total:
            continue
        completed = statuses[EnrollmentStatus.COMPLETED]
        withdrawn = statuses[EnrollmentStatus.WITHDRAWN]
        rows.append([cohort.name, cohort.path.title, cohort.start_date, cohort.end_date, total,
                     completed, withdrawn,
                     statuses[EnrollmentStatus.ACTIVE] + statuses[EnrollmentStatus.PENDING],
                     _rate(completed, total), _rate(withdrawn, total)])
    if not rows:
        return []
    return [Evidence(
        path="resultats/resultats.csv",
        content=csv_bytes([_("Group"), _("Path"), _("Start"), _("End"), _("Learners"),
                           _("Completed"), _("Withdrawn"), _("In training"),
                           _("Completion rate (%)"), _("Drop-out rate (%)")], rows),
        title=_("Results: completion and drop-out per group"))]
