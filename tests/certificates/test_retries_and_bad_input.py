"""Documents that fail, are asked for again, loop or get lost; requests with bad input."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.privacy.erasure import personal_data_erase
from tests.accounts.factories import TrainerFactory
from tests.attendance.factories import SessionFactory


def request_url(cohort) -> str:
    return f"/certificats/groupes/{cohort.pk}/demander/"


def failed(document: Document, error: str = "WeasyPrint crashed") -> Document:
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED, error=error)
    document.refresh_from_db()
    return document


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [
    ("enrollment", "1x"), ("enrollment", "²"), ("enrollment", str(2**70)),
    ("session", "abc"), ("session", "-3"),
])
def test_malformed_ids_are_not_found_not_a_crash(client, completed, cohort, trainer, field,
                                                 value):
    client.force_login(trainer)
    kind = DocumentKind.ATTENDANCE_SHEET if field == "session" else DocumentKind.CERTIFICATE
    response = client.post(request_url(cohort), {"kind": kind, field: value})
    assert response.status_code == 404
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_too_long_reason_is_a_message_not_a_crash(client, enrollment, organisation, cohort,
                                                    manager):
    client.force_login(manager)
    response = client.post(request_url(cohort), {
        "kind": DocumentKind.ATTESTATION, "enrollment": enrollment.pk,
        "override_reason": "x" * 301}, follow=True)
    assert response.status_code == 200
    assert "300" in response.text
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_failed_document_is_tried_again_from_the_group_page(
        client, completed, cohort, trainer, django_capture_on_commit_callbacks):
    document = failed(services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                                 enrollment=completed))
    Document.objects.filter(pk=document.pk).update(attempts=services.MAX_ATTEMPTS)
    client.force_login(trainer)
    page = client.get(f"/certificats/groupes/{cohort.pk}/")
    assert "Réessayer" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(cohort), {"kind": DocumentKind.CERTIFICATE,
                                                     "enrollment": completed.pk})
    assert response.status_code == 302
    document.refresh_from_db()
    # The same record, its attempts counted afresh, issued this time.
    assert (document.status, document.attempts, document.error) == (DocumentStatus.ISSUED, 1, "")
    assert Document.objects.count() == 1
    assert "Réessayer" not in client.get(f"/certificats/groupes/{cohort.pk}/").text


@pytest.mark.django_db
def test_asking_again_leaves_a_document_issued_meanwhile_alone(completed, trainer,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                             enrollment=completed)
    document.refresh_from_db()
    issued = (document.sha256, document.pdf.name, document.issued_at)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                          enrollment=completed)
    assert not callbacks  # nothing sent to the workers
    again.refresh_from_db()
    assert (again.pk, again.status) == (document.pk, DocumentStatus.ISSUED)
    assert (again.sha256, again.pdf.name, again.issued_at) == issued


@pytest.mark.django_db
def test_a_document_that_keeps_failing_is_given_up(completed, trainer):
    document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                         enrollment=completed)
    # Each delivery of a task whose worker was killed by the time limit counts an attempt.
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.RENDERING,
                                                   attempts=services.MAX_ATTEMPTS)
    result = services.document_render(document_id=document.pk)
    assert result.status == DocumentStatus.FAILED
    assert str(services.MAX_ATTEMPTS) in result.error
    assert not result.pdf


@pytest.mark.dates
@pytest.mark.django_db
def test_only_documents_lost_for_a_while_are_sent_again(completed, trainer, enrollment,
                                                        monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_dispatch", sent.append)
    waiting = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                        enrollment=completed)
    lost = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                     enrollment=completed)
    long_ago = timezone.now() - services.STALE_AFTER - datetime.timedelta(minutes=1)
    Document.objects.filter(pk=lost.pk).update(status=DocumentStatus.RENDERING,
                                               dispatched_at=long_ago)
    sent.clear()
    assert services.documents_redispatch_stale() == 1
    assert sent == [lost.pk]
    # Sent once: the next run, five minutes later, leaves it to the worker it went to.
    assert services.documents_redispatch_stale() == 0
    assert Document.objects.get(pk=waiting.pk).status == DocumentStatus.PENDING


@pytest.mark.dates
@pytest.mark.django_db
def test_a_path_trainer_asks_for_the_sheets_of_its_groups_through_the_api(path, cohort):
    path_trainer = TrainerFactory()
    path.trainers.add(path_trainer)
    path.save()  # a parental M2M is written on save
    session = SessionFactory(cohort=cohort, date=timezone.localdate())
    api = APIClient()
    api.force_authenticate(path_trainer)
    response = api.post("/api/v1/documents/", {"kind": DocumentKind.ATTENDANCE_SHEET,
                                               "session": session.pk}, format="json")
    assert response.status_code == 202, response.content
    monday = session.date - datetime.timedelta(days=session.date.weekday())
    response = api.post("/api/v1/documents/", {
        "kind": DocumentKind.ATTENDANCE_SHEET, "cohort": cohort.pk,
        "week_start": monday.isoformat()}, format="json")
    assert response.status_code == 202, response.content
    stranger = TrainerFactory()
    api.force_authenticate(stranger)
    response = api.post("/api/v1/documents/", {"kind": DocumentKind.ATTENDANCE_SHEET,
                                               "session": session.pk}, format="json")
    assert response.status_code == 400
    assert "session" in response.json()


@pytest.mark.django_db
def test_an_action_on_a_document_changed_meanwhile_says_why(
        client, completed, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(kind=DocumentKind.CERTIFICATE, by=manager,
                                             enrollment=completed)
    services.document_reissue(document=document, by=manager, reason="Dates corrigées")
    client.force_login(manager)
    # A second click on the old page's button, after the first made version 2.
    response = client.post(f"/certificats/documents/{document.pk}/nouvelle-version/",
                           {"reissue-reason": "Dates corrigées"}, follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert "Seule la version en vigueur" in response.text
    assert Document.objects.filter(subject=document.subject).count() == 2


@pytest.mark.django_db
def test_no_reissue_offered_for_an_erased_learner(
        client, completed, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(kind=DocumentKind.CERTIFICATE, by=manager,
                                             enrollment=completed)
    personal_data_erase(user=completed.learner, by=manager, reason="Demande")
    client.force_login(manager)
    page = client.get(f"/certificats/documents/{document.pk}/")
    assert page.status_code == 200
    assert "nouvelle-version" not in page.text
    assert "données personnelles" in page.text.lower()
    cohort_page = client.get(f"/certificats/groupes/{completed.cohort_id}/")
    assert "Données personnelles effacées" in cohort_page.text


@pytest.mark.django_db
def test_a_group_batch_says_why_each_learner_was_left_out(
        client, completed, path, cohort, trainer, django_capture_on_commit_callbacks):
    from tests.accounts.factories import LearnerFactory
    from tests.progress.factories import EnrollmentFactory

    EnrollmentFactory(path=path, cohort=cohort,
                      learner=LearnerFactory(first_name="Noé", last_name="Rousseau"))
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/certificats/groupes/{cohort.pk}/lot/",
                               {"kind": DocumentKind.ATTESTATION}, follow=True)
    text = response.content.decode()
    assert "Non délivré pour Noé Rousseau" in text
    assert "n&#x27;a pas terminé le parcours" in text or "n'a pas terminé le parcours" in text
    assert Document.objects.filter(kind=DocumentKind.ATTESTATION).count() == 1


@pytest.mark.django_db
def test_a_final_write_that_fails_leaves_no_file_behind(completed, trainer, monkeypatch,
                                                        settings):
    from pathlib import Path

    from django.db import OperationalError

    document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                         enrollment=completed)

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_mark_issued", connection_lost)
    with pytest.raises(OperationalError):  # transient: the task retries it
        services.document_render(document_id=document.pk, task_id="task")
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    monkeypatch.undo()
    # The retry (same task) takes over its own lease.
    assert services.document_render(document_id=document.pk,
                                    task_id="task").status == DocumentStatus.ISSUED
    assert len(list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))) == 1


@pytest.mark.django_db
def test_the_page_of_a_document_outside_any_group_leads_back_to_its_path(
        client, path, organisation, manager, django_capture_on_commit_callbacks):
    from tests.progress.factories import EnrollmentFactory

    # An attestation (a certificate would need realised hours, which an enrolment outside
    # any group has none of), issued by a manager's override.
    enrollment = EnrollmentFactory(path=path, cohort=None)
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(kind=DocumentKind.ATTESTATION, by=manager,
                                             enrollment=enrollment,
                                             override_reason="Parcours suivi hors groupe")
    client.force_login(manager)
    page = client.get(f"/certificats/documents/{document.pk}/")
    assert page.status_code == 200
    from django.urls import reverse

    back = reverse("progress:trainer_path", args=[path.pk])
    assert f'<a href="{back}">{path.title}</a>' in page.text
