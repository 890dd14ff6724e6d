"""A real Celery worker on Redis builds a group's pack on the test database: the ZIP is read
back from the storage, extracted, its manifest checked by `sha256sum -c`, and its index
parsed: every indicator the pack covers is listed, with its files or as without evidence."""

import io

import pytest
from django.test import TestCase
from pypdf import PdfReader

from lms.auditpack import services
from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack
from tests.auditpack.helpers import COVERED, indicators, sha256sum_check, unzip
from tests.celery_worker import celery_worker, wait_for
from tests.documents_setup import forget_locked_sessions

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def finished(pk):
    pack = AuditPack.objects.get(pk=pk)
    return pack if pack.status in (PackStatus.READY, PackStatus.FAILED) else None


def test_a_worker_builds_a_groups_pack_that_checks_out(evidence, manager, tmp_path):
    try:
        with celery_worker():
            with TestCase.captureOnCommitCallbacks(execute=True):
                pack = services.pack_request(by=manager, cohort=evidence["cohort"])
            pack = wait_for(lambda: finished(pack.pk), timeout=120)
    finally:
        forget_locked_sessions()  # the lock triggers would stop the flush
    assert pack.status == PackStatus.READY, pack.error
    assert pack.attempts == 1 and pack.progress == 100
    files = unzip(pack, tmp_path)
    checked = sha256sum_check(tmp_path)
    assert checked.count(": OK") == len(files) - 1  # every file but the manifest itself
    listed = indicators(files["index.html"])
    assert [int(number) for number in listed] == COVERED
    for number in COVERED:
        entry = listed[str(number)]
        assert entry["evidence"] == bool(entry["files"]), number
    assert not listed["30"]["evidence"]  # no surveys app on this branch: shown as a gap
    assert listed["10"]["evidence"] and listed["9"]["evidence"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["index.pdf"]))
                   .pages)
    assert "Dossier d'audit Qualiopi" in text
    for number in COVERED:
        assert f"Indicateur {number}" in text, number
