"""A trainee's page and its forms: who reaches them, confidential notes read only by the
programme's staff (each reading logged), the timeline, the competence chart, the forms' errors
(400, never 500) and a query count that does not grow with the records."""

import datetime
import re

import pytest
from django.utils import timezone

from courses.models import Competence
from lms.attendance.models import Attendance, AttendanceStatus
from lms.insertion import services
from lms.insertion.enums import (
    ContractKind,
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObjectiveCategory,
    ObjectiveStatus,
    ObstacleCategory,
    TraineeStatus,
)
from lms.insertion.models import (
    Contract,
    Exit,
    Interview,
    Milestone,
    NoteAccess,
    ObstacleAssessment,
    PlanObjective,
    Trainee,
)
from tests.accounts.factories import LearnerFactory, ManagerFactory
from tests.attendance.factories import SessionFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory, ValidationFactory

TODAY = timezone.localdate()
SECRET = "Hébergée chez sa sœur"


def days(n):
    return TODAY + datetime.timedelta(days=n)


def page(trainee):
    return f"/insertion/beneficiaires/{trainee.pk}/"


def action(trainee, name):
    return f"{page(trainee)}{name}/"


def html_of(response):
    return response.content.decode()


@pytest.fixture
def interviewed(trainee, staff):
    Interview.objects.create(trainee=trainee, staff=staff, date=days(-10),
                             kind=InterviewKind.INITIAL, notes=SECRET,
                             next_steps="Rendez-vous CAF")
    return trainee


@pytest.fixture
def objective(trainee):
    return PlanObjective.objects.create(trainee=trainee, category=ObjectiveCategory.DIGITAL,
                                        title="Utiliser sa messagerie")


@pytest.fixture
def milestone(objective):
    return Milestone.objects.create(objective=objective, title="Créer une adresse",
                                    due_date=days(10))


def all_posts(trainee, objective, milestone):
    """Every form of the page with valid data."""
    return [
        (action(trainee, "statut"), {"status": "suspended", "reason": "Santé",
                                     "on": TODAY.isoformat()}),
        (action(trainee, "contrats"), {"start_date": "2026-01-05", "end_date": "2026-07-04",
                                       "weekly_hours": "26"}),
        (action(trainee, "objectifs"), {"category": "social", "title": "Logement"}),
        (f"{page(trainee)}objectifs/{objective.pk}/statut/",
         {f"objective-{objective.pk}-status": "achieved"}),
        (f"{page(trainee)}objectifs/{objective.pk}/etapes/",
         {f"milestone-{objective.pk}-title": "Étape"}),
        (f"{page(trainee)}etapes/{milestone.pk}/faite/", {}),
        (action(trainee, "freins"), {"category": "mobility", "severity": "2",
                                     "assessed_on": TODAY.isoformat()}),
        (action(trainee, "entretiens"), {"date": TODAY.isoformat(), "kind": "regular",
                                         "notes": "x"}),
        (action(trainee, "sortie"), {"date": TODAY.isoformat(), "category": "other",
                                     "outcome": "job_seeking"}),
    ]


# --- Access ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_outsiders_get_404_on_everything(client, interviewed, objective, milestone, trainer,
                                         learner, enrollment):
    """Even the trainer of the trainee's own group: trainers never reach these pages."""
    foreign_staff = InsertionStaffFactory()
    ProgrammeFactory(staff=[foreign_staff])
    for user in (trainer, learner, LearnerFactory(), foreign_staff):
        client.force_login(user)
        assert client.get(page(interviewed)).status_code == 404
        for url, data in all_posts(interviewed, objective, milestone):
            assert client.post(url, data).status_code == 404, (user, url)
        create = client.get("/insertion/beneficiaires/nouveau/").status_code
        assert create == (200 if user == foreign_staff else 404)
    assert NoteAccess.objects.count() == 0
    assert Interview.objects.count() == 1 and not Exit.objects.exists()
    assert Trainee.objects.get().status == TraineeStatus.ACTIVE


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, trainee):
    assert client.get(page(trainee)).status_code == 302
    assert client.post(action(trainee, "statut"), {}).status_code == 302


