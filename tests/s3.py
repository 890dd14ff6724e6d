"""An S3-compatible store for the tests: moto's server, started by the tests themselves
(fixture `s3_endpoint` in tests/conftest.py), reached through django-storages' S3 backend
configured from the environment, as in production."""

import boto3

from lms.settings.base import default_storage_settings

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test",
               "aws_secret_access_key": "test"}


def s3_default_storage(*, endpoint: str, bucket: str, settings, monkeypatch) -> None:
    """Django's default storage on `bucket`, created empty on the server at `endpoint`."""
    for name, value in {"AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_settings(bucket)}


def s3_bucket_remove(*, endpoint: str, bucket: str) -> None:
    stored = boto3.resource("s3", endpoint_url=endpoint, **CREDENTIALS).Bucket(bucket)
    stored.objects.all().delete()
    stored.delete()
