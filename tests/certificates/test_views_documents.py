"""The staff's document page (facts, versions, re-issue, revoke) and the cohort's sheets."""

import datetime

import pytest
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus, Validity
from certificates.models import Document
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory


def issue(capture, **kwargs) -> Document:
    with capture(execute=True):
        document = services.document_request(**kwargs)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED, document.error
    return document


def last_week_monday() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)


@pytest.fixture
def certificate(completed, trainer, django_capture_on_commit_callbacks):
    return issue(django_capture_on_commit_callbacks, kind=DocumentKind.CERTIFICATE,
                 by=trainer, enrollment=completed)


@pytest.fixture
def other_trainer(path):
    trainer = TrainerFactory()
    CohortFactory(path=path, trainers=[trainer])  # same path, another group
    return trainer


def url(document) -> str:
    return f"/certificats/documents/{document.pk}/"


@pytest.mark.django_db
def test_document_page_is_for_the_staff_who_see_the_document(
        client, certificate, completed, trainer, other_trainer, manager, staff):
    assert client.get(url(certificate)).status_code == 302  # to the login page
    for outsider in (completed.learner, LearnerFactory(), other_trainer, staff):
        client.force_login(outsider)
        assert client.get(url(certificate)).status_code == 404, outsider
        assert client.post(url(certificate) + "nouvelle-version/",
                           {"reissue-reason": "x"}).status_code == 404
        assert client.post(url(certificate) + "revoquer/",
                           {"revoke-reason": "x", "revoke-confirm": "on"}).status_code == 404

    client.force_login(trainer)
    response = client.get(url(certificate))
    assert response.status_code == 200
    html = response.content.decode()
    assert certificate.code in html and completed.learner.get_full_name() in html
    assert f"/verify/{certificate.code}/" in html
    assert f"/certificats/documents/{certificate.pk}/pdf/" in html
    assert response.context["reissue_form"] is not None
    assert response.context["revoke_form"] is None  # managers only
    assert client.post(url(certificate) + "revoquer/", {
        "revoke-reason": "Erreur", "revoke-confirm": "on"}).status_code == 403

    client.force_login(manager)
    response = client.get(url(certificate))
    assert response.context["reissue_form"] is not None
    assert response.context["revoke_form"] is not None


@pytest.mark.django_db
def test_revoke_needs_a_reason_and_a_confirmation(client, certificate, manager):
    client.force_login(manager)
    for body in ({"revoke-reason": "  ", "revoke-confirm": "on"},
                 {"revoke-reason": "Émis par erreur"}):
        response = client.post(url(certificate) + "revoquer/", body)
        assert response.status_code == 400
        assert 'class="field-error"' in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    response = client.post(url(certificate) + "revoquer/", {
        "revoke-reason": "Émis par erreur", "revoke-confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url(certificate)
    certificate.refresh_from_db()
    assert certificate.validity == Validity.REVOKED and certificate.revoked_by == manager
    response = client.get(url(certificate))
    html = response.content.decode()
    assert "Émis par erreur" in html and str(manager) in html
    assert response.context["revoke_form"] is None and response.context["reissue_form"] is None
    # Revoked: neither revoked again nor issued again, even by a hand-made request; back to
    # the page, which says why.
    response = client.post(url(certificate) + "nouvelle-version/",
                           {"reissue-reason": "Correction"}, follow=True)
    assert response.redirect_chain == [(url(certificate), 302)]
    assert "Seule la version en vigueur" in response.content.decode()
    assert Document.objects.filter(subject=certificate.subject).count() == 1
    response = client.post(url(certificate) + "revoquer/", {
        "revoke-reason": "Encore", "revoke-confirm": "on"}, follow=True)
    assert response.redirect_chain == [(url(certificate), 302)]
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "Émis par erreur"
    assert "révoqué" in client.get(f"/verify/{certificate.code}/").content.decode()


@pytest.mark.django_db
def test_reissue_makes_the_next_version_which_supersedes_the_old(
        client, certificate, trainer, django_capture_on_commit_callbacks):
    client.force_login(trainer)
    response = client.post(url(certificate) + "nouvelle-version/", {"reissue-reason": ""})
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    assert Document.objects.filter(subject=certificate.subject).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(certificate) + "nouvelle-version/",
                               {"reissue-reason": "Nom mal orthographié"})
    new = Document.objects.get(subject=certificate.subject, version=2)
    assert response.status_code == 302 and response["Location"] == url(new)
    certificate.refresh_from_db()
    new.refresh_from_db()
    assert new.supersedes == certificate and new.status == DocumentStatus.ISSUED
    assert (certificate.validity, new.validity) == (Validity.SUPERSEDED, Validity.VALID)

    html = client.get(url(new)).content.decode()
    assert "Nom mal orthographié" in html and "Remplace la version 1" in html
    response = client.get(url(certificate))
    html = response.content.decode()
    assert "Remplacé par la version 2" in html and url(new) in html
    assert response.context["reissue_form"] is None  # only the current version
    response = client.post(url(certificate) + "nouvelle-version/", {"reissue-reason": "Encore"})
    assert response.status_code == 302 and response["Location"] == url(certificate)
    assert "remplacé" in client.get(f"/verify/{certificate.code}/").content.decode()

    # The cohort's page links the current version.
    html = client.get(f"/certificats/groupes/{certificate.cohort_id}/").content.decode()
    assert url(new) in html and url(certificate) not in html


@pytest.mark.django_db
@pytest.mark.parametrize("versions", [1, 4])
def test_document_page_query_count(client, certificate, manager, versions,
                                   django_assert_num_queries):
    current = certificate
    for n in range(versions - 1):
        current = services.document_reissue(document=current, by=manager, reason=f"n°{n}")
        Document.objects.filter(pk=current.pk).update(
            status=DocumentStatus.ISSUED, issued_at=timezone.now(), sha256="0" * 64,
            pdf=certificate.pdf.name)
    client.force_login(manager)
    # Session, user, the document, its versions, the learner's sheets still open (issue 11);
    # the base template's 7 (organisation, permissions for the menu, Wagtail's site and
    # pages).
    with django_assert_num_queries(12):
        response = client.get(url(current))
    assert len(response.context["history"]) == versions


# The cohort's attendance sheets ----------------------------------------------------------------

@pytest.fixture
def week(cohort, trainer):
    monday = last_week_monday()
    sessions = [SessionFactory(cohort=cohort, trainer=trainer, date=monday + datetime.timedelta(
        days=offset)) for offset in (1, 3)]
    return monday, sessions


@pytest.mark.dates
@pytest.mark.django_db
def test_week_sheet_from_the_cohort_page(client, cohort, trainer, organisation, week,
                                         django_capture_on_commit_callbacks):
    monday, sessions = week
    EnrollmentFactory(cohort=cohort, path=cohort.path)
    SessionFactory(cohort=cohort, trainer=trainer,
                   date=monday - datetime.timedelta(days=5))  # the week before
    client.force_login(trainer)
    page = client.get(f"/certificats/groupes/{cohort.pk}/")
    choices = [value for value, _label in page.context["week_form"].fields["week_start"].choices]
    assert choices == [monday.isoformat(), (monday - datetime.timedelta(days=7)).isoformat()]

    request_url = f"/certificats/groupes/{cohort.pk}/demander/"
    for wrong in (monday + datetime.timedelta(days=1),  # not a Monday
                  monday + datetime.timedelta(days=14), "not-a-date"):
        response = client.post(request_url, {"kind": "attendance_sheet", "week_start": wrong})
        assert response.status_code == 400
        assert 'id="sheet-week-error"' in response.content.decode()
    assert not Document.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url, {"kind": "attendance_sheet",
                                             "week_start": monday.isoformat()})
    assert response.status_code == 302
    sheet = Document.objects.get()
    assert (sheet.cohort, sheet.week_start, sheet.session) == (cohort, monday, None)
    assert sheet.status == DocumentStatus.ISSUED
    assert len(sheet.snapshot["sessions"]) == 2
    page = client.get(f"/certificats/groupes/{cohort.pk}/")
    assert page.context["sheets"] == [sheet]
    html = page.content.decode()
    assert f"/certificats/documents/{sheet.pk}/pdf/" in html and url(sheet) in html


