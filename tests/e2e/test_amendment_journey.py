"""Issue 11, point 9: a trainer closes a sheet on the roll-call page, a manager amends it with a
reason, the learner's certificate is issued again with the right hours, and the old version
verifies as replaced after an amendment. Chromium at 360 px, axe-core on every step."""

import datetime
import io
import re

from django.utils import timezone
from pypdf import PdfReader

from certificates import services as documents
from certificates.enums import DocumentKind, DocumentStatus, ReissueCause, Validity
from certificates.models import Document
from lms.attendance import services as attendance
from lms.attendance.models import Attendance, Session
from lms.attendance.services import MarkInput
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.accounts.factories import PASSWORD, ManagerFactory
from tests.attendance.factories import SessionFactory
from tests.documents_setup import attended_session
from tests.e2e.helpers import SMALL_PHONE, Journey, draw_with_mouse, log_in

STROKES = ["M10 10 L 50 60 L 90 20"]
REASON = "Absente en réalité : la feuille papier le montre"


def pdf_text(document) -> str:
    with document.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_amendment_reissues_the_certificate(live_server, new_page, organisation, enrollment,
                                            trainer):
    manager = ManagerFactory()
    learner = enrollment.learner
    enrollment.enrolled_at = timezone.now() - datetime.timedelta(days=200)
    enrollment.save(update_fields=["enrolled_at"])
    attended_session(enrollment, by=trainer)  # 3 realised hours, long ago
    # Yesterday's session (whatever today's weekday): the learner present and signed, the
    # sheet still open.
    session = SessionFactory(cohort=enrollment.cohort, trainer=trainer,
                             date=timezone.localdate() - datetime.timedelta(days=1),
                             start_time=datetime.time(9), end_time=datetime.time(12))
    attendance.roll_call_save(session=session, by=trainer,
                              marks=[MarkInput(learner_id=learner.pk, status="present")])
    attendance.signature_draw(session=session, learner_id=learner.pk, strokes=STROKES,
                              by=trainer)
    enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED)

    page = new_page(SMALL_PHONE)
    journey = Journey("amendment", page, live_server.url)
    log_in(journey, trainer.username, PASSWORD)
    journey.goto(f"/emargement/seances/{session.pk}/")
    journey.step("trainer-roll-call")
    with page.expect_navigation():
        page.locator(".rollcall__lock a").tap()
    canvas = page.locator("[data-signature-form] [data-signature-canvas]")
    canvas.wait_for()
    draw_with_mouse(page, canvas)
    with page.expect_navigation():
        page.locator("form[data-signature-form] button[type=submit]").tap()
    assert Session.objects.get(pk=session.pk).locked_at is not None
    journey.step("sheet-closed")

    # 6 realised hours: the certificate is made from both locked sheets.
    certificate = documents.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                             enrollment=enrollment)
    certificate.refresh_from_db()
    assert certificate.status == DocumentStatus.ISSUED, certificate.error
    assert certificate.snapshot["hours_attended"] == "6.00"

    manager_page = new_page(SMALL_PHONE)
    journey_manager = Journey("amendment-manager", manager_page, live_server.url)
    log_in(journey_manager, manager.username, PASSWORD)
    journey_manager.goto(f"/emargement/seances/{session.pk}/")
    journey_manager.step("locked-roll-call")
    manager_page.locator(
        f"#learner-{learner.pk} input[name=status_{learner.pk}][value=absent]").tap()
    manager_page.fill("form.rollcall [name=reason]", REASON)
    with manager_page.expect_navigation():
        manager_page.locator("form.rollcall button[type=submit]").tap()
    assert manager_page.locator(".message--success").is_visible()
    assert Attendance.objects.get(session=session, learner=learner).status.code == "absent"
    journey_manager.step("amended")

    certificate.refresh_from_db()
    assert certificate.validity == Validity.AMENDED
    new = Document.objects.get(supersedes=certificate)
    assert new.status == DocumentStatus.ISSUED, new.error
    assert new.reissue_cause == ReissueCause.AMENDMENT and REASON in new.override_reason
    assert new.snapshot["hours_attended"] == "3.00"
    text = pdf_text(new)
    assert "une durée de 3 heures" in text or "une durée de 3,00 heures" in text, text

    journey_manager.goto(f"/verify/{certificate.code}/")
    result = manager_page.locator(".verify-result--amended")
    assert result.is_visible()
    assert REASON in result.inner_text()
    assert manager_page.locator(f".verify-result a[href='/verify/{new.code}/']").is_visible()
    journey_manager.step("old-version-verified")
    with manager_page.expect_navigation():
        manager_page.locator(f".verify-result a[href='/verify/{new.code}/']").tap()
    assert manager_page.locator(".verify-result--valid").is_visible()
    journey_manager.step("new-version-verified")

    for each in (journey, journey_manager):
        each.finish()
        each.assert_accessible()
