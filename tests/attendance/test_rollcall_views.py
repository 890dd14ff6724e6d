"""The trainer's attendance pages: sessions list, roll call, signatures, check-in code, lock."""

import datetime
import json

import pytest
from django.utils import timezone

from lms.attendance import checkin, services
from lms.attendance.enums import SignatureMethod
from lms.attendance.models import (
    AbsenceNotice,
    Attendance,
    AttendanceChange,
    AttendanceSettings,
    Session,
)
from lms.attendance.services import MarkInput
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

STROKES = ["M10 10 L 50 60 L 90 20", "M100 100 L100.5 100.5"]
SESSIONS = "/emargement/"


def roll_url(session):
    return f"/emargement/seances/{session.pk}/"


def code_url(session):
    return f"/emargement/seances/{session.pk}/code/"


def sign_url(session, learner):
    return f"/emargement/seances/{session.pk}/signature/{learner.pk}/"


def paper_url(session, learner):
    return f"/emargement/seances/{session.pk}/signature/{learner.pk}/papier/"


def lock_url(session):
    return f"/emargement/seances/{session.pk}/cloture/"


def enrol_many(count, *, path, cohort):
    learners = []
    for index in range(count):
        learner = LearnerFactory(last_name=f"Nom{index:03d}", first_name="Prénom")
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
        learners.append(learner)
    return learners


def form_data(form, **changes):
    """What the browser posts back: every field with its shown value and its hidden initial."""
    data = {}
    for name, field in form.fields.items():
        initial = form.get_initial_for_field(field, name)
        value = "" if initial is None else str(initial)
        data[name] = value
        if field.show_hidden_initial:
            data[f"initial-{name}"] = value
    data.update({key: str(value) for key, value in changes.items()})
    return data


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


def status_of(session, learner):
    mark = Attendance.objects.filter(session=session, learner=learner).first()
    return mark.status.code if mark and mark.status else None


# Sessions list --------------------------------------------------------------------------------

@pytest.mark.dates
@pytest.mark.django_db
def test_sessions_list_puts_today_first_and_shows_only_the_trainers_cohorts(
        trainer_client, cohort, trainer, path):
    today = timezone.localdate()
    now = SessionFactory(cohort=cohort, date=today)
    tomorrow = SessionFactory(cohort=cohort, date=today + datetime.timedelta(days=1))
    yesterday = SessionFactory(cohort=cohort, date=today - datetime.timedelta(days=1))
    cancelled = SessionFactory(cohort=cohort, date=today + datetime.timedelta(days=2))
    services.session_cancel(session=cancelled, by=trainer, reason="Formateur malade")
    foreign = SessionFactory(cohort=CohortFactory(path=path), date=today)
    response = trainer_client.get(SESSIONS)
    assert response.status_code == 200
    assert response.context["today_sessions"] == [now]
    assert response.context["upcoming"] == [tomorrow, cancelled]
    assert response.context["recent"] == [yesterday]
    html = response.content.decode()
    assert html.index(roll_url(now)) < html.index(roll_url(tomorrow))
    assert roll_url(foreign) not in html
    assert "Formateur malade" in html and "session-card--cancelled" in html


@pytest.mark.django_db
def test_sessions_list_is_for_trainers_and_managers(client, learner, manager, cohort, path):
    SessionFactory(cohort=CohortFactory(path=path), date=timezone.localdate())
    client.force_login(learner)
    assert client.get(SESSIONS).status_code == 404
    client.force_login(manager)
    response = client.get(SESSIONS)
    assert response.status_code == 200 and len(response.context["today_sessions"]) == 1


# Roll call ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_roll_call_shows_the_group_sorted_with_segmented_statuses(trainer_client, session,
                                                                 group):
    response = trainer_client.get(roll_url(session))
    assert response.status_code == 200
    assert [row.learner for row in response.context["rows"]] == group
    html = response.content.decode()
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3
    first = group[0]
    for value in ["", "present", "late", "excused", "absent"]:
        assert f'name="status_{first.pk}" value="{value}"' in html
    assert f'name="initial-status_{first.pk}"' in html
    assert "<details" in html and f'id="id_late_{first.pk}"' in html
    assert html.count("Non signé") == 3 or html.count("Not signed") == 3


