import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from courses.referential import referential_load_all
from tests import clock
from tests.accounts.factories import LearnerFactory, ManagerFactory, TrainerFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import (
    AudienceFactory,
    CatalogueFactory,
    HomePageFactory,
    LessonFactory,
    ModuleFactory,
    TrainingPathFactory,
)
from tests.progress.factories import EnrollmentFactory

# The clock set by PARCOURS_TEST_DATE (see tests/clock.py), travelled to before the test modules
# are imported so that their module-level dates are the frozen day's too.
_travel = None
_moment = None


def pytest_configure(config):
    global _travel, _moment
    _moment = clock.requested()
    if _moment is not None:
        _travel = clock.travel(_moment)
        _travel.start()


def pytest_unconfigure(config):
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None


def pytest_report_header(config):
    if _moment is not None:
        return (f"clock: travelled to {_moment:%A %Y-%m-%d %H:%M %Z} ({clock.ENV}), ticking; "
                "tests with other processes keep the real clock")
    return None


def pytest_collection_modifyitems(config, items):
    # Tests of the travel itself have nothing to check on the real clock: they are left out
    # (deselected, not skipped) and run by `make test-dates`, where the clock is travelled.
    if _moment is not None:
        return
    left_out = [item for item in items if item.get_closest_marker("frozen_clock")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("frozen_clock")]


def _needs_real_clock(item) -> bool:
    # A Celery worker, a Redis server or a browser of its own runs in another process, which
    # the travel can't reach: these tests run on the real clock (and depend on no weekday).
    parts = item.path.parts
    return (item.get_closest_marker("integration") is not None
            or item.get_closest_marker("real_clock") is not None
            or "e2e" in parts or "faults" in parts)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if _travel is None or not _needs_real_clock(item):
        return (yield)
    _travel.stop()
    try:
        return (yield)
    finally:
        _travel.start()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if _moment is not None and report.failed:
        # Which day it failed on, in the failure's own output.
        report.sections.append(("clock", f"{clock.ENV}={_moment.isoformat()}"))
    return report


@pytest.fixture(autouse=True)
def _french(settings):
    # Every test starts in the site's default language, whatever an earlier test activated.
    settings.LANGUAGE_CODE = "fr"
    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free port (tests/s3.py), for the tests of one module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache: without this, the verification page's limit
    # (30 a minute from one address) trips on whichever test happens to come 31st.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def referential(db):
    referential_load_all()


@pytest.fixture
def home(db):
    return HomePageFactory()


@pytest.fixture
def catalogue(home):
    return CatalogueFactory(parent=home)


@pytest.fixture
def path(catalogue):
    seniors = AudienceFactory(slug="seniors", name="Seniors")
    return TrainingPathFactory(parent=catalogue, title="Club premiers pas", audiences=[seniors])


@pytest.fixture
def module(path):
    return ModuleFactory(parent=path, title="Le courriel")


@pytest.fixture
def lesson(module):
    return LessonFactory(parent=module, title="Envoyer un courriel")


@pytest.fixture
def learner(db):
    return LearnerFactory()


@pytest.fixture
def trainer(db):
    return TrainerFactory()


@pytest.fixture
def manager(db):
    return ManagerFactory()


@pytest.fixture
def cohort(path, trainer):
    return CohortFactory(path=path, trainers=[trainer])


@pytest.fixture
def enrollment(learner, path, cohort):
    return EnrollmentFactory(learner=learner, path=path, cohort=cohort)


@pytest.fixture
def staff(db):
    from tests.insertion.factories import InsertionStaffFactory

    return InsertionStaffFactory()


@pytest.fixture
def programme(staff):
    from tests.insertion.factories import ProgrammeFactory

    return ProgrammeFactory(staff=[staff])


@pytest.fixture
def trainee(programme, learner, staff):
    from tests.insertion.factories import TraineeFactory

    return TraineeFactory(programme=programme, learner=learner, referent=staff)


# API tests ---------------------------------------------------------------------------------


@pytest.fixture
def api():
    """An API client, logged in by nobody until `as_user` says who calls."""
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def ids(response):
    """The ids of a successful API list page."""
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture(autouse=True)
def django_db_serialized_rollback() -> bool:
    """Transactional tests restore the data migrations created (Wagtail's root page, locales,
    attendance statuses) instead of leaving an emptied database to the next test."""
    return True
