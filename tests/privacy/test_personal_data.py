"""Personal data: a complete export (checked by introspection), anonymisation that keeps
issued documents verifiable for their retention, manager pages and management commands."""

import datetime
import io
import json

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from certificates import services as documents
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.accounts.models import User
from lms.attendance.enums import AlertKind, ChangeKind, SignatureMethod
from lms.attendance.models import (
    AbsenceNotice,
    Attendance,
    AttendanceAlert,
    AttendanceChange,
    AttendanceStatus,
    Session,
)
from lms.core.data_rights import ANONYMOUS_NAME
from lms.core.models import Notification
from lms.insertion.enums import ExitCategory, ExitOutcome
from lms.insertion.models import (
    Contract,
    Exit,
    Interview,
    Milestone,
    NoteAccess,
    ObstacleAssessment,
    PlanObjective,
    TraineeStatusChange,
)
from lms.privacy.erasure import personal_data_erase
from lms.privacy.export import EXPORT_COVERAGE, personal_data_export
from lms.progress.models import EnrollmentStatusChange, LessonCompletion, QuizAttempt
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.documents_setup import attended_session
from tests.insertion.factories import ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory, ValidationFactory

NOW = timezone.now()
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200"><path d="M1 1 L50 50"/>'
       '</svg>')

# Links to the user model that name the staff member who did something, not the person the
# record is about.
ACTOR_FIELDS = {
    "progress.Enrollment.enrolled_by", "progress.EnrollmentStatusChange.changed_by",
    "progress.CompetenceAssessment.assessed_by", "attendance.Session.trainer",
    "attendance.Session.locked_by", "attendance.Attendance.marked_by",
    "attendance.AttendanceChange.changed_by", "insertion.Trainee.referent",
    "insertion.TraineeStatusChange.changed_by", "insertion.ObstacleAssessment.assessed_by",
    "insertion.Interview.staff", "insertion.NoteAccess.user",
    "certificates.DocumentBatch.requested_by", "certificates.Document.requested_by",
    "certificates.Document.revoked_by", "quality.Complaint.recorded_by",
    "quality.Improvement.recorded_by", "quality.EnrollmentFunding.updated_by",
    "auditpack.AuditPack.requested_by",
}
# Wagtail's and Django's admin: what editors do there (pages, images, comments, workflow,
# admin history). Learners have no access to the admin.
EDITORIAL_APPS = {"wagtailcore", "wagtailadmin", "wagtaildocs", "wagtailimages", "admin"}


def links_to_users() -> set[str]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (isinstance(field, (models.ForeignKey, models.ManyToManyField))
                    and field.concrete and field.related_model is user_model):
                # Inherited fields (Wagtail pages) are named after the model declaring them.
                found.add(f"{field.model._meta.label}.{field.name}")
    return found


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def statuses(db):
    return {status.code: status for status in AttendanceStatus.objects.all()}


