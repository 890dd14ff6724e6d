"""Issue 11, point 3: amending a locked sheet issues a new version of every document made from
it, the old one verifying as amended; a certificate the amendment leaves without realised hours
is revoked instead, so that no valid certificate states hours that no longer exist."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus, ReissueCause, Validity
from certificates.models import Document
from lms.attendance.services import MarkInput, roll_call_save, session_amend
from lms.cohorts.models import Cohort
from tests.documents_setup import attended_session

REASON = "Lucie était absente : feuille papier relue"
AMENDED = ("Ce document a été remplacé par une nouvelle version après une rectification "
           "de l'émargement.")


def pdf_text(document) -> str:
    with document.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def issue(capture, **kwargs) -> Document:
    with capture(execute=True):
        document = services.document_request(**kwargs)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED, document.error
    return document


def newer_of(document) -> Document:
    newer = Document.objects.get(supersedes=document)
    assert newer.status == DocumentStatus.ISSUED, newer.error
    return newer


@pytest.fixture
def second(enrollment, trainer, attended):
    """A second 3-hour session attended, its sheet locked: 6 realised hours in all. The
    cohort runs over both (an amended session must still fall within it)."""
    Cohort.objects.filter(pk=enrollment.cohort_id).update(
        start_date=attended.date - datetime.timedelta(days=10))
    return attended_session(enrollment, by=trainer,
                            date=attended.date - datetime.timedelta(days=1))


@pytest.mark.django_db
def test_mark_amendment_reissues_sheet_and_certificate_with_the_new_hours(
        client, completed, attended, second, trainer, manager,
        django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    certificate = issue(capture, kind=DocumentKind.CERTIFICATE, by=trainer, enrollment=completed)
    sheet = issue(capture, kind=DocumentKind.ATTENDANCE_SHEET, by=trainer, session=second)
    assert certificate.snapshot["hours_attended"] == "6.00"

    with capture(execute=True):
        roll_call_save(session=second, by=manager, reason=REASON,
                       marks=[MarkInput(learner_id=completed.learner_id, status="absent")])

    for old in (certificate, sheet):
        old.refresh_from_db()
        assert old.validity == Validity.AMENDED
        new = newer_of(old)
        assert new.reissue_cause == ReissueCause.AMENDMENT
        assert new.version == old.version + 1 and REASON in new.override_reason
        response = client.get(f"/verify/{old.code}/")
        html = response.text.replace("&#x27;", "'")
        assert response.status_code == 200 and "verify-result--amended" in html
        assert AMENDED in html and REASON in html
        assert f'href="/verify/{new.code}/"' in html
        assert "verify-result--valid" in client.get(f"/verify/{new.code}/").text

    new_certificate = newer_of(certificate)
    assert new_certificate.snapshot["hours_attended"] == "3.00"
    text = pdf_text(new_certificate)
    assert "une durée de 3 heures" in text or "une durée de 3,00 heures" in text, text
    assert "durée de 6" not in text
    # The sheet's new version prints the learner absent.
    assert "Absent" in pdf_text(newer_of(sheet))


@pytest.mark.django_db
def test_session_amendment_reissues_the_certificate_with_the_new_times(
        client, completed, attended, second, trainer, manager,
        django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    certificate = issue(capture, kind=DocumentKind.CERTIFICATE, by=trainer, enrollment=completed)

    with capture(execute=True):
        session_amend(session=second, by=manager, reason="La séance a fini à 10 h",
                      end_time=datetime.time(10))

    certificate.refresh_from_db()
    assert certificate.validity == Validity.AMENDED
    new = newer_of(certificate)
    assert new.snapshot["hours_attended"] == "4.00"  # 3 h + 1 h
    text = pdf_text(new)
    assert "une durée de 4 heures" in text or "une durée de 4,00 heures" in text, text
    assert "verify-result--amended" in client.get(f"/verify/{certificate.code}/").text


@pytest.mark.django_db
def test_a_certificate_left_without_hours_is_revoked_with_the_amendment_reason(
        client, completed, attended, trainer, manager, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    certificate = issue(capture, kind=DocumentKind.CERTIFICATE, by=trainer, enrollment=completed)
    attestation = issue(capture, kind=DocumentKind.ATTESTATION, by=trainer, enrollment=completed)

    with capture(execute=True):
        roll_call_save(session=attended, by=manager, reason=REASON,
                       marks=[MarkInput(learner_id=completed.learner_id, status="absent")])

    certificate.refresh_from_db()
    assert certificate.validity == Validity.REVOKED
    assert certificate.revoked_by == manager and REASON in certificate.revoke_reason
    assert not Document.objects.filter(supersedes=certificate).exists()
    html = client.get(f"/verify/{certificate.code}/").text
    assert "verify-result--revoked" in html
    # The attestation prints planned and realised hours (0 h now): it is issued again.
    attestation.refresh_from_db()
    assert attestation.validity == Validity.AMENDED
    assert newer_of(attestation).snapshot["hours_attended"] == "0.00"
