"""Locked means locked: a countersigned sheet changes only through a manager's amendment with
a reason, in the services, the API, the pages and the Wagtail admin (point 3 of issue 11)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.attendance import services
from lms.attendance.chain import session_chain_verify
from lms.attendance.enums import ChangeKind
from lms.attendance.models import AttendanceChange, Session
from lms.attendance.signals import sheet_amended
from lms.progress.models import CohortMembership
from tests.accounts.factories import ManagerFactory, TrainerFactory
from tests.attendance import locked_world
from tests.attendance.locked_world import marks
from tests.cohorts.factories import CohortFactory
from tests.documents_setup import ready_to_sign
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

# Fixtures shared with the chain's and the audit pages' tests.
group, open_session, locked = locked_world.group, locked_world.open_session, locked_world.locked


def last_entry(session):
    return AttendanceChange.objects.filter(session=session).order_by("-pk").first()


# --- Services --------------------------------------------------------------------------------


def test_nobody_cancels_a_locked_sheet_without_an_amendment(locked, trainer, manager):
    for user in (trainer, manager):
        with pytest.raises(ValidationError, match="avenant|amendment"):
            services.session_cancel(session=locked, by=user, reason="Salle fermée")
    locked.refresh_from_db()
    assert not locked.is_cancelled


def test_an_amendment_is_a_managers_with_a_reason(locked, trainer, manager):
    with pytest.raises(PermissionDenied):
        services.session_amend(session=locked, by=trainer, reason="Erreur", room="Salle 2")
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.session_amend(session=locked, by=manager, reason=reason, room="Salle 2")
        assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=locked, by=manager, reason="x" * 301, room="Salle 2")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=locked, by=manager, reason="Erreur",
                               locked_at=None)
    assert "locked_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.session_amend(session=locked, by=manager, reason="Erreur", room="Salle 1")
    locked.refresh_from_db()
    assert locked.room == "Salle 1" and locked.amended_at is None


def test_amending_the_date_and_times_writes_before_after_who_when_why(locked, manager):
    old_date = locked.date
    new_date = old_date - datetime.timedelta(days=1)
    services.session_amend(session=locked, by=manager, reason="Séance avancée d'un jour",
                           date=new_date, start_time=datetime.time(14),
                           end_time=datetime.time(17))
    locked.refresh_from_db()
    assert (locked.date, locked.start_time) == (new_date, datetime.time(14))
    assert locked.is_locked and locked.amended_at is not None
    entry = last_entry(locked)
    assert entry.kind == ChangeKind.SESSION and entry.amendment
    assert entry.changed_by == manager and entry.reason == "Séance avancée d'un jour"
    assert entry.before == {"date": old_date.isoformat(), "start_time": "09:00:00",
                            "end_time": "12:00:00"}
    assert entry.after == {"date": new_date.isoformat(), "start_time": "14:00:00",
                           "end_time": "17:00:00"}
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=locked, by=manager, reason="Erreur",
                               end_time=datetime.time(13))
    assert "end_time" in str(error.value) or "__all__" in error.value.message_dict
    assert session_chain_verify(locked).intact


def test_amending_module_trainer_room_and_cancelling(locked, manager, module):
    substitute = TrainerFactory()
    services.session_amend(session=locked, by=manager, reason="Remplaçant non saisi",
                           trainer=substitute, room="Salle 3", module=module)
    locked.refresh_from_db()
    assert (locked.trainer, locked.room, locked.module) == (substitute, "Salle 3", module)
    entry = last_entry(locked)
    assert set(entry.before) == {"trainer", "room", "module"} and entry.amendment
    services.session_amend(session=locked, by=manager, reason="Formateur malade",
                           cancelled=True)
    locked.refresh_from_db()
    assert locked.is_cancelled and locked.cancel_reason == "Formateur malade"
    entry = last_entry(locked)
    assert entry.before == {"cancelled_at": None, "cancel_reason": ""}
    assert session_chain_verify(locked).intact


def _refused_on(error, field) -> str:
    assert set(error.value.message_dict) == {field}
    return " ".join(error.value.message_dict[field])


def test_amending_the_cohort_of_a_locked_sheet_cannot_change_who_is_on_it(
        locked, manager, path, group):
    """Moving a countersigned sheet to another group would take its learners' marks and
    signatures off the days they were expected, and put the other group's on it."""
    other = CohortFactory(path=path)
    newcomer = EnrollmentFactory(path=path, cohort=other).learner
    before = last_entry(locked).pk
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=locked, by=manager, reason="Mauvais groupe saisi",
                               cohort=other)
    message = _refused_on(error, "cohort")
    for learner in (*group, newcomer):
        assert learner.last_name in message
    locked.refresh_from_db()
    assert locked.cohort_id != other.pk and locked.amended_at is None
    assert last_entry(locked).pk == before


