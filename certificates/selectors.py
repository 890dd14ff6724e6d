"""Reads of documents for other apps: what a person's personal-data export and erasure
(lms.privacy) need to know of the documents about them."""

from django.urls import reverse

from lms.attendance.selectors import learner_cohort_ids
from lms.core.data_rights import field_values, json_value

from .enums import DocumentKind
from .models import Document


def sheet_rows_of(document: Document, user) -> list[dict]:
    """The rows an attendance sheet prints for `user`, found by their id (never by their
    name: two learners of a group may share one)."""
    return [row for row in document.snapshot.get("rows", [])
            if row.get("learner_id") == user.pk]


def sheets_listing(user, *, for_update: bool = False) -> list[tuple[Document, list[dict]]]:
    """Attendance sheets of `user`'s cohorts with the rows printed for them."""
    cohort_ids = learner_cohort_ids(user)
    if not cohort_ids:
        return []
    sheets = (Document.objects.filter(kind=DocumentKind.ATTENDANCE_SHEET,
                                      cohort_id__in=cohort_ids)
              .select_related("path", "cohort").order_by("requested_at"))
    if for_update:
        sheets = sheets.select_for_update(of=("self",))
    return [(sheet, rows) for sheet in sheets if (rows := sheet_rows_of(sheet, user))]


def _printed(snapshot: dict) -> dict:
    """What the document prints, without the organisation's images (large, not personal)."""
    return {key: value for key, value in snapshot.items() if key != "organisation"}


def _document_export(document: Document) -> dict:
    return {
        **field_values(document, ["kind", "version", "status", "code", "requested_at",
                                  "issued_at", "revoked_at", "revoke_reason",
                                  "override_reason", "sha256"]),
        "verification_url": reverse("certificates:verify", args=[document.code]),
        "path": document.path.title if document.path else None,
        "cohort": document.cohort.name if document.cohort else None,
    }


def learner_documents_export(user) -> dict:
    """The documents about `user`, and the attendance sheets with the rows printed for them,
    for their personal-data export."""
    documents = (Document.objects.filter(learner=user).select_related("path", "cohort")
                 .order_by("requested_at"))
    return {
        "documents": [{**_document_export(document), "printed": _printed(document.snapshot)}
                      for document in documents],
        "attendance_sheets": [
            {**_document_export(sheet), "week_start": json_value(sheet.week_start),
             "session_id": sheet.session_id, "rows_printed": rows,
             "sessions": sheet.snapshot.get("sessions", [])}
            for sheet, rows in sheets_listing(user)],
    }
