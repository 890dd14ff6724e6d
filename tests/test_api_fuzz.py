"""Fuzz the whole API with Schemathesis, as each role, against the schema served at
/api/schema/: no request may end in a 5xx, and every answer must match what the schema says
(status code, content type, body).

The schema is loaded in-process from the WSGI application (no network). A small data world
gives real ids, which the fuzzer mixes into the generated path, body and query, so that detail
endpoints and writes answer real 200s and 201s and not only 400s and 404s. Each generated
request runs in a savepoint that is rolled back, so every example sees the same world whatever
ran before it; with derandomize=True the run is reproducible in CI. No shrinking: a failure is
reported as generated, with its curl command and the server's traceback.

Hypothesis is driven directly (operation.as_strategy) rather than through
schemathesis.pytest.from_fixture, whose subtests write Node._nodeid, gone in pytest 9.2.
API_FUZZ_EXAMPLES=100 fuzzes deeper locally (CI keeps the default, for time).
"""

import datetime
import functools
import os
import re
import traceback
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from certificates.enums import DocumentKind
from certificates.services import document_render, document_request
from courses.referential import Competence, CompetenceFramework
from lms.attendance import services as attendance
from lms.attendance.models import AbsenceNotice, Attendance
from lms.insertion import services as insertion
from lms.insertion.enums import (
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObjectiveCategory,
    ObstacleCategory,
)
from lms.insertion.models import (
    Contract,
    Exit,
    Interview,
    Milestone,
    ObstacleAssessment,
    PlanObjective,
    Programme,
)
from lms.progress.enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentStatus,
)
from lms.progress.models import CompetenceAssessment, LessonCompletion
from lms.progress.services import assessment_record, enrollment_set_status, lesson_complete
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import LessonFactory, ModuleFactory, TrainingPathFactory
from tests.documents_setup import attended_session, ready_to_sign
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory

ROLES = ["anonymous", "learner", "trainer", "insertion_staff", "manager"]
TODAY = datetime.date.today()
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", 8))  # per operation and role

# Statuses DRF answers for any operation without the schema listing them (drf-spectacular only
# documents the success codes): bad input, unauthenticated, forbidden, unknown object, method
# not allowed on this object, unsupported media type, throttled.
STANDARD_ERRORS = {400, 401, 403, 404, 405, 406, 415, 429}


@pytest.fixture
def _keep_connection():
    # The WSGI handler closes the database connection at the end of each request, which would
    # drop the test's transaction; Django's own test client disconnects these the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _closing(app):
    """The WSGI app, closing each response once read: Schemathesis reads the body but never
    closes it, which would leave a document's PDF file open (and request_finished unsent)."""

    def closing_app(environ, start_response):
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return closing_app


