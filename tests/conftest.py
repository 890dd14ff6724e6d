import pytest
from django.core.cache import cache
from django.utils import translation

from courses.referential import referential_load_all
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


@pytest.fixture(autouse=True)
def _french(settings):
    # Every test starts in the site's default language, whatever an earlier test activated.
    settings.LANGUAGE_CODE = "fr"
    translation.activate("fr")
    yield
    translation.deactivate()


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


@pytest.fixture(autouse=True)
def django_db_serialized_rollback() -> bool:
    """Transactional tests restore the data migrations created (Wagtail's root page, locales,
    attendance statuses) instead of leaving an emptied database to the next test."""
    return True