def issued(*, kind, learner=None, enrollment=None, cohort=None, years_ago=0.0, snapshot=None,
           subject=None):
    """An issued document, as the renderer leaves it, issued some years ago."""
    document = Document(
        kind=kind, subject=subject or f"test:{Document.objects.count()}", learner=learner,
        enrollment=enrollment, cohort=cohort, path=cohort.path if cohort else None,
        status=DocumentStatus.ISSUED, sha256="0" * 64,
        issued_at=NOW - datetime.timedelta(days=round(365.25 * years_ago)),
        snapshot=snapshot or {"learner": {"name": learner.get_full_name(), "employer": "ACME"},
                              "path": {"title": "Club premiers pas"},
                              "organisation": {"legal_name": "Association C-Num"}},
    )
    document.pdf.save("doc.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    document.save()
    return document


@pytest.fixture
def person(learner, path, cohort, lesson, referential, trainer, staff, manager, statuses):
    """A learner with a row in every table that holds personal data."""
    learner.first_name, learner.last_name = "Amina", "Benali"
    learner.email, learner.phone = "amina@exemple.fr", "0611223344"
    learner.birth_date, learner.employer = datetime.date(1990, 4, 2), "Boulangerie Leroy"
    learner.save()
    enrollment = EnrollmentFactory(learner=learner, path=path, cohort=cohort,
                                   enrolled_by=trainer)
    EnrollmentStatusChange.objects.create(enrollment=enrollment, to_status="active",
                                          changed_by=trainer, note="Suivi par Mme Benali")
    LessonCompletion.objects.create(learner=learner, lesson=lesson)
    QuizAttempt.objects.create(learner=learner, lesson=lesson, block_id="q1", score=80,
                               pass_mark=50, passed=True, answers={"0": [1]})
    ValidationFactory(learner=learner, competence=referential_competence(),
                      evidence="A envoyé un courriel à sa fille", assessed_by=trainer)
    open_session = SessionFactory(cohort=cohort, trainer=trainer)
    mark = Attendance.objects.create(
        session=open_session, learner=learner, status=statuses["present"], marked_by=trainer,
        comment="Arrivée avec son fils", signature_svg=SVG,
        signature_method=SignatureMethod.DRAWN, signed_at=NOW)
    AttendanceChange.objects.create(attendance=mark, session=open_session, learner=learner,
                                    changed_by=trainer, after={"comment": mark.comment})
    locked_session = SessionFactory(cohort=cohort, trainer=trainer,
                                    date=datetime.date.today() - datetime.timedelta(days=2))
    locked_mark = Attendance.objects.create(
        session=locked_session, learner=learner, status=statuses["present"],
        comment="Malade le matin", signature_svg=SVG, signature_method=SignatureMethod.DRAWN)
    AttendanceChange.objects.create(attendance=locked_mark, session=locked_session,
                                    learner=learner, changed_by=trainer,
                                    after={"comment": locked_mark.comment})
    Session.objects.filter(pk=locked_session.pk).update(locked_at=NOW, locked_by=trainer)
    AbsenceNotice.objects.create(learner=learner, cohort=cohort,
                                 start_date=datetime.date.today(),
                                 end_date=datetime.date.today(), reason="Rendez-vous CAF")
    AttendanceAlert.objects.create(learner=learner, cohort=cohort,
                                   kind=AlertKind.ABSENCE_STREAK, key="k1",
                                   details={"count": 3})
    Notification.objects.create(recipient=learner, title="Votre attestation est prête")
    Notification.objects.create(recipient=trainer,
                                title="Alerte : Amina Benali a manqué 3 séances",
                                body="Amina Benali (Groupe) est absente.")
    programme = ProgrammeFactory(staff=[staff])
    trainee = TraineeFactory(programme=programme, learner=learner, referent=staff,
                             pass_iae_number="999992212345")
    TraineeStatusChange.objects.create(trainee=trainee, to_status="active", changed_by=staff,
                                       reason="Orientée par la mission locale")
    Contract.objects.create(trainee=trainee, kind="initial", start_date=datetime.date(2026, 1, 5),
                            end_date=datetime.date(2026, 7, 4), weekly_hours=26)
    objective = PlanObjective.objects.create(trainee=trainee, category="professional",
                                             title="Passer le permis B")
    Milestone.objects.create(objective=objective, title="Code de la route")
    ObstacleAssessment.objects.create(trainee=trainee, category="housing", severity=3,
                                      note="Hébergée chez sa sœur", assessed_by=staff)
    Interview.objects.create(trainee=trainee, date=datetime.date.today(), staff=staff,
                             kind="initial", notes="Très confidentiel", next_steps="Voir CAF")
    NoteAccess.objects.create(trainee=trainee, user=staff, context="trainee page")
    Exit.objects.create(trainee=trainee, date=datetime.date.today(), planned=True,
                        category=ExitCategory.SUSTAINABLE_EMPLOYMENT, outcome=ExitOutcome.CDI,
                        comment="Embauche prévue chez Leroy")
    certificate = issued(kind=DocumentKind.CERTIFICATE, learner=learner,
                         enrollment=enrollment, cohort=cohort, years_ago=1)
    from rest_framework.authtoken.models import Token
    from wagtail.users.models import UserProfile

    Token.objects.create(user=learner)
    UserProfile.get_for_user(learner)
    from lms.surveys.services import invitation_create
    from tests.surveys.factories import make_survey

    invitation_create(survey=make_survey(anonymous=False), person=learner, cohort=cohort,
                      send=False)
    return {"user": learner, "enrollment": enrollment, "trainee": trainee,
            "programme": programme, "mark": mark, "locked_mark": locked_mark,
            "certificate": certificate}


def referential_competence():
    from courses.models import Competence

    return Competence.objects.first()


# --- Export ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_link_to_a_person_is_exported_or_an_actor():
    found = links_to_users()
    editorial = {label for label in found if label.split(".")[0] in EDITORIAL_APPS}
    uncovered = found - set(EXPORT_COVERAGE) - ACTOR_FIELDS - editorial
    assert not uncovered, f"Add these to the export or to the actors: {sorted(uncovered)}"
    assert set(EXPORT_COVERAGE) <= found, "The coverage lists a link that no longer exists"
    assert found >= ACTOR_FIELDS


@pytest.mark.django_db
def test_export_holds_everything_about_the_person(person):
    user = person["user"]
    data = personal_data_export(user=user)
    json.dumps(data)  # serialisable as is
    for section in set(EXPORT_COVERAGE.values()):
        assert section in data, section
        if section != "staff_roles":
            assert data[section], section
    assert user.password not in json.dumps(data)
    assert data["account"]["email"] == "amina@exemple.fr"
    assert data["enrollments"][0]["status_history"][0]["note"] == "Suivi par Mme Benali"
    assert {mark["comment"] for mark in data["attendance_marks"]} == {
        "Arrivée avec son fils", "Malade le matin"}
    assert len(data["attendance_changes"]) == 2
    record = data["insertion"][0]
    assert record["interviews"][0]["notes"] == "Très confidentiel"
    assert record["obstacles"][0]["note"] == "Hébergée chez sa sœur"
    assert record["plan"][0]["milestones"][0]["title"] == "Code de la route"
    assert record["contracts"] and record["exit"]["comment"] == "Embauche prévue chez Leroy"
    assert record["note_accesses"][0]["context"] == "trainee page"
    document = data["documents"][0]
    assert document["code"] == person["certificate"].code
    assert document["verification_url"] == f"/verify/{person['certificate'].code}/"
    assert "pdf" not in document and "organisation" not in document["printed"]
    assert data["api_tokens"][0]["created"]
    assert set(data["api_tokens"][0]) == {"created"}  # never the key


@pytest.mark.django_db
def test_export_of_staff_lists_their_roles(trainer, cohort, staff, programme):
    assert personal_data_export(user=trainer)["staff_roles"]["trained_cohorts"] == [
        {"id": cohort.pk, "name": cohort.name}]
    roles = personal_data_export(user=staff)["staff_roles"]
    assert roles["insertion_programmes"] == [{"id": programme.pk, "name": programme.name}]


@pytest.mark.django_db
def test_export_asked_by_staff_logs_the_reading_of_notes(person, manager):
    trainee = person["trainee"]
    data = personal_data_export(user=person["user"], by=manager)
    access = NoteAccess.objects.filter(trainee=trainee, user=manager).get()
    assert access.context == "personal data export"
    assert "personal data export" in {a["context"] for a in data["insertion"][0]["note_accesses"]}


# --- Erasure --------------------------------------------------------------------------------


@pytest.mark.dates
@pytest.mark.django_db
def test_erasure_anonymises_the_person(person, manager, trainer,
                                      django_capture_on_commit_callbacks):
    user = person["user"]
    with django_capture_on_commit_callbacks(execute=True):
        result = personal_data_erase(user=user, by=manager, reason="Demande écrite du 12/03")
    user.refresh_from_db()
    assert user.get_full_name() == ANONYMOUS_NAME == "Personne anonymisée"
    assert user.username.startswith("anonyme-") and user.username == result["username"]
    assert (user.email, user.phone, user.employer, user.birth_date) == ("", "", "", None)
    assert not user.has_usable_password() and not user.is_active
    assert AbsenceNotice.objects.get(learner=user).reason == "—"
    assert QuizAttempt.objects.get(learner=user).answers == {}
    assert EnrollmentStatusChange.objects.get(enrollment__learner=user).note == ""
    mark = Attendance.objects.get(pk=person["mark"].pk)
    assert mark.comment == "" and "<path" not in mark.signature_svg
    assert mark.signature_svg.startswith("<svg") and "<text" in mark.signature_svg
    trainee = person["trainee"]
    trainee.refresh_from_db()
    assert trainee.pass_iae_number == ""
    assert Interview.objects.get(trainee=trainee).notes == ""
    assert ObstacleAssessment.objects.get(trainee=trainee).note == ""
    assert ObstacleAssessment.objects.get(trainee=trainee).severity == 3  # figures stay
    assert Exit.objects.get(trainee=trainee).comment == ""
    assert PlanObjective.objects.get(trainee=trainee).title == "—"
    assert TraineeStatusChange.objects.get(trainee=trainee).reason == ""
    assert not Notification.objects.filter(recipient=user).exists()
    alert = Notification.objects.get(recipient=trainer)
    assert "Benali" not in alert.title + alert.body and ANONYMOUS_NAME in alert.title
    # Protected by database triggers: kept as they are, and said so.
    locked = Attendance.objects.get(pk=person["locked_mark"].pk)
    assert locked.comment == "Malade le matin" and locked.signature_svg == SVG
    # The two entries kept, and the chained entry of the erasure on the open sheet.
    trail = AttendanceChange.objects.filter(learner=user).order_by("pk")
    assert [entry.kind for entry in trail][2:] == [ChangeKind.ERASURE]
    retained = {item["what"]: item for item in result["retained"]}
    assert retained["attendance_changes"]["count"] == 3
    assert retained["locked_attendance_marks"]["count"] == 1
    assert retained["documents"]["count"] == 1
    assert result["by"] == str(manager) and result["reason"] == "Demande écrite du 12/03"
    # The erasure is recorded for the managers; nothing left in the export names the person.
    assert Notification.objects.filter(recipient=manager,
                                       title__endswith=f"{result['user_id']}").exists()
    # Left in the export: only the documents still within retention (printing the name) and
    # the audit trail (kept by the database).
    export = personal_data_export(user=user)
    assert export["documents"][0]["printed"]["learner"]["name"] == "Amina Benali"
    assert "Arrivée avec son fils" in json.dumps(export["attendance_changes"], ensure_ascii=False)
    rest = json.dumps({**export, "documents": [], "attendance_changes": []}, ensure_ascii=False)
    for secret in ("amina@exemple.fr", "0611223344", "Rendez-vous CAF", "Très confidentiel",
                   "Hébergée", "999992212345", "Passer le permis", "Benali", "Leroy",
                   "Arrivée avec son fils"):
        assert secret not in rest, secret


@pytest.mark.dates
@pytest.mark.django_db
def test_documents_within_retention_stay_verifiable(person, manager, client, cohort,
                                                    django_capture_on_commit_callbacks):
    user, enrollment = person["user"], person["enrollment"]
    kept_certificate = person["certificate"]  # 1 year old: within 3 years
    old_certificate = issued(kind=DocumentKind.CERTIFICATE, learner=user, cohort=cohort,
                             enrollment=enrollment, years_ago=4)
    attestation = issued(kind=DocumentKind.ATTESTATION, learner=user, cohort=cohort,
                         enrollment=enrollment, years_ago=4)  # within 6 years
    old_attestation = issued(kind=DocumentKind.ATTESTATION, learner=user, cohort=cohort,
                             enrollment=enrollment, years_ago=7)
    row = {"learner_id": user.pk, "name": "Amina Benali",
           "cells": [{"status": "Présent·e", "signature_svg": SVG}]}
    other = {"learner_id": LearnerFactory().pk, "name": "Zoé Bernard",
             "cells": [{"status": "Présent·e", "signature_svg": SVG}]}
    sheet = {"cohort": cohort.name, "sessions": [], "rows": [row, other]}
    kept_sheet = issued(kind=DocumentKind.ATTENDANCE_SHEET, cohort=cohort, years_ago=5,
                        snapshot=json.loads(json.dumps(sheet)))
    old_sheet = issued(kind=DocumentKind.ATTENDANCE_SHEET, cohort=cohort, years_ago=6.5,
                       snapshot=json.loads(json.dumps(sheet)))
    old_file = old_certificate.pdf.path
    with django_capture_on_commit_callbacks(execute=True):
        result = personal_data_erase(user=user, by=manager, reason="Demande du 12/03")
    kept = {entry["code"] for entry in result["documents"]["kept"]}
    gone = {entry["code"] for entry in result["documents"]["anonymised"]}
    assert kept == {kept_certificate.code, attestation.code, kept_sheet.code}
    assert gone == {old_certificate.code, old_attestation.code, old_sheet.code}
    for document in (kept_certificate, attestation):
        response = client.get(f"/verify/{document.code}/")
        assert response.status_code == 200
        assert "Amina Benali" in response.content.decode()
        document.refresh_from_db()
        assert document.status == DocumentStatus.ISSUED and document.pdf
    kept_sheet.refresh_from_db()
    assert kept_sheet.snapshot["rows"][0]["name"] == "Amina Benali"
    old_certificate.refresh_from_db()
    assert old_certificate.snapshot["learner"] == {"name": ANONYMOUS_NAME, "employer": ""}
    assert not old_certificate.pdf and not old_certificate.sha256
    assert old_certificate.status == DocumentStatus.FAILED
    assert "retention" in old_certificate.error or "conservation" in old_certificate.error
    assert not __import__("os").path.exists(old_file)
    response = client.get(f"/verify/{old_certificate.code}/")
    assert "Amina Benali" not in response.content.decode()
    old_sheet.refresh_from_db()
    assert [r["name"] for r in old_sheet.snapshot["rows"]] == [ANONYMOUS_NAME, "Zoé Bernard"]
    assert old_sheet.snapshot["rows"][0]["cells"][0]["signature_svg"] == ""
    assert not old_sheet.pdf


@pytest.mark.dates
@pytest.mark.django_db
def test_co_financed_programmes_keep_documents_ten_years(person, manager, cohort):
    programme = person["programme"]
    programme.co_financed = True
    programme.save()
    user = person["user"]
    certificate = issued(kind=DocumentKind.CERTIFICATE, learner=user, cohort=cohort,
                         enrollment=person["enrollment"], years_ago=8)
    ancient = issued(kind=DocumentKind.CERTIFICATE, learner=user, cohort=cohort,
                     enrollment=person["enrollment"], years_ago=11)
    result = personal_data_erase(user=user, by=manager, reason="Demande")
    kept = {entry["code"]: entry for entry in result["documents"]["kept"]}
    assert certificate.code in kept and ancient.code not in kept
    until = datetime.date.fromisoformat(kept[certificate.code]["retained_until"])
    assert until.year == timezone.localdate(certificate.issued_at).year + 10


@pytest.mark.dates
@pytest.mark.django_db
def test_a_real_certificate_stays_verifiable(organisation_name, enrollment, manager, client,
                                             django_capture_on_commit_callbacks):
    attended_session(enrollment, by=manager)  # a certificate states realised hours
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.document_request(kind=DocumentKind.CERTIFICATE,
                                              enrollment=enrollment)
    document.refresh_from_db()
    name = enrollment.learner.get_full_name()
    personal_data_erase(user=enrollment.learner, by=manager, reason="Demande")
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED
    assert name in client.get(f"/verify/{document.code}/").content.decode()


@pytest.mark.django_db
def test_nothing_new_is_issued_in_an_erased_name(organisation_name, enrollment, manager,
                                                 django_capture_on_commit_callbacks):
    attended_session(enrollment, by=manager)  # a certificate states realised hours
    with django_capture_on_commit_callbacks(execute=True):
        kept = documents.document_request(kind=DocumentKind.CERTIFICATE, enrollment=enrollment)
    pending = documents.document_request(kind=DocumentKind.ATTESTATION, by=manager,
                                         enrollment=enrollment, override_reason="Sortie")
    personal_data_erase(user=enrollment.learner, by=manager, reason="Demande")
    enrollment.learner.refresh_from_db()
    assert enrollment.learner.erased_at is not None
    kept.refresh_from_db()
    pending.refresh_from_db()
    assert pending.status == DocumentStatus.FAILED
    # Asking again does not bring it back, nor make another in the anonymised name.
    for kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        with pytest.raises(ValidationError) as error:
            documents.document_request(kind=kind, by=manager, enrollment=enrollment,
                                       override_reason="Sortie")
        assert "enrollment" in error.value.message_dict
    with pytest.raises(ValidationError):
        documents.document_reissue(document=kept, by=manager, reason="Correction")
    pending.refresh_from_db()
    assert pending.status == DocumentStatus.FAILED
    # A task for it still queued (a retry, a redelivery) leaves it as it is.
    assert documents.document_render(document_id=pending.pk).status == DocumentStatus.FAILED
    assert Document.objects.filter(enrollment=enrollment).count() == 2
    assert Document.objects.get(pk=kept.pk).validity == "valid"


@pytest.mark.dates
@pytest.mark.django_db
def test_a_sheet_being_made_during_an_erasure_is_made_again(organisation_name, enrollment,
                                                             manager, trainer, monkeypatch):
    session = SessionFactory(cohort=enrollment.cohort, date=timezone.localdate())
    sheet = documents.document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=trainer,
                                       session=session)
    render_pdf = documents.render_pdf
    printed = []

    def erased_during_the_render(document, snapshot, images):
        printed.extend(row["name"] for row in snapshot["rows"])
        personal_data_erase(user=enrollment.learner, by=manager, reason="Demande")
        return render_pdf(document, snapshot, images)

    monkeypatch.setattr(documents, "render_pdf", erased_during_the_render)
    name = enrollment.learner.get_full_name()
    assert documents.document_render(document_id=sheet.pk).status == DocumentStatus.FAILED
    assert name in printed  # read before the erasure: kept nowhere
    sheet.refresh_from_db()
    assert (sheet.pdf.name, sheet.snapshot) == ("", {})
    assert "effacées" in sheet.error
    monkeypatch.setattr(documents, "render_pdf", render_pdf)
    sheet = documents.document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=trainer,
                                       session=session)
    sheet = documents.document_render(document_id=sheet.pk)
    assert sheet.status == DocumentStatus.ISSUED
    assert name not in str(sheet.snapshot) and ANONYMOUS_NAME in str(sheet.snapshot)


