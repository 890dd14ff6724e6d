import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from courses.enums import PathKind
from courses.models import Competence
from tests.courses.factories import (
    AudienceFactory,
    LessonFactory,
    ModuleFactory,
    TrainingPathFactory,
    module_target,
)


@pytest.fixture
def catalogue_of(catalogue, referential):
    """A catalogue of `size` paths, each with a module (with a target) and a lesson."""

    def build(size):
        audience = AudienceFactory(slug="tout-public")
        competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.1")
        for n in range(size):
            kind = PathKind.CERTIFYING if n % 2 else PathKind.BEGINNER_CLUB
            path = TrainingPathFactory(parent=catalogue, title=f"Parcours {n}", kind=kind,
                                       audiences=[audience])
            module = ModuleFactory(parent=path, title=f"Module {n}")
            module_target(module, competence, 2)
            LessonFactory(parent=module, title=f"Leçon {n}")
        return catalogue

    return build


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize(("url", "queries"), [
    ("/api/v1/paths/", 4),
    ("/api/v1/modules/", 5),
    ("/api/v1/lessons/", 4),
    ("/api/v1/competences/", 2),
    ("/api/v1/frameworks/", 5),
])
def test_api_lists_have_a_fixed_query_count(api, catalogue_of, django_assert_num_queries,
                                            size, url, queries):
    catalogue_of(size)
    api.get("/api/v1/paths/")  # warm the site-root cache shared by every request
    with django_assert_num_queries(queries):
        response = api.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_paths_filter_by_kind_and_audience(api, catalogue_of):
    catalogue_of(4)
    assert api.get("/api/v1/paths/", {"kind": "certifying"}).json()["count"] == 2
    assert api.get("/api/v1/paths/", {"audience": "tout-public"}).json()["count"] == 4
    assert api.get("/api/v1/paths/", {"audience": "personne"}).json()["count"] == 0
    response = api.get("/api/v1/paths/", {"kind": "nope"})
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.django_db
def test_modules_and_lessons_filter_by_parent(api, catalogue_of):
    catalogue_of(3)
    path_id = api.get("/api/v1/paths/").json()["results"][1]["id"]
    modules = api.get("/api/v1/modules/", {"training_path": path_id}).json()["results"]
    assert [m["title"] for m in modules] == ["Module 1"]
    assert modules[0]["training_path"] == path_id
    assert modules[0]["competences"][0]["code"] == "1.1"
    lessons = api.get("/api/v1/lessons/", {"module": modules[0]["id"]}).json()["results"]
    assert [lesson["title"] for lesson in lessons] == ["Leçon 1"]
    assert api.get("/api/v1/lessons/", {"module": 999999}).json()["count"] == 0


@pytest.mark.django_db
def test_lesson_detail_has_the_quiz_without_its_answers(api, lesson):
    response = api.get(f"/api/v1/lessons/{lesson.pk}/")
    assert response.status_code == 200
    quiz = next(block for block in response.json()["body"] if block["type"] == "quiz")
    question = quiz["value"]["questions"][1]
    assert question == {
        "prompt": "Quels mots de passe sont solides ?",
        "multiple": True,
        "choices": ["123456", "cheval-agrafe-pile-batterie", "Tr0ub4dor&3-lune-verte"],
    }
    assert "correct" not in str(response.json())
    assert "explanation" not in str(response.json())


@pytest.mark.django_db
def test_unpublished_pages_are_not_in_the_api(api, lesson):
    lesson.unpublish()
    assert api.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 404


@pytest.mark.django_db
def test_referential_is_exposed(api, referential):
    frameworks = api.get("/api/v1/frameworks/").json()["results"]
    assert {f["code"] for f in frameworks} == {"digcomp-2.2", "pix"}
    digcomp = api.get("/api/v1/frameworks/digcomp-2.2/").json()
    assert sum(len(area["competences"]) for area in digcomp["areas"]) == 21
    assert len(digcomp["levels"]) == 8
    assert api.get("/api/v1/competences/", {"framework": "pix"}).json()["count"] == 16


@pytest.mark.django_db
def test_the_api_is_read_only(api, path, manager):
    api.force_authenticate(manager)
    assert api.post("/api/v1/paths/", {"title": "x"}).status_code == 405
    assert api.delete(f"/api/v1/paths/{path.pk}/").status_code == 405


@pytest.mark.django_db
def test_schema_is_valid_openapi(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/paths/" in text and "/api/v1/auth/token/" in text
    assert "/admin/api/" not in text


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_cdn(api):
    assert api.get("/api/schema/").status_code == 200
    docs = api.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn." not in docs and "unpkg" not in docs


@pytest.mark.django_db
def test_page_urls_are_absolute(api, lesson):
    # The schema says "uri": a client outside the site must be able to follow it as is.
    data = api.get(f"/api/v1/lessons/{lesson.pk}/").json()
    url = urlsplit(data["url"])
    assert url.scheme == "http" and url.netloc  # the Wagtail site's own host name
    assert api.get(url.path).status_code == 200


@pytest.mark.django_db
def test_times_are_described_as_local_wall_clock_times():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    session = schema["components"]["schemas"]["Session"]["properties"]["start_time"]
    assert "format" not in session
    assert re.fullmatch(session["pattern"], "14:00")
    assert re.fullmatch(session["pattern"], "09:30:15")
    assert not re.fullmatch(session["pattern"], "24:00")
