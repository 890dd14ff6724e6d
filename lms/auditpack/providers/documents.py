"""Indicators 10, 11 and 12: the locked, countersigned attendance sheets, and the attestations
and certificates issued — the PDFs themselves, as verifiable by their code.

A locked sheet not issued yet as a PDF is issued here, through the documents' own service (a
real, verifiable document, the same one the group's page would make), within a time budget:
sheets left over are named in the index as still to issue."""

import datetime
import logging
import time

from django.db import transaction
from django.utils.translation import gettext as _

from certificates import services as documents
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.attendance.models import Session

from .base import Evidence, Scope, csv_bytes, person, safe_name

logger = logging.getLogger(__name__)

# Seconds a pack may spend issuing the sheets it lacks: the build must stay well within its
# time limit (services.BUILD_TIME_LIMIT).
RENDER_BUDGET = 60.0


def _pdf(document) -> bytes:
    with document.pdf.open("rb") as handle:
        return handle.read()


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _issue_sheet(session) -> Document | None:
    """The session's sheet, issued now (rendered in this process); None when it could not
    be."""
    try:
        with transaction.atomic():
            document = documents.document_request(kind=DocumentKind.ATTENDANCE_SHEET,
                                                  session=session)
            if document.status != DocumentStatus.ISSUED:
                # Claimed and rendered inside the transaction: the message its request sends
                # on commit finds it issued and claims nothing.
                document = documents.document_render(document_id=document.pk)
    except Exception:  # a sheet the pack can't issue is reported missing, not fatal
        logger.exception("Audit pack: sheet of session %s not issued", session.pk)
        return None
    return document if document.status == DocumentStatus.ISSUED else None


def sheets(scope: Scope) -> list[Evidence]:
    evidence = []
    deadline = time.monotonic() + RENDER_BUDGET
    for cohort in scope.cohorts:
        folder = f"emargement/{scope.folder(cohort)}"
        issued = list(Document.objects.current().issued()
                      .filter(kind=DocumentKind.ATTENDANCE_SHEET, cohort=cohort)
                      .select_related("session")
                      .order_by("week_start", "session__date", "pk"))
        covered_sessions = {d.session_id for d in issued if d.session_id}
        covered_weeks = {d.week_start for d in issued if d.week_start}
        locked = list(Session.objects.filter(cohort=cohort, locked_at__isnull=False)
                      .select_related("cohort__path").order_by("date", "start_time", "pk"))
        missing = []
        for session in locked:
            if session.pk in covered_sessions or _monday(session.date) in covered_weeks:
                continue
            document = _issue_sheet(session) if time.monotonic() < deadline else None
            if document is None:
                missing.append(session)
            else:
                issued.append(document)
        for document in issued:
            if document.week_start:
                what = _("week of %(date)s") % {"date": document.week_start.strftime("%d/%m/%Y")}
                stem = f"semaine-{document.week_start:%Y-%m-%d}"
            else:
                session = document.session
                what = f"{session.date:%d/%m/%Y} {session.start_time:%H:%M}"
                stem = f"seance-{session.date:%Y-%m-%d}-{session.start_time:%Hh%M}-{session.pk}"
            evidence.append(Evidence(
                path=f"{folder}{stem}-{document.code}.pdf", content=_pdf(document),
                title=_("Attendance sheet, %(what)s (code %(code)s)") % {
                    "what": what, "code": document.code}))
        if missing:
            evidence.append(Evidence(
                path=f"{folder}feuilles-a-emettre.csv",
                content=csv_bytes([_("Date"), _("Start"), _("End")], [
                    [s.date, f"{s.start_time:%H:%M}", f"{s.end_time:%H:%M}"]
                    for s in missing]),
                title=_("Locked sheets not issued as PDF yet (issue them from the group's "
                        "documents)")))
    return evidence


def attestations(scope: Scope) -> list[Evidence]:
    evidence = []
    for cohort in scope.cohorts:
        folder = f"attestations/{scope.folder(cohort)}"
        for document in (Document.objects.current().issued()
                         .filter(cohort=cohort, kind__in=[DocumentKind.ATTESTATION,
                                                          DocumentKind.CERTIFICATE])
                         .select_related("learner").order_by("kind", "learner__last_name",
                                                             "learner__first_name", "pk")):
            evidence.append(Evidence(
                path=f"{folder}{document.kind}-{safe_name(person(document.learner))}-"
                     f"{document.code}.pdf",
                content=_pdf(document),
                title=_("%(kind)s of %(learner)s (code %(code)s)") % {
                    "kind": document.get_kind_display(), "learner": person(document.learner),
                    "code": document.code}))
    return evidence
