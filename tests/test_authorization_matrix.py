"""The authorization matrix: every URL of the project × method × role, generated from the URLconf.

Every URL pattern found by walking django.urls.get_resolver() (the DRF router's included) must
have its expected outcome per role in tests/authorization_expectations.py, else
test_every_url_pattern_has_expectations fails naming it; only the commented allow-list below
(EXCLUDED_PREFIXES, EXCLUDED_NAMES, _excluded_route) is left out. Each declared URL × method is
then requested by the eight roles of one world, built once for the module; each request runs in
a savepoint rolled back afterwards, so that a granted write (a DELETE, a lock…) leaves the world
as it was for the next check.
"""

import datetime
import json
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, TestCase, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.views import APIView

from tests import authorization_expectations as spec

# What the matrix leaves out, and why. Nothing else may be skipped.
EXCLUDED_PREFIXES = {
    # Wagtail admin: the editors' interface, guarded by Wagtail's own permission system.
    "admin/": "Wagtail admin",
    # Django admin: is_staff only, guarded by Django's own checks.
    "django-admin/": "Django admin",
}
EXCLUDED_NAMES = {
    # Wagtail documents (files uploaded in the admin), served by Wagtail with its collection
    # privacy rules.
    "wagtaildocs_serve": "Wagtail documents serving",
    "wagtaildocs_authenticate_with_password": "Wagtail documents serving",
    # The language switcher: a cookie, nothing to protect.
    "set_language": "i18n setlang",
    # The page catch-all and its two helpers for password- or login-restricted pages (same
    # include): pages are checked through explicit URLs instead (spec.PAGES).
    "wagtail_serve": "Wagtail page catch-all",
    "wagtailcore_authenticate_with_password": "Wagtail page catch-all",
    "wagtailcore_login": "Wagtail page catch-all",
}


def _excluded_route(route: str) -> str | None:
    for prefix, why in EXCLUDED_PREFIXES.items():
        if route.startswith(prefix):
            return why
    # Static and media files (served by URL patterns only with DEBUG).
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and route.lstrip("^").startswith(url.lstrip("/")):
            return "static/media"
    # DRF's format-suffix duplicates of each API route (".json", ".api"): same view.
    if "(?P<format>" in route or "<drf_format_suffix:format>" in route:
        return "DRF format suffix"
    return None


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself when the pattern has no name
    route: str
    callback: object
    kwargs: tuple[str, ...]


def _walk(patterns, prefix="", namespace="", kwargs=()):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        names = (*kwargs, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if _excluded_route(route):
                continue
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, route, inner, names)
        elif not (_excluded_route(route) or entry.name in EXCLUDED_NAMES):
            key = (f"{namespace}:{entry.name}" if namespace else entry.name) if entry.name \
                else route
            yield Route(key=key, route=route, callback=entry.callback, kwargs=tuple(names))


def discovered_routes() -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = {}
    for route in _walk(get_resolver().url_patterns):
        routes.setdefault(route.key, []).append(route)
    return routes


def _shown(route: str) -> str:
    """A route as people read it: /api/v1/sessions/(?P<pk>[^/.]+)/ rather than with ^ and $."""
    return "/" + route.replace("^", "").replace("$", "")


def required_methods(callback) -> set[str]:
    """Methods a class-based API view answers: each must have a declared expectation."""
    actions = getattr(callback, "actions", None)  # a DRF viewset route: {method: action}
    if actions:
        return {method.upper() for method in actions} - {"HEAD", "OPTIONS"}
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return {method.upper() for method in view_class.http_method_names
                if hasattr(view_class, method)} - {"HEAD", "OPTIONS"}
    return set()


ROUTES = discovered_routes()
CASES = [(key, method) for key in sorted(ROUTES) if key in spec.EXPECTATIONS
         for method in spec.EXPECTATIONS[key]]
CASES += [(key, method) for key in spec.PAGES for method in spec.PAGES[key]]