@pytest.mark.django_db
def test_roll_call_saves_the_group_and_resubmitting_is_harmless(trainer_client, session,
                                                                group):
    a, b, c = group
    form = trainer_client.get(roll_url(session)).context["form"]
    data = form_data(form, **{f"status_{a.pk}": "present", f"status_{b.pk}": "late",
                              f"late_{b.pk}": 20, f"comment_{b.pk}": "Bus en retard"})
    response = trainer_client.post(roll_url(session), data)
    assert response.status_code == 302 and response.url == roll_url(session)
    assert status_of(session, a) == "present" and status_of(session, b) == "late"
    mark_b = Attendance.objects.get(session=session, learner=b)
    assert mark_b.minutes_late == 20 and mark_b.comment == "Bus en retard"
    assert status_of(session, c) is None
    assert not Attendance.objects.filter(session=session, learner=c).exists()
    changes = AttendanceChange.objects.count()
    # The same post again (a double tap, a reload): nothing changes.
    response = trainer_client.post(roll_url(session), data, follow=True)
    assert AttendanceChange.objects.count() == changes
    assert Attendance.objects.filter(session=session).count() == 2
    assert 'role="status"' in response.content.decode()


@pytest.mark.django_db
def test_unmarked_learners_stay_unmarked_and_a_check_in_meanwhile_is_kept(
        trainer_client, session, group):
    a, b, c = group
    form = trainer_client.get(roll_url(session)).context["form"]
    # While the trainer's page is open, b checks in on their phone.
    code, _expires = checkin.current_code(session, window_seconds=60)
    services.checkin_with_code(session=session, learner=b, code=code)
    data = form_data(form, **{f"status_{a.pk}": "absent"})
    assert trainer_client.post(roll_url(session), data).status_code == 302
    assert status_of(session, a) == "absent"
    assert status_of(session, b) == "present"  # the stale "unmarked" line was not sent
    assert status_of(session, c) is None
    # Setting a mark back to unmarked is a choice too.
    form = trainer_client.get(roll_url(session)).context["form"]
    trainer_client.post(roll_url(session), form_data(form, **{f"status_{a.pk}": ""}))
    assert status_of(session, a) is None


