"""The quality API: /api/v1/complaints/, /api/v1/improvements/, /api/v1/bpf/ (managers)."""

import pytest
from rest_framework.test import APIClient

from lms.quality.models import Complaint
from tests.quality.factories import ComplaintFactory, ImprovementFactory

BODY = {"received_on": "2026-03-04", "complainant_kind": "employer",
        "complainant_name": "Garage Martin", "channel": "phone",
        "description": "Le stagiaire n'a pas reçu sa convocation."}


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def test_others_are_refused(learner, trainer):
    complaint = ComplaintFactory()
    for user in (learner, trainer):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get("/api/v1/complaints/").status_code == 403
        assert client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 403
        assert client.post("/api/v1/complaints/", BODY, format="json").status_code == 403
        assert client.get("/api/v1/bpf/", {"year": 2026}).status_code == 403
    assert APIClient().get("/api/v1/improvements/").status_code in (401, 403)


def test_a_manager_records_and_closes_a_complaint(api, manager):
    response = api.post("/api/v1/complaints/", BODY, format="json")
    assert response.status_code == 201, response.data
    complaint = Complaint.objects.get()
    assert complaint.recorded_by == manager and response.data["id"] == complaint.pk
    response = api.patch(f"/api/v1/complaints/{complaint.pk}/",
                         {"status": "closed", "closed_on": "2026-03-01"}, format="json")
    assert response.status_code == 400
    assert "closed_on" in response.data
    response = api.patch(f"/api/v1/complaints/{complaint.pk}/",
                         {"status": "closed", "closed_on": "2026-03-09"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "closed"


@pytest.mark.parametrize("changes,field", [
    ({"received_on": "1999-01-01"}, "received_on"),
    ({"description": "x" * 5001}, "description"),
    ({"complainant_kind": "alien"}, "complainant_kind"),
])
def test_bad_bodies_get_field_errors(api, changes, field):
    response = api.post("/api/v1/complaints/", {**BODY, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not Complaint.objects.exists()


def test_improvements_from_a_complaint(api):
    complaint = ComplaintFactory()
    response = api.post("/api/v1/improvements/", {
        "source": "complaint", "identified_on": "2026-03-05",
        "description": "Envoyer les convocations par SMS aussi."}, format="json")
    assert response.status_code == 400 and "complaint" in response.data
    response = api.post("/api/v1/improvements/", {
        "source": "complaint", "complaint": complaint.pk, "identified_on": "2026-03-05",
        "description": "Envoyer les convocations par SMS aussi."}, format="json")
    assert response.status_code == 201, response.data


def test_lists_filter_and_cost_the_same_queries(api, django_assert_num_queries):
    ComplaintFactory(received_on="2025-06-01")
    ImprovementFactory()
    with django_assert_num_queries(2):  # count, page
        first = api.get("/api/v1/complaints/", {"year": 2025})
    ComplaintFactory.create_batch(4)
    ImprovementFactory.create_batch(3)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/complaints/", {"year": 2026})
    assert first.data["count"] == 1 and response.data["count"] == 4
    with django_assert_num_queries(2):
        response = api.get("/api/v1/improvements/")
    assert response.data["count"] == 4


def test_bpf_needs_a_valid_year(api):
    assert api.get("/api/v1/bpf/").status_code == 400
    assert "year" in api.get("/api/v1/bpf/", {"year": 1900}).data
    response = api.get("/api/v1/bpf/", {"year": 2026})
    assert response.status_code == 200
    assert response.data["trainees"] == 0 and response.data["complete"] is True


def test_the_schema_describes_the_quality_api(api):
    response = api.get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert {"/api/v1/complaints/", "/api/v1/improvements/", "/api/v1/bpf/"} <= set(paths)
