"""Building a pack in process (tasks run eagerly): the ZIP, its index, its manifest, and the
lease that guards the build as it guards documents."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from lms.auditpack import services
from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack
from tests.auditpack.helpers import COVERED, indicators, sha256sum_check, unzip

pytestmark = pytest.mark.django_db


def request(**kwargs) -> AuditPack:
    with TestCase.captureOnCommitCallbacks(execute=True):
        pack = services.pack_request(**kwargs)
    pack.refresh_from_db()
    return pack


@pytest.mark.dates
def test_a_groups_pack_maps_every_indicator_to_its_evidence(evidence, manager, tmp_path):
    pack = request(by=manager, cohort=evidence["cohort"])
    assert pack.status == PackStatus.READY, pack.error
    assert pack.progress == 100 and pack.size and len(pack.sha256) == 64
    files = unzip(pack, tmp_path)
    assert {"index.html", "index.pdf", "SHA256SUMS"} <= set(files)
    checked = sha256sum_check(tmp_path)
    assert "index.html: OK" in checked and "index.pdf: OK" in checked
    listed = indicators(files["index.html"])
    assert [int(n) for n in listed] == COVERED  # a group's pack has no BPF section
    # Everything but the surveys (lms.surveys is not installed) has evidence here.
    assert {n for n, entry in listed.items() if not entry["evidence"]} == {"30"}
    assert pack.gaps == [30]
    for entry in listed.values():
        for path in entry["files"]:
            assert path in files, path
    assert any(p.startswith("convocations/") for p in listed["9"]["files"])
    assert any(p.startswith("emargement/") and p.endswith(".pdf")
               for p in listed["10"]["files"])
    assert listed["31"]["files"] == ["qualite/reclamations.csv"]
    # Every file but the manifest is in it, by a relative path.
    manifest = files["SHA256SUMS"].decode().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == sorted(
        name for name in files if name != "SHA256SUMS")


def test_an_indicator_without_evidence_is_listed_as_such(cohort, manager, tmp_path):
    pack = request(by=manager, cohort=cohort)
    assert pack.status == PackStatus.READY, pack.error
    files = unzip(pack, tmp_path)
    sha256sum_check(tmp_path)
    listed = indicators(files["index.html"])
    # The programme is always there (the page as it is, no revision being recorded).
    assert listed["1"]["evidence"]
    empty = {n for n, entry in listed.items() if not entry["evidence"]}
    assert empty == {"2", "8", "9", "10", "11", "12", "30", "31", "32"}
    assert "Aucune preuve" in files["index.html"].decode()
    assert set(pack.gaps) == {int(n) for n in empty}


@pytest.mark.dates
def test_a_years_pack_holds_its_groups_and_the_bpf(evidence, manager, tmp_path):
    year = evidence["cohort"].start_date.year
    pack = request(by=manager, year=year)
    assert pack.status == PackStatus.READY, pack.error
    files = unzip(pack, tmp_path)
    sha256sum_check(tmp_path)
    listed = indicators(files["index.html"])
    assert list(listed) == [*map(str, COVERED), "bpf"]
    assert listed["bpf"]["files"] == [f"bpf/bpf-{year}.csv"]
    folder = f"{evidence['cohort'].name.lower().replace(' ', '-')}-{evidence['cohort'].pk}/"
    assert any(folder in path for path in listed["9"]["files"])


def test_a_ready_pack_is_not_built_again(cohort, manager):
    pack = request(by=manager, cohort=cohort)
    again = services.pack_build(pack_id=pack.pk)
    assert (again.status, again.attempts, again.archive.name) == (
        PackStatus.READY, 1, pack.archive.name)


def test_a_pack_held_by_a_live_build_is_left_to_it(cohort, manager):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager,
                                    status=PackStatus.BUILDING, lease_token="other",
                                    lease_until=timezone.now() + services.LEASE)
    assert services.pack_build(pack_id=pack.pk).status == PackStatus.BUILDING
    pack.refresh_from_db()
    assert (pack.lease_token, pack.attempts) == ("other", 0)


def test_a_build_that_lost_its_lease_stores_nothing(cohort, manager, monkeypatch):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    real_progress = services._progress

    def taken_over(pack_id, attempt, percent, step):
        if percent >= 85:  # another build took the pack while this one read the evidence
            AuditPack.objects.filter(pk=pack_id).update(lease_token="newer")
        real_progress(pack_id, attempt, percent, step)

    monkeypatch.setattr(services, "_progress", taken_over)
    with pytest.raises(services.LeaseLost):
        services.pack_build(pack_id=pack.pk, attempt="mine")
    pack.refresh_from_db()
    assert pack.status == PackStatus.BUILDING and not pack.archive


def test_a_failed_build_is_marked_failed(cohort, manager, monkeypatch):
    from lms.auditpack.providers import results

    def broken(scope):
        raise RuntimeError("boom")

    monkeypatch.setattr(results, "group_results", broken)
    monkeypatch.setattr("lms.auditpack.services.distinct_providers", lambda: [broken])
    with pytest.raises(RuntimeError):
        request(by=manager, cohort=cohort)
    pack = AuditPack.objects.get()
    assert pack.status == PackStatus.FAILED and "boom" in pack.error


def test_the_sweep_sends_again_a_pack_whose_worker_died(cohort, manager, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_dispatch", lambda pk: sent.append(pk) or True)
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    dead = AuditPack.objects.create(cohort=cohort, requested_by=manager,
                                    status=PackStatus.BUILDING, lease_token="dead",
                                    lease_until=long_ago, dispatched_at=long_ago)
    lost = AuditPack.objects.create(year=2026, requested_by=manager, dispatched_at=long_ago)
    live = AuditPack.objects.create(cohort=cohort, requested_by=manager,
                                    status=PackStatus.BUILDING, dispatched_at=long_ago,
                                    lease_until=timezone.now() + services.LEASE)
    fresh = AuditPack.objects.create(year=2025, requested_by=manager)
    assert services.packs_redispatch_stale() == 2
    assert sorted(sent) == sorted([dead.pk, lost.pk])
    assert services.packs_redispatch_stale() == 0  # stamped: not due again this period
    assert live.pk not in sent and fresh.pk not in sent


def test_an_expired_lease_is_taken_over_and_the_pack_built(cohort, manager):
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager,
                                    status=PackStatus.BUILDING, lease_token="dead",
                                    lease_until=long_ago, attempts=1)
    built = services.pack_build(pack_id=pack.pk)
    assert built.status == PackStatus.READY and built.attempts == 2


def test_the_broker_down_leaves_the_pack_pending_for_the_sweep(cohort, manager, monkeypatch):
    from kombu.exceptions import OperationalError

    from lms.auditpack import tasks

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.audit_pack_build_task, "delay", down)
    pack = request(by=manager, cohort=cohort)
    assert pack.status == PackStatus.PENDING and pack.dispatched_at == services.NEVER_SENT


def test_bad_requests_are_refused(cohort, manager, trainer):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.pack_request(by=trainer, cohort=cohort)
    with pytest.raises(ValidationError):
        services.pack_request(by=manager, cohort=cohort, year=2026)
    with pytest.raises(ValidationError):
        services.pack_request(by=manager)
    with pytest.raises(ValidationError):
        services.pack_request(by=manager, year=1999)
    assert not AuditPack.objects.exists()


def test_deleting_a_pack_deletes_its_file(cohort, manager):
    pack = request(by=manager, cohort=cohort)
    storage, name = pack.archive.storage, pack.archive.name
    assert storage.exists(name)
    with TestCase.captureOnCommitCallbacks(execute=True):
        pack.delete()
    assert not storage.exists(name)


def test_erasing_a_learner_forgets_the_packs_holding_them(enrollment, manager, path):
    from lms.auditpack.selectors import packs_holding
    from tests.cohorts.factories import CohortFactory

    cohort = enrollment.cohort
    theirs = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    their_year = AuditPack.objects.create(year=cohort.start_date.year, requested_by=manager)
    other_group = AuditPack.objects.create(cohort=CohortFactory(path=path),
                                           requested_by=manager)
    other_year = AuditPack.objects.create(year=cohort.start_date.year - 5,
                                          requested_by=manager)
    assert set(packs_holding(enrollment.learner)) == {theirs, their_year}
    assert services.packs_forget(learner=enrollment.learner) == 2
    assert set(AuditPack.objects.all()) == {other_group, other_year}


def test_the_demo_holds_one_ready_pack_of_its_richest_group(evidence, manager, path):
    from lms.demo.seeds.auditpack import auditpack_demo_seed
    from tests.cohorts.factories import CohortFactory

    CohortFactory(path=path)  # an empty group, not the one shown
    assert auditpack_demo_seed() is True
    pack = AuditPack.objects.get()
    assert pack.cohort == evidence["cohort"] and pack.status == PackStatus.READY
    assert auditpack_demo_seed() is False
    assert AuditPack.objects.count() == 1