@pytest.mark.django_db
def test_unknown_trainee_is_404(client, staff):
    client.force_login(staff)
    assert client.get("/insertion/beneficiaires/999999/").status_code == 404


@pytest.mark.django_db
def test_objects_of_another_trainee_are_404(client, staff, trainee, programme):
    other = TraineeFactory(programme=programme)
    foreign = PlanObjective.objects.create(trainee=other, category="social", title="Autre")
    step = Milestone.objects.create(objective=foreign, title="Étape")
    client.force_login(staff)
    assert client.post(f"{page(trainee)}objectifs/{foreign.pk}/statut/",
                       {f"objective-{foreign.pk}-status": "achieved"}).status_code == 404
    assert client.post(f"{page(trainee)}etapes/{step.pk}/faite/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == ObjectiveStatus.PLANNED


# --- Confidential notes ----------------------------------------------------------------------

@pytest.mark.django_db
def test_programme_staff_read_the_notes_and_each_reading_is_logged(client, staff,
                                                                  interviewed):
    client.force_login(staff)
    for expected in (1, 2):
        response = client.get(page(interviewed))
        assert response.status_code == 200
        assert SECRET in html_of(response)
        assert NoteAccess.objects.filter(user=staff, trainee=interviewed).count() == expected
    assert 'id="interview-notes"' in html_of(response)  # they record interviews too


@pytest.mark.django_db
def test_a_manager_outside_the_programme_sees_interviews_without_notes(client, manager,
                                                                       interviewed):
    client.force_login(manager)
    response = client.get(page(interviewed))
    html = html_of(response)
    assert response.status_code == 200
    assert SECRET not in html
    assert "Rendez-vous CAF" in html  # the interview itself is listed
    assert "not on its staff" in html or "ne faites pas partie" in html
    assert 'id="interview-notes"' not in html
    assert NoteAccess.objects.count() == 0
    data = {"date": TODAY.isoformat(), "kind": "regular", "notes": "x"}
    assert client.post(action(interviewed, "entretiens"), data).status_code == 404
    assert Interview.objects.count() == 1
    # Everything else is open to a manager.
    assert client.post(action(interviewed, "freins"), {
        "category": "mobility", "severity": "1", "assessed_on": TODAY.isoformat()},
    ).status_code == 302


@pytest.mark.django_db
def test_a_manager_on_the_programme_staff_reads_the_notes(client, programme, interviewed):
    manager = ManagerFactory(is_insertion_staff=True)
    programme.staff.add(manager)
    client.force_login(manager)
    assert SECRET in html_of(client.get(page(interviewed)))
    assert NoteAccess.objects.filter(user=manager).count() == 1


@pytest.mark.django_db
def test_a_manager_with_the_staff_flag_but_not_on_this_programme(client, interviewed):
    manager = ManagerFactory(is_insertion_staff=True)
    ProgrammeFactory(staff=[manager])
    client.force_login(manager)
    assert SECRET not in html_of(client.get(page(interviewed)))
    assert NoteAccess.objects.count() == 0


# --- Content ---------------------------------------------------------------------------------

@pytest.mark.dates
@pytest.mark.django_db
@pytest.mark.parametrize(("end", "expected"), [
    (30, "expires soon"), (60, "expires soon"), (-1, "has expired"), (61, None), (None, None),
])
def test_pass_iae_validity(client, staff, trainee, end, expected):
    trainee.pass_iae_number = "999992212345"
    trainee.pass_iae_start = days(-300)
    trainee.pass_iae_end = days(end) if end is not None else None
    trainee.save()
    client.force_login(staff)
    response = client.get(page(trainee))
    html = html_of(response)
    assert "999992212345" in html
    info = response.context["file"].pass_iae
    assert info.expiring == (expected == "expires soon")
    assert info.expired == (expected == "has expired")
    assert ("insertion-warning" in html) == (expected is not None)


@pytest.mark.django_db
def test_page_sections(client, staff, trainee, path, objective, milestone):
    Contract.objects.create(trainee=trainee, kind=ContractKind.INITIAL,
                            start_date=days(-200), end_date=days(-20), weekly_hours=26)
    Contract.objects.create(trainee=trainee, kind=ContractKind.RENEWAL,
                            start_date=days(-19), end_date=days(150), weekly_hours="30.5")
    services.trainee_set_status(trainee=trainee, status=TraineeStatus.SUSPENDED, by=staff,
                                reason="Hospitalisation")
    objective.training_path = path
    objective.save()
    Milestone.objects.create(objective=objective, title="Envoyer un courriel",
                             done_on=days(-2))
    PlanObjective.objects.create(trainee=trainee, category=ObjectiveCategory.PROFESSIONAL,
                                 title="Trouver un stage", status=ObjectiveStatus.IN_PROGRESS,
                                 target_date=days(40))
    for on, severity in ((-60, 3), (-30, 2), (-1, 1)):
        ObstacleAssessment.objects.create(trainee=trainee, category=ObstacleCategory.MOBILITY,
                                          severity=severity, assessed_on=days(on))
    ObstacleAssessment.objects.create(trainee=trainee, category=ObstacleCategory.HOUSING,
                                      severity=3, assessed_on=days(-5), note="Hébergé")
    client.force_login(staff)
    response = client.get(page(trainee))
    html = html_of(response)
    assert "30,5 h" in html and "26,0 h" in html
    assert "Hospitalisation" in html
    assert "Utiliser sa messagerie" in html and "Trouver un stage" in html
    assert path.title in html
    plan = response.context["file"].plan
    assert [group.category for group in plan] == ["professional", "digital"]
    obstacles = {line.category: line for line in response.context["file"].obstacles}
    assert obstacles["mobility"].latest.severity == 1
    assert [a.severity for a in obstacles["mobility"].history] == [3, 2, 1]
    assert obstacles["housing"].latest.note == "Hébergé"
    assert f'{page(trainee)}etapes/{milestone.pk}/faite/' in html


@pytest.mark.dates
@pytest.mark.django_db
def test_timeline_merges_interviews_attendance_and_competences(client, staff, interviewed,
                                                               cohort, path, referential):
    EnrollmentFactory(learner=interviewed.learner, path=path, cohort=cohort)
    statuses = {status.code: status for status in AttendanceStatus.objects.all()}
    for offset, code in ((-12, "present"), (-11, "absent"), (-10, "present")):
        session = SessionFactory(cohort=cohort, date=days(offset))
        Attendance.objects.create(session=session, learner=interviewed.learner,
                                  status=statuses[code])
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="2.1")
    ValidationFactory(learner=interviewed.learner, competence=competence, level=4,
                      assessed_on=days(-9))
    ValidationFactory(learner=interviewed.learner, competence=competence, level=2,
                      assessed_on=interviewed.entry_date - datetime.timedelta(days=3))
    client.force_login(staff)
    response = client.get(page(interviewed))
    timeline = response.context["file"].timeline
    events = [event for month in timeline for event in month.events]
    assert [event.kind for event in events] == ["interview", "competence"]
    assert [event.date for event in events] == sorted(event.date for event in events)
    marked = sum(month.attendance.figures.sessions_marked for month in timeline
                 if month.attendance)
    absences = sum(month.attendance.absences for month in timeline if month.attendance)
    assert (marked, absences) == (3, 1)
    assert events[1].notes is None  # a validation has no notes
    html = html_of(response)
    assert "Competence 2.1 validated at level 4" in html or "2.1" in html
    # All on sheets still open: provisional hours, which the page shows (labelled), overall
    # and in each month.
    assert response.context["file"].attendance.hours_total == 6
    assert html.count("dont 3,00 h provisoires (feuilles non clôturées)") \
        + html.count("dont 6,00 h provisoires (feuilles non clôturées)") >= 2
    assert "dont 6,00 h provisoires (feuilles non clôturées)" in html


