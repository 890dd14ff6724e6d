"""The demo's documents, one of each kind, issued and rendered in-process (WeasyPrint) so that
"Mes documents", the group's documents page and /verify/ show real PDFs: the attestations and
certificates of completion of the workshop's learners who finished, a certificate of
completion of a vocational learner half-way (hours realised so far), the attendance sheet of
the club's last session and the vocational group's sheet of its last full week. Idempotent:
document_request returns the current document of a subject."""

import datetime

from certificates.enums import DocumentKind, DocumentStatus
from certificates.services import document_render, document_request, sheet_weeks
from lms.accounts.models import User
from lms.demo.groups import GROUPS, demo_cohort
from lms.progress.models import Enrollment

LEARNER_DOCUMENTS = (
    ("workshop", "ahamada.said", DocumentKind.ATTESTATION),
    ("workshop", "ahamada.said", DocumentKind.CERTIFICATE),
    ("workshop", "awa.coulibaly", DocumentKind.ATTESTATION),
    ("workshop", "awa.coulibaly", DocumentKind.CERTIFICATE),
    ("vocational", "maria.ferreira", DocumentKind.CERTIFICATE),
)


def certificates_demo_seed(*, today: datetime.date) -> int:
    """Returns the documents rendered by this run."""
    manager = User.objects.managers().order_by("pk").first()
    cohorts = {spec.key: demo_cohort(spec) for spec in GROUPS}
    documents = []
    for key, username, kind in LEARNER_DOCUMENTS:
        enrollment = Enrollment.objects.filter(cohort=cohorts[key],
                                               learner__username=username).first()
        if enrollment is not None:
            documents.append(document_request(kind=kind, by=manager, enrollment=enrollment))
    club = cohorts["club"]
    last = club and club.sessions.filter(locked_at__isnull=False).order_by("-date").first()
    if last is not None:
        documents.append(document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=manager,
                                          session=last))
    vocational = cohorts["vocational"]
    if vocational is not None:
        this_monday = today - datetime.timedelta(days=today.weekday())
        weeks = [week for week in sheet_weeks(vocational) if week < this_monday]
        if weeks:
            documents.append(document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=manager,
                                              cohort=vocational, week_start=weeks[0]))
    rendered = 0
    for document in documents:
        if document.status != DocumentStatus.ISSUED:
            # Rendered here rather than left to the queue: the demo opens on issued documents
            # whether or not a worker runs (the queued task then finds it issued).
            document_render(document_id=document.pk)
            rendered += 1
    return rendered