def test_amending_the_date_of_a_locked_sheet_cannot_add_or_drop_learners(
        locked, manager, cohort, path, group):
    day = locked.date
    # Someone in the group only from the day after: moving the sheet there would add them.
    late = EnrollmentFactory(path=path, cohort=cohort,
                             membership=day + datetime.timedelta(days=1)).learner
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=locked, by=manager, reason="Date mal saisie",
                               date=day + datetime.timedelta(days=1))
    message = _refused_on(error, "date")
    assert late.last_name in message
    assert not any(learner.last_name in message for learner in group)
    # Arnaud (present, signed) joined the group that very day: moving the sheet a day earlier
    # would drop his signature. (His membership is set through the ORM: the roster guard
    # would rightly refuse changing it around a locked sheet.)
    CohortMembership.objects.filter(enrollment__learner=group[0]).update(start_date=day)
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=locked, by=manager, reason="Date mal saisie",
                               date=day - datetime.timedelta(days=1))
    message = _refused_on(error, "date")
    assert group[0].last_name in message and late.last_name not in message
    assert group[1].last_name not in message
    locked.refresh_from_db()
    assert locked.date == day and locked.amended_at is None


def test_amending_the_date_keeping_the_same_learners_is_allowed(locked, manager, group):
    new_date = locked.date - datetime.timedelta(days=2)
    services.session_amend(session=locked, by=manager, reason="Séance tenue deux jours plus "
                           "tôt", date=new_date)
    locked.refresh_from_db()
    assert locked.date == new_date and locked.is_locked
    assert last_entry(locked).after == {"date": new_date.isoformat()}
    assert session_chain_verify(locked).intact


def test_an_open_sessions_move_keeps_its_marks_on_the_roster(open_session, group, trainer,
                                                             manager, cohort, path):
    """Not locked yet, the sheet may gain a learner, but a recorded mark must not fall off
    the days its learner was expected."""
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((group[0], "present")))
    day = open_session.date
    EnrollmentFactory(path=path, cohort=cohort, membership=day + datetime.timedelta(days=1))
    services.session_amend(session=open_session, by=manager, reason="Décalée au lendemain",
                           date=day + datetime.timedelta(days=1))
    open_session.refresh_from_db()
    assert open_session.date == day + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.session_amend(session=open_session, by=manager, reason="Autre groupe",
                               cohort=CohortFactory(path=path))
    message = _refused_on(error, "cohort")
    assert group[0].last_name in message and group[1].last_name not in message


