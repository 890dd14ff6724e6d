"""End to end through a real Celery worker on Redis."""

import io
import time
import uuid

import pytest
import redis
from pypdf import PdfReader

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from certificates.tasks import document_render_task
from tests.accounts.factories import LearnerFactory
from tests.celery_worker import REDIS_URL, celery_worker, wait_for
from tests.documents_setup import attended_session, forget_locked_session
from tests.progress.factories import EnrollmentFactory

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def issued(pk):
    document = Document.objects.get(pk=pk)
    return document if document.status == DocumentStatus.ISSUED else None


def test_a_worker_issues_the_document_and_its_text_reads_back(path, cohort, trainer,
                                                              organisation):
    learner = LearnerFactory(first_name="Thị Thu Hà", last_name="Nguyễn")
    enrollment = EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    session = attended_session(enrollment, by=trainer)  # a certificate states realised hours
    try:
        with celery_worker():
            document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                                 enrollment=enrollment)
            document = wait_for(lambda: issued(document.pk))
    finally:
        forget_locked_session(session)  # the lock triggers would stop the flush
    with document.pdf.open("rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "Certificat de réalisation" in text
    assert "Nguyễn" in text and "Thị Thu Hà" in text, text
    assert document.code in text


def test_duplicate_deliveries_to_two_workers_issue_one_document(completed, trainer):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    broker = redis.Redis.from_url(REDIS_URL)
    with celery_worker(concurrency=2, queue=queue):
        document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                             enrollment=completed)
        for _ in range(4):  # retries, double clicks, redeliveries
            document_render_task.delay(document.pk)
        wait_for(lambda: issued(document.pk))
        first = Document.objects.get(pk=document.pk)
        # Every message consumed: those delivered while the first render held its lease, and
        # those after it issued the document, claimed nothing.
        wait_for(lambda: broker.llen(queue) == 0, timeout=30)
        time.sleep(1)
    broker.close()
    assert Document.objects.get(pk=document.pk).attempts == 1
    assert Document.objects.filter(kind=DocumentKind.CERTIFICATE).count() == 1
    final = Document.objects.get(pk=document.pk)
    assert (final.sha256, final.pdf.name, final.issued_at) == (
        first.sha256, first.pdf.name, first.issued_at)
