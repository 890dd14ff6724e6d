"""A manager at 360 px on a group's documents and a document's page: a week's sheet, a refused
revocation with its error next to the field, a corrected version. axe-core on every step."""

import datetime

from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind
from certificates.models import Document
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.accounts.factories import PASSWORD, ManagerFactory
from tests.attendance.factories import SessionFactory
from tests.documents_setup import attended_session
from tests.e2e.helpers import SMALL_PHONE, Journey, log_in

FITS_WIDTH_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_manager_document_pages_at_360px(live_server, new_page, organisation, enrollment,
                                         cohort, trainer):
    manager = ManagerFactory()
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    SessionFactory(cohort=cohort, trainer=trainer, date=monday + datetime.timedelta(days=1))
    enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED)
    attended_session(enrollment, by=trainer)  # a certificate states realised hours
    certificate = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                            enrollment=enrollment)
    certificate.refresh_from_db()

    page = new_page(SMALL_PHONE)
    journey = Journey("documents", page, live_server.url)
    log_in(journey, manager.username, PASSWORD)
    journey.goto(f"/certificats/groupes/{cohort.pk}/")
    journey.step("group-documents")
    assert page.evaluate(FITS_WIDTH_JS)

    page.select_option("#sheet-week", monday.isoformat())
    with page.expect_navigation():
        page.locator("form:has(#sheet-week) button[type=submit]").tap()
    assert page.locator(".message--success").is_visible()
    sheet = Document.objects.get(kind=DocumentKind.ATTENDANCE_SHEET)
    assert sheet.week_start == monday
    assert page.locator(f"a[href='/certificats/documents/{sheet.pk}/']").is_visible()
    journey.step("week-sheet-asked")

    with page.expect_navigation():
        page.locator(f"a[href='/certificats/documents/{certificate.pk}/']").tap()
    journey.step("document")
    assert page.evaluate(FITS_WIDTH_JS)

    with page.expect_navigation():
        page.locator("form[action$='/revoquer/'] button[type=submit]").tap()
    assert page.locator("#id_revoke-reason_error").is_visible()
    assert page.locator("#id_revoke-confirm_error").is_visible()
    journey.step("revoke-refused")

    page.fill("#id_reissue-reason", "Nom mal orthographié")
    with page.expect_navigation():
        page.locator("form[action$='/nouvelle-version/'] button[type=submit]").tap()
    new = Document.objects.get(subject=certificate.subject, version=2)
    assert page.url.endswith(f"/certificats/documents/{new.pk}/")
    assert page.locator(".message--success").is_visible()
    journey.step("new-version")
    assert page.evaluate(FITS_WIDTH_JS)
    journey.finish()
    journey.assert_accessible()
