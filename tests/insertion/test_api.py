"""The insertion API: scopes (programme staff, other programme's staff, trainer, learner,
manager, anonymous), confidential notes present or absent and each reading logged, service
errors as 400s, and fixed query counts."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.insertion import services
from lms.insertion.enums import (
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObjectiveCategory,
    ObstacleCategory,
    TraineeStatus,
)
from lms.insertion.models import (
    Exit,
    Interview,
    Milestone,
    NoteAccess,
    Programme,
    Trainee,
    TraineeStatusChange,
)
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.conftest import as_user, ids
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory

API = "/api/v1/"
RESOURCES = ["programmes", "trainees", "contracts", "plan-objectives", "milestones",
             "obstacle-assessments", "interviews", "exits"]
TODAY = datetime.date.today()


def url(resource, pk=None, action=""):
    return f"{API}{resource}/" + (f"{pk}/" if pk is not None else "") + \
        (f"{action}/" if action else "")


def post(api, target, data):
    return api.post(target, data, format="json")


def follow_up(trainee, by, interviews=1):
    """A contract, an objective with a milestone, an obstacle, interviews and a planned
    exit, all written through the services."""
    services.contract_add(trainee=trainee, by=by, start_date=TODAY - datetime.timedelta(30),
                          end_date=TODAY + datetime.timedelta(150), weekly_hours=26)
    objective = services.objective_add(trainee=trainee, by=by,
                                       category=ObjectiveCategory.DIGITAL, title="Passer PIX")
    services.milestone_add(objective=objective, by=by, title="Inscription")
    services.obstacle_assess(trainee=trainee, by=by, category=ObstacleCategory.MOBILITY,
                             severity=2)
    for n in range(interviews):
        services.interview_record(trainee=trainee, by=by,
                                  date=TODAY - datetime.timedelta(days=n),
                                  kind=InterviewKind.REGULAR, notes=f"Confidentiel {n}",
                                  next_steps="Rendez-vous CAF")
    services.exit_record(trainee=trainee, by=by, date=TODAY + datetime.timedelta(20),
                         category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                         outcome=ExitOutcome.CDI, planned=True)
    return trainee


def expected_ids(resource, trainee) -> set[int]:
    """The ids, in `resource`, of what belongs to `trainee`."""
    querysets = {
        "programmes": Programme.objects.filter(pk=trainee.programme_id),
        "trainees": Trainee.objects.filter(pk=trainee.pk),
        "contracts": trainee.contracts.all(),
        "plan-objectives": trainee.objectives.all(),
        "milestones": Milestone.objects.filter(objective__trainee=trainee),
        "obstacle-assessments": trainee.obstacles.all(),
        "interviews": trainee.interviews.all(),
        "exits": Exit.objects.filter(trainee=trainee),
    }
    return set(querysets[resource].values_list("pk", flat=True))


@pytest.fixture
def followed(trainee, staff):
    return follow_up(trainee, staff)


@pytest.fixture
def other_staff(db):
    return InsertionStaffFactory()


@pytest.fixture
def other_trainee(other_staff):
    """A trainee of another programme, followed by its own staff."""
    programme = ProgrammeFactory(staff=[other_staff])
    return follow_up(TraineeFactory(programme=programme, referent=other_staff), other_staff)


# Anonymous ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_is_refused(api, followed, resource):
    assert api.get(url(resource)).status_code in (401, 403)
    assert post(api, url(resource), {}).status_code in (401, 403)
    pk = next(iter(expected_ids(resource, followed)))
    assert api.get(url(resource, pk)).status_code in (401, 403)


# Scopes ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_are_scoped(api, followed, other_trainee, staff, other_staff, manager, trainer,
                          learner, resource):
    mine, theirs = expected_ids(resource, followed), expected_ids(resource, other_trainee)
    assert mine and theirs
    assert ids(as_user(api, staff).get(url(resource))) == mine
    assert ids(as_user(api, other_staff).get(url(resource))) == theirs
    assert ids(as_user(api, manager).get(url(resource))) == mine | theirs
    # Trainers, learners (the trainee included) and people without a role follow no one.
    for outsider in (trainer, learner, UserFactory()):
        assert ids(as_user(api, outsider).get(url(resource))) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("resource", RESOURCES)
def test_foreign_objects_answer_404(api, followed, other_trainee, staff, trainer, learner,
                                    manager, resource):
    theirs = next(iter(expected_ids(resource, other_trainee)))
    mine = next(iter(expected_ids(resource, followed)))
    assert as_user(api, staff).get(url(resource, theirs)).status_code == 404
    assert as_user(api, staff).get(url(resource, mine)).status_code == 200
    assert as_user(api, manager).get(url(resource, theirs)).status_code == 200
    for outsider in (trainer, learner):
        assert as_user(api, outsider).get(url(resource, mine)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("resource", [r for r in RESOURCES if r != "programmes"])
def test_trainers_and_learners_cannot_write(api, followed, trainer, learner, resource):
    for outsider in (trainer, learner):
        response = post(as_user(api, outsider), url(resource), {"trainee": followed.pk})
        assert response.status_code == 403, response.content


@pytest.mark.django_db
def test_a_staff_member_who_is_a_trainee_does_not_follow_themselves(api, programme, staff,
                                                                   trainee):
    colleague = InsertionStaffFactory(is_learner=True)
    programme.staff.add(colleague)
    own = TraineeFactory(programme=programme, learner=colleague, referent=staff)
    services.interview_record(trainee=own, by=staff, date=TODAY, kind=InterviewKind.INITIAL,
                              notes="Sur sa propre situation")
    as_user(api, colleague)
    assert ids(api.get(url("trainees"))) == {trainee.pk}
    assert ids(api.get(url("interviews"))) == set()
    assert api.get(url("interviews", own.interviews.get().pk)).status_code == 404
    assert not NoteAccess.objects.exists()


# Programmes --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_programme_fields(api, staff, programme, trainee):
    row = as_user(api, staff).get(url("programmes", programme.pk)).json()
    assert row["name"] == programme.name and row["trainee_count"] == 1
    assert row["staff"] == [{"id": staff.pk, "name": str(staff)}]
    assert row["co_financed"] is False and row["end_date"] is None


@pytest.mark.django_db
def test_managers_create_and_change_any_programme(api, staff, manager, programme,
                                                  other_staff):
    data = {"name": "Chantier vélo", "start_date": "2026-09-01", "staff": [staff.pk],
            "co_financed": True, "funders": "FSE+, Département"}
    response = post(as_user(api, manager), url("programmes"), data)
    assert response.status_code == 201, response.content
    created = Programme.objects.get(pk=response.json()["id"])
    assert created.co_financed and list(created.staff.all()) == [staff]
    response = api.patch(url("programmes", created.pk), {"staff": [other_staff.pk]},
                         format="json")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["staff"]] == [other_staff.pk]
    response = api.put(url("programmes", created.pk), {**data, "name": "Chantier cycles"},
                       format="json")
    assert response.status_code == 200 and response.json()["name"] == "Chantier cycles"


@pytest.mark.django_db
def test_insertion_staff_create_programmes_and_change_those_they_staff(
        api, staff, programme, other_staff, trainer, learner):
    data = {"name": "Chantier vélo", "start_date": "2026-09-01", "staff": [other_staff.pk]}
    response = post(as_user(api, staff), url("programmes"), data)
    assert response.status_code == 201, response.content
    created = Programme.objects.get(pk=response.json()["id"])
    # Its creator is on its staff, beside the colleague they chose.
    assert set(created.staff.all()) == {staff, other_staff}
    assert {row["id"] for row in response.json()["staff"]} == {staff.pk, other_staff.pk}
    # They change it; its staff (with or without themselves) and its co-financing stay as
    # they are: changing those is a manager's decision (400 on the field).
    response = api.patch(url("programmes", created.pk), {"name": "Chantier cycles",
                                                         "staff": [other_staff.pk]},
                         format="json")
    assert response.status_code == 200, response.content
    assert {row["id"] for row in response.json()["staff"]} == {staff.pk, other_staff.pk}
    for change in ({"staff": []}, {"co_financed": True}):
        response = api.patch(url("programmes", created.pk), {"name": "X", **change},
                             format="json")
        assert response.status_code == 400 and set(response.json()) == set(change)
    created.refresh_from_db()
    assert created.name == "Chantier cycles" and not created.co_financed
    assert api.patch(url("programmes", programme.pk), {"funders": "DDETS"},
                     format="json").status_code == 200
    # Another programme is none of theirs: not found.
    foreign = ProgrammeFactory(staff=[other_staff])
    assert api.patch(url("programmes", foreign.pk), {"name": "X"},
                     format="json").status_code == 404
    # Trainers and learners create none, whatever they send.
    count = Programme.objects.count()
    for user in (trainer, learner):
        assert post(as_user(api, user), url("programmes"), data).status_code == 403
        assert post(api, url("programmes"), {}).status_code == 403
    assert Programme.objects.count() == count


@pytest.mark.django_db
def test_programme_input_errors_are_400s(api, manager, trainer, programme):
    as_user(api, manager)
    base = {"name": "Chantier", "start_date": "2026-09-01"}
    response = post(api, url("programmes"), {**base, "end_date": "2026-01-01"})
    assert response.status_code == 400 and set(response.json()) == {"end_date"}
    response = post(api, url("programmes"), {**base, "staff": [trainer.pk]})  # not staff
    assert response.status_code == 400 and set(response.json()) == {"staff"}
    response = api.patch(url("programmes", programme.pk), {"end_date": "2020-01-01"},
                         format="json")
    assert response.status_code == 400 and set(response.json()) == {"end_date"}


# Trainees ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_trainee_fields_and_filters(api, manager, staff, trainee, other_trainee, learner):
    as_user(api, manager)
    row = api.get(url("trainees", trainee.pk)).json()
    assert row["learner"] == learner.pk and row["learner_name"] == str(learner)
    assert row["referent"] == staff.pk and row["referent_name"] == str(staff)
    assert row["status"] == "active" and row["programme_name"] == trainee.programme.name
    assert ids(api.get(url("trainees"), {"programme": trainee.programme_id})) == {trainee.pk}
    assert ids(api.get(url("trainees"), {"referent": staff.pk})) == {trainee.pk}
    services.trainee_set_status(trainee=other_trainee, status=TraineeStatus.SUSPENDED,
                                by=manager)
    assert ids(api.get(url("trainees"), {"status": "suspended"})) == {other_trainee.pk}
    assert api.get(url("trainees"), {"status": "asleep"}).status_code == 400
    assert api.get(url("trainees"), {"referent": "x"}).status_code == 400


@pytest.mark.django_db
def test_missing_referent_and_interviewer_are_null(api, manager, staff, trainee):
    follow_up(trainee, staff)
    Trainee.objects.filter(pk=trainee.pk).update(referent=None)
    Interview.objects.update(staff=None)
    as_user(api, manager)
    row = api.get(url("trainees", trainee.pk)).json()
    assert row["referent"] is None and row["referent_name"] is None
    row = api.get(url("interviews")).json()["results"][0]
    assert row["staff"] is None and row["staff_name"] is None


@pytest.mark.django_db
def test_staff_record_a_trainee_in_their_programme(api, staff, programme, other_staff):
    newcomer = UserFactory(is_learner=True)
    as_user(api, staff)
    data = {"programme": programme.pk, "learner": newcomer.pk, "referent": staff.pk,
            "entry_date": TODAY.isoformat(), "pass_iae_number": "999992212345"}
    response = post(api, url("trainees"), data)
    assert response.status_code == 201, response.content
    trainee = Trainee.objects.get(pk=response.json()["id"])
    assert trainee.status_changes.get().to_status == TraineeStatus.ACTIVE
    # An account holding no learner role becomes one only by a manager (issue 12, point 2).
    roleless = UserFactory()
    response = post(api, url("trainees"), {**data, "learner": roleless.pk})
    assert response.status_code == 400 and set(response.json()) == {"learner"}, response.content
    roleless.refresh_from_db()
    assert not roleless.is_learner
    errors = {
        "learner": {**data},  # already a trainee of this programme
        "referent": {**data, "learner": UserFactory(is_learner=True).pk,
                     "referent": other_staff.pk},
        "programme": {**data, "learner": UserFactory(is_learner=True).pk,
                      "programme": ProgrammeFactory(staff=[other_staff]).pk},
        "pass_iae_end": {**data, "learner": UserFactory(is_learner=True).pk,
                         "pass_iae_start": "2026-05-01", "pass_iae_end": "2026-01-01"},
    }
    for field, payload in errors.items():
        response = post(api, url("trainees"), payload)
        assert response.status_code == 400, response.content
        assert set(response.json()) == {field}, response.content
    response = post(api, url("trainees"), {**data, "learner": staff.pk})
    assert response.status_code == 400 and set(response.json()) == {"learner"}


@pytest.mark.dates
@pytest.mark.django_db
def test_status_changes_keep_their_history(api, staff, other_staff, manager, trainee):
    response = as_user(api, staff).patch(url("trainees", trainee.pk),
                                         {"status": "suspended", "reason": "Hospitalisation"},
                                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    change = TraineeStatusChange.objects.get(trainee=trainee, to_status="suspended")
    assert change.changed_by == staff and change.reason == "Hospitalisation"
    assert api.patch(url("trainees", trainee.pk), {"status": "asleep"},
                     format="json").status_code == 400
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = api.patch(url("trainees", trainee.pk), {"status": "active", "on": tomorrow},
                         format="json")
    assert response.status_code == 400 and set(response.json()) == {"on"}
    assert as_user(api, other_staff).patch(url("trainees", trainee.pk), {"status": "active"},
                                           format="json").status_code == 404
    assert as_user(api, manager).patch(url("trainees", trainee.pk), {"status": "active"},
                                       format="json").status_code == 200


# Follow-up records -------------------------------------------------------------------------


@pytest.mark.dates
@pytest.mark.django_db
def test_staff_add_the_follow_up(api, staff, trainee):
    as_user(api, staff)
    response = post(api, url("contracts"), {
        "trainee": trainee.pk, "start_date": "2026-01-05", "end_date": "2026-07-04",
        "weekly_hours": "26"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "initial" and response.json()["weekly_hours"] == "26.0"
    response = post(api, url("plan-objectives"), {
        "trainee": trainee.pk, "category": "professional", "title": "Permis B"})
    assert response.status_code == 201, response.content
    objective = response.json()["id"]
    response = post(api, url("milestones"), {"objective": objective, "title": "Code"})
    assert response.status_code == 201, response.content
    milestone = response.json()["id"]
    response = post(api, url("milestones", milestone, "done"), {})
    assert response.status_code == 200 and response.json()["done_on"] == TODAY.isoformat()
    response = api.patch(url("plan-objectives", objective), {"status": "in_progress"},
                         format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress" and body["milestones"][0]["id"] == milestone
    response = post(api, url("obstacle-assessments"), {
        "trainee": trainee.pk, "category": "housing", "severity": 3, "note": "Hébergée"})
    assert response.status_code == 201, response.content
    assert response.json()["severity"] == 3 and response.json()["assessed_by"] == staff.pk


@pytest.mark.dates
@pytest.mark.django_db
def test_exits_are_recorded_once_and_exit_the_trainee(api, staff, trainee):
    as_user(api, staff)
    data = {"trainee": trainee.pk, "date": (TODAY + datetime.timedelta(20)).isoformat(),
            "category": "sustainable_employment", "outcome": "cdi", "planned": True}
    response = post(api, url("exits"), data)
    assert response.status_code == 201, response.content
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.ACTIVE
    response = post(api, url("exits"), {**data, "date": TODAY.isoformat(), "planned": False,
                                        "category": "positive_exit",
                                        "outcome": "qualifying_training"})
    assert response.status_code == 200, response.content
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.EXITED and Exit.objects.count() == 1


def _payloads(trainee, other_trainee, objective):
    soon = (TODAY + datetime.timedelta(days=2)).isoformat()
    # A trainee without a contract yet: the contract rules then apply to a first contract.
    fresh = TraineeFactory(programme=trainee.programme)
    contract = {"trainee": fresh.pk, "start_date": "2026-01-05", "end_date": "2026-07-04",
                "weekly_hours": "26"}
    return [
        ("contracts", {**contract, "end_date": "2026-02-05"}, "end_date"),  # under 4 months
        ("contracts", {**contract, "weekly_hours": "40"}, "weekly_hours"),
        ("contracts", {**contract, "kind": "renewal"}, "kind"),  # nothing to renew
        ("contracts", {**contract, "trainee": other_trainee.pk}, "trainee"),
        ("plan-objectives", {"trainee": trainee.pk, "category": "hobby", "title": "X"},
         "category"),
        ("milestones", {"objective": objective.pk + 1000, "title": "X"}, "objective"),
        ("obstacle-assessments", {"trainee": trainee.pk, "category": "housing",
                                  "severity": 7}, "severity"),
        ("obstacle-assessments", {"trainee": trainee.pk, "category": "housing", "severity": 1,
                                  "assessed_on": soon}, "assessed_on"),
        ("interviews", {"trainee": trainee.pk, "date": soon, "kind": "regular"}, "date"),
        ("exits", {"trainee": trainee.pk, "date": TODAY.isoformat(),
                   "category": "sustainable_employment", "outcome": "job_seeking"},
         "outcome"),
    ]


@pytest.mark.django_db
def test_service_errors_are_400s_with_field_errors(api, staff, followed, other_trainee):
    as_user(api, staff)
    objective = followed.objectives.get()
    for resource, payload, field in _payloads(followed, other_trainee, objective):
        response = post(api, url(resource), payload)
        assert response.status_code == 400, (resource, response.content)
        assert set(response.json()) == {field}, (resource, response.content)
    other_objective = other_trainee.objectives.get()
    response = post(api, url("milestones"), {"objective": other_objective.pk, "title": "X"})
    assert response.status_code == 400 and set(response.json()) == {"objective"}
    response = api.patch(url("plan-objectives", objective.pk), {"status": "forgotten"},
                         format="json")
    assert response.status_code == 400 and set(response.json()) == {"status"}


# Confidential notes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_programme_staff_read_notes_and_each_reading_is_logged(api, staff, trainee):
    follow_up(trainee, staff, interviews=3)
    as_user(api, staff)
    rows = api.get(url("interviews")).json()["results"]
    assert [row["notes"] for row in rows] == ["Confidentiel 0", "Confidentiel 1",
                                              "Confidentiel 2"]
    # One reading of this trainee's notes, not one per interview.
    access = NoteAccess.objects.get()
    assert (access.user, access.trainee, access.context) == (staff, trainee,
                                                              "api:interviews:list")
    row = api.get(url("interviews", rows[0]["id"])).json()
    assert row["notes"] == "Confidentiel 0" and row["next_steps"] == "Rendez-vous CAF"
    assert NoteAccess.objects.filter(context="api:interviews:retrieve").count() == 1


@pytest.mark.django_db
def test_notes_are_absent_for_everyone_else(api, staff, trainee, manager, other_staff,
                                            trainer, learner):
    follow_up(trainee, staff, interviews=2)
    interview = trainee.interviews.first()
    rows = as_user(api, manager).get(url("interviews")).json()["results"]
    assert len(rows) == 2 and all("notes" not in row for row in rows)  # absent, not null
    assert all(row["next_steps"] == "Rendez-vous CAF" for row in rows)
    assert "notes" not in api.get(url("interviews", interview.pk)).json()
    for outsider in (other_staff, trainer, learner):
        as_user(api, outsider)
        assert api.get(url("interviews")).json()["results"] == []
        assert api.get(url("interviews", interview.pk)).status_code == 404
    assert not NoteAccess.objects.exists()


@pytest.mark.django_db
def test_a_manager_on_the_staff_reads_only_their_programme_notes(api, trainee, staff,
                                                                 other_trainee):
    boss = ManagerFactory(is_insertion_staff=True)
    trainee.programme.staff.add(boss)
    follow_up(trainee, staff)
    rows = as_user(api, boss).get(url("interviews")).json()["results"]
    notes = {row["trainee"]: "notes" in row for row in rows}
    assert notes == {trainee.pk: True, other_trainee.pk: False}
    assert list(NoteAccess.objects.values_list("user", "trainee")) == [(boss.pk, trainee.pk)]


@pytest.mark.django_db
def test_one_reading_is_logged_per_trainee_shown(api, staff, programme):
    trainees = [follow_up(TraineeFactory(programme=programme), staff, interviews=2)
                for _ in range(3)]
    as_user(api, staff).get(url("interviews"))
    assert sorted(NoteAccess.objects.values_list("trainee", flat=True)) == sorted(
        trainee.pk for trainee in trainees)
    NoteAccess.objects.all().delete()
    as_user(api, staff).get(url("interviews"), {"trainee": trainees[0].pk})
    assert list(NoteAccess.objects.values_list("trainee", flat=True)) == [trainees[0].pk]


@pytest.mark.django_db
def test_staff_record_interviews_and_managers_cannot(api, staff, manager, trainee):
    data = {"trainee": trainee.pk, "date": TODAY.isoformat(), "kind": "initial",
            "notes": "  Dort dans sa voiture  ", "next_steps": "115"}
    response = post(as_user(api, staff), url("interviews"), data)
    assert response.status_code == 201, response.content
    assert response.json()["notes"] == "Dort dans sa voiture"
    assert response.json()["staff"] == staff.pk
    assert NoteAccess.objects.get().context == "api:interviews:create"
    response = post(as_user(api, manager), url("interviews"), data)
    assert response.status_code == 403 and Interview.objects.count() == 1


# Query counts ------------------------------------------------------------------------------


@pytest.fixture
def many_trainees(programme, staff):
    def make(size):
        return [follow_up(TraineeFactory(programme=programme, referent=staff), staff)
                for _ in range(size)]
    return make


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 12])
@pytest.mark.parametrize(("resource", "queries"), [
    ("programmes", 3),  # count, page, staff
    ("trainees", 2),  # count, page
    ("contracts", 2),
    ("plan-objectives", 3),  # count, page, milestones
    ("milestones", 2),
    ("obstacle-assessments", 2),
    ("interviews", 2),  # a manager outside the programme: no notes
    ("exits", 2),
])
def test_lists_have_a_fixed_query_count(api, many_trainees, manager,
                                        django_assert_num_queries, size, resource, queries):
    many_trainees(size)
    if resource == "programmes":
        for _ in range(size - 1):
            ProgrammeFactory(staff=[InsertionStaffFactory(), InsertionStaffFactory()])
    as_user(api, manager)
    with django_assert_num_queries(queries):
        response = api.get(url(resource))
    assert response.json()["count"] == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 12])
def test_interviews_with_notes_have_a_fixed_query_count(api, staff, trainee,
                                                        django_assert_num_queries, size):
    """The page of one trainee's interviews, notes included: the count, the page, which
    trainees' notes the caller may read, then the service's reading (its check, the logged
    access and the interviews) once for the trainee, whatever the number of interviews."""
    follow_up(trainee, staff, interviews=size)
    as_user(api, staff)
    with django_assert_num_queries(6):
        response = api.get(url("interviews"), {"trainee": trainee.pk})
    rows = response.json()["results"]
    assert len(rows) == size and all("notes" in row for row in rows)


@pytest.mark.django_db
def test_notes_cost_three_queries_per_trainee_shown(api, staff, programme):
    """Across trainees, each trainee whose notes are shown adds the service's three queries
    (check, logged access, interviews), never one per interview."""
    def queries(trainees: int) -> int:
        Trainee.objects.all().delete()
        for _ in range(trainees):
            follow_up(TraineeFactory(programme=programme), staff, interviews=3)
        with CaptureQueriesContext(connection) as captured:
            as_user(api, staff).get(url("interviews"))
        return len(captured)

    assert queries(4) - queries(2) == 2 * 3


# Schema ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_documents_the_insertion_api(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/trainees/{id}/", "/api/v1/interviews/", "/api/v1/exits/",
                 "/api/v1/milestones/{id}/done/", "/api/v1/plan-objectives/"):
        assert f"{path}:" in text
    for component in ("TraineeStatusEnum:", "SeverityEnum:", "ExitOutcomeEnum:"):
        assert component in text

