"""/api/v1/audit-packs/: managers ask for a pack (202), follow it and download its ZIP;
anyone else is answered 404."""

import io
import zipfile

import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack

pytestmark = pytest.mark.django_db


def client_of(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_manager_asks_follows_and_downloads(cohort, manager):
    api = client_of(manager)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/audit-packs/", {"cohort": cohort.pk}, format="json")
    assert response.status_code == 202, response.data
    pack_id = response.data["id"]
    state = api.get(f"/api/v1/audit-packs/{pack_id}/").data
    assert state["status"] == PackStatus.READY and state["progress"] == 100
    assert state["zip_url"].endswith(f"/api/v1/audit-packs/{pack_id}/zip/")
    response = api.get(f"/api/v1/audit-packs/{pack_id}/zip/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"-{pack_id}.zip" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert "SHA256SUMS" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_a_year_is_asked_for_by_number(manager, monkeypatch):
    monkeypatch.setattr("lms.auditpack.services._dispatch", lambda pk: True)
    response = client_of(manager).post("/api/v1/audit-packs/", {"year": 2026}, format="json")
    assert response.status_code == 202
    assert response.data["year"] == 2026 and response.data["status"] == PackStatus.PENDING
    assert response.data["zip_url"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({}, "cohort"),
    ({"cohort": 1, "year": 2026}, "cohort"),
    ({"cohort": 999_999}, "cohort"),
    ({"cohort": "x"}, "cohort"),
    ({"year": 1999}, "year"),
    ({"year": 2101}, "year"),
    ({"year": "deux mille"}, "year"),
])
def test_bad_input_is_a_400_with_field_errors(manager, cohort, body, field):
    response = client_of(manager).post("/api/v1/audit-packs/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not AuditPack.objects.exists()


def test_a_pack_not_ready_has_no_zip(cohort, manager):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    assert client_of(manager).get(f"/api/v1/audit-packs/{pack.pk}/zip/").status_code == 404


def test_anyone_but_a_manager_is_answered_404(cohort, manager, trainer, learner, staff):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    for user in (trainer, learner, staff):
        api = client_of(user)
        assert api.get("/api/v1/audit-packs/").status_code == 404
        assert api.get(f"/api/v1/audit-packs/{pack.pk}/").status_code == 404
        assert api.get(f"/api/v1/audit-packs/{pack.pk}/zip/").status_code == 404
        assert api.post("/api/v1/audit-packs/", {"cohort": cohort.pk},
                        format="json").status_code == 404
    assert client_of().get(f"/api/v1/audit-packs/{pack.pk}/").status_code in (401, 403)
    assert AuditPack.objects.count() == 1


def test_the_list_costs_the_same_queries_whatever_its_length(cohort, manager,
                                                             django_assert_num_queries):
    api = client_of(manager)
    AuditPack.objects.create(cohort=cohort, requested_by=manager)
    with django_assert_num_queries(2):  # count, page
        api.get("/api/v1/audit-packs/")
    for year in range(2020, 2030):
        AuditPack.objects.create(year=year, requested_by=manager)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/audit-packs/")
    assert response.data["count"] == 11
