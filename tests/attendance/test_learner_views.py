"""The learner's attendance pages: self check-in with the code, absences declared ahead."""

import datetime
import time

import pytest
from django.utils import timezone

from lms.attendance import checkin, services
from lms.attendance.enums import SignatureMethod
from lms.attendance.models import AbsenceNotice, Attendance, AttendanceSettings
from lms.attendance.services import MarkInput
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

ABSENCES = "/emargement/mes-absences/"
STROKES = ["M10 10 L 50 60"]


def checkin_url(session):
    return f"/emargement/seances/{session.pk}/pointer/"


@pytest.fixture
def session(cohort, trainer):
    return SessionFactory(cohort=cohort, trainer=trainer, date=timezone.localdate())


@pytest.fixture
def learner_client(client, learner, enrollment):
    client.force_login(learner)
    return client


def code_now(session, offset=0):
    return checkin.current_code(session, window_seconds=60, now=time.time() + offset)[0]


# Self check-in --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_check_in_page_is_prefilled_from_the_qr_code_link(learner_client, session):
    response = learner_client.get(checkin_url(session) + "?code=ab3cde")
    assert response.status_code == 200
    assert response.context["form"]["code"].value() == "AB3CDE"
    assert 'value="AB3CDE"' in response.content.decode()
    assert not Attendance.objects.exists()  # a GET never signs


@pytest.mark.dates
@pytest.mark.django_db
def test_check_in_with_the_current_code(learner_client, learner, session):
    response = learner_client.post(checkin_url(session), {"code": code_now(session).lower()})
    assert response.status_code == 302 and response.url == checkin_url(session)
    mark = Attendance.objects.get(session=session, learner=learner)
    assert mark.signature_method == SignatureMethod.CHECK_IN and mark.status.code == "present"
    response = learner_client.get(checkin_url(session))
    assert response.context["signed"]
    html = response.content.decode()
    assert f"{timezone.localtime(mark.signed_at):%H:%M}" in html and "<form method=\"post\" " \
        "action=\"/emargement/seances/" not in html
    # Posting again changes nothing.
    signed_at = mark.signed_at
    assert learner_client.post(checkin_url(session),
                               {"code": code_now(session)}).status_code == 302
    mark.refresh_from_db()
    assert mark.signed_at == signed_at


@pytest.mark.dates
@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "ZZZZZZ", "expired"])
def test_a_wrong_or_expired_code_is_refused_with_a_clear_message(learner_client, session,
                                                                 code):
    if code == "expired":
        code = code_now(session, offset=-600)
    response = learner_client.post(checkin_url(session), {"code": code})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert 'class="field-error"' in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_the_window_comes_from_the_settings(learner_client, session):
    settings = AttendanceSettings.load()
    settings.checkin_window_seconds = 300
    settings.save()
    code = checkin.current_code(session, window_seconds=300)[0]
    assert learner_client.post(checkin_url(session), {"code": code}).status_code == 302


@pytest.mark.django_db
def test_a_code_of_another_session_is_refused(learner_client, cohort, trainer, session):
    other = SessionFactory(cohort=cohort, trainer=trainer, date=session.date,
                           start_time=datetime.time(14), end_time=datetime.time(16))
    response = learner_client.post(checkin_url(session), {"code": code_now(other)})
    assert response.status_code == 400 and not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_learner_outside_the_cohort_gets_404(client, session, path):
    outsider = LearnerFactory()
    EnrollmentFactory(learner=outsider, path=path, cohort=CohortFactory(path=path))
    client.force_login(outsider)
    response = client.get(checkin_url(session))
    assert response.status_code == 404
    assert "attendance/learner/not_in_session.html" in [t.name for t in response.templates]
    assert client.post(checkin_url(session), {"code": code_now(session)}).status_code == 404
    assert client.get("/emargement/seances/999999/pointer/").status_code == 404
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_withdrawn_learner_cannot_check_in(learner_client, enrollment, session):
    # Withdrawn the day before the session (through the service, which ends the membership).
    enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                          now=timezone.make_aware(datetime.datetime.combine(
                              session.date - datetime.timedelta(days=1), datetime.time(12))))
    assert learner_client.post(checkin_url(session),
                               {"code": code_now(session)}).status_code == 404