def _pks(model):
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def world(referential, path, module, lesson, learner, trainer, manager, cohort, enrollment,
          staff, trainee, settings, tmp_path):
    """A tiers-lieu with two paths: ours (learner, trainer, cohort, sessions, marks, notices,
    completions, assessments, an issued document) and someone else's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    classmate = EnrollmentFactory(path=path, cohort=cohort).learner
    other_path = TrainingPathFactory(parent=path.get_parent(), title="Bureautique")
    other_module = ModuleFactory(parent=other_path, title="Le tableur")
    other_lesson = LessonFactory(parent=other_module, title="Une formule")
    other_trainer = TrainerFactory()
    other_cohort = CohortFactory(path=other_path, trainers=[other_trainer])
    other_learner = LearnerFactory()
    other_enrollment = EnrollmentFactory(learner=other_learner, path=other_path,
                                         cohort=other_cohort)

    past = SessionFactory(cohort=cohort, trainer=trainer, module=module)
    today = SessionFactory(cohort=cohort, trainer=trainer, date=TODAY,
                           start_time=datetime.time(0, 0), end_time=datetime.time(23, 59))
    other_session = SessionFactory(cohort=other_cohort, trainer=other_trainer)
    attendance.roll_call_save(session=past, by=trainer, marks=[
        attendance.MarkInput(learner_id=learner.pk, status="present"),
        attendance.MarkInput(learner_id=classmate.pk, status="absent"),
    ])
    attendance.roll_call_save(session=other_session, by=other_trainer, marks=[
        attendance.MarkInput(learner_id=other_learner.pk, status="present"),
    ])
    attendance.absence_declare(learner=learner, cohort=cohort, start_date=TODAY,
                               end_date=TODAY + datetime.timedelta(days=2), reason="Rendez-vous")
    attendance.absence_declare(learner=other_learner, cohort=other_cohort, start_date=TODAY,
                               end_date=TODAY, reason="Malade")

    lesson_complete(learner=learner, lesson=lesson, source=CompletionSource.STAFF)
    lesson_complete(learner=other_learner, lesson=other_lesson,
                    source=CompletionSource.STAFF)
    competence = Competence.objects.order_by("pk").first()
    assessment_record(learner=learner, competence=competence, kind=AssessmentKind.INITIAL,
                      level=2, by=learner)
    assessment_record(learner=learner, competence=competence, kind=AssessmentKind.VALIDATION,
                      level=3, by=trainer, method=AssessmentMethod.OBSERVATION, path=path)
    assessment_record(learner=other_learner, competence=competence,
                      kind=AssessmentKind.INITIAL, level=1, by=other_learner)

    completed = enrollment_set_status(enrollment=other_enrollment,
                                      status=EnrollmentStatus.COMPLETED)
    # Certificates need a signatory and realised hours (attended sessions on locked sheets).
    ready_to_sign()
    attended_session(enrollment, by=trainer)
    attended_session(completed, by=other_trainer)
    document = document_request(kind=DocumentKind.CERTIFICATE, enrollment=enrollment, by=trainer)
    document_render(document_id=document.pk)
    other_document = document_request(kind=DocumentKind.CERTIFICATE, enrollment=completed,
                                      by=other_trainer)

    # The insertion follow-up of our learner, by the programme's staff, and another programme.
    insertion.contract_add(trainee=trainee, by=staff, start_date=TODAY,
                           end_date=TODAY + datetime.timedelta(days=180),
                           weekly_hours=Decimal("26"))
    objective = insertion.objective_add(trainee=trainee, by=staff,
                                        category=ObjectiveCategory.DIGITAL,
                                        title="Faire ses démarches en ligne", training_path=path)
    insertion.milestone_add(objective=objective, by=staff, title="Créer son compte")
    insertion.obstacle_assess(trainee=trainee, by=staff, category=ObstacleCategory.MOBILITY,
                              severity=2)
    insertion.interview_record(trainee=trainee, by=staff, date=TODAY, kind=InterviewKind.INITIAL,
                               notes="Confidentiel")
    insertion.exit_record(trainee=trainee, by=staff, date=TODAY + datetime.timedelta(days=180),
                          category=ExitCategory.SUSTAINABLE_EMPLOYMENT, outcome=ExitOutcome.CDI,
                          planned=True)
    other_staff = InsertionStaffFactory()
    other_trainee = TraineeFactory(programme=ProgrammeFactory(staff=[other_staff]),
                                   learner=other_learner, referent=other_staff)
    insertion.objective_add(trainee=other_trainee, by=other_staff,
                            category=ObjectiveCategory.SOCIAL, title="Ouvrir ses droits")

    # A ready audit pack (its file a stand-in) and one still waiting.
    from django.core.files.base import ContentFile

    from lms.auditpack.models import AuditPack

    ready_pack = AuditPack(cohort=cohort, requested_by=manager, status="ready", progress=100)
    ready_pack.archive.save("pack.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    waiting_pack = AuditPack.objects.create(year=TODAY.year, requested_by=manager)

    ids = {
        "paths": [path.pk, other_path.pk],
        "modules": [module.pk, other_module.pk],
        "lessons": [lesson.pk, other_lesson.pk],
        "competences": [competence.pk],
        "frameworks": list(CompetenceFramework.objects.order_by("code")
                           .values_list("code", flat=True)[:2]),
        "cohorts": [cohort.pk, other_cohort.pk],
        "enrollments": [enrollment.pk, other_enrollment.pk],
        "sessions": [past.pk, today.pk, other_session.pk],
        "attendance": _pks(Attendance),
        "absence-notices": _pks(AbsenceNotice),
        "lesson-completions": _pks(LessonCompletion),
        "competence-assessments": _pks(CompetenceAssessment),
        "documents": [document.pk, other_document.pk],
        # The Monday of the past session's week: a week sheet the fuzzer may really ask for.
        "weeks": [(past.date - datetime.timedelta(days=past.date.weekday())).isoformat()],
        "learners": [learner.pk, classmate.pk, other_learner.pk],
        "trainers": [trainer.pk, other_trainer.pk],
        "staff": [staff.pk, other_staff.pk],
        "programmes": _pks(Programme),
        "trainees": [trainee.pk, other_trainee.pk],
        "contracts": _pks(Contract),
        "plan-objectives": _pks(PlanObjective),
        "milestones": _pks(Milestone),
        "obstacle-assessments": _pks(ObstacleAssessment),
        "interviews": _pks(Interview),
        "exits": _pks(Exit),
        "audit-packs": [ready_pack.pk, waiting_pack.pk],
    }
    return {
        "ids": ids,
        "users": {"learner": learner, "trainer": trainer, "insertion_staff": staff,
                  "manager": manager, "anonymous": None},
    }


@functools.cache
def _load_schema():
    # Loaded once for all roles: Schemathesis also scans the application's code for constants
    # to reuse in requests, which is worth doing once, not five times.
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json",
                                          _closing(get_wsgi_application()))


def _token_headers(user):
    if user is None:
        return {}
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


RESOURCE = re.compile(r"^/api/v1/(?P<resource>[\w-]+)/\{(?P<name>\w+)\}/")
SETTINGS = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: a failing run stays as bounded as a passing one.
    phases=[Phase.explicit, Phase.generate],
    # Requests are slow next to pure functions, some bodies are big, and operations without
    # parameters reject every invalid example: none of that is a problem here.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example, HealthCheck.filter_too_much],
)


# Request fields (body or query) that name an object (or a week), and where the world keeps
# their ids.
ID_FIELDS = {
    "path": "paths", "training_path": "paths", "module": "modules", "lesson": "lessons",
    "competence": "competences", "cohort": "cohorts", "session": "sessions",
    "enrollment": "enrollments", "learner": "learners", "trainer": "trainers",
    "trainers": "trainers", "programme": "programmes", "trainee": "trainees",
    "objective": "plan-objectives", "referent": "staff", "staff": "staff",
    "week_start": "weeks",
}


def _aimed(value, ids, key=None):
    """A strategy for a generated value whose id fields point at objects of the world."""
    known = ids.get(ID_FIELDS.get(key), [])
    if known and isinstance(value, list):
        return st.lists(st.sampled_from(known), max_size=len(known), unique=True)
    if known and isinstance(value, (int, str)) and not isinstance(value, bool):
        return st.sampled_from(known)
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _aimed(v, ids, k) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*[_aimed(item, ids) for item in value]).map(list)
    return st.just(value)


def _aim(case, ids):
    def point(values):
        body, query = values
        if isinstance(case.body, dict):
            case.body = body
        if case.query:
            case.query = query
        return case

    body = case.body if isinstance(case.body, dict) else {}
    return st.tuples(_aimed(body, ids), _aimed(case.query or {}, ids)).map(point)


def _strategy(operation, ids):
    """Generated requests: valid ones, valid ones aimed at objects of the world (in the path,
    the body and the query), and invalid ones."""
    aimed = []
    match = RESOURCE.match(operation.path)
    for pk in ids.get(match["resource"], []) if match else [None]:
        fixed = {match["name"]: pk} if pk is not None else None
        positive = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed)
        aimed.append(positive.flatmap(lambda case: _aim(case, ids)))
    # Where nothing can be made invalid (no parameters), the negative branch is just skipped.
    negative = operation.as_strategy(GenerationMode.NEGATIVE)
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), *aimed, negative)


def _is_api_route(path):
    try:
        return hasattr(resolve(path).func, "cls")  # DRF views carry their class
    except Resolver404:
        return False


def _check(case, headers):
    """Send one request, inside a rolled back savepoint; raise on a 5xx or a schema mismatch."""
    tracebacks = []

    def record(sender, request=None, **kwargs):
        tracebacks.append(traceback.format_exc())

    got_request_exception.connect(record)
    try:
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
    finally:
        got_request_exception.disconnect(record)
    where = f"{case.method} {case.formatted_path}"
    if response.status_code >= 500:
        raise AssertionError(f"{where} answered {response.status_code}\n"
                             f"{case.as_curl_command(headers=headers)}\n\n"
                             + "\n".join(tracebacks))
    if str(response.status_code) in case.operation.definition.raw.get("responses", {}):
        case.validate_response(response, checks=[status_code_conformance,
                                                 content_type_conformance,
                                                 response_schema_conformance],
                               headers=headers)
        return
    assert response.status_code in STANDARD_ERRORS, (
        f"{where} answered an undocumented {response.status_code}: {response.text[:500]}\n"
        f"{case.as_curl_command(headers=headers)}")
    content_type = response.headers.get("content-type", [""])[0]
    if not _is_api_route(case.formatted_path):
        # A generated id such as "1e-45" matches no route: the site's own 404 page answers.
        assert response.status_code == 404, where
        return
    assert content_type.startswith("application/json"), (
        f"{where}: its {response.status_code} answer is {content_type!r}, not JSON\n"
        f"{case.as_curl_command(headers=headers)}")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_fuzzed_as_each_role(role, world, _keep_connection):
    schema = _load_schema()
    headers = _token_headers(world["users"][role])
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:

        @SETTINGS
        @given(case=_strategy(operation, world["ids"]))
        def fuzz(case):
            _check(case, headers)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failures
            failures.append(f"--- {role}: {operation.label}\n{exc}")
    assert not failures, "\n\n".join(failures)
