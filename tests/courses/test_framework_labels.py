"""The framework is named beside a competence's code (issue 15, point 5): "5.1" exists in
DigComp and in Pix. The quick-validation chooser, the Wagtail competence chooser and the admin
list show it, and the chooser and the list filter by it."""

import pytest
from django.urls import reverse

from courses.referential import REFERENTIAL_DIR, Competence, CompetenceFramework, referential_load


@pytest.fixture
def frameworks(db):
    for name in ("digcomp-2.2.json", "pix.json"):
        referential_load(path=REFERENTIAL_DIR / name)
    return {f.code: f for f in CompetenceFramework.objects.all()}


@pytest.mark.django_db
def test_a_competence_names_its_framework(frameworks):
    labels = sorted(str(c) for c in Competence.objects.filter(code="5.1").with_framework())
    assert [label.split(" ", 2)[:2] for label in labels] == [["DigComp", "5.1"], ["Pix", "5.1"]]
    assert frameworks["digcomp-2.2"].short_label == "DigComp 2.2"
    assert frameworks["pix"].short_label == "Pix 2024"


@pytest.mark.django_db
def test_the_admin_list_and_the_chooser_show_and_filter_the_framework(client, manager,
                                                                      frameworks):
    manager.is_superuser = True
    manager.save(update_fields=["is_superuser"])
    client.force_login(manager)
    pix = frameworks["pix"]
    html = client.get("/admin/snippets/courses/competence/?q=&area__framework="
                      f"{pix.pk}").content.decode()
    assert "Pix 2024" in html and "DigComp 2.2" not in html.split("<tbody")[-1]
    chooser = reverse("wagtailsnippetchoosers_courses_competence:choose")
    response = client.get(chooser)
    assert response.status_code == 200
    results = reverse("wagtailsnippetchoosers_courses_competence:choose_results")
    html = client.get(results, {"framework": pix.pk}).content.decode()
    assert "Pix 1.1 " in html and "16 compétences" in html and "DigComp" not in html
    html = client.get(results, {"framework": pix.pk, "q": "problèmes"}).content.decode()
    assert "DigComp" not in html
    assert "Tous les référentiels" in client.get(chooser).json()["html"]
