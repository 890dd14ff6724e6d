"""Roll-call rules auditors expect (issue 11, point 5): no marks before the session's day, no
silent closing of a sheet with present learners who did not sign, half-days with an evening,
and each signature printed with how and when it was given."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from rest_framework.test import APIClient

from certificates.snapshots import session_rows
from lms.attendance import checkin, services
from lms.attendance.enums import HalfDay
from lms.attendance.models import Attendance, AttendanceSettings
from lms.attendance.services import MarkInput
from tests.attendance.factories import SessionFactory
from tests.progress.factories import EnrollmentFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2026, 3, 10)
NOW = datetime.datetime.combine(TODAY, datetime.time(9, 30), tzinfo=PARIS)
STROKES = ["M10 10 L 50 60 L 90 20"]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ahead(cohort, trainer, enrollment):
    return SessionFactory(cohort=cohort, trainer=trainer,
                          date=TODAY + datetime.timedelta(days=21))


@pytest.fixture
def today_session(cohort, trainer, enrollment):
    return SessionFactory(cohort=cohort, trainer=trainer, date=TODAY,
                          start_time=datetime.time(9), end_time=datetime.time(12))


def at(moment_time):
    return datetime.datetime.combine(TODAY, moment_time, tzinfo=PARIS)


# No marks before the session's day ------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("who", ["trainer", "manager"])
def test_nobody_marks_a_session_ahead(clock, request, ahead, learner, who):
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as error:
        services.roll_call_save(session=ahead, by=user, marks=[MarkInput(learner.pk, "present")])
    assert error.value.code == "before_session_day"
    with pytest.raises(ValidationError):
        services.signature_paper(session=ahead, learner_id=learner.pk, by=user)
    with pytest.raises(ValidationError):
        services.signature_draw(session=ahead, learner_id=learner.pk, strokes=STROKES, by=user)
    with pytest.raises(ValidationError):
        services.session_lock(session=ahead, by=user, strokes=STROKES)
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_no_check_in_ahead(clock, ahead, learner):
    window = AttendanceSettings.load().checkin_window_seconds
    code = checkin.current_code(ahead, window_seconds=window)[0]
    with pytest.raises(ValidationError):
        services.checkin_with_code(session=ahead, learner=learner, code=code)


@pytest.mark.django_db
def test_the_api_answers_400_ahead(clock, ahead, trainer, learner):
    api = APIClient()
    api.force_authenticate(trainer)
    response = api.post(f"/api/v1/sessions/{ahead.pk}/roll-call/",
                        {"marks": [{"learner": learner.pk, "status": "present"}]},
                        format="json")
    assert response.status_code == 400
    assert "31/03/2026" in str(response.json())
    response = api.post(f"/api/v1/sessions/{ahead.pk}/lock/", {"strokes": STROKES},
                        format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_page_of_a_session_ahead_is_read_only_with_the_declared_absences(
        clock, client, ahead, trainer, learner, cohort):
    services.absence_declare(learner=learner, cohort=cohort, start_date=ahead.date,
                             end_date=ahead.date, reason="Rendez-vous médical")
    client.force_login(trainer)
    response = client.get(f"/emargement/seances/{ahead.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not response.context["editable"] and response.context["ahead"]
    assert "checkin" not in response.context  # no code to show ahead
    assert 'name="status_' not in html and "Rendez-vous médical" in html
    assert [row.learner for row in response.context["rows"]] == [learner]
    response = client.post(f"/emargement/seances/{ahead.pk}/", {f"status_{learner.pk}":
                                                                "present"})
    assert response.status_code == 400
    assert not Attendance.objects.exists()
    response = client.get(f"/emargement/seances/{ahead.pk}/cloture/")
    assert 'name="strokes"' not in response.content.decode()


@pytest.mark.django_db
def test_on_its_day_the_trainer_marks(clock, today_session, trainer, learner):
    services.roll_call_save(session=today_session, by=trainer,
                            marks=[MarkInput(learner.pk, "present")])
    assert Attendance.objects.get(learner=learner).status.code == "present"


# Closing with present learners who did not sign --------------------------------------------

@pytest.mark.django_db
def test_closing_names_the_unsigned_present_learners_until_confirmed(
        clock, today_session, trainer, learner, classmate_enrollment):
    classmate = classmate_enrollment.learner
    services.roll_call_save(session=today_session, by=trainer,
                            marks=[MarkInput(learner.pk, "present"),
                                   MarkInput(classmate.pk, "late", minutes_late=10)])
    services.signature_paper(session=today_session, learner_id=classmate.pk, by=trainer)
    with pytest.raises(ValidationError) as error:
        services.session_lock(session=today_session, by=trainer, strokes=STROKES)
    message = error.value.message_dict["confirm_unsigned"][0]
    assert learner.get_full_name() in message and classmate.get_full_name() not in message
    today_session.refresh_from_db()
    assert not today_session.is_locked
    services.session_lock(session=today_session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    today_session.refresh_from_db()
    assert today_session.is_locked


@pytest.mark.django_db
def test_nothing_to_confirm_when_everyone_present_signed(clock, today_session, trainer,
                                                        learner):
    services.signature_paper(session=today_session, learner_id=learner.pk, by=trainer)
    services.session_lock(session=today_session, by=trainer, strokes=STROKES)
    today_session.refresh_from_db()
    assert today_session.is_locked


@pytest.fixture
def classmate_enrollment(path, cohort):
    return EnrollmentFactory(path=path, cohort=cohort)


@pytest.mark.django_db
def test_the_sheet_prints_how_and_when_each_learner_signed(
        clock, today_session, trainer, learner, classmate_enrollment, path, cohort):
    drawn = classmate_enrollment.learner
    checked_in = EnrollmentFactory(path=path, cohort=cohort).learner
    on_paper = EnrollmentFactory(path=path, cohort=cohort).learner
    services.roll_call_save(session=today_session, by=trainer,
                            marks=[MarkInput(learner.pk, "present")])
    clock.move_to(at(datetime.time(9, 2)))
    window = AttendanceSettings.load().checkin_window_seconds
    services.checkin_with_code(session=today_session, learner=checked_in,
                               code=checkin.current_code(today_session,
                                                         window_seconds=window)[0])
    clock.move_to(at(datetime.time(9, 5)))
    services.signature_draw(session=today_session, learner_id=drawn.pk, strokes=STROKES,
                            by=trainer)
    services.signature_paper(session=today_session, learner_id=on_paper.pk, by=trainer)
    cells = {row["name"]: row["cells"][0] for row in session_rows([today_session])}
    assert cells[checked_in.get_full_name()]["signature_text"] == \
        "signé sur son téléphone à 09:02"
    assert cells[drawn.get_full_name()]["signature_text"] == \
        "signé sur l'écran du formateur à 09:05"
    assert cells[on_paper.get_full_name()]["signature_text"] == "signé sur la feuille papier"
    unsigned = cells[learner.get_full_name()]
    assert unsigned["unsigned_present"] and not unsigned["signature_text"]
    html = render_to_string("certificates/pdf/attendance_sheet.html", {"s": {
        "path": "Parcours", "cohort": cohort.name,
        "sessions": [{"date": TODAY.isoformat(), "start": "09:00", "end": "12:00",
                      "half_day": "Matin"}],
        "rows": session_rows([today_session]),
    }, "images": {}})
    assert html.count("présent·e — non signé") == 1
    assert "signé sur son téléphone à 09:02" in html


# Half-days -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "half_day"), [
    (datetime.time(8, 30), HalfDay.MORNING),
    (datetime.time(12, 59), HalfDay.MORNING),
    (datetime.time(13, 0), HalfDay.AFTERNOON),
    (datetime.time(17, 59), HalfDay.AFTERNOON),
    (datetime.time(18, 0), HalfDay.EVENING),
    (datetime.time(21, 0), HalfDay.EVENING),
])
def test_half_days_come_from_the_start_time(start, half_day):
    assert HalfDay.of(start) == half_day


@pytest.mark.django_db
def test_a_21h_session_is_an_evening_one(cohort):
    session = SessionFactory(cohort=cohort, date=TODAY, start_time=datetime.time(21),
                             end_time=datetime.time(22, 30))
    assert session.half_day == HalfDay.EVENING
    assert session.get_half_day_label() == "Soirée"
