"""Issued documents go only through Django's storage API, so a cluster can share them: the
same issue → read back → verify-by-hash path on the local disk and on an S3-compatible store
(moto's server, started by the test itself, through django-storages' S3 backend)."""

import hashlib

import boto3
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from certificates.enums import DocumentKind, DocumentStatus
from lms.settings.base import default_storage_settings
from tests.certificates.test_documents import issue, pdf_text

BUCKET = "parcours-documents"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def storage_backend(request, settings, monkeypatch):
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        for name, value in {"AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": "us-east-1",
                            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
            monkeypatch.setenv(name, value)
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="test", aws_secret_access_key="test",
                     ).create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": default_storage_settings(BUCKET)}
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
