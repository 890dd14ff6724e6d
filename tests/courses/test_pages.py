import pytest
from wagtail.models import Page

from courses.enums import PathKind
from courses.models import (
    CatalogueIndexPage,
    HomePage,
    LessonPage,
    ModulePage,
    TrainingPathPage,
)
from tests.courses.factories import (
    AudienceFactory,
    LessonFactory,
    ModuleFactory,
    TrainingPathFactory,
    module_target,
)


def test_page_types_only_build_sensible_trees():
    assert HomePage.allowed_subpage_models() == [CatalogueIndexPage]
    assert CatalogueIndexPage.allowed_subpage_models() == [TrainingPathPage]
    assert TrainingPathPage.allowed_subpage_models() == [ModulePage]
    assert ModulePage.allowed_subpage_models() == [LessonPage]
    assert LessonPage.allowed_subpage_models() == []
    assert LessonPage.allowed_parent_page_models() == [ModulePage]
    assert ModulePage.allowed_parent_page_models() == [TrainingPathPage]
    assert TrainingPathPage.allowed_parent_page_models() == [CatalogueIndexPage]


@pytest.mark.django_db
def test_a_lesson_cannot_be_created_under_a_path(path):
    assert not LessonPage.can_create_at(path)
    assert ModulePage.can_create_at(path)
    assert not TrainingPathPage.can_create_at(Page.get_first_root_node())


@pytest.mark.django_db
def test_home_page_renders_with_skip_link_and_landmarks(client, catalogue, path):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html
    assert "<main" in html and "<nav" in html and "<footer" in html
    assert path.title in html


@pytest.mark.django_db
def test_path_page_shows_programme_and_targets(client, referential, path, module, lesson):
    from courses.models import Competence

    module_target(module, Competence.objects.of_framework("digcomp-2.2").get(code="2.1"), 3)
    other = ModuleFactory(parent=path, title="La sécurité")
    module_target(other, Competence.objects.of_framework("digcomp-2.2").get(code="2.1"), 4)
    response = client.get(path.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert module.title in html and lesson.title in html and other.title in html
    # The path aims at the highest level its modules target.
    assert [(c.code, level) for c, level in response.context["competences"]] == [("2.1", 4)]


@pytest.mark.django_db
def test_module_page_lists_lessons_in_order(client, module):
    first = LessonFactory(parent=module, title="Première")
    second = LessonFactory(parent=module, title="Deuxième")
    response = client.get(module.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(first.title) < html.index(second.title)


@pytest.mark.django_db
def test_lesson_page_renders_every_block_without_the_answers(client, lesson):
    response = client.get(lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Introduction" in html
    assert "<b>courriel</b>" in html
    assert "callout--tip" in html
    assert "Ouvrir la messagerie" in html
    assert 'type="radio"' in html and 'type="checkbox"' in html
    for leak in ("correct", "L'arobase sépare"):
        assert leak not in html


def quiz_url(lesson) -> str:
    return f"/suivi/lecons/{lesson.pk}/quiz/"


@pytest.mark.django_db
def test_quiz_is_scored_on_the_server(client, lesson):
    response = client.post(quiz_url(lesson), {"quiz": "quiz-1", "q0": "0", "q1": ["1", "2"]})
    assert response.status_code == 200
    result = next(r for _block, r in response.context["body_blocks"] if r)
    assert result.score == 100 and result.passed
    html = response.content.decode()
    assert "100" in html and "L&#x27;arobase sépare" in html

    response = client.post(quiz_url(lesson), {"quiz": "quiz-1", "q0": "1", "q1": "1"})
    result = next(r for _block, r in response.context["body_blocks"] if r)
    assert result.score == 0 and not result.passed


@pytest.mark.django_db
def test_quiz_ignores_garbage_answers(client, lesson):
    response = client.post(quiz_url(lesson),
                           {"quiz": "quiz-1", "q0": "abc", "qx": "1", "q9": "7"})
    assert response.status_code == 200
    result = next(r for _block, r in response.context["body_blocks"] if r)
    assert result.score == 0


@pytest.mark.django_db
def test_the_lesson_page_only_reads(client, lesson):
    """Quiz answers go to lms.progress: the page itself takes no POST."""
    response = client.post(lesson.url, {"quiz": "quiz-1", "q0": "0"})
    assert response.status_code == 405
    html = client.get(lesson.url).content.decode()
    assert f'action="{quiz_url(lesson)}#quiz-section-quiz-1"' in html
    assert client.post(quiz_url(lesson), {"quiz": "no-such-quiz"}).status_code == 404
    assert client.get(quiz_url(lesson)).url == lesson.url


@pytest.mark.django_db
def test_catalogue_filters_by_kind_and_audience(client, catalogue):
    youth = AudienceFactory(slug="jeunes", name="Jeunes")
    seniors = AudienceFactory(slug="seniors", name="Seniors")
    club = TrainingPathFactory(parent=catalogue, title="Club tablette", audiences=[seniors])
    pix = TrainingPathFactory(parent=catalogue, title="Certification Pix",
                              kind=PathKind.CERTIFYING, audiences=[youth])
    titles = lambda response: [p.title for p in response.context["paths"]]  # noqa: E731
    assert titles(client.get(catalogue.url)) == [club.title, pix.title]
    assert titles(client.get(catalogue.url, {"kind": "certifying"})) == [pix.title]
    assert titles(client.get(catalogue.url, {"audience": "seniors"})) == [club.title]
    assert titles(client.get(catalogue.url, {"kind": "certifying", "audience": "seniors"})) == []
    # Unknown values are ignored rather than failing.
    response = client.get(catalogue.url, {"kind": "nope", "audience": "<script>"})
    assert response.status_code == 200 and len(titles(response)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 20])
def test_catalogue_query_count_does_not_grow_with_paths(client, catalogue,
                                                        django_assert_num_queries, size):
    audience = AudienceFactory(slug="tout-public")
    for n in range(size):
        TrainingPathFactory(parent=catalogue, title=f"Parcours {n}", audiences=[audience])
    client.get(catalogue.url)  # warm the site-root cache shared by every request
    with django_assert_num_queries(14):
        response = client.get(catalogue.url)
    assert len(response.context["paths"]) == size


@pytest.mark.django_db
def test_english_is_available_through_the_switcher(client, home):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()
    assert "Skip to main content" in response.content.decode()


@pytest.mark.django_db
def test_french_is_the_default_language(client, home):
    html = client.get("/").content.decode()
    assert "Aller au contenu principal" in html


@pytest.mark.django_db
def test_browser_language_does_not_override_french(client, home):
    html = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="fr">' in html