def test_every_url_pattern_has_expectations():
    problems = []
    for key, routes in sorted(ROUTES.items()):
        where = ", ".join(_shown(route.route) for route in routes)
        if key not in spec.EXPECTATIONS:
            problems.append(f"URL pattern {key!r} ({where}) has no expected outcome: declare "
                            f"who may reach it in tests/authorization_expectations.py")
            continue
        if len({route.route for route in routes}) > 1:
            problems.append(f"URL name {key!r} names several patterns ({where}): give each "
                            f"its own name so that each is checked")
        missing = set().union(*(required_methods(route.callback) for route in routes)) \
            - set(spec.EXPECTATIONS[key])
        if missing:
            problems.append(f"URL pattern {key!r} ({where}) answers {sorted(missing)} without a "
                            f"declared expectation")
    for key in sorted(set(spec.EXPECTATIONS) - set(ROUTES)):
        problems.append(f"Expectation for {key!r}, which names no URL pattern: include its "
                        f"URLconf, or remove the expectation if the URL is gone")
    for (key, method, role), _why in spec.KNOWN_HOLES.items():
        if role in spec.EXPECTATIONS.get(key, {}).get(method, spec.EVERYONE):
            problems.append(f"Known hole {key} {method} {role} is not declared as denied")
    assert not problems, "\n".join(problems)


# The world -------------------------------------------------------------------------------------


