"""The attendance API: scopes (learner, trainer, other trainer, manager, anonymous), the bulk
roll call, check-in codes, locked sheets, errors as 400s and fixed query counts."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

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
from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.accounts.factories import LearnerFactory, TrainerFactory, UserFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.conftest import as_user, ids
from tests.courses.factories import ModuleFactory, TrainingPathFactory
from tests.progress.factories import EnrollmentFactory

COHORTS = "/api/v1/cohorts/"
SESSIONS = "/api/v1/sessions/"
MARKS = "/api/v1/attendance/"
NOTICES = "/api/v1/absence-notices/"
STROKES = ["M10 10 L 50 60 L 90 20", "M100 100 l5 5"]
TODAY = datetime.date.today()
TOMORROW = TODAY + datetime.timedelta(days=1)


def session_url(session, action=""):
    return f"{SESSIONS}{session.pk}/{action + '/' if action else ''}"


def post(api, url, data):
    return api.post(url, data, format="json")


@pytest.fixture
def classmate(path, cohort):
    return EnrollmentFactory(path=path, cohort=cohort).learner


@pytest.fixture
def session(cohort, trainer, enrollment, classmate):
    return SessionFactory(cohort=cohort, trainer=trainer)


@pytest.fixture
def elsewhere(catalogue):
    """Another path with its own cohort, trainer, learner and session."""
    other_path = TrainingPathFactory(parent=catalogue, title="Bureautique")
    other_trainer = TrainerFactory()
    other_cohort = CohortFactory(path=other_path, trainers=[other_trainer])
    other_learner = EnrollmentFactory(path=other_path, cohort=other_cohort).learner
    other_session = SessionFactory(cohort=other_cohort, trainer=other_trainer)
    services.roll_call_save(session=other_session, by=other_trainer,
                            marks=[MarkInput(other_learner.pk, "present")])
    return type("Elsewhere", (), {
        "path": other_path, "trainer": other_trainer, "cohort": other_cohort,
        "learner": other_learner, "session": other_session,
        "mark": Attendance.objects.get(session=other_session),
    })


@pytest.fixture
def marked(session, trainer, learner, classmate):
    """The session's roll call taken: the learner present, the classmate absent."""
    services.roll_call_save(session=session, by=trainer, marks=[
        MarkInput(learner.pk, "present"), MarkInput(classmate.pk, "absent")])
    return {mark.learner_id: mark for mark in Attendance.objects.filter(session=session)}


def roll(*pairs, **extra):
    return {"marks": [{"learner": user.pk, "status": code, **extra} for user, code in pairs]}


def current_code(session):
    window = AttendanceSettings.load().checkin_window_seconds
    return checkin.current_code(session, window_seconds=window)[0]


# Anonymous ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), [
    ("get", COHORTS), ("post", COHORTS), ("get", SESSIONS), ("post", SESSIONS),
    ("post", f"{SESSIONS}recurring/"), ("get", MARKS), ("get", NOTICES), ("post", NOTICES),
])
def test_anonymous_is_refused(api, session, method, url):
    assert getattr(api, method)(url, {}).status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["", "roll-call", "check-in", "lock", "cancel"])
def test_anonymous_cannot_touch_a_session(api, session, action):
    method = api.get if not action else api.post
    assert method(session_url(session, action), {}).status_code in (401, 403)
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_anonymous_cannot_read_cohorts_nor_marks(api, cohort, marked):
    assert api.get(f"{COHORTS}{cohort.pk}/").status_code in (401, 403)
    mark = next(iter(marked.values()))
    assert api.get(f"{MARKS}{mark.pk}/").status_code in (401, 403)


# Cohorts -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cohort_fields_and_learner_count(api, manager, cohort, trainer, enrollment, classmate,
                                         path):
    EnrollmentFactory(path=path, cohort=cohort, status=EnrollmentStatus.WITHDRAWN)
    as_user(api, manager)
    row = api.get(f"{COHORTS}{cohort.pk}/").json()
    assert row["name"] == cohort.name and row["path"] == path.pk
    assert row["path_title"] == "Club premiers pas" and row["place"] == "Salle Ada Lovelace"
    assert row["capacity"] == 12 and row["start_date"] == cohort.start_date.isoformat()
    assert row["trainers"] == [{"id": trainer.pk, "name": str(trainer)}]
    assert row["learner_count"] == 2  # the withdrawn learner is not counted


@pytest.mark.django_db
def test_cohorts_are_scoped(api, learner, trainer, manager, cohort, enrollment, elsewhere):
    as_user(api, learner)
    assert ids(api.get(COHORTS)) == {cohort.pk}
    assert api.get(f"{COHORTS}{elsewhere.cohort.pk}/").status_code == 404
    as_user(api, trainer)
    assert ids(api.get(COHORTS)) == {cohort.pk}
    assert api.get(f"{COHORTS}{elsewhere.cohort.pk}/").status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(COHORTS)) == {elsewhere.cohort.pk}
    assert api.get(f"{COHORTS}{cohort.pk}/").status_code == 404
    as_user(api, elsewhere.learner)
    assert api.get(f"{COHORTS}{cohort.pk}/").status_code == 404
    as_user(api, UserFactory())  # no role: nothing
    assert ids(api.get(COHORTS)) == set()
    as_user(api, manager)
    assert ids(api.get(COHORTS)) == {cohort.pk, elsewhere.cohort.pk}


