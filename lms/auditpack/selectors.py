from .models import AuditPack


def packs_listed():
    """Packs, latest first, with what their lines show (one query)."""
    return AuditPack.objects.select_related("cohort", "requested_by").order_by(
        "-requested_at", "-pk")


def packs_holding(learner):
    """The packs whose ZIP holds something of `learner`: those of a group they were in, and
    those of a year in which such a group ran."""
    from django.db.models import Q

    from lms.cohorts.models import Cohort

    cohorts = list(Cohort.objects.filter(memberships__enrollment__learner=learner).distinct()
                   .values_list("pk", "start_date", "end_date"))
    if not cohorts:
        return AuditPack.objects.none()
    scope = Q(cohort_id__in=[pk for pk, _start, _end in cohorts])
    for _pk, start, end in cohorts:
        scope |= Q(year__gte=start.year, year__lte=end.year)
    return AuditPack.objects.filter(scope)
