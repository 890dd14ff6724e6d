import io
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from pypdf import PdfReader

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus, Validity
from certificates.models import CODE_ALPHABET, Document
from lms.accounts.models import Organisation
from lms.progress.enums import EnrollmentStatus
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.documents_setup import attended_session
from tests.progress.factories import EnrollmentFactory

NAMES = [
    ("Hélène", "Lefèvre-Dubois"), ("فاطمة", "بن علي"), ("Олена", "Коваленко"),
    ("Thị Thu Hà", "Nguyễn"), ("小明", "王"),
]


def pdf_text(document) -> str:
    with document.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def issue(django_capture_on_commit_callbacks, **kwargs) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(**kwargs)
    document.refresh_from_db()
    return document


@pytest.mark.dates
@pytest.mark.django_db
def test_attestation_is_issued_frozen_and_verifiable(completed, trainer,
                                                    django_capture_on_commit_callbacks):
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                     by=trainer, enrollment=completed)
    assert document.status == DocumentStatus.ISSUED
    assert len(document.code) >= 10 and set(document.code) <= set(CODE_ALPHABET)
    assert len(document.sha256) == 64
    text = pdf_text(document)
    for needle in ("Attestation de fin de formation", "L6353-1", completed.path.title,
                   "73282932000074", "75790123479", "Nathalie Giraud", document.code,
                   completed.learner.get_full_name()):
        assert needle in text, needle
    # Later changes don't alter the issued document.
    organisation = Organisation.load()
    organisation.legal_name = "Nouveau nom"
    organisation.save()
    completed.path.title = "Titre modifié"
    completed.path.save()
    services.document_render(document_id=document.pk)  # a retry is a no-op
    document.refresh_from_db()
    assert document.snapshot["organisation"]["legal_name"] == "Association C-Num"
    assert "Titre modifié" not in pdf_text(document)


@pytest.mark.django_db
def test_names_in_every_script_come_out_in_the_pdf(organisation, path, cohort, lesson,
                                                    trainer, django_capture_on_commit_callbacks):
    for first, last in NAMES:
        learner = LearnerFactory(first_name=first, last_name=last)
        enrollment = EnrollmentFactory(learner=learner, path=path, cohort=cohort)
        attended_session(enrollment, by=trainer)  # a certificate needs realised hours
        document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.CERTIFICATE,
                         by=trainer, enrollment=enrollment)
        text = pdf_text(document)
        assert first in text and last in text, (first, last, text[:200])
        assert "Certificat de réalisation" in text


@pytest.mark.django_db
def test_double_click_gives_one_document(completed, trainer,
                                         django_capture_on_commit_callbacks):
    first = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                  by=trainer, enrollment=completed)
    second = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                   by=trainer, enrollment=completed)
    assert first.pk == second.pk
    assert Document.objects.count() == 1


# serialized_rollback: the pages the fixtures build (Wagtail's tree) are restored for the
# tests that come after, whatever the selection run.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_make_one_document(completed, trainer):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with real concurrent transactions (CI runs PostgreSQL)")

    def ask(_):
        from django.db import connection as thread_connection

        try:
            return services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                             enrollment=completed).pk
        finally:
            thread_connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(ask, range(8)))
    assert len(ids) == 1
    assert Document.objects.filter(kind=DocumentKind.ATTESTATION).count() == 1


@pytest.mark.django_db
def test_attestation_needs_completion_unless_a_manager_overrides(enrollment, organisation,
                                                                 trainer, manager,
                                                                 module):
    from tests.courses.factories import LessonFactory, lesson_body

    LessonFactory(parent=module, title="À faire", body=lesson_body(with_quiz=False))
    with pytest.raises(ValidationError):
        services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                  enrollment=enrollment)
    with pytest.raises(ValidationError):
        services.document_request(kind=DocumentKind.ATTESTATION, by=manager,
                                  enrollment=enrollment)
    document = services.document_request(kind=DocumentKind.ATTESTATION, by=manager,
                                         enrollment=enrollment,
                                         override_reason="Sortie anticipée vers un emploi")
    assert document.override_reason == "Sortie anticipée vers un emploi"


@pytest.mark.django_db
def test_other_trainers_cannot_request(completed):
    with pytest.raises(PermissionDenied):
        services.document_request(kind=DocumentKind.ATTESTATION, by=TrainerFactory(),
                                  enrollment=completed)


@pytest.mark.django_db
def test_completing_the_path_issues_the_attestation(enrollment, organisation, lesson,
                                                    django_capture_on_commit_callbacks):
    from lms.progress.services import quiz_submit

    with django_capture_on_commit_callbacks(execute=True):
        quiz_submit(learner=enrollment.learner, lesson=lesson, block_id="quiz-1",
                    answers={0: {0}, 1: {1, 2}})
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    document = Document.objects.get(enrollment=enrollment)
    assert document.kind == DocumentKind.ATTESTATION
    assert document.status == DocumentStatus.ISSUED


