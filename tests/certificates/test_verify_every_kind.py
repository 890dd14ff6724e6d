"""Issue 11, point 8: every kind of document verifies, by its code and by its PDF file, in
every state: valid, superseded (a corrected version), amended (a new version after an
amendment of an attendance sheet: its reason is shown), revoked."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus, ReissueCause, Validity
from certificates.models import Document

KINDS = ["attestation", "certificate", "session_sheet", "week_sheet"]
STATES = ["valid", "superseded", "amended", "revoked"]
AMENDMENT = "Présence de Lucie rectifiée : elle a signé la feuille papier"
VERDICTS = {
    "valid": "Ce document est valide.",
    "superseded": "Ce document a été remplacé par une version plus récente.",
    "amended": "Ce document a été remplacé par une nouvelle version après une rectification "
               "de l'émargement.",
    "revoked": "Ce document a été révoqué.",
}


def issue(capture, **kwargs) -> Document:
    with capture(execute=True):
        document = services.document_request(**kwargs)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED, document.error
    return document


def first_version(kind, capture, *, completed, attended, trainer, manager) -> Document:
    if kind in ("attestation", "certificate"):
        return issue(capture, kind=kind, by=trainer, enrollment=completed)
    if kind == "session_sheet":
        return issue(capture, kind=DocumentKind.ATTENDANCE_SHEET, by=trainer, session=attended)
    monday = attended.date - datetime.timedelta(days=attended.date.weekday())
    return issue(capture, kind=DocumentKind.ATTENDANCE_SHEET, by=trainer,
                 cohort=attended.cohort, week_start=monday)


def into_state(document, state, capture, *, trainer, manager) -> Document | None:
    """Puts the document in `state`; answers the newer version, if one was made."""
    if state == "revoked":
        services.document_revoke(document=document, by=manager, reason="Émis par erreur")
        return None
    if state in ("superseded", "amended"):
        cause = ReissueCause.AMENDMENT if state == "amended" else ReissueCause.CORRECTION
        reason = AMENDMENT if state == "amended" else "Nom corrigé"
        with capture(execute=True):
            newer = services.document_reissue(document=document, by=manager, reason=reason,
                                              cause=cause)
        newer.refresh_from_db()
        assert newer.status == DocumentStatus.ISSUED, newer.error
        return newer
    return None


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.django_db
def test_every_kind_verifies_in_every_state(kind, state, client, completed, attended, trainer,
                                            manager, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    document = first_version(kind, capture, completed=completed, attended=attended,
                             trainer=trainer, manager=manager)
    newer = into_state(document, state, capture, trainer=trainer, manager=manager)
    document.refresh_from_db()
    assert document.validity == Validity(state)

    by_code = client.get(f"/verify/{document.code}/")
    with document.pdf.open("rb") as handle:
        by_file = client.post("/verify/", {"pdf": SimpleUploadedFile(
            "document.pdf", handle.read(), content_type="application/pdf")})
    for response in (by_code, by_file):
        assert response.status_code == 200, response.content[:500]
        html = response.text.replace("&#x27;", "'")
        assert f"verify-result--{state}" in html
        assert VERDICTS[state] in html
        assert document.code in html and "Association C-Num" in html
        if kind in ("attestation", "certificate"):
            assert completed.learner.get_full_name() in html
            assert "Heures réalisées" in html
        else:
            assert attended.cohort.name in html
            # A sheet names no single learner as its subject.
            assert "Apprenant·e</dt>" not in html
        if state == "amended":
            assert AMENDMENT in html
        else:
            assert AMENDMENT not in html
        if newer is not None:
            assert f'href="/verify/{newer.code}/"' in html

    if newer is not None:  # the newer version is itself valid
        response = client.get(f"/verify/{newer.code}/")
        assert response.status_code == 200 and "verify-result--valid" in response.text


@pytest.mark.django_db
def test_a_sheet_with_an_old_snapshot_shape_still_verifies(client, attended, trainer,
                                                           django_capture_on_commit_callbacks):
    """Snapshots are frozen: whatever a sheet's snapshot holds, its check answers (the
    public page used to answer 500 on every attendance sheet)."""
    document = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTENDANCE_SHEET,
                     by=trainer, session=attended)
    for snapshot in ({}, {"path": "Matrice", "sessions": None}, {"path": {"title": "X"}},
                     {"sessions": [{"date": "2026-01-05"}, "?"], "organisation": "?"}):
        Document.objects.filter(pk=document.pk).update(snapshot=snapshot)
        response = client.get(f"/verify/{document.code}/")
        assert response.status_code == 200, snapshot
        assert "verify-result--valid" in response.text


@pytest.mark.django_db
def test_an_unknown_file_or_code_is_told_so(client, db):
    response = client.post("/verify/", {"pdf": SimpleUploadedFile(
        "x.pdf", b"%PDF-1.4 nothing", content_type="application/pdf")})
    assert response.status_code == 200
    assert "ne correspond à aucun document" in response.text
    assert client.get("/verify/ZZZZZZZZZZZZ/").status_code == 404


def test_states_cover_every_validity():
    assert set(STATES) == set(Validity.values)
    assert timezone.now()  # no dependence on the date: the states are built, not waited for
