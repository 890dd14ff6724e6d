"""Audit packs recover as documents do (lms.auditpack.services follows
certificates.services): a pool process killed mid-build has its message put back and the same
task takes its lease over; a worker killed whole has its pack built again by the next worker's
sweep once the lease expires, not after the visibility timeout; a pack asked for while the
broker is down is built once it is back. Each ends with one ready pack and one archive."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from lms.auditpack import services
from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack
from lms.core.storage_sweep import stored_names
from tests.celery_worker import wait_for
from tests.faults.conftest import fault_worker, producer_on

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BUILD_DELAY = 3  # extra seconds the archive takes to write in the worker that gets killed


def _pack(pk) -> AuditPack:
    return AuditPack.objects.get(pk=pk)


def _writing_the_archive(pk) -> bool:
    pack = _pack(pk)
    return pack.status == PackStatus.BUILDING and pack.progress >= 85


def _stored_archives() -> list[str]:
    storage = AuditPack._meta.get_field("archive").storage
    return list(stored_names(storage, services.PACKS_FOLDER))


def _assert_ready_once(pk, *, attempts: int) -> AuditPack:
    pack = _pack(pk)
    assert pack.status == PackStatus.READY, (pack.status, pack.error)
    assert pack.attempts == attempts
    assert pack.lease_until is None
    assert _stored_archives() == [pack.archive.name]  # the killed build stored nothing
    with pack.archive.open("rb") as handle:
        assert handle.read(2) == b"PK"
    return pack


def test_a_pool_process_killed_mid_build_is_retried_at_once(
        redis_server, queue, cohort, manager, organisation, tmp_path):
    with producer_on(redis_server.url, queue=queue), fault_worker(
            broker_url=redis_server.url, queue=queue, log=tmp_path / "worker.log",
            build_delay=BUILD_DELAY) as worker:
        pack = services.pack_request(by=manager, cohort=cohort)
        wait_for(lambda: _writing_the_archive(pack.pk), timeout=60)
        killed_at = time.monotonic()
        assert worker.kill_children(), worker.output()
        # reject_on_worker_lost: the parent puts the message back at once; the same task
        # (same id) takes its own lease over in a new pool process.
        wait_for(lambda: _pack(pack.pk).status == PackStatus.READY, timeout=60)
        print(f"\naudit pack: pool process killed mid-build, ready "
              f"{time.monotonic() - killed_at:.1f} s later")
        assert "SIGKILL" in worker.output()
    _assert_ready_once(pack.pk, attempts=2)


def test_a_worker_killed_whole_mid_build_is_recovered_by_the_sweep_when_the_lease_expires(
        redis_server, queue, cohort, manager, organisation, tmp_path):
    log = tmp_path / "worker.log"
    # Production's visibility timeout (240 s): the dead worker's message does not come back
    # during the test; only the sweep can recover the pack.
    with producer_on(redis_server.url, queue=queue):
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log,
                          build_delay=BUILD_DELAY) as worker:
            pack = services.pack_request(by=manager, cohort=cohort)
            wait_for(lambda: _writing_the_archive(pack.pk), timeout=60)
            worker.kill_all()
        held = _pack(pack.pk)
        assert held.status == PackStatus.BUILDING
        assert held.lease_until - timezone.now() <= services.LEASE
        # A redispatch while the lease holds starts nothing.
        assert services.packs_redispatch_stale(older_than=timedelta(0)) == 0
        # Production recovers at most LEASE + SWEEP_EVERY (jittered) after the claim.
        bound = services.LEASE + timedelta(seconds=services.SWEEP_EVERY * 1.2)
        # Skip the lease's 190 s: as if they had passed.
        AuditPack.objects.filter(pk=pack.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1),
            dispatched_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1))
        started = time.monotonic()
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log, sweeper=True,
                          sweep_every=2):
            wait_for(lambda: _pack(pack.pk).status == PackStatus.READY, timeout=60)
        print(f"\naudit pack: killed worker's pack ready {time.monotonic() - started:.1f} s "
              f"after its lease expired (production bound: lease + sweep = "
              f"{bound.total_seconds():.0f} s after the claim)")
    _assert_ready_once(pack.pk, attempts=2)


def test_a_pack_asked_for_while_the_broker_is_down_is_built_once_it_is_back(
        redis_server, queue, cohort, manager, organisation, tmp_path):
    with producer_on(redis_server.url, queue=queue):
        redis_server.stop()
        started = time.monotonic()
        pack = services.pack_request(by=manager, cohort=cohort)  # on commit: publish fails
        asked_in = time.monotonic() - started
        assert asked_in < 5, asked_in  # the manager does not wait for the broker
        assert _pack(pack.pk).dispatched_at == services.NEVER_SENT
        redis_server.start()
        back = time.monotonic()
        # Production's sweep period (15 s): what is never sent is due at the next sweep.
        with fault_worker(broker_url=redis_server.url, queue=queue,
                          log=tmp_path / "worker.log", sweeper=True):
            wait_for(lambda: _pack(pack.pk).status == PackStatus.READY, timeout=60)
        recovered = time.monotonic() - back
    print(f"\naudit pack asked for with the broker down: ready {recovered:.1f} s after its "
          "return (worker start included)")
    assert recovered < 60
    _assert_ready_once(pack.pk, attempts=1)