@pytest.mark.django_db
def test_cohorts_filter_by_path_and_trainer(api, manager, cohort, trainer, elsewhere):
    as_user(api, manager)
    assert ids(api.get(COHORTS, {"path": elsewhere.path.pk})) == {elsewhere.cohort.pk}
    assert ids(api.get(COHORTS, {"trainer": trainer.pk})) == {cohort.pk}
    assert ids(api.get(COHORTS, {"running_on": TODAY.isoformat()})) == {
        cohort.pk, elsewhere.cohort.pk}
    assert api.get(COHORTS, {"trainer": "x"}).status_code == 400


@pytest.mark.django_db
def test_manager_creates_and_changes_a_cohort(api, manager, path, trainer):
    as_user(api, manager)
    data = {"name": "Promo printemps", "path": path.pk, "start_date": "2026-03-02",
            "end_date": "2026-06-26", "place": "Médiathèque", "capacity": 10,
            "trainers": [trainer.pk]}
    response = post(api, COHORTS, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["trainers"] == [{"id": trainer.pk, "name": str(trainer)}]
    assert body["learner_count"] == 0
    cohort = Cohort.objects.get(pk=body["id"])
    assert list(cohort.trainers.all()) == [trainer]
    response = api.patch(f"{COHORTS}{cohort.pk}/", {"capacity": 8, "trainers": []},
                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["capacity"] == 8 and response.json()["trainers"] == []
    response = api.put(f"{COHORTS}{cohort.pk}/", {**data, "name": "Promo été"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Promo été"


@pytest.mark.django_db
def test_cohort_input_errors_are_400s(api, manager, path, cohort, enrollment, catalogue,
                                      learner):
    as_user(api, manager)
    base = {"name": "X", "path": path.pk, "start_date": "2026-03-02", "end_date": "2026-06-26"}
    response = post(api, COHORTS, {**base, "end_date": "2026-01-01"})
    assert response.status_code == 400 and set(response.json()) == {"end_date"}
    response = post(api, COHORTS, {**base, "trainers": [learner.pk]})  # not a trainer
    assert response.status_code == 400 and set(response.json()) == {"trainers"}
    response = post(api, COHORTS, {**base, "path": 10**30, "capacity": 0})
    assert response.status_code == 400 and set(response.json()) == {"path", "capacity"}
    response = api.patch(f"{COHORTS}{cohort.pk}/",
                         {"end_date": (cohort.start_date - datetime.timedelta(1)).isoformat()},
                         format="json")
    assert response.status_code == 400 and set(response.json()) == {"end_date"}
    other_path = TrainingPathFactory(parent=catalogue, title="Autre")
    response = api.patch(f"{COHORTS}{cohort.pk}/", {"path": other_path.pk}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"path"}
    cohort.refresh_from_db()
    assert cohort.path_id == path.pk


@pytest.mark.django_db
def test_who_creates_or_changes_cohorts(api, trainer, learner, path, cohort, enrollment,
                                        elsewhere):
    """Managers any; a trainer the cohorts of the paths they teach and those they train (the
    cohorts services' rule); learners none."""
    data = {"name": "X", "path": path.pk, "start_date": "2026-03-02", "end_date": "2026-06-26"}
    as_user(api, learner)
    assert post(api, COHORTS, data).status_code == 403
    assert api.patch(f"{COHORTS}{cohort.pk}/", {"name": "Y"}, format="json").status_code == 403
    as_user(api, trainer)
    assert post(api, COHORTS, data).status_code == 403  # not a trainer of the path
    assert api.patch(f"{COHORTS}{elsewhere.cohort.pk}/", {"name": "Y"}, format="json"
                     ).status_code == 404
    assert Cohort.objects.filter(name__in=["X", "Y"]).count() == 0
    response = api.patch(f"{COHORTS}{cohort.pk}/", {"name": "Y"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Y"
    path.trainers.add(trainer)
    path.save()  # a parental M2M is written on save
    response = post(api, COHORTS, data)
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_cohort_close_through_the_api(api, trainer, cohort, enrollment):
    as_user(api, trainer)
    later = SessionFactory(cohort=cohort, date=TODAY + datetime.timedelta(days=7))
    url = f"{COHORTS}{cohort.pk}/close/"
    response = post(api, url, {"on_date": TODAY.isoformat()})
    assert response.status_code == 400 and set(response.json()) == {"on_date"}
    services.session_cancel(session=later, by=trainer, reason="Salle fermée")
    response = post(api, url, {"on_date": TODAY.isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["closed_on"] == TODAY.isoformat()
    assert response.json()["end_date"] == TODAY.isoformat()
    response = post(api, url, {"on_date": TODAY.isoformat()})
    assert response.status_code == 400  # already closed


# Sessions: reading -------------------------------------------------------------------------


@pytest.mark.django_db
def test_sessions_are_scoped(api, learner, trainer, manager, session, elsewhere):
    as_user(api, learner)
    assert ids(api.get(SESSIONS)) == {session.pk}
    assert api.get(session_url(elsewhere.session)).status_code == 404
    as_user(api, trainer)
    assert ids(api.get(SESSIONS)) == {session.pk}
    assert api.get(session_url(elsewhere.session)).status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(SESSIONS)) == {elsewhere.session.pk}
    assert api.get(session_url(session)).status_code == 404
    as_user(api, elsewhere.learner)
    assert api.get(session_url(session)).status_code == 404
    as_user(api, manager)
    assert ids(api.get(SESSIONS)) == {session.pk, elsewhere.session.pk}


@pytest.mark.django_db
def test_a_substitute_trainer_sees_the_session_they_give(api, cohort, session):
    substitute = TrainerFactory()
    given = SessionFactory(cohort=cohort, trainer=substitute)
    as_user(api, substitute)
    assert ids(api.get(SESSIONS)) == {given.pk}
    assert api.get(session_url(session)).status_code == 404


@pytest.mark.django_db
def test_session_fields_hide_secrets(api, learner, session):
    as_user(api, learner)
    row = api.get(session_url(session)).json()
    assert row["cohort"] == session.cohort_id and row["half_day"] == "morning"
    assert row["duration_minutes"] == 180 and row["trainer_name"] == str(session.trainer)
    assert row["is_cancelled"] is False and row["is_locked"] is False
    assert "checkin_secret" not in row and "countersignature_svg" not in row


@pytest.mark.dates
@pytest.mark.django_db
def test_sessions_filter_by_cohort_dates_and_cancelled(api, manager, cohort, session, trainer,
                                                       elsewhere):
    later = SessionFactory(cohort=cohort, trainer=trainer, date=TODAY + datetime.timedelta(7))
    services.session_cancel(session=later, by=trainer, reason="Férié")
    as_user(api, manager)
    assert ids(api.get(SESSIONS, {"cohort": cohort.pk})) == {session.pk, later.pk}
    assert ids(api.get(SESSIONS, {"date_after": TODAY.isoformat()})) == {later.pk}
    assert ids(api.get(SESSIONS, {"date_before": TODAY.isoformat()})) == {
        session.pk, elsewhere.session.pk}
    assert ids(api.get(SESSIONS, {"date_after": session.date.isoformat(),
                                  "date_before": session.date.isoformat(),
                                  "cohort": cohort.pk})) == {session.pk}
    assert ids(api.get(SESSIONS, {"cancelled": "true"})) == {later.pk}
    assert ids(api.get(SESSIONS, {"cancelled": "false", "cohort": cohort.pk})) == {session.pk}
    assert api.get(SESSIONS, {"date_after": "demain"}).status_code == 400


# Sessions: scheduling ----------------------------------------------------------------------


@pytest.mark.django_db
def test_trainer_of_the_cohort_schedules_a_session(api, trainer, cohort, module):
    as_user(api, trainer)
    response = post(api, SESSIONS, {"cohort": cohort.pk, "date": TOMORROW.isoformat(),
                                    "start_time": "14:00", "end_time": "16:00",
                                    "module": module.pk, "room": "Salle 2"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["trainer"] == trainer.pk and body["module_title"] == "Le courriel"
    assert body["half_day"] == "afternoon"
    assert Session.objects.get(pk=body["id"]).room == "Salle 2"


@pytest.mark.django_db
def test_manager_schedules_a_session_without_a_trainer(api, manager, cohort):
    as_user(api, manager)
    response = post(api, SESSIONS, {"cohort": cohort.pk, "date": TOMORROW.isoformat(),
                                    "start_time": "09:00", "end_time": "12:00"})
    assert response.status_code == 201, response.content
    assert response.json()["trainer"] is None


@pytest.mark.django_db
def test_who_may_not_schedule(api, learner, enrollment, cohort, elsewhere):
    data = {"cohort": cohort.pk, "date": TOMORROW.isoformat(), "start_time": "09:00",
            "end_time": "12:00"}
    as_user(api, learner)
    assert post(api, SESSIONS, data).status_code == 403
    assert post(api, f"{SESSIONS}recurring/", {**data, "first_date": data["date"],
                                               "weeks": 2}).status_code == 403
    as_user(api, elsewhere.trainer)  # cannot see the cohort: it reads as unknown
    response = post(api, SESSIONS, data)
    assert response.status_code == 400 and set(response.json()) == {"cohort"}
    # A trainer who is a learner of the cohort does not train it.
    both = TrainerFactory(is_learner=True)
    EnrollmentFactory(learner=both, path=cohort.path, cohort=cohort)
    as_user(api, both)
    assert post(api, SESSIONS, data).status_code == 403
    assert Session.objects.filter(cohort=cohort).count() == 0


@pytest.mark.django_db
def test_session_input_errors_are_400s(api, trainer, cohort, elsewhere):
    other_module = ModuleFactory(parent=elsewhere.path, title="Le tableur")
    as_user(api, trainer)
    base = {"cohort": cohort.pk, "date": TOMORROW.isoformat(), "start_time": "09:00",
            "end_time": "12:00"}
    response = post(api, SESSIONS, {**base, "end_time": "08:00"})
    assert response.status_code == 400 and set(response.json()) == {"end_time"}
    response = post(api, SESSIONS, {**base, "module": other_module.pk})
    assert response.status_code == 400 and set(response.json()) == {"module"}
    response = post(api, SESSIONS, {**base, "date": "31/02/2026", "trainer": 999999})
    assert response.status_code == 400 and set(response.json()) == {"date", "trainer"}
    response = post(api, SESSIONS, [base])
    assert response.status_code == 400
    response = post(api, SESSIONS, {**base, "cohort": 10**30, "module": 10**30})
    assert response.status_code == 400 and set(response.json()) == {"cohort", "module"}
    assert api.get(SESSIONS, {"cohort": 10**30}).status_code == 400
    assert not Session.objects.filter(cohort=cohort).exists()


@pytest.mark.dates
@pytest.mark.django_db
def test_recurring_sessions(api, trainer, cohort):
    # The series falls within the cohort's dates (sessions outside them are refused).
    cohort.start_date, cohort.end_date = datetime.date(2026, 8, 31), datetime.date(2026, 12, 18)
    cohort.save()
    as_user(api, trainer)
    tuesday = datetime.date(2026, 9, 1)
    response = post(api, f"{SESSIONS}recurring/", {
        "cohort": cohort.pk, "first_date": tuesday.isoformat(), "start_time": "14:00",
        "end_time": "16:00", "weeks": 10, "skip_dates": ["2026-10-27"]})
    assert response.status_code == 201, response.content
    rows = response.json()
    assert len(rows) == 9 and {row["trainer"] for row in rows} == {trainer.pk}
    dates = {datetime.date.fromisoformat(row["date"]) for row in rows}
    assert datetime.date(2026, 10, 27) not in dates
    assert all(day.weekday() == 1 for day in dates)
    for bad, key in (({"weeks": 0}, "weeks"), ({"weeks": 500}, "weeks"),
                     ({"skip_dates": "2026-10-27"}, "skip_dates"),
                     ({"end_time": "13:00"}, "end_time")):
        response = post(api, f"{SESSIONS}recurring/", {
            "cohort": cohort.pk, "first_date": tuesday.isoformat(), "start_time": "14:00",
            "end_time": "16:00", "weeks": 2, **bad})
        assert response.status_code == 400 and set(response.json()) == {key}, bad
    assert Session.objects.filter(cohort=cohort).count() == 9


@pytest.mark.django_db
def test_cancel_a_session(api, trainer, learner, session, elsewhere):
    as_user(api, learner)
    assert post(api, session_url(session, "cancel"), {"reason": "x"}).status_code == 403
    as_user(api, elsewhere.trainer)
    assert post(api, session_url(session, "cancel"), {"reason": "x"}).status_code == 404
    as_user(api, trainer)
    response = post(api, session_url(session, "cancel"), {"reason": "  "})
    assert response.status_code == 400 and set(response.json()) == {"reason"}
    response = post(api, session_url(session, "cancel"), {"reason": "Formateur malade"})
    assert response.status_code == 200, response.content
    assert response.json()["is_cancelled"] and response.json()["cancel_reason"] == \
        "Formateur malade"
    assert post(api, session_url(session, "cancel"), {"reason": "encore"}).status_code == 400
    session.refresh_from_db()
    assert session.cancel_reason == "Formateur malade"


# Roll call ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_roll_call_saves_the_group_and_resubmitting_is_harmless(api, trainer, session, learner,
                                                                classmate, path, cohort):
    third = EnrollmentFactory(path=path, cohort=cohort).learner
    as_user(api, trainer)
    payload = {"marks": [
        {"learner": learner.pk, "status": "present"},
        {"learner": classmate.pk, "status": "late", "minutes_late": 20, "comment": "Bus"},
        {"learner": third.pk, "status": None},
    ]}
    response = post(api, session_url(session, "roll-call"), payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 1)
    by_learner = {row["learner"]: row for row in body["marks"]}
    assert set(by_learner) == {learner.pk, classmate.pk}  # the third stays unmarked
    assert by_learner[classmate.pk]["status"] == "late"
    assert by_learner[classmate.pk]["minutes_late"] == 20
    assert by_learner[classmate.pk]["comment"] == "Bus"
    assert "signature_svg" not in by_learner[learner.pk]
    again = post(api, session_url(session, "roll-call"), payload).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert Attendance.objects.filter(session=session).count() == 2
    assert AttendanceChange.objects.filter(session=session).count() == 2
    assert not Attendance.objects.filter(learner=third).exists()
    # A learner left out of the payload keeps their mark; a changed one is updated.
    response = post(api, session_url(session, "roll-call"),
                    roll((classmate, "present")))
    assert response.json()["updated"] == 1
    assert Attendance.objects.get(learner=learner, session=session).status.code == "present"
    assert Attendance.objects.get(learner=classmate, session=session).minutes_late == 0


@pytest.mark.django_db
def test_roll_call_back_to_unmarked(api, trainer, session, learner, marked):
    as_user(api, trainer)
    response = post(api, session_url(session, "roll-call"), roll((learner, None)))
    assert response.status_code == 200 and response.json()["updated"] == 1
    row = next(row for row in response.json()["marks"] if row["learner"] == learner.pk)
    assert row["status"] is None and row["status_label"] is None


@pytest.mark.django_db
def test_roll_call_refuses_what_the_database_would_refuse(api, trainer, session, learner,
                                                          classmate, elsewhere):
    as_user(api, trainer)
    url = session_url(session, "roll-call")
    response = post(api, url, roll((learner, "present"), (elsewhere.learner, "present")))
    assert response.status_code == 400
    assert response.json() == {"marks": {"1": {"learner": [
        gettext("This learner is not expected at this session: they were not in the cohort "
                "on that day.")]}}}
    response = post(api, url, roll((learner, "bogus")))
    assert response.status_code == 400 and response.json()["marks"] == {"0": {"status": [
        gettext("Unknown status.")]}}
    response = post(api, url, roll((learner, "present"), (learner, "absent")))
    assert response.status_code == 400
    assert response.json()["marks"] == {"1": {"learner": [
        gettext("This learner appears twice.")]}}
    response = post(api, url, roll((learner, "late"), minutes_late=181))  # session lasts 180
    assert response.status_code == 400
    assert set(response.json()["marks"]["0"]) == {"minutes_late"}
    response = post(api, url, roll((learner, "late"), minutes_late=-5))
    assert response.status_code == 400
    assert set(response.json()["marks"]["0"]) == {"minutes_late"}
    assert not Attendance.objects.filter(session=session).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "key"), [
    ({"marks": {"learner": 1}}, "marks"),
    ({"marks": "all present"}, "marks"),
    ({"marks": [{"learner": "Alice", "status": "present"}]}, "marks"),
    ({"marks": [{"learner": 1.5, "status": "present"}]}, "marks"),
    ({"marks": [{"status": "present"}]}, "marks"),
    ({"marks": [42]}, "marks"),
    ({"marks": [{"learner": 1, "minutes_late": "late"}]}, "marks"),
    ({"marks": [{"learner": 10**30, "status": "present"}]}, "marks"),
    ({"reason": "x"}, "marks"),
    ({"marks": [], "reason": ["x"]}, "reason"),
])
def test_roll_call_refuses_a_malformed_payload(api, trainer, session, payload, key):
    as_user(api, trainer)
    response = post(api, session_url(session, "roll-call"), payload)
    assert response.status_code == 400, response.content
    assert key in response.json()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_roll_call_refuses_a_non_object_body(api, trainer, session):
    as_user(api, trainer)
    response = post(api, session_url(session, "roll-call"), [{"learner": 1}])
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_empty_roll_call_changes_nothing(api, trainer, session):
    as_user(api, trainer)
    response = post(api, session_url(session, "roll-call"), {"marks": []})
    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 0, "marks": []}


@pytest.mark.django_db
def test_who_may_not_take_the_roll_call(api, session, learner, classmate, elsewhere):
    url = session_url(session, "roll-call")
    as_user(api, learner)
    assert post(api, url, roll((learner, "present"))).status_code == 403
    as_user(api, elsewhere.trainer)
    assert post(api, url, roll((learner, "present"))).status_code == 404
    as_user(api, elsewhere.learner)
    assert post(api, url, roll((learner, "present"))).status_code == 404
    as_user(api, learner)  # the foreign session is not even found
    assert post(api, session_url(elsewhere.session, "roll-call"),
                roll((elsewhere.learner, "absent"))).status_code == 404
    assert not Attendance.objects.filter(session=session).exists()


@pytest.mark.django_db
def test_a_manager_and_a_substitute_take_the_roll_call(api, manager, cohort, session, learner):
    as_user(api, manager)
    response = post(api, session_url(session, "roll-call"), roll((learner, "present")))
    assert response.status_code == 200 and response.json()["created"] == 1
    substitute = TrainerFactory()
    given = SessionFactory(cohort=cohort, trainer=substitute)
    as_user(api, substitute)
    response = post(api, session_url(given, "roll-call"), roll((learner, "absent")))
    assert response.status_code == 200 and response.json()["created"] == 1


@pytest.mark.django_db
def test_no_roll_call_on_a_cancelled_session(api, trainer, session, learner):
    services.session_cancel(session=session, by=trainer, reason="Grève")
    as_user(api, trainer)
    response = post(api, session_url(session, "roll-call"), roll((learner, "present")))
    assert response.status_code == 400 and "non_field_errors" in response.json()


# Locked sheets -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_lock_a_sheet(api, trainer, learner, session, marked, elsewhere):
    url = session_url(session, "lock")
    as_user(api, learner)
    assert post(api, url, {"strokes": STROKES}).status_code == 403
    as_user(api, elsewhere.trainer)
    assert post(api, url, {"strokes": STROKES}).status_code == 404
    as_user(api, trainer)
    for bad in ({"strokes": []}, {"strokes": "M1 2 L3 4"}, {"strokes": ["Z"]},
                {"strokes": ['M1 2"/><script>alert(1)</script>']}, {"strokes": [3]}, {}):
        response = post(api, url, bad)
        assert response.status_code == 400 and set(response.json()) == {"strokes"}, bad
    session.refresh_from_db()
    assert not session.is_locked
    # The learner marked present never signed: the trainer must confirm it (issue 11).
    response = post(api, url, {"strokes": STROKES})
    assert response.status_code == 400
    assert set(response.json()) == {"confirm_unsigned"}
    assert learner.get_full_name() in response.json()["confirm_unsigned"][0]
    session.refresh_from_db()
    assert not session.is_locked
    response = post(api, url, {"strokes": STROKES, "confirm_unsigned": True})
    assert response.status_code == 200, response.content
    assert response.json()["is_locked"] and response.json()["countersigned_at"]
    again = post(api, url, {"strokes": ["M1 1 L2 2"]})  # already locked: nothing changes
    assert again.status_code == 200
    session.refresh_from_db()
    assert 'd="M10 10 L 50 60 L 90 20"' in session.countersignature_svg


@pytest.mark.django_db
def test_a_locked_sheet_changes_only_by_a_manager_with_a_reason(api, trainer, manager, session,
                                                                 learner, marked):
    services.session_lock(session=session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    url = session_url(session, "roll-call")
    as_user(api, trainer)
    response = post(api, url, {**roll((learner, "absent")), "reason": "Erreur"})
    assert response.status_code == 403
    as_user(api, manager)
    response = post(api, url, roll((learner, "absent")))
    assert response.status_code == 400 and set(response.json()) == {"reason"}
    assert Attendance.objects.get(session=session, learner=learner).status.code == "present"
    response = post(api, url, {**roll((learner, "excused")), "reason": "Certificat médical"})
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 1
    change = AttendanceChange.objects.filter(learner=learner).order_by("pk").last()
    assert change.changed_by == manager and change.reason == "Certificat médical"
    assert change.before["status"] == "present" and change.after["status"] == "excused"


@pytest.mark.django_db
def test_no_check_in_on_a_locked_sheet(api, trainer, learner, session):
    services.session_lock(session=session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    as_user(api, learner)
    response = post(api, session_url(session, "check-in"), {"code": current_code(session)})
    assert response.status_code == 400
    assert not Attendance.objects.filter(session=session).exists()


# Check-in ----------------------------------------------------------------------------------


@pytest.mark.dates
@pytest.mark.django_db
def test_learner_checks_in_with_the_code(api, learner, session):
    as_user(api, learner)
    response = post(api, session_url(session, "check-in"),
                    {"code": current_code(session).lower()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["learner"] == learner.pk and body["status"] == "present"
    assert body["signature_method"] == SignatureMethod.CHECK_IN and body["signed_at"]
    again = post(api, session_url(session, "check-in"), {"code": current_code(session)})
    assert again.status_code == 200
    assert Attendance.objects.filter(session=session).count() == 1


@pytest.mark.dates
@pytest.mark.django_db
def test_expired_and_foreign_codes_are_refused(api, learner, session, cohort, trainer,
                                               elsewhere):
    as_user(api, learner)
    url = session_url(session, "check-in")
    window = AttendanceSettings.load().checkin_window_seconds
    old, _ = checkin.current_code(session, window_seconds=window, now=time.time() - 10 * window)
    response = post(api, url, {"code": old})
    assert response.status_code == 400 and set(response.json()) == {"code"}
    other = SessionFactory(cohort=cohort, trainer=trainer)
    response = post(api, url, {"code": current_code(other)})  # another session's code
    assert response.status_code == 400 and set(response.json()) == {"code"}
    response = post(api, url, {})
    assert response.status_code == 400 and set(response.json()) == {"code"}
    # A session of another cohort is not even found.
    response = post(api, session_url(elsewhere.session, "check-in"),
                    {"code": current_code(elsewhere.session)})
    assert response.status_code == 404
    assert not Attendance.objects.filter(learner=learner).exists()


@pytest.mark.django_db
def test_only_learners_of_the_session_check_in(api, trainer, session, learner, path, cohort):
    as_user(api, trainer)  # sees the session, but is not one of its learners
    response = post(api, session_url(session, "check-in"), {"code": current_code(session)})
    assert response.status_code == 403
    # Withdrawn the day before the session: no longer expected at it.
    enrollment_set_status(enrollment=learner.enrollments.get(), status=EnrollmentStatus.WITHDRAWN,
                          now=timezone.make_aware(datetime.datetime.combine(
                              session.date - datetime.timedelta(days=1), datetime.time(12))))
    as_user(api, learner)
    response = post(api, session_url(session, "check-in"), {"code": current_code(session)})
    assert response.status_code == 403
    assert not Attendance.objects.filter(session=session).exists()


@pytest.mark.django_db
def test_no_check_in_on_a_cancelled_session(api, trainer, learner, session):
    services.session_cancel(session=session, by=trainer, reason="Neige")
    as_user(api, learner)
    response = post(api, session_url(session, "check-in"), {"code": current_code(session)})
    assert response.status_code == 400


# Marks -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_learner_sees_only_their_own_marks(api, learner, classmate, marked, elsewhere):
    as_user(api, learner)
    assert ids(api.get(MARKS)) == {marked[learner.pk].pk}
    assert api.get(f"{MARKS}{marked[classmate.pk].pk}/").status_code == 404
    assert api.get(f"{MARKS}{elsewhere.mark.pk}/").status_code == 404
    as_user(api, classmate)
    assert ids(api.get(MARKS)) == {marked[classmate.pk].pk}


@pytest.mark.django_db
def test_trainers_see_the_marks_of_their_sessions(api, trainer, manager, marked, elsewhere):
    as_user(api, trainer)
    assert ids(api.get(MARKS)) == {mark.pk for mark in marked.values()}
    assert api.get(f"{MARKS}{elsewhere.mark.pk}/").status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(MARKS)) == {elsewhere.mark.pk}
    for mark in marked.values():
        assert api.get(f"{MARKS}{mark.pk}/").status_code == 404
    as_user(api, manager)
    assert ids(api.get(MARKS)) == {elsewhere.mark.pk, *(mark.pk for mark in marked.values())}


@pytest.mark.django_db
def test_mark_fields_and_the_signature_only_in_detail(api, trainer, learner, session, marked):
    services.signature_draw(session=session, learner_id=learner.pk, strokes=STROKES, by=trainer)
    as_user(api, trainer)
    mark = marked[learner.pk]
    row = next(row for row in api.get(MARKS).json()["results"] if row["id"] == mark.pk)
    assert row["status"] == "present" and row["status_label"]
    assert row["session"] == session.pk and row["cohort"] == session.cohort_id
    assert row["date"] == session.date.isoformat() and row["minutes_late"] == 0
    assert row["signature_method"] == "drawn" and row["signed_at"]
    assert row["learner_name"] == str(learner) and row["comment"] == ""
    assert "signature_svg" not in row
    detail = api.get(f"{MARKS}{mark.pk}/").json()
    assert detail["signature_svg"].startswith("<svg")


@pytest.mark.django_db
def test_marks_filter_by_session_cohort_learner_and_status(api, manager, learner, classmate,
                                                           marked, elsewhere):
    as_user(api, manager)
    session_id = marked[learner.pk].session_id
    assert ids(api.get(MARKS, {"session": session_id})) == {m.pk for m in marked.values()}
    assert ids(api.get(MARKS, {"cohort": elsewhere.cohort.pk})) == {elsewhere.mark.pk}
    assert ids(api.get(MARKS, {"learner": classmate.pk})) == {marked[classmate.pk].pk}
    assert ids(api.get(MARKS, {"status": "absent"})) == {marked[classmate.pk].pk}
    assert api.get(MARKS, {"session": "first"}).status_code == 400


@pytest.mark.django_db
def test_marks_are_read_only(api, manager, marked):
    as_user(api, manager)
    mark = next(iter(marked.values()))
    assert api.post(MARKS, {}).status_code == 405
    assert api.patch(f"{MARKS}{mark.pk}/", {"comment": "x"}).status_code == 405
    assert api.delete(f"{MARKS}{mark.pk}/").status_code == 405


# Absence notices ---------------------------------------------------------------------------


@pytest.mark.dates
@pytest.mark.django_db
def test_learner_declares_an_absence_ahead(api, learner, cohort, enrollment):
    as_user(api, learner)
    response = post(api, NOTICES, {"cohort": cohort.pk, "start_date": TOMORROW.isoformat(),
                                   "end_date": TOMORROW.isoformat(),
                                   "reason": "Rendez-vous France Travail"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["learner"] == learner.pk and body["cohort_name"] == cohort.name
    assert AbsenceNotice.objects.get().learner == learner


@pytest.mark.dates
@pytest.mark.django_db
def test_absence_notice_errors(api, learner, trainer, cohort, enrollment, elsewhere):
    as_user(api, learner)
    base = {"cohort": cohort.pk, "start_date": TOMORROW.isoformat(),
            "end_date": TOMORROW.isoformat(), "reason": "RDV"}
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = post(api, NOTICES, {**base, "start_date": yesterday, "end_date": yesterday})
    assert response.status_code == 400 and set(response.json()) == {"start_date"}
    response = post(api, NOTICES, {**base, "end_date": TODAY.isoformat()})
    assert response.status_code == 400 and set(response.json()) == {"end_date"}
    response = post(api, NOTICES, {**base, "reason": ""})
    assert response.status_code == 400 and set(response.json()) == {"reason"}
    response = post(api, NOTICES, {**base, "cohort": elsewhere.cohort.pk})
    assert response.status_code == 400 and set(response.json()) == {"cohort"}
    as_user(api, trainer)  # sees the cohort but is not one of its learners
    assert post(api, NOTICES, base).status_code == 403
    assert not AbsenceNotice.objects.exists()


@pytest.mark.django_db
def test_absence_notices_are_scoped(api, learner, classmate, trainer, manager, cohort,
                                    enrollment, elsewhere):
    own = services.absence_declare(learner=learner, cohort=cohort, start_date=TOMORROW,
                                   end_date=TOMORROW, reason="RDV")
    theirs = services.absence_declare(learner=classmate, cohort=cohort, start_date=TOMORROW,
                                      end_date=TOMORROW, reason="Malade")
    far = services.absence_declare(learner=elsewhere.learner, cohort=elsewhere.cohort,
                                   start_date=TOMORROW, end_date=TOMORROW, reason="Stage")
    as_user(api, learner)
    assert ids(api.get(NOTICES)) == {own.pk}
    assert api.get(f"{NOTICES}{theirs.pk}/").status_code == 404
    as_user(api, trainer)
    assert ids(api.get(NOTICES)) == {own.pk, theirs.pk}
    assert ids(api.get(NOTICES, {"learner": classmate.pk})) == {theirs.pk}
    assert api.get(f"{NOTICES}{far.pk}/").status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(NOTICES)) == {far.pk}
    as_user(api, manager)
    assert ids(api.get(NOTICES, {"cohort": cohort.pk})) == {own.pk, theirs.pk}
    assert len(ids(api.get(NOTICES))) == 3


# Query counts ------------------------------------------------------------------------------


def populate(size, cohort, path, trainer):
    """`size` learners in the cohort, `size` sessions with a mark each, `size` notices and
    `size` other cohorts trained by the trainer."""
    learners = LearnerFactory.create_batch(size)
    for learner in learners:
        # In the group before its first session, so expected at every one of them.
        EnrollmentFactory(learner=learner, path=path, cohort=cohort,
                          membership=TODAY - datetime.timedelta(days=size + 1))
    sessions = [SessionFactory(cohort=cohort, trainer=trainer,
                               date=TODAY - datetime.timedelta(days=day))
                for day in range(1, size + 1)]
    for session, learner in zip(sessions, learners, strict=True):
        services.roll_call_save(session=session, by=trainer,
                                marks=[MarkInput(learner.pk, "present")])
        services.absence_declare(learner=learner, cohort=cohort, start_date=TOMORROW,
                                 end_date=TOMORROW, reason="RDV")
    for _ in range(size):
        CohortFactory(path=path, trainers=[trainer, TrainerFactory()])
    return learners


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize(("url", "queries"), [
    (COHORTS, 3),  # count, page (with the learner count), trainers
    (SESSIONS, 2),  # count, page
    (MARKS, 2),
    (NOTICES, 2),
])
def test_lists_have_a_fixed_query_count(api, trainer, cohort, path, size, url, queries,
                                        django_assert_num_queries):
    populate(size, cohort, path, trainer)
    as_user(api, trainer)
    with django_assert_num_queries(queries):
        response = api.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize(("url", "queries"), [
    (COHORTS, 3), (SESSIONS, 2), (MARKS, 2), (NOTICES, 2),
])
def test_manager_lists_have_a_fixed_query_count(api, manager, trainer, cohort, path, size, url,
                                                queries, django_assert_num_queries):
    populate(size, cohort, path, trainer)
    as_user(api, manager)
    with django_assert_num_queries(queries):
        response = api.get(url)
    assert len(response.json()["results"]) >= size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_learner_lists_have_a_fixed_query_count(api, trainer, cohort, path, size,
                                                django_assert_num_queries):
    learner = populate(size, cohort, path, trainer)[0]
    as_user(api, learner)
    for url, queries in ((COHORTS, 3), (SESSIONS, 2), (MARKS, 2), (NOTICES, 2)):
        with django_assert_num_queries(queries):
            assert api.get(url).status_code == 200
    assert len(api.get(SESSIONS).json()["results"]) == size


# 12 since the chain's head is read after the session's lock is held, not in the locking
# query (PostgreSQL evaluated it before waiting for the lock: concurrent writers forked it).
ROLL_CALL_QUERIES = 12
RESUBMIT_QUERIES = 13


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 30])
def test_roll_call_has_a_fixed_query_count(api, trainer, cohort, path, size,
                                           django_assert_num_queries):
    learners = LearnerFactory.create_batch(size)
    for learner in learners:
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    session = SessionFactory(cohort=cohort, trainer=trainer)
    as_user(api, trainer)
    url = session_url(session, "roll-call")
    half = size // 2
    first = roll(*((learner, "present") for learner in learners[:half]))
    with django_assert_num_queries(ROLL_CALL_QUERIES):
        response = post(api, url, first)
    assert response.json()["created"] == half
    # The whole group, half of them changed and half new: updates and inserts.
    everyone = roll(*((learner, "late") for learner in learners), minutes_late=10)
    with django_assert_num_queries(RESUBMIT_QUERIES):
        response = post(api, url, everyone)
    body = response.json()
    assert (body["created"], body["updated"]) == (size - half, half)
    assert len(body["marks"]) == size
    with CaptureQueriesContext(connection) as unchanged:
        assert post(api, url, everyone).json()["unchanged"] == size
    assert len(unchanged.captured_queries) <= 20
    assert ROLL_CALL_QUERIES <= 20 and RESUBMIT_QUERIES <= 20
