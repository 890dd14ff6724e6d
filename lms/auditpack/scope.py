"""Which groups a pack covers: its group, or every group that ran during its year."""

import datetime

from lms.cohorts.models import Cohort

from .providers.base import Scope


def scope_of(pack) -> Scope:
    if pack.cohort_id:
        cohort = Cohort.objects.select_related("path").get(pk=pack.cohort_id)
        return Scope(cohorts=[cohort], cohort=cohort, start=cohort.start_date,
                     end=cohort.end_date)
    start, end = datetime.date(pack.year, 1, 1), datetime.date(pack.year, 12, 31)
    cohorts = list(Cohort.objects.filter(start_date__lte=end, end_date__gte=start)
                   .select_related("path").order_by("start_date", "name", "pk"))
    return Scope(cohorts=cohorts, year=pack.year, start=start, end=end)
