import re
from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from courses.enums import PathKind
from courses.models import HomePage, LessonPage, ModulePage, TrainingPathPage
from lms.accounts.models import Organisation, User


# The site and its people only: the activity is tested in test_demo_activity.
@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--site-only", stdout=StringIO())


def page_counts():
    return [model.objects.count() for model in (Page, TrainingPathPage, ModulePage, LessonPage)]


@pytest.mark.django_db
def test_seed_builds_a_believable_tiers_lieu(seeded, client):
    kinds = set(TrainingPathPage.objects.values_list("kind", flat=True))
    assert kinds == set(PathKind.values)
    for path in TrainingPathPage.objects.all():
        modules = ModulePage.objects.child_of(path)
        assert modules.exists()
        for module in modules:
            assert LessonPage.objects.child_of(module).exists()
    assert User.objects.learners().count() >= 40
    assert User.objects.trainers().count() == 3
    assert User.objects.insertion_staff().count() == 2
    assert User.objects.managers().count() == 1
    # Every demo account opens with the demo's password (hashed once for all).
    for user in User.objects.all():
        assert user.check_password("parcours-demo-2026"), user
    names = " ".join(User.objects.values_list("last_name", flat=True))
    names += " ".join(User.objects.values_list("first_name", flat=True))
    assert re.search(r"[\u0600-\u06FF]", names), "a name in Arabic script"
    assert re.search(r"[\u0400-\u04FF]", names), "a name in Cyrillic"
    assert re.search(r"[ạ-ỹ]", names), "a Vietnamese name with its diacritics"
    assert re.search(r"\w+-\w+", names), "a compound name"
    organisation = Organisation.load()
    assert organisation.siret and organisation.nda
    assert Site.objects.get(is_default_site=True).root_page.specific_class is HomePage
    # The site is browsable: home, catalogue, a path, a lesson.
    assert client.get("/").status_code == 200
    path = TrainingPathPage.objects.first()
    assert client.get(path.url).status_code == 200
    lesson = LessonPage.objects.first()
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert "lorem" not in response.content.decode().lower()


@pytest.mark.django_db
def test_seeding_twice_creates_nothing_more(seeded):
    before = page_counts(), User.objects.count()
    call_command("seed_demo", "--site-only", stdout=StringIO())
    assert (page_counts(), User.objects.count()) == before


@pytest.mark.django_db
def test_seeding_keeps_what_editors_changed(seeded):
    path = TrainingPathPage.objects.first()
    path.summary = "Résumé réécrit par l'équipe."
    path.save()
    call_command("seed_demo", "--site-only", stdout=StringIO())
    path.refresh_from_db()
    assert path.summary == "Résumé réécrit par l'équipe."


@pytest.mark.django_db
def test_demo_manager_can_open_the_admin(seeded, client):
    manager = User.objects.managers().get()
    client.force_login(manager)
    assert client.get("/admin/").status_code == 200
    lesson = LessonPage.objects.first()
    assert client.get(f"/admin/pages/{lesson.pk}/edit/").status_code == 200