@pytest.fixture
def organisation_name(db):
    from lms.accounts.models import Organisation
    from tests.documents_setup import ready_to_sign

    organisation = Organisation.load()
    organisation.legal_name = "Association C-Num"
    organisation.save()
    ready_to_sign(organisation)  # attestations and certificates need a signatory
    return organisation.legal_name


@pytest.mark.django_db
def test_only_learners_are_erased_and_a_reason_is_required(trainer, staff, manager, learner):
    for account in (trainer, staff, manager, User.objects.create(username="root",
                                                                  is_superuser=True)):
        with pytest.raises(ValidationError):
            personal_data_erase(user=account, by=manager, reason="Demande")
        account.refresh_from_db()
        assert account.is_active and not account.username.startswith("anonyme-")
    for reason in ("", "   "):
        with pytest.raises(ValidationError):
            personal_data_erase(user=learner, by=manager, reason=reason)
    with pytest.raises(PermissionDenied):
        personal_data_erase(user=learner, by=staff, reason="Demande")
    learner.refresh_from_db()
    assert learner.is_active


# --- Manager pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_for_managers_only(client, person, trainer, staff):
    user = person["user"]
    for account in (trainer, staff, user):
        client.force_login(account)
        for url in (f"/donnees-personnelles/{user.pk}/",
                    f"/donnees-personnelles/{user.pk}/export.json",
                    f"/donnees-personnelles/{user.pk}/effacer/"):
            assert client.get(url).status_code == 404
        response = client.post(f"/donnees-personnelles/{user.pk}/effacer/",
                               {"reason": "x", "confirm": "on"})
        assert response.status_code == 404
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_search_finds_people_in_a_fixed_number_of_queries(client, manager, trainer,
                                                         django_assert_num_queries, size):
    for index in range(size):
        LearnerFactory(first_name="Amina", last_name=f"Benali {index}")
    client.force_login(manager)
    client.get("/donnees-personnelles/", {"q": "amina benali"})
    with django_assert_num_queries(8):
        response = client.get("/donnees-personnelles/", {"q": "amina benali"})
    assert response.status_code == 200
    assert len(response.context["people"]) == size
    assert client.get("/donnees-personnelles/").status_code == 200
    client.force_login(trainer)
    assert client.get("/donnees-personnelles/", {"q": "amina"}).status_code == 404


