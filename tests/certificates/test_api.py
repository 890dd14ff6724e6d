import pytest

from certificates.models import Document
from tests.accounts.factories import LearnerFactory, TrainerFactory


@pytest.mark.django_db
def test_request_follow_and_download(api, completed, trainer,
                                     django_capture_on_commit_callbacks):
    api.force_authenticate(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/documents/", {"kind": "certificate",
                                                   "enrollment": completed.pk}, format="json")
    assert response.status_code == 202
    document_id = response.json()["id"]
    body = api.get(f"/api/v1/documents/{document_id}/").json()
    assert body["status"] == "issued" and body["validity"] == "valid"
    response = api.get(f"/api/v1/documents/{document_id}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_bad_requests_are_400_and_foreign_documents_404(api, completed, trainer,
                                                        django_capture_on_commit_callbacks):
    api.force_authenticate(trainer)
    assert api.post("/api/v1/documents/", {"kind": "nope"}, format="json").status_code == 400
    assert api.post("/api/v1/documents/", {"kind": "certificate", "enrollment": 999999},
                    format="json").status_code == 400
    assert api.post("/api/v1/documents/", {"kind": "attendance_sheet"},
                    format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        document_id = api.post("/api/v1/documents/", {"kind": "certificate",
                                                      "enrollment": completed.pk},
                               format="json").json()["id"]
    api.force_authenticate(TrainerFactory())
    assert api.get(f"/api/v1/documents/{document_id}/").status_code == 404
    assert api.post("/api/v1/documents/", {"kind": "certificate", "enrollment": completed.pk},
                    format="json").status_code == 400
    api.force_authenticate(completed.learner)
    assert api.get(f"/api/v1/documents/{document_id}/").status_code == 200
    assert api.post("/api/v1/documents/", {"kind": "certificate", "enrollment": completed.pk},
                    format="json").status_code == 403
    api.force_authenticate(LearnerFactory())
    assert api.get(f"/api/v1/documents/{document_id}/pdf/").status_code == 404
    api.force_authenticate(None)
    assert api.get("/api/v1/documents/").status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 8])
def test_document_list_query_count(api, manager, path, cohort, organisation, size,
                                   django_assert_num_queries):
    from certificates.enums import DocumentKind
    from tests.progress.factories import EnrollmentFactory

    for n in range(size):
        enrollment = EnrollmentFactory(path=path, cohort=cohort)
        Document.objects.create(kind=DocumentKind.CERTIFICATE, subject=f"s{n}",
                                enrollment=enrollment, learner=enrollment.learner, path=path)
    api.force_authenticate(manager)
    with django_assert_num_queries(2):
        assert api.get("/api/v1/documents/").json()["count"] == size