@pytest.mark.django_db
def test_reissue_supersedes_and_revoke_needs_a_reason(completed, trainer, manager,
                                                      django_capture_on_commit_callbacks,
                                                      client):
    first = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                  by=trainer, enrollment=completed)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.document_reissue(document=first, by=trainer,
                                           reason="Nom mal orthographié")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.validity, second.validity) == (Validity.SUPERSEDED, Validity.VALID)
    assert second.version == 2 and second.status == DocumentStatus.ISSUED
    with pytest.raises(ValidationError):
        services.document_reissue(document=first, by=trainer, reason="encore")
    with pytest.raises(PermissionDenied):
        services.document_revoke(document=second, by=trainer, reason="x")
    with pytest.raises(ValidationError):
        services.document_revoke(document=second, by=manager, reason=" ")
    services.document_revoke(document=second, by=manager, reason="Émis par erreur")
    second.refresh_from_db()
    assert second.validity == Validity.REVOKED

    page = client.get(f"/verify/{first.code}/").content.decode()
    assert "replaced by a newer version" in page or "remplacé" in page
    page = client.get(f"/verify/{second.code}/").content.decode()
    assert "revoked" in page or "révoqué" in page


@pytest.mark.django_db
def test_verification_page(completed, trainer, django_capture_on_commit_callbacks, client):
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                     by=trainer, enrollment=completed)
    response = client.get(f"/verify/{document.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert completed.learner.get_full_name() in html and completed.path.title in html
    assert completed.learner.email not in html
    assert response.context["validity"] == Validity.VALID
    assert client.get(f"/verify/{document.code.lower()}/").status_code == 200
    assert client.get("/verify/ZZZZZZZZZZZZ/").status_code == 404

    with document.pdf.open("rb") as handle:
        content = handle.read()
    response = client.post("/verify/", {"pdf": SimpleUploadedFile("a.pdf", content)})
    assert response.context["validity"] == Validity.VALID
    response = client.post("/verify/", {"pdf": SimpleUploadedFile("a.pdf", content + b"x")})
    assert response.context.get("document") is None and response.context["checked_file"]


@pytest.mark.django_db
def test_verification_is_rate_limited(client, settings):
    settings.RATELIMIT_ENABLE = True
    # The limit counts in fixed one-minute windows: on a slow run the 40 requests could span
    # two windows and never reach it, so the wall clock stands still meanwhile.
    with time_machine.travel(time.time(), tick=False):
        statuses = {client.get("/verify/ABCDEFGHJKMN/").status_code for _ in range(40)}
    assert 429 in statuses


@pytest.mark.dates
@pytest.mark.django_db
def test_attendance_sheet_has_signatures_and_lock(cohort, path, trainer, organisation,
                                                  django_capture_on_commit_callbacks):
    from lms.attendance import services as attendance
    from tests.attendance.factories import SessionFactory

    learner = LearnerFactory(first_name="Олена", last_name="Коваленко")
    EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    session = SessionFactory(cohort=cohort, trainer=trainer)
    attendance.signature_draw(session=session, learner_id=learner.pk,
                              strokes=["M10 10 L 90 40"], by=trainer)
    attendance.session_lock(session=session, by=trainer, strokes=["M5 5 L 50 50"])
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTENDANCE_SHEET,
                     by=trainer, session=session)
    text = pdf_text(document)
    assert "Feuille d" in text and "Коваленко" in text and "Clôturée" in text
    assert document.snapshot["rows"][0]["cells"][0]["signature_svg"].startswith("<svg")


@pytest.mark.django_db
def test_learner_downloads_own_document_only(completed, trainer, client,
                                            django_capture_on_commit_callbacks):
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                     by=trainer, enrollment=completed)
    client.force_login(completed.learner)
    response = client.get(f"/certificats/documents/{document.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    dashboard = client.get("/suivi/mon-parcours/").content.decode()
    assert f"/certificats/documents/{document.pk}/pdf/" in dashboard
    client.force_login(LearnerFactory())
    assert client.get(f"/certificats/documents/{document.pk}/pdf/").status_code == 404
    client.force_login(TrainerFactory())
    assert client.get(f"/certificats/documents/{document.pk}/pdf/").status_code == 404


@pytest.mark.django_db
def test_bulk_for_a_cohort_with_progress_and_zip(completed, path, cohort, trainer, client,
                                                 django_capture_on_commit_callbacks):
    for _ in range(2):
        attended_session(EnrollmentFactory(path=path, cohort=cohort), by=trainer)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/certificats/groupes/{cohort.pk}/lot/",
                               {"kind": "certificate"})
    assert response.status_code == 302
    batch_url = response["Location"]
    state = client.get(batch_url + "etat/").json()
    assert state["total"] == 3 and state["issued"] == 3
    assert state["archive"]
    import zipfile

    response = client.get(state["archive"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 3
    client.force_login(TrainerFactory())
    assert client.get(batch_url).status_code == 404
