"""Cohort pages for trainers and managers: list, detail, weekly series, cancelling; the
Wagtail admin snippets."""

import datetime

import pytest

from lms.attendance.models import Attendance, AttendanceStatus, Session
from tests.accounts.factories import TrainerFactory, UserFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import ModuleFactory, TrainingPathFactory
from tests.progress.factories import EnrollmentFactory

LIST = "/emargement/groupes/"
TODAY = datetime.date.today()
TUESDAY = datetime.date(2026, 9, 1)


def detail_url(cohort):
    return f"/emargement/groupes/{cohort.pk}/"


def recurring_url(cohort):
    return f"/emargement/groupes/{cohort.pk}/seances/recurrentes/"


def cancel_url(session):
    return f"/emargement/groupes/{session.cohort_id}/seances/{session.pk}/annuler/"


def series(**overrides):
    data = {"first_date": "01/09/2026", "start_time": "14:00", "end_time": "16:00",
            "weeks": "10", "skip_dates": "27/10/2026", "room": "Salle 2", "module": "",
            "trainer": ""}
    data.update(overrides)
    return data


# --- List ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trainer_lists_the_cohorts_they_train_a_manager_all(client, path, cohort, trainer,
                                                             manager, enrollment):
    other = CohortFactory(path=path, trainers=[TrainerFactory()], name="Groupe du soir")
    client.force_login(trainer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["cohorts"]) == [cohort]
    assert response.context["cohorts"][0].learner_count == 1
    assert detail_url(cohort) in response.text and detail_url(other) not in response.text
    client.force_login(manager)
    assert set(client.get(LIST).context["cohorts"]) == {cohort, other}


@pytest.mark.django_db
def test_learners_and_anonymous_users_do_not_reach_the_pages(client, cohort, learner):
    assert client.get(LIST).status_code == 302
    assert client.get(detail_url(cohort)).status_code == 302
    client.force_login(learner)
    assert client.get(LIST).status_code == 404
    assert client.get(detail_url(cohort)).status_code == 404
    assert client.post(recurring_url(cohort), series()).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 12])
def test_list_query_count_is_fixed(client, path, manager, django_assert_num_queries, size):
    for _ in range(size):
        cohort = CohortFactory(path=path)
        for _ in range(3):
            EnrollmentFactory(path=TrainingPathFactory(parent=path.get_parent()), cohort=cohort)
        SessionFactory(cohort=cohort)
    client.force_login(manager)
    client.get(LIST)
    with django_assert_num_queries(9):
        response = client.get(LIST)
    assert len(response.context["cohorts"]) == size
    assert all(c.learner_count == 3 and c.session_count == 1 for c in response.context["cohorts"])


# --- Detail ----------------------------------------------------------------------------------


@pytest.mark.dates
@pytest.mark.django_db
def test_the_cohort_page_shows_learners_sessions_and_links(client, cohort, trainer, learner,
                                                           enrollment):
    present = AttendanceStatus.objects.get(code="present")
    session = SessionFactory(cohort=cohort, trainer=trainer)
    Attendance.objects.create(session=session, learner=learner, status=present)
    cancelled = SessionFactory(cohort=cohort, date=TODAY + datetime.timedelta(days=7),
                               cancel_reason="Fermeture", cancelled_at=session.created_at)
    client.force_login(trainer)
    response = client.get(detail_url(cohort))
    assert response.status_code == 200
    html = response.text
    assert cohort.name in html and cohort.path.title in html
    assert str(learner) in html and "100,0 %" in html and "3,00 h" in html
    assert f'href="/emargement/seances/{session.pk}/"' in html
    assert f'href="/emargement/seances/{cancelled.pk}/"' not in html
    assert "Fermeture" in html
    assert f"{detail_url(cohort)}export.xlsx" in html and f"{detail_url(cohort)}export.csv" in html
    assert cancel_url(session) in html and cancel_url(cancelled) not in html
    assert response.context["recurring_form"].initial["trainer"] == trainer.pk


@pytest.mark.django_db
def test_another_trainer_gets_404(client, cohort):
    client.force_login(TrainerFactory())
    assert client.get(detail_url(cohort)).status_code == 404
    assert client.post(recurring_url(cohort), series()).status_code == 404
    assert not Session.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_detail_query_count_is_fixed(client, path, module, cohort, trainer,
                                     django_assert_num_queries, size):
    present = AttendanceStatus.objects.get(code="present")
    sessions = [SessionFactory(cohort=cohort, trainer=trainer, module=module,
                               date=TODAY - datetime.timedelta(days=n)) for n in range(1, 6)]
    learners = [EnrollmentFactory(path=path, cohort=cohort).learner for _ in range(size)]
    Attendance.objects.bulk_create([Attendance(session=s, learner=learner, status=present)
                                    for s in sessions for learner in learners])
    client.force_login(trainer)
    client.get(detail_url(cohort))
    with django_assert_num_queries(16):
        response = client.get(detail_url(cohort))
    assert len(response.context["rows"]) == size
    assert response.context["sessions"][0].marked == size


# --- Weekly series ---------------------------------------------------------------------------