@pytest.mark.django_db
def test_competence_chart_with_its_table(client, staff, trainee, referential):
    digcomp = Competence.objects.of_framework("digcomp-2.2")
    first, second = digcomp.get(code="1.1"), digcomp.get(code="3.1")
    for on, level in ((-80, 2), (-40, 3), (-5, 5)):
        ValidationFactory(learner=trainee.learner, competence=first, level=level,
                          assessed_on=days(on))
    ValidationFactory(learner=trainee.learner, competence=second, level=1, assessed_on=days(-20))
    client.force_login(staff)
    response = client.get(page(trainee))
    html = html_of(response)
    svg = re.search(r"<svg class=\"insertion-chart__svg\".*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title id=\"competence-chart-title\">" in svg and "<desc " in svg
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4
    assert "," not in re.search(r'cx="([^"]*)"', svg).group(1)  # not localised: 12.5, not 12,5
    chart = response.context["file"].chart
    first_line = next(line for line in chart.lines if line.code == "1.1")
    assert [point.level for point in first_line.points] == [2, 3, 5]
    assert first_line.points[0].y > first_line.points[-1].y  # a higher level is drawn higher
    assert first_line.points[0].x < first_line.points[-1].x
    table = re.search(r'<caption id="competences-caption">.*?</table>', html, re.S).group(0)
    assert table.count("<tr>") == 5  # a header and 4 validations
    assert "<th scope=\"col\">" in table


@pytest.mark.django_db
def test_no_chart_without_validations(client, staff, trainee):
    client.force_login(staff)
    response = client.get(page(trainee))
    assert response.context["file"].chart is None
    assert "insertion-chart__svg" not in html_of(response)


# --- Forms -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_a_trainee_for_an_existing_learner(client, staff, programme):
    learner = LearnerFactory()
    client.force_login(staff)
    assert client.get("/insertion/beneficiaires/nouveau/").status_code == 200
    response = client.post("/insertion/beneficiaires/nouveau/", {
        "programme": programme.pk, "learner": learner.pk, "referent": staff.pk,
        "entry_date": TODAY.isoformat(), "pass_iae_number": "999992212345",
    })
    trainee = Trainee.objects.get(learner=learner)
    assert response.status_code == 302 and response["Location"] == page(trainee)
    assert trainee.referent == staff and trainee.pass_iae_number == "999992212345"


@pytest.mark.django_db
def test_create_a_trainee_with_a_new_learner(client, staff, programme):
    client.force_login(staff)
    response = client.post("/insertion/beneficiaires/nouveau/", {
        "programme": programme.pk, "first_name": "Awa", "last_name": "Diallo",
        "email": "Awa.Diallo@exemple.fr", "entry_date": TODAY.isoformat(),
    })
    assert response.status_code == 302
    trainee = Trainee.objects.get(learner__email="awa.diallo@exemple.fr")
    assert trainee.learner.is_learner and not trainee.learner.has_usable_password()
    assert str(trainee.learner) == "Awa Diallo"
    # The username is made from the names, as everywhere else (tests/insertion/
    # test_learner_creation.py); a long email address no longer matters.
    assert trainee.learner.username == "awa.diallo"
    long_email = f"{'a' * 200}@exemple.fr"
    response = client.post("/insertion/beneficiaires/nouveau/", {
        "programme": programme.pk, "first_name": "Long", "last_name": "Adresse",
        "email": long_email, "entry_date": TODAY.isoformat(),
    })
    assert response.status_code == 302
    assert Trainee.objects.get(learner__email=long_email).learner.username == "long.adresse"


@pytest.mark.django_db
@pytest.mark.parametrize(("extra", "field"), [
    ({}, None),  # neither an existing learner nor a new one
    ({"learner": "LEARNER", "first_name": "Awa"}, None),  # both
    ({"first_name": "Awa", "email": "awa@exemple.fr"}, "last_name"),
    ({"first_name": "Awa", "last_name": "Diallo", "email": "pas-une-adresse"}, "email"),
    ({"first_name": "Awa", "last_name": "Diallo", "email": "USED"}, "email"),
    ({"learner": "LEARNER", "referent": "OUTSIDER"}, "referent"),
    ({"learner": "LEARNER", "pass_iae_start": "2026-05-01", "pass_iae_end": "2026-01-01"},
     "pass_iae_end"),
    ({"learner": "999999"}, "learner"),
    ({"learner": "LEARNER", "entry_date": "31/02/2026"}, "entry_date"),
])
def test_create_a_trainee_errors(client, staff, programme, learner, extra, field):
    outsider = InsertionStaffFactory()
    ProgrammeFactory(staff=[outsider])  # staff, but of another programme
    replace = {"LEARNER": str(learner.pk), "OUTSIDER": str(outsider.pk),
               "USED": learner.email.upper()}
    data = {"programme": programme.pk, "entry_date": TODAY.isoformat()}
    data.update({key: replace.get(value, value) for key, value in extra.items()})
    client.force_login(staff)
    before = (Trainee.objects.count(), type(learner).objects.count())
    response = client.post("/insertion/beneficiaires/nouveau/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    else:
        assert form.non_field_errors()
    assert 'class="form-errors"' in html_of(response)
    assert (Trainee.objects.count(), type(learner).objects.count()) == before


@pytest.mark.django_db
def test_create_a_trainee_twice_in_a_programme_is_an_error(client, staff, trainee, programme):
    client.force_login(staff)
    response = client.post("/insertion/beneficiaires/nouveau/", {
        "programme": programme.pk, "learner": trainee.learner_id,
        "entry_date": TODAY.isoformat()})
    assert response.status_code == 400
    assert Trainee.objects.count() == 1


@pytest.mark.django_db
def test_create_in_a_programme_of_someone_else_is_refused(client, staff, learner):
    foreign = ProgrammeFactory(staff=[InsertionStaffFactory()])
    client.force_login(staff)
    response = client.post("/insertion/beneficiaires/nouveau/", {
        "programme": foreign.pk, "learner": learner.pk, "entry_date": TODAY.isoformat()})
    assert response.status_code == 400 and "programme" in response.context["form"].errors
    assert not Trainee.objects.exists()


@pytest.mark.dates
@pytest.mark.django_db
def test_change_the_status(client, staff, trainee):
    client.force_login(staff)
    response = client.post(action(trainee, "statut"), {
        "status": "suspended", "reason": "Hospitalisation", "on": TODAY.isoformat()})
    assert response.status_code == 302 and response["Location"].endswith("#statut")
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.SUSPENDED
    assert trainee.status_changes.last().reason == "Hospitalisation"
    for data in ({"status": "suspended", "reason": "encore", "on": TODAY.isoformat()},
                 {"status": "exited", "reason": "x", "on": TODAY.isoformat()},
                 {"status": "active", "reason": "", "on": TODAY.isoformat()},
                 {"status": "active", "reason": "x", "on": days(3).isoformat()}):
        response = client.post(action(trainee, "statut"), data)
        assert response.status_code == 400
        assert response.context["forms"]["status"].errors
        assert "insertion-action\" open" in html_of(response)
    assert trainee.status_changes.count() == 1


@pytest.mark.dates
@pytest.mark.django_db
def test_contracts(client, staff, trainee):
    client.force_login(staff)
    url = action(trainee, "contrats")
    ok = client.post(url, {"start_date": "2026-01-05", "end_date": "2026-07-04",
                           "weekly_hours": "26"})
    assert ok.status_code == 302
    for data, field in (
        ({"start_date": "2026-07-05", "end_date": "2026-08-04", "weekly_hours": "26"},
         "end_date"),  # under 4 months: the service's rule
        ({"start_date": "2026-07-01", "end_date": "2026-12-31", "weekly_hours": "26"},
         "start_date"),  # overlaps the first
        ({"start_date": "2026-07-05", "end_date": "2027-01-04", "weekly_hours": "40"},
         "weekly_hours"),
        ({"start_date": "2026-07-05", "end_date": "2026-07-01", "weekly_hours": "26"},
         "end_date"),
        ({"start_date": "nope", "end_date": "2027-01-04", "weekly_hours": "x"}, "start_date"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert field in response.context["forms"]["contract"].errors, data
    renewal = client.post(url, {"start_date": "2026-07-05", "end_date": "2027-01-04",
                                "weekly_hours": "30"})
    assert renewal.status_code == 302
    assert list(trainee.contracts.values_list("kind", flat=True)) == ["initial", "renewal"]


@pytest.mark.dates
@pytest.mark.django_db
def test_objectives_and_milestones(client, staff, trainee, path):
    client.force_login(staff)
    response = client.post(action(trainee, "objectifs"), {
        "category": "training", "title": "  Parcours numérique ", "target_date": "2026-12-01",
        "training_path": path.pk})
    assert response.status_code == 302
    objective = PlanObjective.objects.get()
    assert (objective.title, objective.training_path_id) == ("Parcours numérique", path.pk)
    assert client.post(action(trainee, "objectifs"), {"category": "nope", "title": ""}
                       ).status_code == 400
    status_url = f"{page(trainee)}objectifs/{objective.pk}/statut/"
    assert client.post(status_url, {f"objective-{objective.pk}-status": "in_progress"}
                       ).status_code == 302
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.IN_PROGRESS
    bad = client.post(status_url, {f"objective-{objective.pk}-status": "finished"})
    assert bad.status_code == 400 and f"id_objective-{objective.pk}-status_error" in html_of(bad)
    milestone_url = f"{page(trainee)}objectifs/{objective.pk}/etapes/"
    assert client.post(milestone_url, {f"milestone-{objective.pk}-title": "Inscription",
                                       f"milestone-{objective.pk}-due_date": "2026-10-01"}
                       ).status_code == 302
    assert client.post(milestone_url, {f"milestone-{objective.pk}-title": ""}
                       ).status_code == 400
    milestone = Milestone.objects.get()
    done_url = f"{page(trainee)}etapes/{milestone.pk}/faite/"
    assert client.post(done_url).status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    again = client.post(done_url)
    assert again.status_code == 400
    assert "already done" in html_of(again) or "déjà réalisée" in html_of(again)


@pytest.mark.django_db
def test_obstacles(client, staff, trainee):
    client.force_login(staff)
    url = action(trainee, "freins")
    assert client.post(url, {"category": "housing", "severity": "3", "note": " Hébergée ",
                             "assessed_on": days(-1).isoformat()}).status_code == 302
    assessment = ObstacleAssessment.objects.get()
    assert (assessment.severity, assessment.note, assessment.assessed_by) == (3, "Hébergée",
                                                                              staff)
    for data in ({"category": "housing", "severity": "7", "assessed_on": TODAY.isoformat()},
                 {"category": "weather", "severity": "1", "assessed_on": TODAY.isoformat()},
                 {"category": "housing", "severity": "1", "assessed_on": days(5).isoformat()}):
        assert client.post(url, data).status_code == 400
    assert ObstacleAssessment.objects.count() == 1


@pytest.mark.dates
@pytest.mark.django_db
def test_record_an_interview(client, staff, trainee):
    client.force_login(staff)
    url = action(trainee, "entretiens")
    response = client.post(url, {"date": days(-1).isoformat(), "kind": "regular",
                                 "notes": " Parle de sa fille ", "next_steps": "CV"})
    assert response.status_code == 302
    interview = Interview.objects.get()
    assert (interview.staff, interview.notes) == (staff, "Parle de sa fille")
    future = client.post(url, {"date": days(2).isoformat(), "kind": "regular"})
    assert future.status_code == 400 and "date" in future.context["forms"]["interview"].errors
    assert client.post(url, {"date": TODAY.isoformat(), "kind": "chat"}).status_code == 400
    assert Interview.objects.count() == 1


@pytest.mark.dates
@pytest.mark.django_db
def test_record_an_exit(client, staff, trainee):
    client.force_login(staff)
    url = action(trainee, "sortie")
    mismatch = client.post(url, {"date": TODAY.isoformat(), "category": "positive_exit",
                                 "outcome": "cdi"})
    assert mismatch.status_code == 400
    assert "outcome" in mismatch.context["forms"]["exit"].errors
    ahead = client.post(url, {"date": days(20).isoformat(), "category": "other",
                              "outcome": "job_seeking"})
    assert ahead.status_code == 400 and "date" in ahead.context["forms"]["exit"].errors
    assert client.post(url, {"date": days(-2).isoformat(), "category": "other",
                             "outcome": "job_seeking", "planned": "on"}).status_code == 400
    planned = client.post(url, {"date": days(20).isoformat(), "category": "transition_employment",
                                "outcome": "temporary_work", "planned": "on"})
    assert planned.status_code == 302
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.ACTIVE and trainee.exit.planned
    effective = client.post(url, {"date": TODAY.isoformat(),
                                  "category": ExitCategory.SUSTAINABLE_EMPLOYMENT,
                                  "outcome": ExitOutcome.CDI, "comment": "Embauchée"})
    assert effective.status_code == 302
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.EXITED
    assert (trainee.exit.outcome, trainee.exit.planned) == ("cdi", False)
    assert Exit.objects.count() == 1
    html = html_of(client.get(page(trainee)))
    assert "Embauchée" in html


@pytest.mark.django_db
def test_the_exit_form_groups_outcomes_by_category(client, staff, trainee):
    client.force_login(staff)
    html = html_of(client.get(page(trainee)))
    assert html.count("<optgroup") == 4


@pytest.mark.django_db
def test_every_form_error_is_400_not_500(client, staff, trainee, objective, milestone):
    client.force_login(staff)
    for url, data in all_posts(trainee, objective, milestone):
        garbage = dict.fromkeys(data, "\x00<script>") or {f"done-{milestone.pk}-done_on": "x"}
        response = client.post(url, garbage)
        assert response.status_code == 400, url


# --- Query count -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_query_count_does_not_grow_with_the_records(client, staff, trainee, cohort, path,
                                                    referential, django_assert_num_queries,
                                                    size):
    EnrollmentFactory(learner=trainee.learner, path=path, cohort=cohort)
    present = AttendanceStatus.objects.get(code="present")
    competences = list(Competence.objects.of_framework("digcomp-2.2")[:size])
    for n in range(size):
        Interview.objects.create(trainee=trainee, staff=staff, date=days(-3 * n),
                                 kind=InterviewKind.REGULAR, notes=f"n{n}")
        session = SessionFactory(cohort=cohort, date=days(-2 * n - 1))
        Attendance.objects.create(session=session, learner=trainee.learner, status=present)
        ValidationFactory(learner=trainee.learner, competence=competences[n],
                          assessed_on=days(-n), assessed_by=staff)
        objective = PlanObjective.objects.create(trainee=trainee, category="digital",
                                                 title=f"o{n}", training_path=path)
        Milestone.objects.create(objective=objective, title=f"m{n}")
        ObstacleAssessment.objects.create(trainee=trainee, category=ObstacleCategory.values[
            n % len(ObstacleCategory.values)], severity=n % 4, assessed_by=staff)
        Contract.objects.create(trainee=trainee, kind="renewal", start_date=days(-400 + 20 * n),
                                end_date=days(-390 + 20 * n), weekly_hours=26)
        services.trainee_set_status(trainee=trainee, by=staff, reason=f"r{n}",
                                    status=["suspended", "active"][n % 2])
    client.force_login(staff)
    client.get(page(trainee))
    with django_assert_num_queries(21):
        response = client.get(page(trainee))
    assert response.context["file"].interviews_count == size
    assert len(response.context["file"].validations) == size