def _build_world():
    from certificates import services as documents
    from certificates.enums import DocumentKind, DocumentStatus
    from courses.referential import REFERENTIAL_DIR, referential_load
    from lms.accounts.models import Organisation
    from lms.attendance import services as attendance
    from lms.attendance.services import MarkInput
    from lms.core.models import Notification
    from lms.insertion import services as insertion
    from lms.insertion.enums import (
        ExitCategory,
        ExitOutcome,
        InterviewKind,
        ObjectiveCategory,
        ObstacleCategory,
    )
    from lms.progress import services as progress
    from lms.progress.enums import AssessmentKind, AssessmentMethod
    from tests.accounts.factories import LearnerFactory, ManagerFactory, TrainerFactory
    from tests.attendance.factories import SessionFactory
    from tests.cohorts.factories import CohortFactory
    from tests.courses.factories import (
        CatalogueFactory,
        HomePageFactory,
        LessonFactory,
        ModuleFactory,
        TrainingPathFactory,
        lesson_body,
        module_target,
    )
    from tests.documents_setup import attended_session, ready_to_sign
    from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
    from tests.progress.factories import EnrollmentFactory

    w = SimpleNamespace()
    today = timezone.localdate()
    w.learner = LearnerFactory(username="mx-learner")
    w.other_learner = LearnerFactory(username="mx-other-learner")
    w.trainer = TrainerFactory(username="mx-trainer")
    w.other_trainer = TrainerFactory(username="mx-other-trainer")
    w.staff = InsertionStaffFactory(username="mx-staff")
    w.other_staff = InsertionStaffFactory(username="mx-other-staff")
    w.manager = ManagerFactory(username="mx-manager")

    organisation = Organisation.load()
    organisation.name, organisation.legal_name = "C-Num", "Association C-Num"
    organisation.city, organisation.siret = "Niort", "73282932000074"
    organisation.save()
    ready_to_sign(organisation)  # attestations and certificates need a signatory

    w.home = HomePageFactory()
    w.catalogue = CatalogueFactory(parent=w.home)
    w.path = TrainingPathFactory(parent=w.catalogue, title="Matrice", self_enrolment=True)
    w.module = ModuleFactory(parent=w.path, title="Le courriel")
    w.lesson = LessonFactory(parent=w.module, title="Lire", body=lesson_body(with_quiz=False))
    w.quiz_lesson = LessonFactory(parent=w.module, title="Quiz")
    referential_load(path=REFERENTIAL_DIR / "pix.json")
    from courses.models import Competence, CompetenceFramework

    w.framework = CompetenceFramework.objects.order_by("pk").first()
    w.competence = Competence.objects.order_by("pk").first()
    module_target(w.module, w.competence, 2)

    w.cohort = CohortFactory(path=w.path, trainers=[w.trainer])
    w.other_cohort = CohortFactory(path=w.path, trainers=[w.other_trainer])
    w.enrollment = EnrollmentFactory(learner=w.learner, path=w.path, cohort=w.cohort)
    w.other_enrollment = EnrollmentFactory(learner=w.other_learner, path=w.path,
                                           cohort=w.other_cohort)
    w.session = SessionFactory(cohort=w.cohort, trainer=w.trainer, module=w.module)
    w.other_session = SessionFactory(cohort=w.other_cohort, trainer=w.other_trainer)
    attendance.roll_call_save(session=w.session, by=w.trainer,
                              marks=[MarkInput(learner_id=w.learner.pk, status="present")])
    w.mark = w.session.marks.get(learner=w.learner)
    w.notice = attendance.absence_declare(
        learner=w.learner, cohort=w.cohort, start_date=today + datetime.timedelta(days=7),
        end_date=today + datetime.timedelta(days=7), reason="Rendez-vous")

    with TestCase.captureOnCommitCallbacks(execute=True):
        w.completion = progress.lesson_complete(learner=w.learner, lesson=w.lesson)
        w.assessment = progress.assessment_record(
            learner=w.learner, competence=w.competence, kind=AssessmentKind.VALIDATION,
            level=2, by=w.trainer, method=AssessmentMethod.OBSERVATION, path=w.path)
    # A certificate states realised hours: an attended session on a locked sheet.
    w.locked_session = attended_session(w.enrollment, by=w.trainer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.document = documents.document_request(kind=DocumentKind.CERTIFICATE, by=w.trainer,
                                                enrollment=w.enrollment)
    w.document.refresh_from_db()
    assert w.document.status == DocumentStatus.ISSUED, w.document.error
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.batch, _skipped = documents.batch_request(cohort=w.cohort,
                                                    kind=DocumentKind.CERTIFICATE, by=w.trainer)
    w.batch.refresh_from_db()
    w.notification = Notification.objects.create(recipient=w.learner, title="Bienvenue")

    w.programme = ProgrammeFactory(staff=[w.staff])
    w.other_programme = ProgrammeFactory(staff=[w.other_staff])
    w.trainee = TraineeFactory(programme=w.programme, learner=w.learner, referent=w.staff)
    w.other_trainee = TraineeFactory(programme=w.other_programme, learner=w.other_learner,
                                     referent=w.other_staff)
    w.contract = insertion.contract_add(
        trainee=w.trainee, by=w.staff, start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=120), weekly_hours=26)
    w.objective = insertion.objective_add(trainee=w.trainee, by=w.staff,
                                          category=ObjectiveCategory.DIGITAL,
                                          title="Envoyer un courriel", training_path=w.path)
    w.milestone = insertion.milestone_add(objective=w.objective, by=w.staff,
                                          title="Créer une adresse")
    w.obstacle = insertion.obstacle_assess(trainee=w.trainee, by=w.staff,
                                           category=ObstacleCategory.MOBILITY, severity=2)
    w.interview = insertion.interview_record(trainee=w.trainee, by=w.staff,
                                             date=today - datetime.timedelta(days=3),
                                             kind=InterviewKind.INITIAL, notes="Confidentiel")
    w.exit = insertion.exit_record(trainee=w.trainee, by=w.staff,
                                   date=today + datetime.timedelta(days=120),
                                   category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                                   outcome=ExitOutcome.CDI, planned=True)
    from lms.quality.models import Complaint, Improvement

    w.complaint = Complaint.objects.create(
        received_on=today, complainant_kind="learner", complainant_name="Zoé", channel="email",
        cohort=w.cohort, description="Salle trop froide")
    w.improvement = Improvement.objects.create(source="complaint", complaint=w.complaint,
                                               identified_on=today, description="Chauffage")
    from django.core.files.base import ContentFile

    from lms.auditpack.models import AuditPack

    # A ready pack of cohort A (its file a stand-in: the matrix checks who reaches it).
    w.audit_pack = AuditPack(cohort=w.cohort, requested_by=w.manager, status="ready",
                             progress=100)
    w.audit_pack.archive.save("pack.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    from lms.surveys.services import invitation_create
    from lms.surveys.tokens import invitation_token
    from tests.surveys.factories import make_survey

    # A funders' survey (its invitation page exists only for those), and the learner's personal
    # link to it: valid, so that the matrix sees the page open to whoever holds the link.
    w.survey = make_survey(kind="funders", anonymous=False)
    w.survey_token = invitation_token(invitation_create(
        survey=w.survey, cohort=w.cohort, name="OPCO", email="opco@example.org", send=False))
    w.users = {
        spec.LEARNER: w.learner, spec.OTHER_LEARNER: w.other_learner,
        spec.TRAINER: w.trainer, spec.OTHER_TRAINER: w.other_trainer,
        spec.STAFF: w.staff, spec.OTHER_STAFF: w.other_staff, spec.MANAGER: w.manager,
    }
    return w


# URL kwargs by name: every URL naming an object names the learner's (see the spec's docstring).
def _kwargs_by_name(w) -> dict:
    return {
        "path_id": w.path.pk, "lesson_id": w.lesson.pk, "enrollment_id": w.enrollment.pk,
        "kind": "initial", "cohort_id": w.cohort.pk, "session_id": w.session.pk,
        "learner_id": w.learner.pk, "document_id": w.document.pk, "batch_id": w.batch.pk,
        "code": w.document.code, "trainee_id": w.trainee.pk, "programme_id": w.programme.pk,
        "contract_id": w.contract.pk, "objective_id": w.objective.pk,
        "milestone_id": w.milestone.pk, "obstacle_id": w.obstacle.pk,
        "interview_id": w.interview.pk, "exit_id": w.exit.pk,
        "notification_id": w.notification.pk, "user_id": w.learner.pk,
        "notice_id": w.notice.pk,
        "complaint_id": w.complaint.pk, "improvement_id": w.improvement.pk,
        "pack_id": w.audit_pack.pk,
        "survey_id": w.survey.pk,
    }


# The object behind a DRF route's `pk`, by the router's basename.
def _pk_by_basename(w) -> dict:
    return {
        "path": w.path.pk, "module": w.module.pk, "lesson": w.quiz_lesson.pk,
        "competence": w.competence.pk, "enrollment": w.enrollment.pk,
        "lesson-completion": w.completion.pk, "competence-assessment": w.assessment.pk,
        "cohort": w.cohort.pk, "session": w.session.pk, "attendance": w.mark.pk,
        "absence-notice": w.notice.pk, "document": w.document.pk,
        "programme": w.programme.pk, "trainee": w.trainee.pk, "contract": w.contract.pk,
        "plan-objective": w.objective.pk, "milestone": w.milestone.pk,
        "obstacle-assessment": w.obstacle.pk, "interview": w.interview.pk, "exit": w.exit.pk,
        "notification": w.notification.pk,
        "complaint": w.complaint.pk, "improvement": w.improvement.pk,
        "audit-pack": w.audit_pack.pk,
        "survey-result": w.survey.pk,
    }


def _special_kwargs(w) -> dict:
    from lms.accounts.services import access_link_make

    link = access_link_make(user=w.learner)
    return {"framework-detail": {"code": w.framework.code},
            "accounts:password_reset_confirm": {"uidb64": link.uid, "token": link.token},
            "calendar-feed": {"token": "unknown-calendar-address-0000000000000000000"},
            "surveys:answer": {"token": w.survey_token},
            "progress:quiz-submit": {"lesson_id": w.quiz_lesson.pk}}


# Minimal bodies where an empty one would be refused by validation before the permission
# check, or would hide the check behind an in-band error message.
def _bodies(w) -> dict:
    return {
        ("certificates:request", "POST"): {"kind": "certificate",
                                           "enrollment": w.enrollment.pk},
        ("certificates:request-batch", "POST"): {"kind": "certificate"},
        ("certificates:document-reissue", "POST"): {"reissue-reason": "Nom corrigé"},
        ("certificates:document-revoke", "POST"): {"revoke-reason": "Émis par erreur",
                                                   "revoke-confirm": "on"},
        ("document-reissue", "POST"): {"reason": "Nom corrigé"},
        ("document-revoke", "POST"): {"reason": "Émis par erreur"},
        ("session-cancel", "POST"): {"reason": "Salle indisponible"},
        ("session-check-in", "POST"): {"code": "WRONG-CODE"},
        ("progress:quiz-submit", "POST"): {"quiz": "quiz-1", "q0": "0"},
    }


def _basename(key: str) -> str | None:
    from lms.api import router

    basenames = [basename for _prefix, _viewset, basename in router.registry
                 if key.startswith(f"{basename}-")]
    return max(basenames, key=len) if basenames else None


def _url(w, key: str) -> str:
    if key in spec.PAGES:
        page = {"page:home": w.home, "page:catalogue": w.catalogue, "page:path": w.path,
                "page:module": w.module, "page:lesson": w.quiz_lesson}[key]
        return page.url
    route = ROUTES[key][0]
    values = {**_kwargs_by_name(w), **_special_kwargs(w).get(key, {})}
    basename = _basename(key)
    if basename in _pk_by_basename(w):
        values.setdefault("pk", _pk_by_basename(w)[basename])
    missing = [name for name in route.kwargs if name not in values]
    assert not missing, (f"No world object for the URL kwargs {missing} of {key!r} "
                         f"({_shown(route.route)}): add one in tests/test_authorization_matrix.py")
    return reverse(key, kwargs={name: values[name] for name in route.kwargs})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)), \
            transaction.atomic():
        w = _build_world()
        w.cookies = {}
        for role, user in w.users.items():
            client = Client()
            client.force_login(user)
            w.cookies[role] = {name: morsel.value for name, morsel in client.cookies.items()}
        w.bodies = _bodies(w)
        yield w
        transaction.set_rollback(True)