@pytest.mark.dates
@pytest.mark.django_db
def test_week_sheet_service_checks_the_week(cohort, trainer, week):
    from django.core.exceptions import ValidationError

    monday, _sessions = week
    for wrong in (None, monday + datetime.timedelta(days=2),
                  monday - datetime.timedelta(days=7)):
        with pytest.raises(ValidationError) as error:
            services.document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=trainer,
                                      cohort=cohort, week_start=wrong)
        assert "week_start" in error.value.message_dict


@pytest.mark.dates
@pytest.mark.django_db
def test_cohort_page_lists_the_current_sheets(client, cohort, trainer, other_trainer, manager,
                                              staff, organisation, week,
                                              django_capture_on_commit_callbacks):
    monday, sessions = week
    first = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTENDANCE_SHEET,
                  by=trainer, session=sessions[0])
    second = services.document_reissue(document=first, by=trainer, reason="Signature oubliée")
    weekly = issue(django_capture_on_commit_callbacks, kind=DocumentKind.ATTENDANCE_SHEET,
                   by=trainer, cohort=cohort, week_start=monday)
    client.force_login(trainer)
    sheets = client.get(f"/certificats/groupes/{cohort.pk}/").context["sheets"]
    assert sheets == [second, weekly]  # the latest day first, the superseded one left out
    html = client.get(f"/certificats/groupes/{cohort.pk}/").content.decode()
    assert url(second) in html and url(first) not in html
    # The trainer of the cohort may re-issue a sheet; others don't see it.
    assert client.get(url(weekly)).context["reissue_form"] is not None
    for outsider in (other_trainer, staff, LearnerFactory()):
        client.force_login(outsider)
        assert client.get(f"/certificats/groupes/{cohort.pk}/").status_code == 404
        assert client.get(url(weekly)).status_code == 404
    client.force_login(manager)
    assert client.get(url(weekly)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 6])
def test_cohort_page_query_count(client, cohort, path, trainer, size,
                                 django_assert_num_queries):
    monday = last_week_monday()
    for n in range(size):
        enrollment = EnrollmentFactory(path=path, cohort=cohort)
        Document.objects.create(kind=DocumentKind.CERTIFICATE, subject=f"c{n}",
                                enrollment=enrollment, learner=enrollment.learner, path=path,
                                cohort=cohort)
        session = SessionFactory(cohort=cohort, trainer=trainer,
                                 date=monday - datetime.timedelta(days=7 * n))
        Document.objects.create(kind=DocumentKind.ATTENDANCE_SHEET, subject=f"s{n}",
                                session=session, cohort=cohort, path=path)
        Document.objects.create(kind=DocumentKind.ATTENDANCE_SHEET, subject=f"w{n}",
                                week_start=session.date - datetime.timedelta(
                                    days=session.date.weekday()), cohort=cohort, path=path)
    client.force_login(trainer)
    # Session, user, cohort, trainer check, learners, their documents, batches, sessions,
    # weeks, sheets, the sheets still open (issue 11); the base template's 7 (organisation,
    # menu permissions, Wagtail).
    with django_assert_num_queries(19):
        response = client.get(f"/certificats/groupes/{cohort.pk}/")
    assert len(response.context["sheets"]) == 2 * size
