"""Documents recover within a minute of the broker's return, with production's sweep: 50
documents asked for across a 20 s outage of Redis (broker and cache, production's cache
settings) are all issued, each exactly once, within 60 s of its return; a worker killed whole
mid-render gets its document rendered again by the next worker's sweep once the lease expires,
without waiting for the visibility timeout."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.progress.enums import EnrollmentStatus
from lms.settings.base import cache_settings
from tests.celery_worker import wait_for
from tests.faults.conftest import fault_worker, producer_on
from tests.progress.factories import EnrollmentFactory

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OUTAGE = 20  # seconds
DOCUMENTS = 50


def _issued_count(pks) -> int:
    return Document.objects.filter(pk__in=pks, status=DocumentStatus.ISSUED).count()


def _assert_each_exactly_once(pks):
    documents = list(Document.objects.filter(pk__in=pks))
    assert len(documents) == len(pks)
    subjects = [document.subject for document in documents]
    assert Document.objects.filter(subject__in=subjects).count() == len(pks)  # one version
    for document in documents:
        assert document.status == DocumentStatus.ISSUED, (document.pk, document.error)
        files = sorted(Path(settings.MEDIA_ROOT).rglob(f"{document.code}*"))
        assert [path.name for path in files] == [Path(document.pdf.name).name], files
    pdfs = list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert len(pdfs) == len(pks), len(pdfs)


def test_fifty_documents_across_a_broker_outage_are_issued_once_within_a_minute(
        redis_server, queue, path, cohort, organisation, trainer, tmp_path):
    enrollments = [EnrollmentFactory(path=path, cohort=cohort,
                                     status=EnrollmentStatus.COMPLETED,
                                     completed_at=timezone.now())
                   for _ in range(DOCUMENTS)]
    asked = []

    def ask(enrollment):
        document = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                             enrollment=enrollment)
        asked.append(document.pk)

    with override_settings(CACHES=cache_settings(redis_server.url)), \
            producer_on(redis_server.url, queue=queue), \
            fault_worker(broker_url=redis_server.url, queue=queue, log=tmp_path / "w.log",
                         concurrency=2, sweeper=True) as worker:
        for enrollment in enrollments[:5]:  # before: issued as usual
            ask(enrollment)
        wait_for(lambda: _issued_count(asked) == 5, timeout=60)

        redis_server.stop()
        outage_started = time.monotonic()
        during = enrollments[5:45]
        for number, enrollment in enumerate(during):
            ask(enrollment)  # answers at once; the document stays pending
            pause = outage_started + OUTAGE * (number + 1) / len(during) - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        assert Document.objects.filter(pk__in=asked[5:],
                                       status=DocumentStatus.PENDING).count() == 40
        redis_server.start()
        back = time.monotonic()
        for enrollment in enrollments[45:]:  # just after
            ask(enrollment)
        wait_for(lambda: _issued_count(asked) == DOCUMENTS, timeout=60, interval=0.5)
        recovered = time.monotonic() - back
        assert worker.process.poll() is None, worker.output()
        time.sleep(2)  # duplicates still queued claim nothing; let them be consumed
    print(f"\n{DOCUMENTS} documents across a {OUTAGE} s broker outage: all issued "
          f"{recovered:.1f} s after the broker's return")
    assert recovered < 60
    _assert_each_exactly_once(asked)


def test_a_worker_killed_whole_is_recovered_by_the_sweep_when_the_lease_expires(
        redis_server, queue, enrollment, organisation, trainer, tmp_path):
    enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, timezone.now()
    enrollment.save()
    log = tmp_path / "worker.log"
    # Production's visibility timeout (240 s): the dead worker's message does not come back
    # during the test; only the sweep can recover the document.
    with producer_on(redis_server.url, queue=queue):
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log,
                          render_delay=3) as worker:
            document = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                                 enrollment=enrollment)
            wait_for(lambda: Document.objects.get(pk=document.pk).status
                     == DocumentStatus.RENDERING, timeout=30)
            worker.kill_all()
        claimed = Document.objects.get(pk=document.pk)
        assert claimed.lease_until - timezone.now() <= services.LEASE
        # A redispatch while the lease holds starts nothing.
        assert services.documents_redispatch_stale(older_than=timedelta(0)) == 0
        # Production recovers at most LEASE + SWEEP_EVERY after the claim: under 2 minutes.
        assert (services.LEASE + timedelta(seconds=services.SWEEP_EVERY * 1.2)
                < timedelta(minutes=2))
        # Skip the lease's 100 s: as if they had passed.
        Document.objects.filter(pk=document.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1),
            dispatched_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1))
        started = time.monotonic()
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log, sweeper=True,
                          sweep_every=2):
            wait_for(lambda: Document.objects.get(pk=document.pk).status
                     == DocumentStatus.ISSUED, timeout=45)
        print(f"\nkilled worker's document issued {time.monotonic() - started:.1f} s after "
              "its lease expired")
    document = Document.objects.get(pk=document.pk)
    assert document.attempts == 2
    assert document.lease_until is None
    _assert_each_exactly_once([document.pk])


def _completed_enrollments(path, cohort, count):
    return [EnrollmentFactory(path=path, cohort=cohort, status=EnrollmentStatus.COMPLETED,
                              completed_at=timezone.now()) for _ in range(count)]


def _ask_then_lose_the_messages(redis_server, trainer, enrollments) -> list[int]:
    """Documents asked for while no worker runs: their messages wait in Redis, which then
    restarts without them (no persistence: a crash, or a failover to an empty replica)."""
    pks = [services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                     enrollment=enrollment).pk for enrollment in enrollments]
    assert Document.objects.filter(pk__in=pks, status=DocumentStatus.PENDING,
                                   dispatched_at__gt=services.NEVER_SENT).count() == len(pks)
    redis_server.stop()
    redis_server.start()
    return pks


def test_messages_lost_with_a_redis_restart_are_sent_again_by_the_sweep_within_a_minute(
        redis_server, queue, path, cohort, organisation, trainer, tmp_path):
    enrollments = _completed_enrollments(path, cohort, 10)
    with producer_on(redis_server.url, queue=queue):
        pks = _ask_then_lose_the_messages(redis_server, trainer, enrollments)
        back = time.monotonic()
        # Production's periods: sent again once STALE_AFTER (30 s) old, swept every 15 s.
        with fault_worker(broker_url=redis_server.url, queue=queue, log=tmp_path / "w.log",
                          sweeper=True):
            wait_for(lambda: _issued_count(pks) == len(pks), timeout=90, interval=0.5)
        recovered = time.monotonic() - back
    print(f"\n{len(pks)} documents whose messages were lost with a Redis restart: all issued "
          f"{recovered:.1f} s after its return (worker start included)")
    assert recovered < 60
    _assert_each_exactly_once(pks)


def test_asking_again_after_a_minute_sends_a_lost_document_again(
        redis_server, queue, enrollment, organisation, trainer, tmp_path):
    enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, timezone.now()
    enrollment.save()
    with producer_on(redis_server.url, queue=queue):
        [pk] = _ask_then_lose_the_messages(redis_server, trainer, [enrollment])
        # A worker that does not sweep: only the second request can bring the document back.
        with fault_worker(broker_url=redis_server.url, queue=queue, log=tmp_path / "w.log"):
            again = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                              enrollment=enrollment)
            assert again.pk == pk
            time.sleep(3)  # asked again too soon: left to the (lost) message
            assert Document.objects.get(pk=pk).status == DocumentStatus.PENDING
            # A minute later (skipped): the same click sends it again.
            Document.objects.filter(pk=pk).update(
                dispatched_at=timezone.now() - services.ASK_AGAIN_RESENDS_AFTER
                - timedelta(seconds=1))
            asked = time.monotonic()
            services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                      enrollment=enrollment)
            wait_for(lambda: _issued_count([pk]) == 1, timeout=40)
        print(f"\nasked again after a minute: issued {time.monotonic() - asked:.1f} s later")
    _assert_each_exactly_once([pk])
