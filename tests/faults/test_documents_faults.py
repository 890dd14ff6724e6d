"""The documents pipeline under faults: Redis down when a document is asked for, a worker
killed while it renders. Whatever happens, the user gets an answer and ends up with exactly one
issued document."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from tests.celery_worker import celery_worker, wait_for
from tests.documents_setup import attended_session
from tests.faults.conftest import fault_worker, producer_on, timed
from tests.progress.factories import EnrollmentFactory

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RENDER_DELAY = 2  # extra seconds a render takes in the worker that gets killed
# Unacknowledged messages of a dead worker come back after this (3600 s in production).
VISIBILITY_TIMEOUT = 4


def status(pk) -> str:
    return Document.objects.get(pk=pk).status


def pdf_files(document: Document) -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT).rglob(f"{document.code}*"))


def assert_issued_once(document: Document) -> Document:
    documents = Document.objects.filter(subject=document.subject)
    assert documents.count() == 1, list(documents.values("pk", "version", "status"))
    document = documents.get()
    assert document.status == DocumentStatus.ISSUED, (document.status, document.error)
    files = pdf_files(document)
    assert len(files) == 1, files
    assert files[0].read_bytes().startswith(b"%PDF")
    return document


def test_asked_for_while_redis_is_down_then_issued_once_when_it_is_back(
        redis_server, queue, enrollment, organisation, trainer, client):
    other = EnrollmentFactory(path=enrollment.path, cohort=enrollment.cohort)
    for certified in (enrollment, other):  # a certificate states realised hours
        attended_session(certified, by=trainer)
    api = APIClient()
    api.force_authenticate(trainer)
    client.force_login(trainer)
    assert api.get("/api/v1/documents/").status_code == 200  # warm up: time the broker only
    with producer_on(redis_server.url, queue=queue):
        redis_server.stop()
        response, api_seconds = timed(
            api.post, "/api/v1/documents/",
            {"kind": DocumentKind.CERTIFICATE, "enrollment": enrollment.pk}, format="json")
        assert response.status_code == 202, response.content
        from_api = Document.objects.get(pk=response.json()["id"])
        response, page_seconds = timed(
            client.post, reverse("certificates:request", args=[other.cohort_id]),
            {"kind": DocumentKind.CERTIFICATE, "enrollment": other.pk})
        assert response.status_code == 302
        from_page = Document.objects.get(enrollment=other)
        print(f"broker down: API request {api_seconds:.2f} s, page {page_seconds:.2f} s")
        # The user must not wait for a broker that is not there (Celery's default retries and
        # the result backend's reconnections add up to 20 s).
        assert api_seconds < 5 and page_seconds < 5, (api_seconds, page_seconds)
        assert {status(from_api.pk), status(from_page.pk)} == {DocumentStatus.PENDING}

        redis_server.start()
        with celery_worker(broker_url=redis_server.url, queue=queue):
            assert services.documents_redispatch_stale(older_than=timedelta(0)) == 2
            for document in (from_api, from_page):
                wait_for(lambda pk=document.pk: status(pk) == DocumentStatus.ISSUED,
                         timeout=40)
    for document in (from_api, from_page):
        assert assert_issued_once(document).attempts == 1


def test_a_render_child_killed_mid_render_is_retried_into_one_document(
        redis_server, queue, enrollment, organisation, trainer, tmp_path):
    attended_session(enrollment, by=trainer)  # a certificate states realised hours
    with producer_on(redis_server.url, queue=queue), fault_worker(
            broker_url=redis_server.url, queue=queue, log=tmp_path / "worker.log",
            render_delay=RENDER_DELAY) as worker:
        document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                             enrollment=enrollment)
        wait_for(lambda: status(document.pk) == DocumentStatus.RENDERING, timeout=30)
        killed = worker.kill_children()
        assert killed, worker.output()
        # The parent survives, sees its child die and, the task being acks_late and
        # reject_on_worker_lost, puts the message back at once for a new child: no wait for
        # the visibility timeout, left at its production value here.
        wait_for(lambda: status(document.pk) == DocumentStatus.ISSUED, timeout=30)
        assert worker.process.poll() is None, worker.output()
        assert "SIGKILL" in worker.output()
    document = assert_issued_once(document)
    assert document.attempts == 2


def test_a_worker_killed_whole_mid_render_is_redelivered_to_the_next_one(
        redis_server, queue, enrollment, organisation, trainer, tmp_path):
    attended_session(enrollment, by=trainer)  # a certificate states realised hours
    log = tmp_path / "worker.log"
    with producer_on(redis_server.url, queue=queue):
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log,
                          render_delay=RENDER_DELAY,
                          visibility_timeout=VISIBILITY_TIMEOUT) as worker:
            document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                                 enrollment=enrollment)
            wait_for(lambda: status(document.pk) == DocumentStatus.RENDERING, timeout=30)
            worker.kill_all()  # nobody is left to give the message back
        # The message waits, unacknowledged, in Redis until the visibility timeout expires;
        # then the next worker takes it.
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log,
                          visibility_timeout=VISIBILITY_TIMEOUT):
            wait_for(lambda: status(document.pk) == DocumentStatus.ISSUED, timeout=40)
    document = assert_issued_once(document)
    assert document.attempts == 2
