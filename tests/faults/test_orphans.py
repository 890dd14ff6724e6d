"""Orphan files (a worker killed between storing a file and pointing its row to it) are found
and removed through Django's storage API, on the local disk and on an S3-compatible store
(moto's server, started by the test): PDFs under documents/ and audit pack archives under
audit-packs/ that no row points to, once older than an hour. Files a row points to, young
files and batch archives stay."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from lms.auditpack import services as pack_services
from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack
from lms.progress.enums import EnrollmentStatus
from tests.s3 import s3_bucket_remove, s3_default_storage

pytestmark = pytest.mark.django_db

BUCKET = "parcours-orphans"
# The sweeps' own age limit, turned round: every file counts as old (an S3 object's
# modification time can't be set back).
ALL_OLD = timedelta(seconds=-60)


@pytest.fixture(params=["filesystem", "s3"])
def storage(request, settings, monkeypatch):
    """The default storage (documents) and the audit packs' storage, on disk or on S3."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        s3_default_storage(endpoint=endpoint, bucket=BUCKET, settings=settings,
                           monkeypatch=monkeypatch)
    # The archive field took its storage when the model was defined: give it today's.
    storage = storages["default"]
    monkeypatch.setattr(AuditPack._meta.get_field("archive"), "storage", storage)
    assert type(storage).__name__ == (
        "S3Storage" if request.param == "s3" else "FileSystemStorage")
    yield storage
    if request.param == "s3":
        s3_bucket_remove(endpoint=endpoint, bucket=BUCKET)


def test_nothing_stored_yet_is_no_error(storage):
    assert services.documents_remove_orphans(older_than=ALL_OLD) == []
    assert pack_services.packs_remove_orphans(older_than=ALL_OLD) == []


def test_orphan_pdfs_are_removed_through_the_storage(storage, enrollment, trainer,
                                                     organisation, monkeypatch):
    enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, timezone.now()
    enrollment.save()
    monkeypatch.setattr(services, "_dispatch", lambda pk: True)  # the test renders itself
    document = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                         enrollment=enrollment)
    issued = services.document_render(document_id=document.pk)
    assert issued.status == DocumentStatus.ISSUED
    folder = issued.pdf.name.rsplit("/", 1)[0]
    orphan = storage.save(f"{folder}/ORPHAN0000.pdf", ContentFile(b"%PDF-1.7"))
    batch_zip = storage.save("documents/batches/lot-1.zip", ContentFile(b"PK"))

    assert services.documents_remove_orphans() == []  # young: a render may be storing it
    assert services.documents_remove_orphans(older_than=ALL_OLD) == [orphan]
    assert not storage.exists(orphan)
    assert storage.exists(issued.pdf.name) and storage.exists(batch_zip)


def test_orphan_audit_pack_archives_are_removed_through_the_storage(storage, cohort,
                                                                    manager):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    field = AuditPack._meta.get_field("archive")
    kept = storage.save(field.generate_filename(pack, "pack.zip"), ContentFile(b"PK kept"))
    AuditPack.objects.filter(pk=pack.pk).update(status=PackStatus.READY, archive=kept)
    # A killed build's archive: stored, never pointed to.
    other = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    orphan = storage.save(field.generate_filename(other, "pack.zip"), ContentFile(b"PK lost"))

    assert pack_services.packs_remove_orphans() == []  # young: a build may be storing it
    assert pack_services.packs_remove_orphans(older_than=ALL_OLD) == [orphan]
    assert not storage.exists(orphan)
    assert storage.exists(kept)
