"""The documents API: re-issuing, revoking, following versions, a cohort's week sheet."""

import datetime

import pytest
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory


@pytest.fixture
def certificate(completed, trainer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                             enrollment=completed)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED
    return document


@pytest.fixture
def other_trainer(path):
    trainer = TrainerFactory()
    CohortFactory(path=path, trainers=[trainer])
    return trainer


def post(api, document, action, body):
    return api.post(f"/api/v1/documents/{document.pk}/{action}/", body, format="json")


@pytest.mark.django_db
def test_revoke_by_managers_only_with_a_reason(api, certificate, completed, trainer,
                                               other_trainer, staff, manager):
    api.force_authenticate(None)
    assert post(api, certificate, "revoke", {"reason": "x"}).status_code in (401, 403)
    for user, code in ((completed.learner, 403), (trainer, 403), (other_trainer, 404),
                       (staff, 404), (LearnerFactory(), 404)):
        api.force_authenticate(user)
        # Refused before the body is looked at: no "reason is missing" for them.
        assert post(api, certificate, "revoke", {}).status_code == code, user
    api.force_authenticate(manager)
    for body in ({}, {"reason": "   "}, {"reason": "x" * 301}):
        response = post(api, certificate, "revoke", body)
        assert response.status_code == 400 and "reason" in response.json(), body
    response = post(api, certificate, "revoke", {"reason": "Émis par erreur"})
    assert response.status_code == 200
    body = response.json()
    assert body["validity"] == "revoked" and body["revoked_at"]
    assert body["revoke_reason"] == "Émis par erreur"
    response = post(api, certificate, "revoke", {"reason": "Encore"})
    assert response.status_code == 400 and "non_field_errors" in response.json()
    # The learner sees that it is revoked, not the staff's reason.
    api.force_authenticate(completed.learner)
    body = api.get(f"/api/v1/documents/{certificate.pk}/").json()
    assert body["validity"] == "revoked" and body["revoke_reason"] is None


@pytest.mark.django_db
def test_reissue_gives_the_next_version_and_links_both(api, certificate, completed, trainer,
                                                       other_trainer, staff, manager,
                                                       django_capture_on_commit_callbacks):
    for user, code in ((completed.learner, 403), (other_trainer, 404), (staff, 404)):
        api.force_authenticate(user)
        assert post(api, certificate, "reissue", {}).status_code == code, user
    api.force_authenticate(trainer)
    assert post(api, certificate, "reissue", {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, certificate, "reissue", {"reason": "Nom mal orthographié"})
    assert response.status_code == 202
    new = response.json()
    assert new["version"] == 2 and new["supersedes"] == certificate.pk
    assert new["override_reason"] == "Nom mal orthographié" and new["superseded_by"] is None
    old = api.get(f"/api/v1/documents/{certificate.pk}/").json()
    assert old["validity"] == "superseded" and old["superseded_by"] == new["id"]
    assert api.get(f"/api/v1/documents/{new['id']}/").json()["status"] == "issued"
    # Only the current version, and never a revoked one.
    response = post(api, certificate, "reissue", {"reason": "Encore"})
    assert response.status_code == 400 and "non_field_errors" in response.json()
    services.document_revoke(document=Document.objects.get(pk=new["id"]), by=manager,
                             reason="Erreur")
    api.force_authenticate(manager)
    assert post(api, Document.objects.get(pk=new["id"]), "reissue",
                {"reason": "Encore"}).status_code == 400
    assert Document.objects.filter(subject=certificate.subject).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("versions", [1, 4])
def test_document_list_with_versions_query_count(api, certificate, trainer, versions,
                                                 django_assert_num_queries):
    current = certificate
    for n in range(versions - 1):
        current = services.document_reissue(document=current, by=trainer, reason=f"n°{n}")
        Document.objects.filter(pk=current.pk).update(
            status=DocumentStatus.ISSUED, issued_at=timezone.now(), sha256="0" * 64,
            pdf=certificate.pdf.name)
    api.force_authenticate(trainer)
    with django_assert_num_queries(2):
        body = api.get("/api/v1/documents/").json()
    assert body["count"] == versions
    assert {row["superseded_by"] for row in body["results"]} - {None} == {
        row["id"] for row in body["results"] if row["supersedes"]}


@pytest.mark.dates
@pytest.mark.django_db
def test_week_sheet_through_the_api(api, cohort, trainer, other_trainer, organisation,
                                    django_capture_on_commit_callbacks):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    EnrollmentFactory(cohort=cohort, path=cohort.path)
    for offset in (0, 2):
        SessionFactory(cohort=cohort, trainer=trainer,
                       date=monday + datetime.timedelta(days=offset))
    sheet = {"kind": "attendance_sheet", "cohort": cohort.pk, "week_start": monday.isoformat()}
    api.force_authenticate(trainer)
    for wrong, field in (
            ({"week_start": (monday + datetime.timedelta(days=1)).isoformat()}, "week_start"),
            ({"week_start": (monday - datetime.timedelta(days=7)).isoformat()}, "week_start"),
            ({"week_start": "lundi"}, "week_start"),
            ({"week_start": None}, "week_start"),
            ({"cohort": 999999}, "cohort"),
            ({"cohort": None}, "cohort"),
            # Dated out of the tested week and of the week before (both checked above):
            # the factory's default date, yesterday, falls in it on Mondays.
            ({"session": SessionFactory(
                cohort=cohort, date=monday - datetime.timedelta(days=14)).pk}, "session")):
        response = api.post("/api/v1/documents/", {**sheet, **wrong}, format="json")
        assert response.status_code == 400, (wrong, response.content)
        assert field in response.json(), (wrong, response.json())
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/documents/", sheet, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["week_start"] == monday.isoformat() and body["cohort"] == cohort.pk
    document = Document.objects.get(pk=body["id"])
    assert document.status == DocumentStatus.ISSUED
    assert len(document.snapshot["sessions"]) == 2
    # The same week again: the same document.
    assert api.post("/api/v1/documents/", sheet,
                    format="json").json()["id"] == document.pk
    # Another group's trainer doesn't see this cohort: refused as an unknown one.
    api.force_authenticate(other_trainer)
    response = api.post("/api/v1/documents/", sheet, format="json")
    assert response.status_code == 400 and "cohort" in response.json()
