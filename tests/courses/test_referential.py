import pytest

from courses.models import Competence, CompetenceArea, CompetenceFramework, CompetenceLevel
from courses.referential import referential_load_all


@pytest.mark.django_db
def test_shipped_frameworks_have_their_real_shape(referential):
    digcomp = CompetenceFramework.objects.get(code="digcomp-2.2")
    pix = CompetenceFramework.objects.get(code="pix")
    assert Competence.objects.of_framework("digcomp-2.2").count() == 21
    assert Competence.objects.of_framework("pix").count() == 16
    assert digcomp.areas.count() == 5
    assert pix.areas.count() == 5
    assert list(digcomp.levels.values_list("number", flat=True)) == list(range(1, 9))
    bands = dict(digcomp.levels.values_list("number", "band"))
    assert [bands[n] for n in (1, 2, 3, 5, 7, 8)] == [
        "foundation", "foundation", "intermediate", "advanced", "highly_specialised",
        "highly_specialised",
    ]
    safety = Competence.objects.of_framework("digcomp-2.2").get(code="4.2")
    assert safety.name_en == "Protecting personal data and privacy"
    assert safety.name_fr
    assert Competence.objects.of_framework("pix").get(code="1.1").name_fr == (
        "Mener une recherche et une veille d'information"
    )


@pytest.mark.django_db
def test_labels_follow_the_active_language(referential):
    from django.utils import translation

    competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.1")
    with translation.override("en"):
        assert competence.name == competence.name_en
    with translation.override("fr"):
        assert competence.name == competence.name_fr


@pytest.mark.django_db
def test_loading_twice_changes_nothing(referential):
    before = [model.objects.count() for model in
              (CompetenceFramework, CompetenceArea, Competence, CompetenceLevel)]
    first_pk = Competence.objects.order_by("pk").first().pk
    referential_load_all()
    after = [model.objects.count() for model in
             (CompetenceFramework, CompetenceArea, Competence, CompetenceLevel)]
    assert before == after == [2, 10, 37, 16]
    assert Competence.objects.order_by("pk").first().pk == first_pk


@pytest.mark.django_db
def test_an_edited_label_is_restored_by_reloading(referential):
    competence = Competence.objects.of_framework("pix").get(code="3.4")
    competence.name_fr = "Programmer (modifié)"
    competence.save()
    referential_load_all()
    competence.refresh_from_db()
    assert competence.name_fr == "Programmer"