@pytest.mark.django_db
def test_a_foreign_learner_or_a_bad_value_is_refused_with_400(trainer_client, session, group):
    stranger = LearnerFactory()
    form = trainer_client.get(roll_url(session)).context["form"]
    data = form_data(form, **{f"status_{stranger.pk}": "present",
                              f"status_{group[0].pk}": "present"})
    response = trainer_client.post(roll_url(session), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Attendance.objects.exists()
    for bad in [{f"status_{group[0].pk}": "bogus"}, {f"late_{group[0].pk}": "-5"},
                {f"late_{group[0].pk}": "999"}, {f"comment_{group[0].pk}": "x" * 301}]:
        response = trainer_client.post(roll_url(session), form_data(form, **bad))
        assert response.status_code == 400
        assert response.context["rows"][0].errors
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_withdrawn_learner_is_not_on_the_roll_call(trainer_client, session, group):
    # Withdrawn the day before the session: not expected at it any more.
    enrollment_set_status(enrollment=group[0].enrollments.get(),
                          status=EnrollmentStatus.WITHDRAWN,
                          now=timezone.make_aware(datetime.datetime.combine(
                              session.date - datetime.timedelta(days=1), datetime.time(12))))
    response = trainer_client.get(roll_url(session))
    assert [row.learner for row in response.context["rows"]] == group[1:]
    form = response.context["form"]
    data = form_data(form, **{f"status_{group[0].pk}": "present"})
    assert trainer_client.post(roll_url(session), data).status_code == 400


@pytest.mark.dates
@pytest.mark.django_db
def test_absence_notice_is_shown_on_the_roll_call(trainer_client, session, group):
    services.absence_declare(learner=group[1], cohort=session.cohort,
                             start_date=session.date, end_date=session.date,
                             reason="Rendez-vous médical")
    AbsenceNotice.objects.create(learner=group[2], cohort=session.cohort,
                                 start_date=session.date + datetime.timedelta(days=3),
                                 end_date=session.date + datetime.timedelta(days=4),
                                 reason="Plus tard")
    response = trainer_client.get(roll_url(session))
    rows = {row.learner: row for row in response.context["rows"]}
    assert [n.reason for n in rows[group[1]].notices] == ["Rendez-vous médical"]
    assert rows[group[2]].notices == [] and rows[group[0]].notices == []
    html = response.content.decode()
    assert "Rendez-vous médical" in html and "Plus tard" not in html
    assert "segmented__option--suggested" in html


@pytest.mark.django_db
def test_locked_sheet_is_read_only_for_the_trainer(trainer_client, session, group, trainer):
    services.roll_call_save(session=session, by=trainer,
                            marks=[MarkInput(group[0].pk, "absent")])
    services.session_lock(session=session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    response = trainer_client.get(roll_url(session))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<form method=\"post\" class=\"rollcall\"" not in html and "<table" in html
    assert "checkin" not in response.context
    response = trainer_client.post(roll_url(session), {f"status_{group[0].pk}": "present"})
    assert response.status_code == 400
    assert status_of(session, group[0]) == "absent"
    # Signing is closed too.
    assert trainer_client.post(sign_url(session, group[1]),
                               {"strokes": json.dumps(STROKES)}).status_code == 400
    assert trainer_client.post(paper_url(session, group[1])).status_code == 400
    assert not Attendance.objects.filter(learner=group[1]).exists()


@pytest.mark.django_db
def test_manager_overrides_a_locked_sheet_with_a_reason(client, manager, session, group,
                                                        trainer):
    services.roll_call_save(session=session, by=trainer,
                            marks=[MarkInput(group[0].pk, "absent")])
    services.session_lock(session=session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    client.force_login(manager)
    form = client.get(roll_url(session)).context["form"]
    assert "reason" in form.fields
    data = form_data(form, **{f"status_{group[0].pk}": "excused"})
    response = client.post(roll_url(session), data)
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    assert status_of(session, group[0]) == "absent"
    data["reason"] = "Certificat médical reçu"
    assert client.post(roll_url(session), data).status_code == 302
    assert status_of(session, group[0]) == "excused"
    change = AttendanceChange.objects.order_by("pk").last()
    assert change.reason == "Certificat médical reçu" and change.changed_by == manager
    # Paper signature on a locked sheet: the reason is required as well.
    assert client.post(paper_url(session, group[1])).status_code == 400
    assert client.post(paper_url(session, group[1]),
                       {"reason": "Feuille papier retrouvée"}).status_code == 302
    mark = Attendance.objects.get(session=session, learner=group[1])
    assert mark.signature_method == SignatureMethod.PAPER


@pytest.mark.django_db
def test_cancelled_session_is_read_only(trainer_client, session, group, trainer):
    services.session_cancel(session=session, by=trainer, reason="Salle inondée")
    response = trainer_client.get(roll_url(session))
    assert response.status_code == 200 and "Salle inondée" in response.content.decode()
    assert not response.context["editable"]
    response = trainer_client.post(roll_url(session), {f"status_{group[0].pk}": "present"})
    assert response.status_code == 400 and not Attendance.objects.exists()


# Signatures -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_sign_page_offers_the_pad_and_the_paper_fallback(trainer_client, session, group):
    response = trainer_client.get(sign_url(session, group[0]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<canvas" in html and "signature-pad.js" in html and "data-signature-form" in html
    assert paper_url(session, group[0]) in html and "<noscript>" in html


@pytest.mark.dates
@pytest.mark.django_db
def test_drawn_signature_is_recorded(trainer_client, session, group):
    response = trainer_client.post(sign_url(session, group[0]),
                                   {"strokes": json.dumps(STROKES)})
    assert response.status_code == 302
    # The learner still holds the device: the signing mode thanks them; no staff page.
    assert response.url == f"{sign_url(session, group[0])}?signe=1"
    mark = Attendance.objects.get(session=session, learner=group[0])
    assert mark.signature_method == SignatureMethod.DRAWN and mark.status.code == "present"
    assert 'd="M10 10 L 50 60 L 90 20"' in mark.signature_svg
    done = trainer_client.get(response.url)
    assert done.context["done"] and "<canvas" not in done.content.decode()
    html = trainer_client.get(roll_url(session)).content.decode()
    local = timezone.localtime(mark.signed_at)
    assert f"{local:%H:%M}" in html


@pytest.mark.django_db
@pytest.mark.parametrize("strokes", [
    "", "not json", json.dumps([]), json.dumps("M1 2"), json.dumps([1, 2]),
    json.dumps(['M1 2"/><script>alert(1)</script>']), json.dumps(["Z"]),
    json.dumps(["M1 1 L2 2"] * 201),
])
def test_invalid_strokes_are_refused(trainer_client, session, group, strokes):
    response = trainer_client.post(sign_url(session, group[0]), {"strokes": strokes})
    assert response.status_code == 400
    assert response.context["draw_form"].errors
    assert "<script>alert" not in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_paper_fallback_is_recorded(trainer_client, session, group):
    assert trainer_client.get(paper_url(session, group[0])).status_code == 405
    response = trainer_client.post(paper_url(session, group[0]))
    assert response.status_code == 302
    mark = Attendance.objects.get(session=session, learner=group[0])
    assert mark.signature_method == SignatureMethod.PAPER and mark.status.code == "present"
    assert mark.signature_svg == ""
    rows = trainer_client.get(roll_url(session)).context["rows"]
    assert rows[0].mark.signature_method == SignatureMethod.PAPER


@pytest.mark.django_db
def test_a_learner_outside_the_cohort_cannot_be_signed_for(trainer_client, session, group):
    stranger = LearnerFactory()
    assert trainer_client.get(sign_url(session, stranger)).status_code == 404
    assert trainer_client.post(sign_url(session, stranger),
                               {"strokes": json.dumps(STROKES)}).status_code == 404
    assert trainer_client.post(paper_url(session, stranger)).status_code == 404
    assert not Attendance.objects.exists()


@pytest.mark.dates
@pytest.mark.django_db
def test_countersign_and_lock(trainer_client, session, group, trainer):
    services.roll_call_save(session=session, by=trainer,
                            marks=[MarkInput(group[0].pk, "present")])
    response = trainer_client.get(lock_url(session))
    assert response.status_code == 200
    assert response.context["unmarked"] == 2 and response.context["learner_count"] == 3
    assert trainer_client.post(lock_url(session), {"strokes": "[]"}).status_code == 400
    assert trainer_client.post(lock_url(session), {"strokes": '["Z"]'}).status_code == 400
    session.refresh_from_db()
    assert not session.is_locked
    # group[0] is marked present without a signature: closing asks for a confirmation.
    response = trainer_client.post(lock_url(session), {"strokes": json.dumps(STROKES)})
    assert response.status_code == 400
    assert response.context["unsigned_present"] == [group[0]]
    assert response.context["form"].errors["confirm_unsigned"]
    session.refresh_from_db()
    assert not session.is_locked
    response = trainer_client.post(lock_url(session), {"strokes": json.dumps(STROKES),
                                                       "confirm_unsigned": "on"})
    assert response.status_code == 302 and response.url == lock_url(session)
    session.refresh_from_db()
    assert session.is_locked and session.locked_by == trainer
    html = trainer_client.get(lock_url(session)).content.decode()
    assert f"{timezone.localtime(session.locked_at):%H:%M}" in html
    assert "<svg" in html and "<canvas" not in html
    response = trainer_client.post(lock_url(session), {"strokes": json.dumps(STROKES)})
    assert response.status_code == 400


# Check-in code panel --------------------------------------------------------------------------

@pytest.mark.dates
@pytest.mark.django_db
def test_roll_call_shows_the_code_and_its_qr_code(trainer_client, session, group):
    response = trainer_client.get(roll_url(session))
    panel = response.context["checkin"]
    code = checkin.current_code(session, window_seconds=60)[0]
    assert panel["code"] in {code, checkin.current_code(
        session, window_seconds=60, now=timezone.now().timestamp() - 60)[0]}
    assert panel["url"] == (f"http://testserver/emargement/seances/{session.pk}/pointer/"
                            f"?code={panel['code']}")
    html = response.content.decode()
    assert panel["code"] in html and "<svg" in html and "<title>" in html
    assert 'role="img"' in html and "checkin-code.js" in html
    assert f'href="{roll_url(session)}#code"' in html  # refresh without JavaScript
    assert 'src="http' not in html and 'href="http' not in html.replace(panel["url"], "")


@pytest.mark.django_db
def test_code_endpoint_is_json_for_the_trainer_only(client, trainer, learner, enrollment,
                                                   session, manager):
    client.force_login(trainer)
    response = client.get(code_url(session))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    assert data["open"] is True and len(data["code"]) == 6 and data["qr_svg"].startswith("<svg")
    assert checkin.code_is_valid(session, data["code"], window_seconds=60)
    client.force_login(learner)
    assert client.get(code_url(session)).status_code == 404
    client.force_login(TrainerFactory())
    assert client.get(code_url(session)).status_code == 404
    services.session_lock(session=session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    client.force_login(manager)
    assert client.get(code_url(session)).json() == {"open": False}


# Permissions ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_other_trainers_and_learners_get_404(client, session, group, learner, enrollment):
    for user in [TrainerFactory(), learner]:
        client.force_login(user)
        for url in [roll_url(session), sign_url(session, group[0]), lock_url(session)]:
            assert client.get(url).status_code == 404
        assert client.post(roll_url(session),
                           {f"status_{group[0].pk}": "present"}).status_code == 404
        assert client.post(paper_url(session, group[0])).status_code == 404
        assert client.post(lock_url(session),
                           {"strokes": json.dumps(STROKES)}).status_code == 404
    assert not Attendance.objects.exists()
    assert not Session.objects.get(pk=session.pk).is_locked


@pytest.mark.django_db
def test_the_session_trainer_not_in_the_cohort_takes_the_roll_call(client, cohort, group):
    substitute = TrainerFactory()
    session = SessionFactory(cohort=cohort, trainer=substitute)
    client.force_login(substitute)
    assert client.get(roll_url(session)).status_code == 200


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, session):
    response = client.get(roll_url(session))
    assert response.status_code == 302 and "/comptes/" in response.url


@pytest.mark.django_db
def test_writes_are_post_only(trainer_client, session, group):
    assert trainer_client.put(roll_url(session)).status_code == 405
    assert trainer_client.post(code_url(session)).status_code == 405
    assert trainer_client.post(SESSIONS).status_code == 405


# Query counts ---------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 8])
def test_sessions_list_query_count_is_fixed(client, path, module, trainer,
                                            django_assert_num_queries, size):
    today = timezone.localdate()
    for n in range(size):
        cohort = CohortFactory(path=path, trainers=[trainer])
        for days in (-n - 1, 0, n + 1):
            SessionFactory(cohort=cohort, trainer=trainer, module=module,
                           date=today + datetime.timedelta(days=days))
    client.force_login(trainer)
    client.get(SESSIONS)
    with django_assert_num_queries(10):
        response = client.get(SESSIONS)
    assert len(response.context["today_sessions"]) == size
    assert len(response.context["recent"]) == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 30])
def test_roll_call_query_count_is_fixed(client, path, cohort, trainer, session,
                                        django_assert_num_queries, size):
    learners = enrol_many(size, path=path, cohort=cohort)
    for learner in learners[::2]:
        AbsenceNotice.objects.create(learner=learner, cohort=cohort, start_date=session.date,
                                     end_date=session.date, reason="Rendez-vous")
    services.roll_call_save(session=session, by=trainer,
                            marks=[MarkInput(learner.pk, "late") for learner in learners[::3]])
    AttendanceSettings.load()
    client.force_login(trainer)
    client.get(roll_url(session))  # warm the per-process caches (content types, site)
    with django_assert_num_queries(14):
        response = client.get(roll_url(session))
    assert len(response.context["rows"]) == size
    form = response.context["form"]
    data = form_data(form, **{f"status_{learner.pk}": "present" for learner in learners})
    # 17: the chain's head is read once the session's lock is held (lms.attendance.chain).
    with django_assert_num_queries(17):
        response = client.post(roll_url(session), data)
    assert response.status_code == 302
    assert Attendance.objects.filter(session=session, status__code="present").count() == size
