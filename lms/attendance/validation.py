"""Bounds on the dates people type for sessions and absence notices: a session within its
cohort's dates, an absence declared at most a year ahead. A date such as 9999-12-31 was
accepted, then broke every week and rate computed over the cohort.

Each check raises a ValidationError on the field it is about: forms show it, the API answers
400 through its service_errors."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.cohorts.signals import cohort_dates_changing

# An absence is declared for the weeks to come, not for next decade: a year leaves room for
# a long illness or a planned operation.
ABSENCE_MAX_AHEAD = datetime.timedelta(days=366)


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def session_dates_check(*, cohort, dates: Iterable[datetime.date], field: str = "date"
                        ) -> None:
    """Every date within the cohort's start and end dates (both included)."""
    if cohort is None:
        return
    outside = sorted(day for day in dates if not cohort.start_date <= day <= cohort.end_date)
    if outside:
        raise ValidationError({field: ValidationError(
            _("A session of this cohort must fall between %(start)s and %(end)s "
              "(%(dates)s is outside).") % {
                "start": _day(cohort.start_date), "end": _day(cohort.end_date),
                "dates": ", ".join(_day(day) for day in outside[:5])},
            code="outside_cohort")})


def absence_dates_check(*, start_date: datetime.date, end_date: datetime.date,
                        today: datetime.date) -> None:
    """An absence declared at most ABSENCE_MAX_AHEAD ahead, its end included."""
    latest = today + ABSENCE_MAX_AHEAD
    errors = {}
    if start_date and start_date > latest:
        errors["start_date"] = ValidationError(
            _("An absence is declared at most a year ahead (until %(latest)s).")
            % {"latest": _day(latest)}, code="too_far_ahead")
    elif end_date and end_date > latest:
        errors["end_date"] = ValidationError(
            _("An absence is declared at most a year ahead (until %(latest)s).")
            % {"latest": _day(latest)}, code="too_far_ahead")
    if errors:
        raise ValidationError(errors)


@receiver(cohort_dates_changing, dispatch_uid="attendance.cohort_dates_guard")
def cohort_dates_guard(*, cohort, start_date, end_date, closing=False, **kwargs) -> None:
    """A cohort's new dates keep every session still planned (not cancelled) within them:
    the same rule as session_dates_check, seen from the cohort."""
    sessions = cohort.sessions.filter(cancelled_at__isnull=True)
    before = sessions.filter(date__lt=start_date).order_by("date").values_list("date", flat=True)
    after = sessions.filter(date__gt=end_date).order_by("date").values_list("date", flat=True)
    errors = {}
    if before:
        days = list(before)
        errors["start_date"] = ValidationError(ngettext(
            "A session of this group is planned on %(dates)s, before this start date: "
            "cancel it or change its date first.",
            "%(count)d sessions of this group are planned before this start date "
            "(%(dates)s): cancel them or change their dates first.", len(days)) % {
                "count": len(days), "dates": ", ".join(_day(day) for day in days[:5])},
            code="sessions_outside")
    if after:
        days = list(after)
        errors["on_date" if closing else "end_date"] = ValidationError(ngettext(
            "A session of this group is planned on %(dates)s, after this end date: "
            "cancel it or change its date first.",
            "%(count)d sessions of this group are planned after this end date "
            "(%(dates)s): cancel them or change their dates first.", len(days)) % {
                "count": len(days), "dates": ", ".join(_day(day) for day in days[:5])},
            code="sessions_outside")
    if errors:
        raise ValidationError(errors)
