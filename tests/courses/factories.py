"""Page factories: pages are created in the tree with add_child and published."""

import json
from decimal import Decimal

import factory
from django.utils.text import slugify
from wagtail.models import Page, Site

from courses.enums import Modality, PathKind
from courses.models import (
    Audience,
    CatalogueIndexPage,
    HomePage,
    LessonPage,
    ModuleCompetence,
    ModulePage,
    TrainingPathPage,
)


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        audiences = kwargs.pop("audiences", None)
        page = model_class(*args, **kwargs)
        if audiences is not None:
            page.audiences = audiences
        parent.add_child(instance=page)
        return page


class HomePageFactory(PageFactory):
    class Meta:
        model = HomePage

    title = "Accueil"
    slug = "accueil"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        root = Page.get_first_root_node()
        home = super()._create(model_class, *args, parent=root, **kwargs)
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home},
        )
        return home


class CatalogueFactory(PageFactory):
    class Meta:
        model = CatalogueIndexPage

    title = "Catalogue"
    slug = "catalogue"


class AudienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audience
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"public-{n}")
    name = factory.LazyAttribute(lambda audience: audience.slug.capitalize())


class TrainingPathFactory(PageFactory):
    class Meta:
        model = TrainingPathPage

    title = factory.Sequence(lambda n: f"Parcours {n}")
    kind = PathKind.BEGINNER_CLUB
    summary = "Premiers pas avec l'ordinateur."
    objectives = "<ul><li>Allumer l'ordinateur</li></ul>"
    duration_hours = Decimal("20")
    modality = Modality.ON_SITE


class ModuleFactory(PageFactory):
    class Meta:
        model = ModulePage

    title = factory.Sequence(lambda n: f"Module {n}")
    duration_hours = Decimal("4")


QUIZ = {
    "title": "Quiz",
    "intro": "",
    "pass_mark": 50,
    "questions": [
        {
            "prompt": "Quel symbole trouve-t-on dans une adresse e-mail ?",
            "choices": [{"text": "@", "correct": True}, {"text": "#", "correct": False}],
            "explanation": "L'arobase sépare l'identifiant du fournisseur.",
        },
        {
            "prompt": "Quels mots de passe sont solides ?",
            "choices": [
                {"text": "123456", "correct": False},
                {"text": "cheval-agrafe-pile-batterie", "correct": True},
                {"text": "Tr0ub4dor&3-lune-verte", "correct": True},
            ],
            "explanation": "Longs et imprévisibles.",
        },
    ],
}


def lesson_body(*, with_quiz=True):
    body = [
        {"type": "heading", "value": {"text": "Introduction", "level": "h2"}},
        {"type": "paragraph", "value": "<p>Un <b>courriel</b> est un message.</p>"},
        {"type": "callout", "value": {"kind": "tip", "title": "Astuce",
                                      "text": "<p>Prenez votre temps.</p>"}},
        {"type": "checklist", "value": {"title": "Étapes", "steps": [
            {"text": "Ouvrir la messagerie"}, {"text": "Écrire"}]}},
    ]
    if with_quiz:
        body.append({"type": "quiz", "value": QUIZ, "id": "quiz-1"})
    return json.dumps(body)


class LessonFactory(PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Leçon {n}")
    duration_minutes = 30
    body = factory.LazyFunction(lesson_body)


def module_target(module, competence, level):
    return ModuleCompetence.objects.create(module=module, competence=competence,
                                           target_level=level)
