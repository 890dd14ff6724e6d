"""The audit pack build's windows, closed as the documents' are (tests/faults/test_leases.py):
a redelivery of the task holding the lease takes it over, a stale attempt can't fail the pack,
and no archive is deleted unless the pack was read not to point to it."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from lms.auditpack import services
from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack
from lms.core.storage_sweep import stored_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(cohort, manager):
    # Not transactional: the request's on-commit dispatch never runs; the test builds itself.
    return services.pack_request(by=manager, cohort=cohort)


def _hold(pack, *, token="held", task="task-a"):
    AuditPack.objects.filter(pk=pack.pk).update(
        status=PackStatus.BUILDING, lease_token=token, lease_task=task, attempts=1,
        lease_until=timezone.now() + timedelta(seconds=60))


def _archives() -> list[str]:
    storage = AuditPack._meta.get_field("archive").storage
    return list(stored_names(storage, services.PACKS_FOLDER))


def test_a_redelivery_of_the_task_holding_the_lease_takes_it_over(pack):
    _hold(pack)
    assert services.pack_build(pack_id=pack.pk, task_id="task-b").status \
        == PackStatus.BUILDING  # another task: left to the live lease
    built = services.pack_build(pack_id=pack.pk, task_id="task-a")  # its earlier run ended
    assert built.status == PackStatus.READY and built.attempts == 2


def test_a_stale_attempt_cannot_fail_a_pack_another_builds(pack):
    _hold(pack, token="current")
    assert not services.pack_fail(pack_id=pack.pk, error="late", attempt="old")
    assert AuditPack.objects.get(pk=pack.pk).status == PackStatus.BUILDING
    assert services.pack_fail(pack_id=pack.pk, error="x", attempt="current")
    assert AuditPack.objects.get(pk=pack.pk).status == PackStatus.FAILED


def _final_update(monkeypatch, *, commits: bool):
    held = services._held

    class Lost:
        def __init__(self, queryset):
            self.queryset = queryset

        def update(self, **values):
            if values.get("status") != PackStatus.READY:
                return self.queryset.update(**values)  # progress: as usual
            if commits:
                self.queryset.update(**values)
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_held", lambda pack_id, attempt: Lost(held(pack_id,
                                                                               attempt)))


def test_a_final_update_whose_answer_is_lost_after_commit_keeps_the_archive(pack,
                                                                           monkeypatch):
    _final_update(monkeypatch, commits=True)
    with pytest.raises(OperationalError):
        services.pack_build(pack_id=pack.pk)
    ready = AuditPack.objects.get(pk=pack.pk)
    assert ready.status == PackStatus.READY
    assert _archives() == [ready.archive.name]  # the ready pack keeps its ZIP


def test_a_final_update_that_failed_removes_its_archive(pack, monkeypatch):
    _final_update(monkeypatch, commits=False)
    with pytest.raises(OperationalError):
        services.pack_build(pack_id=pack.pk)
    assert AuditPack.objects.get(pk=pack.pk).status == PackStatus.BUILDING
    assert _archives() == []