# One check ----------------------------------------------------------------------------------

GRANTED, DENIED = "allowed", "denied"


def _outcome(response) -> tuple[str | None, str]:
    """(GRANTED, DENIED or None when the answer says nothing about permissions, a label)."""
    status = response.status_code
    if status in (401, 403, 404):
        return DENIED, str(status)
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"]).path
        if location == resolve_url(settings.LOGIN_URL):
            return DENIED, f"{status} → login"
        errors = [str(message) for message in get_messages(response.wsgi_request)
                  if message.level >= messages.ERROR]
        if errors:
            return DENIED, f"{status} → {location} with error “{errors[0]}”"
        return GRANTED, f"{status} → {location}"
    if 200 <= status < 300 or status == 400:
        return GRANTED, str(status)
    return None, f"{status} (neither allowed nor denied: fix the view or the expectation)"


def _request(w, role: str, method: str, url: str, body: dict | None):
    client = Client()
    for name, value in w.cookies.get(role, {}).items():
        client.cookies[name] = value
    if method == "GET":
        return client.get(url)
    body = body or {}
    if url.startswith("/api/"):
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    if method == "POST":
        return client.post(url, body)
    return client.generic(method, url, "")


def check(w, role: str, method: str, url: str, body: dict | None) -> tuple[str | None, str]:
    # Rate limits (verification, token) count in the cache: every check starts afresh.
    cache.clear()
    with transaction.atomic():
        try:
            response = _request(w, role, method, url, body)
        except Exception as error:  # a crash is reported with the other results
            result = None, f"raised {type(error).__name__}: {error}"
        else:
            result = _outcome(response)
            if response.streaming:
                # Reading to the end closes the file the way a WSGI server does; calling
                # close() here would also close the database connection (request_finished).
                b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "method"), CASES, ids=[f"{k} {m}" for k, m in CASES])
def test_authorization(world, key, method):
    expected = {**spec.EXPECTATIONS, **spec.PAGES}[key][method]
    url = _url(world, key)
    body = world.bodies.get((key, method))
    grants, denials, errors, holes = [], [], [], []
    for role in spec.ROLES:
        outcome, label = check(world, role, method, url, body)
        hole = spec.KNOWN_HOLES.get((key, method, role))
        if outcome is None:
            errors.append(f"  {role}: {label}")
        elif hole and outcome == GRANTED:
            holes.append(f"{role} ({hole})")
        elif hole:
            errors.append(f"  {role}: known hole is fixed ({label}): remove it from KNOWN_HOLES")
        elif outcome == GRANTED and role not in expected:
            grants.append(f"  UNEXPECTED GRANT: {role} got {label}")
        elif outcome == DENIED and role in expected:
            denials.append(f"  unexpected denial: {role} got {label}")
    problems = grants + denials + errors
    assert not problems, f"{key} {method} {url}\n" + "\n".join(problems)
    if holes:
        pytest.xfail(f"known hole(s) at {method} {url}: " + "; ".join(holes))