@pytest.mark.django_db
def test_manager_downloads_and_erases(client, person, manager):
    user = person["user"]
    client.force_login(manager)
    assert client.get(f"/donnees-personnelles/{user.pk}/").status_code == 200
    response = client.get(f"/donnees-personnelles/{user.pk}/export.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["account"]["email"] == "amina@exemple.fr"
    assert client.get("/donnees-personnelles/999999/export.json").status_code == 404
    url = f"/donnees-personnelles/{user.pk}/effacer/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    response = client.post(url, {"reason": "Demande écrite"})
    assert response.status_code == 400 and response.context["form"].errors["confirm"]
    user.refresh_from_db()
    assert user.is_active
    response = client.post(url, {"reason": "Demande écrite du 12/03", "confirm": "on"})
    assert response.status_code == 200
    assert response.context["result"]["reason"] == "Demande écrite du 12/03"
    user.refresh_from_db()
    assert user.get_full_name() == ANONYMOUS_NAME and not user.is_active


@pytest.mark.django_db
def test_a_staff_account_is_not_erased_from_the_page(client, manager, trainer):
    client.force_login(manager)
    response = client.post(f"/donnees-personnelles/{trainer.pk}/effacer/",
                           {"reason": "Demande", "confirm": "on"})
    assert response.status_code == 400
    trainer.refresh_from_db()
    assert trainer.is_active and trainer.first_name != "Personne"


# --- Commands ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_command(person, tmp_path):
    user = person["user"]
    out = io.StringIO()
    call_command("personal_data_export", user.username, stdout=out)
    assert json.loads(out.getvalue())["account"]["username"] == user.username
    target = tmp_path / "export.json"
    call_command("personal_data_export", user.username, "--output", str(target),
                 stderr=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["insertion"]
    with pytest.raises(CommandError):
        call_command("personal_data_export", "nobody")


@pytest.mark.django_db
def test_erase_command(person, manager, trainer, monkeypatch):
    user = person["user"]
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError):
        call_command("personal_data_erase", user.username, "--reason", "Demande")
    user.refresh_from_db()
    assert user.is_active
    with pytest.raises(CommandError):
        call_command("personal_data_erase", trainer.username, "--reason", "Demande", "--yes")
    with pytest.raises(CommandError):
        call_command("personal_data_erase", user.username, "--reason", " ", "--yes")
    out = io.StringIO()
    call_command("personal_data_erase", user.username, "--reason", "Demande du 12/03",
                 "--by", manager.username, "--yes", stdout=out)
    result = json.loads(out.getvalue())
    user.refresh_from_db()
    assert result["username"] == user.username and not user.is_active
    assert result["by_id"] == manager.pk


@pytest.mark.django_db
def test_erasure_is_all_or_nothing(person, manager, monkeypatch):
    user = person["user"]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("lms.privacy.erasure.account_anonymise", broken)
    with pytest.raises(RuntimeError):
        personal_data_erase(user=user, by=manager, reason="Demande")
    user.refresh_from_db()
    assert user.is_active and user.last_name == "Benali"
    assert AbsenceNotice.objects.get(learner=user).reason == "Rendez-vous CAF"
    assert Document.objects.get(pk=person["certificate"].pk).status == DocumentStatus.ISSUED


@pytest.mark.dates
@pytest.mark.django_db
def test_a_namesake_in_the_group_keeps_their_row(organisation_name, enrollment, manager,
                                                 trainer):
    """Sheet rows are matched by the learner's id: erasing one of two learners with the same
    name in a cohort anonymises only theirs."""
    first = enrollment.learner
    first.first_name, first.last_name = "Karim", "Haddad"
    first.save()
    namesake = LearnerFactory(first_name="Karim", last_name="Haddad")
    EnrollmentFactory(learner=namesake, path=enrollment.path, cohort=enrollment.cohort)
    session = SessionFactory(cohort=enrollment.cohort, date=timezone.localdate())
    sheet = documents.document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=trainer,
                                       session=session)
    sheet = documents.document_render(document_id=sheet.pk)
    assert sheet.status == DocumentStatus.ISSUED
    rows = sheet.snapshot["rows"]
    assert {row["learner_id"] for row in rows} == {first.pk, namesake.pk}
    assert {row["name"] for row in rows} == {"Karim Haddad"}
    # Past its retention, so that the erasure anonymises its rows rather than keeping it.
    Document.objects.filter(pk=sheet.pk).update(issued_at=NOW - datetime.timedelta(days=7 * 366))
    personal_data_erase(user=first, by=manager, reason="Demande")
    sheet.refresh_from_db()
    names = {row["learner_id"]: row["name"] for row in sheet.snapshot["rows"]}
    assert names == {first.pk: ANONYMOUS_NAME, namesake.pk: "Karim Haddad"}
    # The namesake's export still lists the sheet with their row; the erased one's has none.
    exported = personal_data_export(user=namesake)["attendance_sheets"]
    assert [row["name"] for row in exported[0]["rows_printed"]] == ["Karim Haddad"]
    assert personal_data_export(user=first)["attendance_sheets"][0]["rows_printed"][0][
        "name"] == ANONYMOUS_NAME
