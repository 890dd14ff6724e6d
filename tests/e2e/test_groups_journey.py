"""Groups and programmes in the app, in a real browser at 360 px: a trainer creates a group
of the path they teach and places a learner who enrolled themselves; a manager creates an
insertion programme with its staff. Nothing scrolls sideways on any page visited."""

import datetime

import pytest
from django.utils import timezone

from lms.cohorts.models import Cohort
from lms.insertion.models import Programme
from lms.progress.enums import EnrollmentSource
from tests.accounts.factories import PASSWORD, LearnerFactory
from tests.e2e.helpers import SMALL_PHONE, Journey, log_in
from tests.insertion.factories import InsertionStaffFactory
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def assert_fits(journey: Journey, label: str) -> None:
    """A screenshot, axe, and no sideways scrolling at the phone's width."""
    journey.step(label)
    width = journey.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"{label}: the page is {width} px wide"


@pytest.fixture
def path_trainer(path, trainer):
    path.trainers.add(trainer)
    path.save()  # a parental M2M is written on save
    return trainer


@pytest.fixture
def self_enrolled(path):
    learner = LearnerFactory(first_name="Ahamada", last_name="Saïd")
    return EnrollmentFactory(learner=learner, path=path, cohort=None,
                             source=EnrollmentSource.SELF)


def test_trainer_creates_a_group_and_places_a_self_enrolled_learner(
        live_server, new_page, organisation, path, path_trainer, self_enrolled):
    page = new_page(SMALL_PHONE)
    journey = Journey("groups-trainer", page, live_server.url)
    log_in(journey, path_trainer.username, PASSWORD)

    journey.goto("/")
    page.locator(".site-nav a[href='/emargement/groupes/']").first.click()
    page.wait_for_url("**/emargement/groupes/")
    assert_fits(journey, "groups")

    with page.expect_navigation():
        page.locator("a[href='/emargement/groupes/nouveau/']").click()
    today = timezone.localdate()
    page.fill("#id_name", "Club du mardi — hiver")
    page.select_option("#id_path", str(path.pk))
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_end_date", (today + datetime.timedelta(days=90)).isoformat())
    page.fill("#id_place", "Salle Ada Lovelace")
    page.fill("#id_capacity", "10")
    assert page.locator(f"input[name=trainers][value='{path_trainer.pk}']").is_checked()
    assert_fits(journey, "new-group")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    cohort = Cohort.objects.get(name="Club du mardi — hiver")
    assert page.url.endswith(f"/emargement/groupes/{cohort.pk}/")
    assert page.locator(".message--success").is_visible()
    assert_fits(journey, "group-planning")

    with page.expect_navigation():
        page.locator(f"a[href='/suivi/formation/groupe/{cohort.pk}/placer/']").first.click()
    page.locator(f"#place-{self_enrolled.pk}").check()
    assert_fits(journey, "place-learners")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".message--success").is_visible()
    self_enrolled.refresh_from_db()
    assert self_enrolled.cohort == cohort
    assert self_enrolled.memberships.get().cohort == cohort
    assert_fits(journey, "placed")

    journey.goto(f"/emargement/groupes/{cohort.pk}/")
    assert page.locator("main", has_text="Ahamada Saïd").is_visible()
    assert_fits(journey, "planning-with-learner")

    journey.finish()
    journey.assert_accessible()


def test_manager_creates_an_insertion_programme_with_its_staff(
        live_server, new_page, organisation, manager):
    counsellor = InsertionStaffFactory(first_name="Mamadou", last_name="Diallo")
    page = new_page(SMALL_PHONE)
    journey = Journey("programmes-manager", page, live_server.url)
    log_in(journey, manager.username, PASSWORD)

    journey.goto("/insertion/")
    with page.expect_navigation():
        page.locator("a[href='/insertion/programmes/']").click()
    assert_fits(journey, "programmes")
    with page.expect_navigation():
        page.locator("a[href='/insertion/programmes/nouveau/']").click()
    page.fill("#id_name", "Chantier espaces verts")
    page.fill("#id_start_date", timezone.localdate().isoformat())
    page.locator(f"input[name=staff][value='{counsellor.pk}']").check()
    page.locator("#id_co_financed").check()
    page.fill("#id_funders", "FSE+, Département")
    assert_fits(journey, "new-programme")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".message--success").is_visible()
    programme = Programme.objects.get(name="Chantier espaces verts")
    assert list(programme.staff.all()) == [counsellor] and programme.co_financed
    assert page.locator("td", has_text="Mamadou Diallo").is_visible()
    assert_fits(journey, "programme-created")

    journey.finish()
    journey.assert_accessible()