@pytest.mark.dates
@pytest.mark.django_db
def test_a_weekly_series_is_created(client, cohort, trainer, module):
    # The series falls within the cohort's dates (sessions outside them are refused).
    cohort.start_date, cohort.end_date = datetime.date(2026, 8, 31), datetime.date(2026, 12, 18)
    cohort.save()
    client.force_login(trainer)
    response = client.post(recurring_url(cohort),
                           series(module=module.pk, trainer=trainer.pk,
                                  skip_dates="27/10/2026, 03/11/2026"))
    assert response.status_code == 302 and response["Location"] == detail_url(cohort)
    sessions = list(Session.objects.filter(cohort=cohort))
    assert len(sessions) == 8
    assert {s.date.weekday() for s in sessions} == {TUESDAY.weekday()}
    assert datetime.date(2026, 10, 27) not in {s.date for s in sessions}
    assert all(s.module == module and s.trainer == trainer and s.room == "Salle 2"
               for s in sessions)
    assert "8" in client.get(detail_url(cohort)).text


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"skip_dates": "31/02/2026 demain"}, "skip_dates"),
    ({"skip_dates": "28/10/2026"}, "skip_dates"),  # a Wednesday: not in the series
    ({"first_date": "2026-13-01"}, "first_date"),
    ({"end_time": "13:00"}, "end_time"),
    ({"end_time": "14:00"}, "end_time"),
    ({"weeks": "0"}, "weeks"),
    ({"weeks": "abc"}, "weeks"),
    ({"start_time": ""}, "start_time"),
])
def test_bad_input_gives_form_errors_and_creates_nothing(client, cohort, trainer, overrides,
                                                        field):
    client.force_login(trainer)
    response = client.post(recurring_url(cohort), series(**overrides))
    assert response.status_code == 400
    assert field in response.context["recurring_form"].errors
    assert 'aria-invalid="true"' in response.text
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_the_module_must_belong_to_the_cohort_path(client, catalogue, cohort, trainer):
    foreign = ModuleFactory(parent=TrainingPathFactory(parent=catalogue))
    client.force_login(trainer)
    response = client.post(recurring_url(cohort), series(module=foreign.pk))
    assert response.status_code == 400
    assert "module" in response.context["recurring_form"].errors


@pytest.mark.dates
@pytest.mark.django_db
def test_the_skipped_dates_message_names_the_wrong_values(client, cohort, trainer):
    client.force_login(trainer)
    response = client.post(recurring_url(cohort), series(skip_dates="27/10/2026, 32/10/2026"))
    assert "32/10/2026" in " ".join(response.context["recurring_form"].errors["skip_dates"])


# --- Cancelling ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancelling_needs_a_reason(client, cohort, trainer):
    session = SessionFactory(cohort=cohort, date=TODAY + datetime.timedelta(days=2))
    client.force_login(trainer)
    prefix = f"cancel-{session.pk}"
    response = client.post(cancel_url(session), {f"{prefix}-reason": "  "})
    assert response.status_code == 400
    assert response.context["cancel_session_id"] == session.pk
    assert f'id="id_{prefix}-reason_error"' in response.text
    session.refresh_from_db()
    assert not session.is_cancelled
    response = client.post(cancel_url(session), {f"{prefix}-reason": "Formateur malade"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled and session.cancel_reason == "Formateur malade"
    again = client.post(cancel_url(session), {f"{prefix}-reason": "Encore"})
    assert again.status_code == 400


@pytest.mark.django_db
def test_cancelling_is_refused_outside_ones_cohorts_and_on_locked_sheets(client, path, cohort,
                                                                         trainer):
    session = SessionFactory(cohort=cohort)
    data = {f"cancel-{session.pk}-reason": "Pourquoi pas"}
    client.force_login(TrainerFactory())
    assert client.post(cancel_url(session), data).status_code == 404
    client.force_login(trainer)
    elsewhere = SessionFactory(cohort=CohortFactory(path=path, trainers=[trainer]))
    wrong_pair = f"/emargement/groupes/{cohort.pk}/seances/{elsewhere.pk}/annuler/"
    assert client.post(wrong_pair, data).status_code == 404
    assert client.get(cancel_url(session)).status_code == 405
    Session.objects.filter(pk=session.pk).update(locked_at=session.created_at)
    assert client.post(cancel_url(session), data).status_code == 400
    session.refresh_from_db()
    assert not session.is_cancelled


# --- Wagtail admin ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_lists_cohorts_sessions_and_statuses(client, cohort, trainer):
    SessionFactory(cohort=cohort, trainer=trainer, room="Fablab")
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    home = client.get("/admin/")
    assert home.status_code == 200
    # The menu group, in French by default (the admin's JSON escapes non-ASCII characters).
    assert any(label in home.text for label in (
        '"label": "Attendance"', '"label": "Présences"', '"label": "Pr\\u00e9sences"'))
    for url, expected in [
        ("/admin/snippets/cohorts/cohort/", cohort.name),
        (f"/admin/snippets/cohorts/cohort/?q={cohort.name}", cohort.name),
        ("/admin/snippets/attendance/session/?q=Fablab", cohort.name),
        (f"/admin/snippets/attendance/session/?cohort={cohort.pk}", cohort.name),
        ("/admin/snippets/attendance/attendancestatus/?q=retard", "En retard"),
        ("/admin/snippets/attendance/attendancestatus/?is_absence=true", "Absent·e"),
        (f"/admin/snippets/cohorts/cohort/edit/{cohort.pk}/", cohort.name),
        ("/admin/snippets/attendance/session/add/", "cohort"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.text, url
