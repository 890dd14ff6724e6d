"""The roll call saved at each tap (issue 15, point 3): one line at a time as JSON, "All
present" for the unmarked, declared absences pre-set to excused, the signing mode, and the
learner's notice changed or withdrawn until its session starts."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from lms.attendance import services
from lms.attendance.models import AbsenceNotice, Attendance, AttendanceChange
from lms.attendance.services import MarkInput
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.attendance.test_rollcall_views import STROKES, roll_url, sign_url, status_of
from tests.progress.factories import EnrollmentFactory


@pytest.fixture
def group(path, cohort):
    learners = [LearnerFactory(first_name=first, last_name=last) for first, last in
                [("Chloé", "Martin"), ("Amine", "Benali"), ("Jeanne", "Durand")]]
    for learner in learners:
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    return sorted(learners, key=lambda learner: learner.last_name)  # Benali, Durand, Martin


@pytest.fixture
def session(cohort, trainer):
    return SessionFactory(cohort=cohort, trainer=trainer, date=timezone.localdate())


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def mark_url(session, learner):
    return f"/emargement/seances/{session.pk}/marques/{learner.pk}/"


def all_url(session):
    return f"/emargement/seances/{session.pk}/tous-presents/"


def declare(learner, session, reason="Rendez-vous médical"):
    return AbsenceNotice.objects.create(learner=learner, cohort=session.cohort,
                                        start_date=session.date, end_date=session.date,
                                        reason=reason)


# One line at each tap -------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_tap_is_saved_at_once_and_chained(trainer_client, session, group, trainer):
    response = trainer_client.post(mark_url(session, group[0]), {"status": "late", "late": "10",
                                                                 "comment": "Bus"})
    assert response.status_code == 200
    assert response.json() == {"saved": True, "learner": group[0].pk, "changed": True,
                               "status": "late", "late": 10, "comment": "Bus"}
    mark = Attendance.objects.get(session=session, learner=group[0])
    assert (mark.status.code, mark.minutes_late, mark.marked_by) == ("late", 10, trainer)
    assert AttendanceChange.objects.filter(session=session, learner=group[0]).count() == 1
    # The same tap again changes nothing and writes no entry.
    again = trainer_client.post(mark_url(session, group[0]),
                                {"status": "late", "late": "10", "comment": "Bus"})
    assert again.json()["changed"] is False
    assert AttendanceChange.objects.filter(session=session, learner=group[0]).count() == 1
    # Back to unmarked.
    assert trainer_client.post(mark_url(session, group[0]), {"status": ""}).json()[
        "status"] == ""
    assert status_of(session, group[0]) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "field"), [
    ({"status": "nope"}, "status"), ({"status": "late", "late": "-1"}, "late"),
    ({"status": "late", "late": "100000"}, "late"), ({"comment": "x" * 301}, "comment"),
])
def test_a_bad_tap_is_a_400_with_its_field(trainer_client, session, group, data, field):
    response = trainer_client.post(mark_url(session, group[0]), data)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_taps_follow_the_sheet_rules(trainer_client, client, session, group, trainer, manager,
                                     cohort):
    # Before the session's day: refused.
    ahead = SessionFactory(cohort=cohort, trainer=trainer,
                           date=timezone.localdate() + datetime.timedelta(days=1))
    response = trainer_client.post(mark_url(ahead, group[0]), {"status": "present"})
    assert response.status_code == 400 and not Attendance.objects.filter(session=ahead).exists()
    # A learner of another group: 404.
    assert trainer_client.post(mark_url(session, LearnerFactory()),
                               {"status": "present"}).status_code == 404
    # Locked: refused to the trainer; a manager needs a reason, kept as an amendment.
    services.session_lock(session=session, by=trainer, strokes=STROKES)
    response = trainer_client.post(mark_url(session, group[0]), {"status": "present"})
    assert response.status_code == 400 and "__all__" in response.json()["errors"]
    client.force_login(manager)
    response = client.post(mark_url(session, group[0]), {"status": "present"})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = client.post(mark_url(session, group[0]),
                           {"status": "present", "reason": "Oubli corrigé"})
    assert response.status_code == 200
    change = AttendanceChange.objects.filter(learner=group[0]).get()
    assert change.amendment and change.reason == "Oubli corrigé"


@pytest.mark.django_db
def test_the_roll_call_page_wires_the_taps(trainer_client, session, group):
    html = trainer_client.get(roll_url(session)).content.decode()
    assert "js/roll-call.js" in html and 'data-rollcall="' in html
    assert f'data-mark-url="/emargement/seances/{session.pk}/marques/0/"' in html
    assert f'data-learner="{group[0].pk}"' in html and "data-save-state" in html
    assert all_url(session) in html


# All present --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_all_present_marks_only_the_unmarked(trainer_client, session, group, trainer):
    benali, durand, martin = group
    services.roll_call_save(session=session, by=trainer, marks=[MarkInput(benali.pk, "absent")])
    declare(durand, session)
    response = trainer_client.post(all_url(session), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["marked"] == {str(durand.pk): "excused", str(martin.pk): "present"}
    assert [status_of(session, learner) for learner in group] == ["absent", "excused",
                                                                   "present"]
    # Again: nobody left to mark. Without JavaScript: a redirect with a message.
    response = trainer_client.post(all_url(session))
    assert response.status_code == 302 and response.url == roll_url(session)


@pytest.mark.django_db
def test_all_present_is_refused_on_a_locked_sheet(trainer_client, session, group, trainer):
    services.session_lock(session=session, by=trainer, strokes=STROKES)
    response = trainer_client.post(all_url(session), HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and not Attendance.objects.exists()


# Declared absences pre-set ------------------------------------------------------------------

@pytest.mark.django_db
def test_a_declared_absence_is_pre_set_to_excused_and_saved_with_the_form(
        trainer_client, session, group):
    declare(group[1], session)
    response = trainer_client.get(roll_url(session))
    rows = {row.learner: row for row in response.context["rows"]}
    assert rows[group[1]].preset == "excused" and rows[group[0]].preset == ""
    checked = [o["value"] for o in rows[group[1]].status_options if o["checked"]]
    assert checked == ["excused"]
    html = response.content.decode()
    assert f'data-learner="{group[1].pk}" data-preset="excused"' in html
    assert f'name="initial-status_{group[1].pk}" value="excused"' not in html
    # Saving the form as shown records it; the trainer may change it afterwards.
    data = {"csrfmiddlewaretoken": "x"}
    for row in response.context["rows"]:
        pk = row.learner.pk
        shown = next((o["value"] for o in row.status_options if o["checked"]), "")
        data.update({f"status_{pk}": shown, f"initial-status_{pk}": "", f"late_{pk}": "0",
                     f"initial-late_{pk}": "0", f"comment_{pk}": "", f"initial-comment_{pk}": ""})
    assert trainer_client.post(roll_url(session), data).status_code == 302
    assert status_of(session, group[1]) == "excused" and status_of(session, group[0]) is None
    trainer_client.post(mark_url(session, group[1]), {"status": "present"})
    assert status_of(session, group[1]) == "present"
    rows = {row.learner: row for row in trainer_client.get(roll_url(session)).context["rows"]}
    assert rows[group[1]].preset == ""  # marked: no longer pre-set


# Signing mode ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_signing_mode_shows_the_pad_and_the_name_only(trainer_client, session, group):
    response = trainer_client.get(sign_url(session, group[0]))
    html = response.content.decode()
    assert response.templates[0].name == "attendance/rollcall/signing_mode.html"
    assert str(group[0]) in html and "<canvas" in html and "signing-mode.js" in html
    # No site menu, no Wagtail userbar, no link but the trainer's way back.
    assert "site-nav" not in html and "wagtail-userbar" not in html.lower()
    assert "<script>" not in html and "style=" not in html
    links = re.findall(r'<a [^>]*href="([^"]*)"', html)
    assert links == [f"{roll_url(session)}#learner-{group[0].pk}"]
    assert "signing__staff" in html


@pytest.mark.django_db
def test_signing_mode_thanks_the_learner_after_signing(trainer_client, session, group):
    response = trainer_client.post(sign_url(session, group[0]), {"strokes": json.dumps(STROKES)})
    done = trainer_client.get(response.url)
    html = done.content.decode()
    assert done.context["done"] and "<canvas" not in html and "role=\"status\"" in html
    # A fresh visit (the trainer signs it again) shows the pad.
    assert "<canvas" in trainer_client.get(sign_url(session, group[0])).content.decode()


@pytest.mark.django_db
def test_a_managers_override_keeps_the_staff_page(client, manager, session, group, trainer):
    services.session_lock(session=session, by=trainer, strokes=STROKES)
    client.force_login(manager)
    response = client.get(sign_url(session, group[0]))
    assert response.templates[0].name == "attendance/rollcall/sign.html"