def test_amendments_are_announced_once_committed(locked, manager, group,
                                                 django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    sheet_amended.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_amend(session=locked, by=manager, reason="Salle changée",
                                   room="Salle 2")
            assert received == []  # not before the commit
        assert received[0]["session_id"] == locked.pk
        assert received[0]["reason"] == "Salle changée" and received[0]["by"] == manager
        # A manager's override of a mark is an amendment too.
        with django_capture_on_commit_callbacks(execute=True):
            services.roll_call_save(session=locked, by=manager,
                                    marks=marks((group[1], "excused")),
                                    reason="Certificat médical")
        assert len(received) == 2 and received[1]["session_id"] == locked.pk
    finally:
        sheet_amended.disconnect(listener)
    entry = last_entry(locked)
    assert entry.kind == ChangeKind.MARK and entry.amendment
    assert (entry.before["status"], entry.after["status"]) == ("absent", "excused")


def _issued(**fields):
    return Document.objects.create(status=DocumentStatus.ISSUED, issued_at=timezone.now(),
                                   sha256="0" * 64, pdf="documents/test.pdf", **fields)


def test_an_amendment_issues_again_the_documents_built_from_the_sheet(
        locked, manager, cohort, path, group, django_capture_on_commit_callbacks):
    ready_to_sign()  # documents are issued only once the organisation can sign them
    enrollment = group[0].enrollments.get()
    monday = locked.date - datetime.timedelta(days=locked.date.weekday())
    sheet = _issued(kind=DocumentKind.ATTENDANCE_SHEET, subject=f"sheet:session:{locked.pk}",
                    session=locked, cohort=cohort)
    week = _issued(kind=DocumentKind.ATTENDANCE_SHEET, subject=f"sheet:week:{monday}",
                   cohort=cohort, week_start=monday)
    attestation = _issued(kind=DocumentKind.ATTESTATION, subject=f"attestation:{enrollment.pk}",
                          enrollment=enrollment, learner=group[0], path=path)
    elsewhere = EnrollmentFactory(path=path, cohort=CohortFactory(path=path))
    unrelated = _issued(kind=DocumentKind.ATTESTATION, subject=f"attestation:{elsewhere.pk}",
                        enrollment=elsewhere, learner=elsewhere.learner, path=path)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_amend(session=locked, by=manager, reason="Horaires corrigés",
                               end_time=datetime.time(11, 30))
    for document in (sheet, week, attestation):
        new = Document.objects.get(supersedes=document)
        assert new.version == document.version + 1
        assert "Horaires corrigés" in new.override_reason
    assert not Document.objects.filter(supersedes=unrelated).exists()


# --- API -------------------------------------------------------------------------------------


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_refuses_cancelling_a_locked_sheet_unless_a_managers_amendment(locked, trainer,
                                                                           manager):
    url = f"/api/v1/sessions/{locked.pk}/cancel/"
    response = api_as(trainer).post(url, {"reason": "Oubli"}, format="json")
    assert response.status_code == 400
    assert "amendment" in str(response.json()) or "avenant" in str(response.json()) \
        or "verrouill" in str(response.json())
    locked.refresh_from_db()
    assert not locked.is_cancelled
    response = api_as(manager).post(url, {"reason": "Séance jamais tenue"}, format="json")
    assert response.status_code == 200 and response.json()["is_cancelled"]
    entry = last_entry(locked)
    assert entry.amendment and entry.reason == "Séance jamais tenue"


def test_api_amend_is_for_managers_with_a_reason(locked, trainer, manager, cohort):
    url = f"/api/v1/sessions/{locked.pk}/amend/"
    assert api_as(trainer).post(url, {"reason": "x", "room": "B"},
                                format="json").status_code == 403
    response = api_as(manager).post(url, {"room": "Salle 2"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api_as(manager).post(url, {"reason": "r" * 301, "room": "Salle 2"},
                                    format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api_as(manager).post(url, {"reason": "Rien", "room": "Salle 1"}, format="json")
    assert response.status_code == 400
    response = api_as(manager).post(
        url, {"reason": "Fin avancée", "end_time": "08:00"}, format="json")
    assert response.status_code == 400
    response = api_as(manager).post(url, {"reason": "Salle changée", "room": "Salle 2"},
                                    format="json")
    assert response.status_code == 200 and response.json()["room"] == "Salle 2"
    detail = api_as(trainer).get(f"/api/v1/sessions/{locked.pk}/").json()
    assert detail["chain"]["intact"] is True and detail["amended_at"]


def test_api_refuses_an_amendment_that_changes_who_is_on_the_sheet(locked, manager, path,
                                                                   group):
    other = CohortFactory(path=path)
    response = api_as(manager).post(f"/api/v1/sessions/{locked.pk}/amend/",
                                    {"reason": "Mauvais groupe", "cohort": other.pk},
                                    format="json")
    assert response.status_code == 400
    assert "Arnaud" in " ".join(response.json()["cohort"])
    locked.refresh_from_db()
    assert locked.cohort_id != other.pk


# --- Pages -----------------------------------------------------------------------------------


def test_the_cohort_page_refuses_cancelling_a_locked_sheet(client, locked, trainer, cohort):
    client.force_login(trainer)
    response = client.post(
        f"/emargement/groupes/{cohort.pk}/seances/{locked.pk}/annuler/",
        {f"cancel-{locked.pk}-reason": "Oubli"})
    assert response.status_code == 400
    locked.refresh_from_db()
    assert not locked.is_cancelled


def amend_form_data(session, **changes):
    prefix = f"amend-{session.pk}"
    data = {"date": session.date.isoformat(), "start_time": "09:00", "end_time": "12:00",
            "room": session.room, "trainer": session.trainer_id or "", **changes}
    return {f"{prefix}-{name}": value for name, value in data.items()}


def test_a_manager_amends_a_locked_sheet_from_the_cohort_page(client, locked, trainer,
                                                              manager, cohort):
    url = f"/emargement/groupes/{cohort.pk}/seances/{locked.pk}/avenant/"
    client.force_login(trainer)
    assert "avenant/" not in client.get(f"/emargement/groupes/{cohort.pk}/").text
    assert client.post(url, amend_form_data(locked, room="B", reason="x")).status_code == 404
    client.force_login(manager)
    assert url in client.get(f"/emargement/groupes/{cohort.pk}/").text
    response = client.post(url, amend_form_data(locked, room="Salle 2"))
    assert response.status_code == 400  # no reason
    response = client.post(url, amend_form_data(locked, reason="Rien"))
    assert response.status_code == 400  # nothing changed
    locked.refresh_from_db()
    assert locked.room == "Salle 1"
    response = client.post(url, amend_form_data(locked, room="Salle 2", cancelled="on",
                                                reason="Séance jamais tenue"))
    assert response.status_code == 302
    locked.refresh_from_db()
    assert locked.room == "Salle 2" and locked.is_cancelled and locked.is_locked
    entry = last_entry(locked)
    assert entry.amendment and entry.reason == "Séance jamais tenue"
    assert set(entry.after) == {"room", "cancelled_at", "cancel_reason"}


def test_the_cohort_page_says_which_learners_a_date_amendment_would_drop(
        client, locked, manager, cohort, group):
    CohortMembership.objects.filter(enrollment__learner=group[0]).update(
        start_date=locked.date)
    client.force_login(manager)
    earlier = locked.date - datetime.timedelta(days=1)
    response = client.post(f"/emargement/groupes/{cohort.pk}/seances/{locked.pk}/avenant/",
                           amend_form_data(locked, date=earlier.isoformat(),
                                           reason="Date mal saisie"))
    assert response.status_code == 400
    assert re.search(r"Arnaud[^<]*(no longer expected|ne serai)", response.text)
    locked.refresh_from_db()
    assert locked.date != earlier


# --- Wagtail admin ---------------------------------------------------------------------------


def edit_url(session):
    return f"/admin/snippets/attendance/session/edit/{session.pk}/"


def delete_url(session):
    return f"/admin/snippets/attendance/session/delete/{session.pk}/"


def admin_form(session, **changes):
    data = {"cohort": session.cohort_id, "date": session.date.isoformat(),
            "start_time": session.start_time.strftime("%H:%M"),
            "end_time": session.end_time.strftime("%H:%M"),
            "module": session.module_id or "", "trainer": session.trainer_id or "",
            "room": session.room}
    data.update(changes)
    return data


@pytest.fixture
def admin_manager(db):
    return ManagerFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def admin_trainer(trainer):
    """The cohort's trainer, given the admin's session permissions (not a manager)."""
    editors = Group.objects.create(name="Session planners")
    editors.permissions.set(Permission.objects.filter(
        codename__in=["access_admin", "add_session", "change_session", "delete_session",
                      "view_session"]))
    trainer.groups.add(editors)
    return trainer


def test_admin_edit_of_a_locked_sheet_needs_a_managers_reason(client, locked, admin_manager):
    client.force_login(admin_manager)
    page = client.get(edit_url(locked))
    assert page.status_code == 200 and "amendment_reason" in page.text
    response = client.post(edit_url(locked), admin_form(locked, room="Salle 9"))
    assert response.status_code == 200  # the form again, with its error
    locked.refresh_from_db()
    assert locked.room == "Salle 1"
    response = client.post(edit_url(locked), admin_form(
        locked, room="Salle 9", amendment_reason="Salle mal saisie"))
    assert response.status_code == 302
    locked.refresh_from_db()
    assert locked.room == "Salle 9" and locked.is_locked
    entry = last_entry(locked)
    assert entry.amendment and entry.reason == "Salle mal saisie"
    assert entry.changed_by == admin_manager
    assert entry.before == {"room": "Salle 1"} and entry.after == {"room": "Salle 9"}


def test_admin_edit_of_an_open_session_is_a_plain_edit(client, open_session, admin_manager):
    client.force_login(admin_manager)
    assert "amendment_reason" not in client.get(edit_url(open_session)).text
    response = client.post(edit_url(open_session), admin_form(open_session, room="Salle 4"))
    assert response.status_code == 302
    open_session.refresh_from_db()
    assert open_session.room == "Salle 4"


def test_admin_edit_of_a_locked_sheet_by_a_trainer_is_refused(client, locked, admin_trainer):
    client.force_login(admin_trainer)
    assert client.get(edit_url(locked)).status_code == 200
    response = client.post(edit_url(locked), admin_form(
        locked, room="Salle 9", amendment_reason="Je corrige"))
    assert response.status_code == 200
    assert "manager" in response.text or "gestionnaire" in response.text \
        or "responsable" in response.text
    locked.refresh_from_db()
    assert locked.room == "Salle 1"


@pytest.mark.parametrize("who", ["admin_manager", "admin_trainer"])
def test_admin_delete_of_a_locked_sheet_is_a_message_not_a_500(client, locked, who, request):
    client.force_login(request.getfixturevalue(who))
    for method in (client.get, client.post):
        response = method(delete_url(locked), follow=True)
        assert response.status_code == 200
        assert [m for m in response.context["messages"] if m.level_tag == "error"]
    assert Session.objects.filter(pk=locked.pk).exists()


def test_admin_delete_of_a_session_with_marks_is_a_message(client, open_session, group,
                                                           trainer, admin_manager):
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((group[0], "present")))
    client.force_login(admin_manager)
    response = client.post(delete_url(open_session), follow=True)
    assert response.status_code == 200
    assert Session.objects.filter(pk=open_session.pk).exists()
    bare = Session.objects.create(cohort=open_session.cohort, date=open_session.date,
                                  start_time=datetime.time(14), end_time=datetime.time(16))
    assert client.post(delete_url(bare)).status_code == 302
    assert not Session.objects.filter(pk=bare.pk).exists()


def cohort_delete_url(cohort):
    return f"/admin/snippets/cohorts/cohort/delete/{cohort.pk}/"


def test_admin_delete_of_a_cohort_with_records_is_a_message_not_a_500(
        client, locked, open_session, group, trainer, admin_manager, path):
    from lms.cohorts.models import Cohort

    client.force_login(admin_manager)
    # Locked sheets: refused with a message.
    response = client.post(cohort_delete_url(locked.cohort), follow=True)
    assert response.status_code == 200
    assert [m for m in response.context["messages"] if m.level_tag == "error"]
    assert Cohort.objects.filter(pk=locked.cohort_id).exists()
    # Audited marks but no locked sheet: refused too (the audit trail is PROTECT).
    other = CohortFactory(path=path)
    session = Session.objects.create(cohort=other, date=open_session.date,
                                     start_time=datetime.time(14), end_time=datetime.time(16))
    enrolled = EnrollmentFactory(path=path, cohort=other).learner
    services.roll_call_save(session=session, by=admin_manager,
                            marks=marks((enrolled, "present")))
    response = client.post(cohort_delete_url(other), follow=True)
    assert response.status_code == 200
    assert [m for m in response.context["messages"] if m.level_tag == "error"]
    assert Cohort.objects.filter(pk=other.pk).exists()
    # An empty group still goes.
    empty = CohortFactory(path=path)
    assert client.post(cohort_delete_url(empty)).status_code == 302
    assert not Cohort.objects.filter(pk=empty.pk).exists()


def test_admin_refuses_moving_a_sheet_to_another_group_with_a_message(client, locked, path,
                                                                     admin_manager):
    other = CohortFactory(path=path)
    client.force_login(admin_manager)
    response = client.post(edit_url(locked), admin_form(
        locked, cohort=other.pk, amendment_reason="Mauvais groupe saisi"))
    assert response.status_code == 200  # the form again, naming the learners
    assert "Arnaud" in " ".join(response.context["form"].errors["cohort"])
    locked.refresh_from_db()
    assert locked.cohort_id != other.pk


def test_admin_refuses_moving_an_open_session_off_its_marked_learners(
        client, open_session, group, trainer, path, admin_manager):
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((group[1], "present")))
    other = CohortFactory(path=path)
    client.force_login(admin_manager)
    response = client.post(edit_url(open_session), admin_form(open_session, cohort=other.pk))
    assert response.status_code == 200
    assert "Bernard" in " ".join(response.context["form"].errors["cohort"])
    open_session.refresh_from_db()
    assert open_session.cohort_id != other.pk
