"""Issue 11, points 1 and 2: the hours a document prints come only from attendance on locked
sheets; the certificat de réalisation carries every field of the Ministry's model and is
refused while the organisation can't sign it."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from pypdf import PdfReader
from rest_framework.test import APIClient

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from courses.models import TrainingPathPage
from lms.attendance.selectors import enrollment_hours, open_sheets_of, realised_attendance
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.documents_setup import attended_session
from tests.progress.factories import EnrollmentFactory

SETTINGS_URL = "/admin/settings/accounts/organisation/"


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def pdf_reader(document) -> PdfReader:
    with document.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def pdf_text(document) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(document).pages)


def issue(capture, **kwargs) -> Document:
    with capture(execute=True):
        document = services.document_request(**kwargs)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED, document.error
    return document


@pytest.fixture
def planned_20(path):
    TrainingPathPage.objects.filter(pk=path.pk).update(duration_hours=20)
    return path


@pytest.fixture
def learner_history(enrollment, trainer, organisation, planned_20):
    """Enrolled 60 days ago. Locked sheets: present 30 days ago (3 h), late 20 min 20 days
    ago (2 h 40), absent 15 days ago; open sheet: present 5 days ago (3 h provisional); a
    session in the cohort the learner was not marked at, 3 days ago (open). The planned
    duration is 20 h."""
    enrollment.enrolled_at = timezone.now() - datetime.timedelta(days=60)
    enrollment.save(update_fields=["enrolled_at"])
    enrollment.learner.employer = "Boulangerie Martin"
    enrollment.learner.save(update_fields=["employer"])
    attended_session(enrollment, by=trainer, date=days_ago(30))
    attended_session(enrollment, by=trainer, date=days_ago(20), status="late",
                     minutes_late=20)
    attended_session(enrollment, by=trainer, date=days_ago(15), status="absent")
    open_one = attended_session(enrollment, by=trainer, date=days_ago(5), locked=False)
    unmarked = SessionFactory(cohort=enrollment.cohort, trainer=trainer, date=days_ago(3))
    return {"open": [open_one, unmarked]}


@pytest.mark.django_db
def test_selectors_separate_realised_and_provisional_hours(enrollment, learner_history):
    attended = realised_attendance(enrollment)
    assert str(attended.hours) == "5.67"  # 3 h + 2 h 40, locked sheets only
    assert str(attended.hours_provisional) == "3.00"
    assert (attended.first_date, attended.last_date) == (days_ago(30), days_ago(20))
    _rate, realised, provisional = enrollment_hours([enrollment])[enrollment.pk]
    assert (str(realised), str(provisional)) == ("5.67", "3.00")
    assert open_sheets_of(enrollment) == learner_history["open"]


@pytest.mark.django_db
def test_certificate_prints_realised_hours_and_attended_dates_never_planned(
        enrollment, learner_history, trainer, django_capture_on_commit_callbacks):
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.CERTIFICATE,
                     by=trainer, enrollment=enrollment)
    assert document.snapshot["hours_attended"] == "5.67"
    assert document.snapshot["start_date"] == days_ago(30).isoformat()
    assert document.snapshot["end_date"] == days_ago(20).isoformat()
    text = pdf_text(document)
    assert "pour une durée de 5,67 heures" in text
    assert "20 h" not in text and "8,67" not in text  # neither planned nor provisional
    assert f"du {days_ago(30):%d/%m/%Y} au {days_ago(20):%d/%m/%Y}" in text


@pytest.mark.django_db
def test_certificate_carries_every_field_of_the_ministry_model(
        enrollment, learner_history, trainer, organisation, django_capture_on_commit_callbacks):
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.CERTIFICATE,
                     by=trainer, enrollment=enrollment)
    text = " ".join(pdf_text(document).split())
    learner = enrollment.learner.get_full_name()
    for expected in (
            "Certificat de réalisation",
            "Je soussigné(e) Nathalie Giraud, Directrice, représentant légal du dispensateur",
            "Association C-Num (déclaration d'activité n° 75790123479)",
            learner, "Salarié(e) de l'entreprise Boulangerie Martin",
            f"a suivi l'action {enrollment.path.title}",
            "☒ action de formation", "☐ bilan de compétences", "☐ action de VAE",
            "☐ action de formation par apprentissage",
            "qui s'est déroulée du", "a été réalisée pour une durée de 5,67 heures",
            "Fait à Niort, le", "Cachet et signature du responsable"):
        assert expected in text, (expected, text)
    assert "…" not in text
    # The signature and the stamp are printed (besides the QR code, an SVG drawing).
    assert len(pdf_reader(document).pages[-1].images) >= 2


@pytest.mark.django_db
def test_attestation_prints_planned_and_realised_hours_side_by_side(
        enrollment, learner_history, manager, django_capture_on_commit_callbacks):
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                     by=manager, enrollment=enrollment, override_reason="Fin anticipée")
    text = " ".join(pdf_text(document).split())
    assert "Durée prévue Heures réalisées 20 h 5,67 h" in text
    assert "non renseignées" not in text


@pytest.mark.django_db
def test_attestation_without_attendance_prints_zero_and_no_future_date(
        enrollment, organisation, manager, planned_20, django_capture_on_commit_callbacks):
    # The cohort ends in the future: the attestation still prints no date to come.
    enrollment.cohort.end_date = timezone.localdate() + datetime.timedelta(days=90)
    enrollment.cohort.save()
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                     by=manager, enrollment=enrollment, override_reason="Abandon")
    assert document.snapshot["hours_attended"] == "0.00"
    assert datetime.date.fromisoformat(document.snapshot["end_date"]) <= timezone.localdate()
    text = " ".join(pdf_text(document).split())
    assert "Durée prévue Heures réalisées 20 h 0 h" in text


@pytest.mark.django_db
def test_no_certificate_without_realised_hours_service_api_page_and_batch(
        enrollment, organisation, trainer, manager, cohort, path, client):
    # Present, but on a sheet still open: provisional hours only.
    enrollment.enrolled_at = timezone.now() - datetime.timedelta(days=60)
    enrollment.save(update_fields=["enrolled_at"])
    open_one = attended_session(enrollment, by=trainer, date=days_ago(4), locked=False)
    with pytest.raises(ValidationError) as error:
        services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                  enrollment=enrollment)
    message = " ".join(error.value.message_dict["enrollment"])
    assert "no realised hours" in message or "aucune heure réalisée" in message
    assert f"{open_one.date:%d/%m/%Y}" in message

    api = APIClient()
    api.force_authenticate(trainer)
    response = api.post("/api/v1/documents/", {"kind": "certificate",
                                               "enrollment": enrollment.pk}, format="json")
    assert response.status_code == 400
    assert "enrollment" in response.json()

    client.force_login(trainer)
    response = client.post(f"/certificats/groupes/{cohort.pk}/demander/",
                           {"kind": "certificate", "enrollment": enrollment.pk}, follow=True)
    assert response.status_code == 200
    assert "aucune heure réalisée" in response.text
    assert not Document.objects.filter(kind=DocumentKind.CERTIFICATE).exists()

    # In a batch, the learner is left out with the reason; one who attended gets theirs.
    other = EnrollmentFactory(learner=LearnerFactory(), path=path, cohort=cohort)
    attended_session(other, by=trainer, date=days_ago(10))
    batch, skipped = services.batch_request(cohort=cohort, kind=DocumentKind.CERTIFICATE,
                                            by=trainer)
    assert [name for name, _why in skipped] == [str(enrollment.learner)]
    assert "aucune heure réalisée" in skipped[0][1]
    assert list(batch.documents.values_list("enrollment", flat=True)) == [other.pk]


@pytest.mark.django_db
def test_document_request_lists_the_open_sheets_in_the_api_and_on_the_pages(
        enrollment, learner_history, trainer, cohort, client,
        django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/documents/", {"kind": "certificate",
                                                   "enrollment": enrollment.pk},
                            format="json")
    assert response.status_code == 202
    sheets = response.json()["open_sheets"]
    assert [sheet["id"] for sheet in sheets] == [s.pk for s in learner_history["open"]]
    assert sheets[0]["date"] == days_ago(5).isoformat()
    assert sheets[0]["url"].endswith(f"/emargement/seances/{sheets[0]['id']}/")

    client.force_login(trainer)
    page = client.get(f"/certificats/groupes/{cohort.pk}/").text
    document = Document.objects.get(pk=response.json()["id"])
    staff_page = client.get(f"/certificats/documents/{document.pk}/").text
    for html in (page, staff_page):
        for session in learner_history["open"]:
            assert f'href="/emargement/seances/{session.pk}/"' in html
    response = client.post(f"/certificats/groupes/{cohort.pk}/demander/",
                           {"kind": "attestation", "enrollment": enrollment.pk,
                            "override_reason": ""}, follow=True)
    assert f"{days_ago(5):%d/%m/%Y}" in response.text


@pytest.mark.parametrize("missing", ["signatory_name", "signatory_title", "signature_image",
                                     "stamp_image"])
@pytest.mark.django_db
def test_issuing_is_refused_until_the_organisation_can_sign(
        missing, completed, organisation, trainer, manager, cohort, client):
    setattr(organisation, missing, "" if missing.startswith("signatory") else None)
    organisation.save()
    for kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        with pytest.raises(ValidationError) as error:
            services.document_request(kind=kind, by=manager, enrollment=completed)
        assert SETTINGS_URL in " ".join(error.value.messages)
        api = APIClient()
        api.force_authenticate(manager)
        response = api.post("/api/v1/documents/", {"kind": kind, "enrollment": completed.pk},
                            format="json")
        assert response.status_code == 400 and SETTINGS_URL in str(response.json())
    # The group's documents page leads a manager to the settings.
    client.force_login(manager)
    page = client.get(f"/certificats/groupes/{cohort.pk}/").text
    assert f'href="{SETTINGS_URL}"' in page
    response = client.post(f"/certificats/groupes/{cohort.pk}/demander/",
                           {"kind": "certificate", "enrollment": completed.pk}, follow=True)
    assert SETTINGS_URL in response.text
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_progress_api_shows_realised_and_provisional_hours(enrollment, learner_history):
    api = APIClient()
    api.force_authenticate(enrollment.learner)
    body = api.get("/api/v1/me/progress/").json()
    mine = next(item for item in body["enrollments"]
                if item["hours_realised"] is not None)
    assert mine["hours_realised"] == "5.67" and mine["hours_provisional"] == "3.00"


@pytest.mark.django_db
def test_a_one_session_sheet_of_a_full_group_fits_on_one_page(
        cohort, path, trainer, organisation, django_capture_on_commit_callbacks):
    session = SessionFactory(cohort=cohort, trainer=trainer, date=days_ago(2))
    for _ in range(15):
        EnrollmentFactory(learner=LearnerFactory(), path=path, cohort=cohort)
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTENDANCE_SHEET,
                     by=trainer, session=session)
    assert len(pdf_reader(document).pages) == 1


def test_competence_rows_never_split_and_headers_repeat():
    from certificates.rendering import STYLESHEET

    css = " ".join(STYLESHEET.read_text().split())
    assert "thead { display: table-header-group; }" in css
    assert "tr, td, th { break-inside: avoid; page-break-inside: avoid; }" in css


@pytest.mark.django_db
def test_funder_export_counts_locked_sheets_only(enrollment, learner_history, trainer,
                                                 cohort, client):
    """The cohort's CSV export (what a funder is sent): realised hours, 5,67, not the
    8,67 that counting the open sheet would give."""
    import csv

    client.force_login(trainer)
    response = client.get(f"/emargement/groupes/{cohort.pk}/export.csv")
    assert response.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")),
                                    delimiter=";"))
    assert rows[0][-1] == "5,67", (header, rows)
    # The group's attendance page shows both, the provisional part labelled.
    page = client.get(f"/emargement/groupes/{cohort.pk}/").text
    assert "8,67 h" in page and "dont 3,00 h provisoires (feuilles non clôturées)" in page


@pytest.mark.django_db
def test_a_document_asked_for_in_english_prints_its_facts_in_french(
        enrollment, learner_history, trainer, organisation, django_capture_on_commit_callbacks):
    # With in-process tasks the render runs in the request's thread, under the language of
    # whoever asked: the facts frozen in the snapshot must not follow it (the page is French).
    with translation.override("en"):
        document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                         by=trainer, enrollment=enrollment)
    assert document.snapshot["path"]["action_type"] == "Action de formation"
    assert document.snapshot["path"]["modality"] == "Sur place"
    text = " ".join(pdf_text(document).split())
    assert "Training action" not in text and "On site" not in text