@pytest.mark.django_db
def test_check_in_is_closed_on_a_locked_or_cancelled_session(learner_client, learner, session,
                                                             trainer, cohort):
    services.session_lock(session=session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    response = learner_client.get(checkin_url(session))
    assert response.status_code == 200 and 'name="code"' not in response.content.decode()
    assert learner_client.post(checkin_url(session),
                               {"code": code_now(session)}).status_code == 302
    cancelled = SessionFactory(cohort=cohort, trainer=trainer, date=session.date)
    services.session_cancel(session=cancelled, by=trainer, reason="Grève")
    assert 'name="code"' not in learner_client.get(checkin_url(cancelled)).content.decode()
    assert not Attendance.objects.filter(learner=learner).exists()


@pytest.mark.django_db
def test_check_in_needs_a_login(client, session):
    response = client.get(checkin_url(session) + "?code=ABCDEF")
    assert response.status_code == 302 and "/comptes/" in response.url
    assert "code%3DABCDEF" in response.url  # back to the same link after logging in


# Absences declared ahead ----------------------------------------------------------------------

@pytest.mark.dates
@pytest.mark.django_db
def test_learner_declares_an_absence_and_sees_it(learner_client, learner, cohort):
    response = learner_client.get(ABSENCES)
    assert response.status_code == 200
    assert list(response.context["form"].fields["cohort"].queryset) == [cohort]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = learner_client.post(ABSENCES, {
        "cohort": cohort.pk, "start_date": tomorrow.isoformat(),
        "end_date": (tomorrow + datetime.timedelta(days=1)).isoformat(),
        "reason": "Rendez-vous France Travail"})
    assert response.status_code == 302
    notice = AbsenceNotice.objects.get()
    assert notice.learner == learner and notice.cohort == cohort
    response = learner_client.get(ABSENCES)
    assert "Rendez-vous France Travail" in response.content.decode()
    assert 'role="status"' in response.content.decode()


@pytest.mark.dates
@pytest.mark.django_db
def test_declared_absence_shows_on_the_trainers_roll_call(learner_client, client, cohort,
                                                          trainer, session):
    learner_client.post(ABSENCES, {
        "cohort": cohort.pk, "start_date": session.date.isoformat(),
        "end_date": session.date.isoformat(), "reason": "Enfant malade"})
    client.force_login(trainer)
    html = client.get(f"/emargement/seances/{session.pk}/").content.decode()
    assert "Enfant malade" in html and "notice-badge" in html


@pytest.mark.dates
@pytest.mark.django_db
@pytest.mark.parametrize("change, field", [
    ({"start_date": "2000-01-01", "end_date": "2000-01-02"}, "start_date"),
    ({"end_date": "earlier"}, "end_date"),
    ({"reason": ""}, "reason"),
    ({"reason": "x" * 301}, "reason"),
    ({"start_date": "demain"}, "start_date"),
    ({"cohort": "foreign"}, "cohort"),
])
def test_bad_absence_declarations_are_refused(learner_client, cohort, path, change, field):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {"cohort": cohort.pk, "start_date": tomorrow.isoformat(),
            "end_date": tomorrow.isoformat(), "reason": "Rendez-vous"}
    data.update(change)
    if data["end_date"] == "earlier":
        data["end_date"] = (tomorrow - datetime.timedelta(days=1)).isoformat()
    if data["cohort"] == "foreign":
        data["cohort"] = CohortFactory(path=path).pk
    response = learner_client.post(ABSENCES, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not AbsenceNotice.objects.exists()


@pytest.mark.dates
@pytest.mark.django_db
def test_learner_sees_only_own_notices_and_own_figures(learner_client, learner, cohort,
                                                       trainer, path):
    other = LearnerFactory()
    EnrollmentFactory(learner=other, path=path, cohort=cohort)
    day = timezone.localdate()
    AbsenceNotice.objects.create(learner=other, cohort=cohort, start_date=day, end_date=day,
                                 reason="Secret de l'autre")
    past = [SessionFactory(cohort=cohort, trainer=trainer,
                           date=day - datetime.timedelta(days=n)) for n in (1, 2)]
    services.roll_call_save(session=past[0], by=trainer, marks=[
        MarkInput(learner.pk, "present"), MarkInput(other.pk, "absent")])
    services.roll_call_save(session=past[1], by=trainer, marks=[
        MarkInput(learner.pk, "absent"), MarkInput(other.pk, "absent")])
    response = learner_client.get(ABSENCES)
    html = response.content.decode()
    assert "Secret de l" not in html
    [(shown_cohort, figures)] = response.context["figures"]
    assert shown_cohort == cohort and figures.rate == 50 and figures.sessions_marked == 2
    assert "50,0" in html and "3,00" in html


@pytest.mark.dates
@pytest.mark.django_db
def test_todays_session_offers_the_check_in_link(learner_client, cohort, trainer):
    session = SessionFactory(cohort=cohort, trainer=trainer, date=timezone.localdate(),
                             start_time=datetime.time(0), end_time=datetime.time(23, 59, 59))
    html = learner_client.get(ABSENCES).content.decode()
    assert checkin_url(session) in html


@pytest.mark.django_db
def test_user_without_cohort_sees_no_form(client, learner):
    client.force_login(learner)
    response = client.get(ABSENCES)
    assert response.status_code == 200 and not response.context["has_cohorts"]
    assert 'name="reason"' not in response.content.decode()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(ABSENCES, {"cohort": "1", "start_date": tomorrow,
                                      "end_date": tomorrow, "reason": "x"})
    assert response.status_code == 400 and not AbsenceNotice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_absences_page_query_count_is_fixed(learner_client, learner, cohort, trainer,
                                            django_assert_num_queries, size):
    day = timezone.localdate()
    for n in range(size):
        AbsenceNotice.objects.create(learner=learner, cohort=cohort,
                                     start_date=day + datetime.timedelta(days=n),
                                     end_date=day + datetime.timedelta(days=n), reason="RDV")
        session = SessionFactory(cohort=cohort, trainer=trainer,
                                 date=day - datetime.timedelta(days=n + 1))
        services.roll_call_save(session=session, by=trainer,
                                marks=[MarkInput(learner.pk, "present")])
        SessionFactory(cohort=cohort, trainer=trainer, date=day + datetime.timedelta(days=n))
    learner_client.get(ABSENCES)  # warm the per-process caches
    # 15: one read tells which notices can still be changed or withdrawn.
    with django_assert_num_queries(15):
        response = learner_client.get(ABSENCES)
    assert len(response.context["notices"]) == size


# Changing or withdrawing a notice (issue 15, point 3) ----------------------------------------

def _notice_world(enrollment):
    day = timezone.localdate() + datetime.timedelta(days=3)
    session = SessionFactory(cohort=enrollment.cohort, date=day,
                             start_time=datetime.time(9), end_time=datetime.time(12))
    notice = AbsenceNotice.objects.create(learner=enrollment.learner, cohort=enrollment.cohort,
                                          start_date=day, end_date=day, reason="Dentiste")
    return session, notice


@pytest.mark.dates
@pytest.mark.django_db
def test_a_learner_changes_then_withdraws_a_notice_before_the_session(client, enrollment):
    session, notice = _notice_world(enrollment)
    client.force_login(enrollment.learner)
    edit = f"/emargement/mes-absences/{notice.pk}/modifier/"
    assert edit in client.get(ABSENCES).content.decode()
    assert client.get(edit).status_code == 200
    new_end = session.date + datetime.timedelta(days=1)
    response = client.post(edit, {"start_date": session.date.isoformat(),
                                  "end_date": new_end.isoformat(), "reason": "Dentiste, 2 j"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.end_date, notice.reason) == (new_end, "Dentiste, 2 j")
    bad = client.post(edit, {"start_date": session.date.isoformat(),
                             "end_date": (session.date - datetime.timedelta(days=1)).isoformat(),
                             "reason": "x"})
    assert bad.status_code == 400 and bad.context["form"].errors["end_date"]
    response = client.post(f"/emargement/mes-absences/{notice.pk}/retirer/")
    assert response.status_code == 302
    assert not AbsenceNotice.objects.filter(pk=notice.pk).exists()


@pytest.mark.django_db
def test_a_notice_is_fixed_once_its_session_started_and_is_the_learners_own(
        client, enrollment, time_machine):
    session, notice = _notice_world(enrollment)
    edit = f"/emargement/mes-absences/{notice.pk}/modifier/"
    withdraw = f"/emargement/mes-absences/{notice.pk}/retirer/"
    client.force_login(LearnerFactory())
    assert client.get(edit).status_code == 404 and client.post(withdraw).status_code == 404
    started = timezone.make_aware(datetime.datetime.combine(session.date, datetime.time(9, 30)))
    time_machine.move_to(started, tick=False)
    client.force_login(enrollment.learner)
    assert edit not in client.get(ABSENCES).content.decode()
    response = client.post(withdraw)
    assert response.status_code == 302 and AbsenceNotice.objects.filter(pk=notice.pk).exists()
    response = client.post(edit, {"start_date": session.date.isoformat(),
                                  "end_date": session.date.isoformat(), "reason": "x"})
    assert response.status_code == 400
    assert AbsenceNotice.objects.get(pk=notice.pk).reason == "Dentiste"
