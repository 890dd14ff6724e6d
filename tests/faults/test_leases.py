"""The narrow windows of rendering, closed: a render owns its document for a lease; only the
holder of the current attempt marks it issued or failed; no file is deleted unless its row was
read not to point to it; orphan PDFs are removed; asking again resends a document that waits
too long; a sweep sends what is due."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.progress.enums import EnrollmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(enrollment, trainer, organisation, monkeypatch):
    enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, timezone.now()
    enrollment.save()
    monkeypatch.setattr(services, "_dispatch", lambda pk: True)  # the test renders itself
    return services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                     enrollment=enrollment)


def _files(document) -> list[str]:
    return sorted(path.name for path in Path(settings.MEDIA_ROOT).rglob(f"{document.code}*"))


def _hold(document, *, token="held", task="task-a", seconds=60):
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RENDERING, lease_token=token, lease_task=task,
        lease_until=timezone.now() + timedelta(seconds=seconds), attempts=1)


def test_a_live_lease_keeps_other_renders_out_but_not_a_redelivery_of_its_task(document):
    _hold(document)
    # A redispatch, a double click: another task.
    assert services.document_render(document_id=document.pk, task_id="task-b").status \
        == DocumentStatus.RENDERING
    assert Document.objects.get(pk=document.pk).attempts == 1
    # The same message again: its earlier delivery ended (worker lost, or visibility timeout
    # longer than the time limit).
    assert services.document_render(document_id=document.pk, task_id="task-a").status \
        == DocumentStatus.ISSUED
    assert Document.objects.get(pk=document.pk).attempts == 2


def test_an_expired_lease_is_taken_over(document):
    _hold(document, seconds=-1)
    assert services.document_render(document_id=document.pk, task_id="task-b").status \
        == DocumentStatus.ISSUED


def test_a_render_that_lost_its_lease_can_neither_issue_nor_fail_the_document(
        document, monkeypatch):
    render_pdf = services.render_pdf
    outcome = {}

    def taken_over_meanwhile(doc, snapshot, images):
        monkeypatch.setattr(services, "render_pdf", render_pdf)
        Document.objects.filter(pk=doc.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1))
        outcome["other"] = services.document_render(document_id=doc.pk, attempt="second")
        return render_pdf(doc, snapshot, images)

    monkeypatch.setattr(services, "render_pdf", taken_over_meanwhile)
    returned = services.document_render(document_id=document.pk, attempt="first")
    final = Document.objects.get(pk=document.pk)
    assert final.status == DocumentStatus.ISSUED
    assert returned.pdf.name == final.pdf.name == outcome["other"].pdf.name
    assert _files(final) == [Path(final.pdf.name).name]  # the first one's file is gone
    # The first render's failure path can't undo it.
    assert not services.document_fail(document_id=document.pk, error="late", attempt="first")
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.ISSUED


def test_a_stale_attempt_cannot_fail_a_document_another_renders(document):
    _hold(document, token="current")
    assert not services.document_fail(document_id=document.pk, error="x", attempt="old")
    assert not services.document_fail(document_id=document.pk, error="x")  # lease is live
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.RENDERING
    assert services.document_fail(document_id=document.pk, error="x", attempt="current")
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.FAILED


def test_a_final_update_whose_answer_is_lost_after_commit_keeps_the_file(
        document, monkeypatch):
    mark_issued = services._mark_issued

    def committed_then_connection_lost(*args, **kwargs):
        mark_issued(*args, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_mark_issued", committed_then_connection_lost)
    with pytest.raises(OperationalError):
        services.document_render(document_id=document.pk)
    final = Document.objects.get(pk=document.pk)
    assert final.status == DocumentStatus.ISSUED
    assert _files(final) == [Path(final.pdf.name).name]  # the issued document keeps its PDF


def test_a_final_update_that_failed_removes_its_file(document, monkeypatch):
    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_mark_issued", connection_lost)
    with pytest.raises(OperationalError):
        services.document_render(document_id=document.pk)
    assert _files(Document.objects.get(pk=document.pk)) == []


def test_orphan_pdfs_older_than_an_hour_are_removed(document):
    issued = services.document_render(document_id=document.pk)
    folder = Path(settings.MEDIA_ROOT) / Path(issued.pdf.name).parent
    old_orphan, young_orphan = folder / "ORPHANOLD.pdf", folder / "ORPHANNEW.pdf"
    old_orphan.write_bytes(b"%PDF-1.7")
    young_orphan.write_bytes(b"%PDF-1.7")
    two_hours_ago = time.time() - 7200
    for path in (old_orphan, Path(settings.MEDIA_ROOT) / issued.pdf.name):
        os.utime(path, (two_hours_ago, two_hours_ago))
    removed = services.documents_remove_orphans()
    assert removed == [str(Path(issued.pdf.name).parent / "ORPHANOLD.pdf")]
    assert not old_orphan.exists() and young_orphan.exists()
    assert (Path(settings.MEDIA_ROOT) / issued.pdf.name).exists()


def test_asking_again_for_a_document_waiting_over_a_minute_sends_it_again(
        document, trainer, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(services, "_dispatch", sent.append)

    def ask():
        with django_capture_on_commit_callbacks(execute=True):
            return services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                             enrollment=document.enrollment)

    ask()
    assert sent == []  # just sent: left to its worker
    Document.objects.filter(pk=document.pk).update(
        dispatched_at=timezone.now() - services.ASK_AGAIN_RESENDS_AFTER - timedelta(seconds=1))
    ask()
    ask()  # a double click sends it once
    assert sent == [document.pk]


def test_the_sweep_sends_what_is_due_and_keeps_what_it_could_not_send(document, monkeypatch):
    Document.objects.filter(pk=document.pk).update(dispatched_at=services.NEVER_SENT)
    attempts = []

    def broker_down(pk):
        attempts.append(pk)
        return False

    monkeypatch.setattr(services, "_dispatch", broker_down)
    assert services.documents_redispatch_stale() == 0
    assert Document.objects.get(pk=document.pk).dispatched_at == services.NEVER_SENT
    sent = []
    monkeypatch.setattr(services, "_dispatch", lambda pk: sent.append(pk) or True)
    assert services.documents_redispatch_stale() == 1
    assert services.documents_redispatch_stale() == 0  # sent: not due again before long
    assert sent == [document.pk] and attempts == [document.pk]
