"""How long personal data is kept: issued documents for their legal retention period (the
erasure keeps them until then), and the login records of django-axes, purged every night
(retention_purge, run by lms.privacy.tasks.retention_purge_task)."""

import datetime

from django.conf import settings
from django.utils import timezone

from certificates.enums import DocumentKind
from lms.accounts.services import login_records_purge

# Retention of issued documents, in years after issue.
RETENTION_CERTIFICATE = 3  # certificate of completion
RETENTION_EVIDENCE = 6  # attestations, attendance sheets
RETENTION_CO_FINANCED = 10  # any document of a learner in a co-financed (e.g. ESF) programme


def retention_years(kind: str, *, co_financed: bool) -> int:
    if co_financed:
        return RETENTION_CO_FINANCED
    return RETENTION_CERTIFICATE if kind == DocumentKind.CERTIFICATE else RETENTION_EVIDENCE


def retention_until(issued_at: datetime.datetime, years: int) -> datetime.date:
    day = timezone.localdate(issued_at)
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # issued on 29 February
        return day.replace(year=day.year + years, day=28)


def document_retained_until(document, *, co_financed: bool) -> datetime.date:
    """The day an issued document may be erased from."""
    return retention_until(document.issued_at,
                           retention_years(document.kind, co_financed=co_financed))


def retention_purge(*, now=None) -> dict[str, int]:
    """Delete what is past its retention: login records (successes, failures and failure
    counts) older than LOGIN_RECORDS_RETENTION_DAYS."""
    now = now or timezone.now()
    return login_records_purge(
        before=now - datetime.timedelta(days=settings.LOGIN_RECORDS_RETENTION_DAYS))
