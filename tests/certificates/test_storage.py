"""Issued documents go only through Django's storage API, so a cluster can share them: the
same issue → read back → verify-by-hash path on the local disk and on an S3-compatible store
(moto's server, started by the test itself, through django-storages' S3 backend)."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from certificates.enums import DocumentKind, DocumentStatus
from tests.certificates.test_documents import issue, pdf_text
from tests.s3 import s3_default_storage

BUCKET = "parcours-documents"


@pytest.fixture(params=["filesystem", "s3"])
def storage_backend(request, settings, monkeypatch):
    if request.param == "s3":
        s3_default_storage(endpoint=request.getfixturevalue("s3_endpoint"), bucket=BUCKET,
                           settings=settings, monkeypatch=monkeypatch)
    return request.param


@pytest.mark.django_db
def test_document_is_stored_read_back_and_verified(storage_backend, completed, trainer,
                                                   django_capture_on_commit_callbacks):
    expected = ("S3Storage" if storage_backend == "s3" else "FileSystemStorage")
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTESTATION,
                     by=trainer, enrollment=completed)
    assert document.status == DocumentStatus.ISSUED
    assert type(default_storage._wrapped).__name__ == expected
    assert default_storage.exists(document.pdf.name)
    with default_storage.open(document.pdf.name, "rb") as handle:
        stored = handle.read()
    # The stored SHA-256 is of the final PDF, wherever it is kept.
    assert hashlib.sha256(stored).hexdigest() == document.sha256
    assert completed.learner.get_full_name() in pdf_text(document)
