"""certificates migration 0006: rows of sheets issued before they carried the learner's id get
it when exactly one learner of the cohort has the printed name; namesakes are left without."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.utils import timezone

from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from tests.accounts.factories import LearnerFactory
from tests.progress.factories import EnrollmentFactory

backfill = importlib.import_module("certificates.migrations.0006_sheet_rows_learner_id").backfill


@pytest.mark.django_db
def test_rows_get_the_id_of_the_one_learner_with_their_name(settings, tmp_path, path, cohort):
    settings.MEDIA_ROOT = str(tmp_path)
    zoe = LearnerFactory(first_name="Zoé", last_name="Bernard")
    karims = [LearnerFactory(first_name="Karim", last_name="Haddad") for _ in range(2)]
    for learner in (zoe, *karims):
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    elsewhere = LearnerFactory(first_name="Zoé", last_name="Bernard")  # not in the cohort
    rows = [{"name": name, "cells": []} for name in ("Karim Haddad", "Karim Haddad",
                                                     "Zoé Bernard", "Parti Sans Laisser")]
    sheet = Document(kind=DocumentKind.ATTENDANCE_SHEET, subject="test:sheet", cohort=cohort,
                     path=path, status=DocumentStatus.ISSUED, sha256="0" * 64,
                     issued_at=timezone.now(), snapshot={"rows": rows})
    sheet.pdf.save("sheet.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    sheet.save()
    backfill(apps, None)
    sheet.refresh_from_db()
    ids = [row.get("learner_id") for row in sheet.snapshot["rows"]]
    assert ids == [None, None, zoe.pk, None]
    assert elsewhere.pk not in ids
