from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max
from django.http import HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import LessonBodyBlock
from .enums import ActionType, Certification, Modality, PathKind
from .referential import (
    MAX_LEVEL,
    MIN_LEVEL,
    Competence,
    CompetenceArea,
    CompetenceFramework,
    CompetenceLevel,
)

__all__ = [
    "Audience", "CatalogueIndexPage", "Competence", "CompetenceArea", "CompetenceFramework",
    "CompetenceLevel", "HomePage", "LessonPage", "ModuleCompetence", "ModulePage",
    "PathCompetenceRequirement", "TrainingPathPage",
]


class Audience(models.Model):
    """Who a path is for (seniors, job seekers, youth…): the catalogue filters on it."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        ordering = ["name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the visitor's language (lms.core.labels)."""
        from lms.core.labels import AUDIENCE_NAMES, translated

        return translated(AUDIENCE_NAMES, self.slug, self.name)


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CatalogueIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        catalogue = CatalogueIndexPage.objects.live().public().child_of(self).first()
        context["catalogue"] = catalogue
        context["featured_paths"] = (
            catalogue.paths().order_by("-first_published_at")[:3] if catalogue else []
        )
        return context


class CatalogueIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.TrainingPathPage"]

    class Meta:
        verbose_name = _("catalogue")

    def paths(self):
        return (
            TrainingPathPage.objects.live().public().child_of(self)
            .prefetch_related("audiences")
            .order_by("path")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paths = self.paths()
        kind = request.GET.get("kind", "")
        audience = request.GET.get("audience", "")
        if kind in PathKind.values:
            paths = paths.filter(kind=kind)
        else:
            kind = ""
        audiences = list(Audience.objects.all())
        if audience in {a.slug for a in audiences}:
            paths = paths.filter(audiences__slug=audience)
        else:
            audience = ""
        context.update(
            paths=paths,
            kinds=PathKind.choices,
            audiences=audiences,
            selected_kind=kind,
            selected_audience=audience,
        )
        return context


class TrainingPathPage(Page):
    """A training path (parcours): what is promised to the learner, the funder and the auditor."""

    kind = models.CharField(_("kind"), max_length=30, choices=PathKind.choices)
    audiences = ParentalManyToManyField(Audience, blank=True, verbose_name=_("audiences"))
    summary = models.TextField(_("summary"), help_text=_("One or two sentences for the catalogue."))
    objectives = RichTextField(_("objectives"), features=["bold", "italic", "ul", "ol"])
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=6, decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices,
                                default=Modality.ON_SITE)
    assessment_methods = models.TextField(_("assessment methods"), blank=True)
    certification = models.CharField(
        _("targeted certification"), max_length=20, choices=Certification.choices, blank=True,
        default=Certification.NONE,
    )
    accessibility = models.TextField(
        _("accessibility for disabled people"), blank=True,
        help_text=_("Access to the place, adaptations, contact of the disability referent."),
    )
    funding = models.TextField(_("funding"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    self_enrolment = models.BooleanField(
        _("open to self-enrolment"), default=False,
        help_text=_("Learners may enrol themselves from the path page."),
    )
    trainers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="trained_paths",
        limit_choices_to={"is_trainer": True}, verbose_name=_("trainers"),
        help_text=_("Trainers who follow every learner of this path."),
    )
    action_type = models.CharField(
        _("type of action"), max_length=20, choices=ActionType.choices,
        default=ActionType.TRAINING,
        help_text=_("Printed on the certificate of completion."),
    )
    auto_attestation = models.BooleanField(
        _("issue the attestation automatically"), default=True,
        help_text=_("Issue the end-of-training attestation as soon as a learner completes "
                    "the path."),
    )
    min_attendance_rate = models.DecimalField(
        _("minimum attendance rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty when attendance does not count for completion."),
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("modality")]),
        FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        FieldPanel("prerequisites"),
        FieldRowPanel([FieldPanel("duration_hours"), FieldPanel("certification")]),
        FieldPanel("assessment_methods"),
        FieldPanel("accessibility"),
        FieldPanel("funding"),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_email"), FieldPanel("contact_phone")],
            heading=_("Contact"),
        ),
        FieldPanel("self_enrolment"),
        FieldPanel("trainers", widget=forms.CheckboxSelectMultiple),
    ]
    completion_panels = [
        HelpPanel(content=_(
            "A learner completes the path when every module marked as required is complete, "
            "the attendance rate reaches the minimum below (if any) and each competence listed "
            "is validated at least at its level."
        )),
        FieldPanel("min_attendance_rate"),
        FieldPanel("auto_attestation"),
        FieldPanel("action_type"),
        InlinePanel("competence_requirements", label=_("Required competence level")),
    ]
    edit_handler = TabbedInterface([
        ObjectList(content_panels, heading=_("Content")),
        ObjectList(completion_panels, heading=_("Completion rule")),
        ObjectList(Page.promote_panels, heading=_("Promote")),
        ObjectList(Page.settings_panels, heading=_("Settings")),
    ])
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("objectives"),
        index.FilterField("kind"),
    ]
    parent_page_types = ["courses.CatalogueIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("training path")
        verbose_name_plural = _("training paths")

    def modules(self):
        return ModulePage.objects.live().child_of(self).order_by("path")

    def modules_with_lessons(self):
        lessons = LessonPage.objects.live().order_by("path")
        modules = list(self.modules())
        # One query for all lessons, matched to modules by their tree path.
        by_module = {module.path: [] for module in modules}
        for lesson in lessons.descendant_of(self):
            by_module.setdefault(lesson.path[: -LessonPage.steplen], []).append(lesson)
        for module in modules:
            module.live_lessons = by_module.get(module.path, [])
        return modules

    def targeted_competences(self):
        """The path's targets: for each competence, the highest target level among its modules."""
        rows = (
            ModuleCompetence.objects
            .filter(module__in=self.modules())
            .values("competence")
            .annotate(target_level=Max("target_level"))
        )
        targets = {row["competence"]: row["target_level"] for row in rows}
        competences = Competence.objects.with_framework().filter(pk__in=targets)
        return [(competence, targets[competence.pk]) for competence in competences]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modules"] = self.modules_with_lessons()
        context["competences"] = self.targeted_competences()
        return context


class ModulePage(Page):
    summary = models.TextField(_("summary"), blank=True)
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=6, decimal_places=1, default=0,
        validators=[MinValueValidator(0)],
    )
    required = models.BooleanField(
        _("required for completion"), default=True,
        help_text=_("The path is complete only when this module is."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("duration_hours"), FieldPanel("required")]),
        InlinePanel("competences", label=_("Targeted competences"), heading=_("Competences")),
    ]
    parent_page_types = ["courses.TrainingPathPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    @property
    def training_path(self):
        return self.get_parent().specific

    def lessons(self):
        return LessonPage.objects.live().child_of(self).order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = self.lessons()
        context["targets"] = self.competences.select_related("competence__area__framework")
        return context


class ModuleCompetence(Orderable):
    module = ParentalKey(ModulePage, on_delete=models.CASCADE, related_name="competences")
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="module_targets",
        verbose_name=_("competence"),
    )
    target_level = models.PositiveSmallIntegerField(
        _("target level"), validators=[MinValueValidator(MIN_LEVEL), MaxValueValidator(MAX_LEVEL)]
    )

    panels = [FieldPanel("competence"), FieldPanel("target_level")]

    class Meta(Orderable.Meta):
        verbose_name = _("targeted competence")
        verbose_name_plural = _("targeted competences")
        constraints = [
            models.UniqueConstraint(fields=["module", "competence"],
                                    name="unique_module_competence"),
            models.CheckConstraint(
                condition=models.Q(target_level__gte=MIN_LEVEL, target_level__lte=MAX_LEVEL),
                name="module_target_level_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.competence} → {self.target_level}"


class PathCompetenceRequirement(Orderable):
    """A competence level the learner must have validated to complete the path."""

    path = ParentalKey(TrainingPathPage, on_delete=models.CASCADE,
                       related_name="competence_requirements")
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="path_requirements",
        verbose_name=_("competence"),
    )
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(MIN_LEVEL), MaxValueValidator(MAX_LEVEL)]
    )

    panels = [FieldPanel("competence"), FieldPanel("level")]

    class Meta(Orderable.Meta):
        verbose_name = _("required competence level")
        constraints = [
            models.UniqueConstraint(fields=["path", "competence"],
                                    name="unique_path_requirement"),
        ]


class LessonPage(Page):
    summary = models.TextField(_("summary"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    required = models.BooleanField(
        _("required"), default=True,
        help_text=_("Required lessons must be done for the module to be complete."),
    )
    body = StreamField(LessonBodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("duration_minutes"), FieldPanel("required")]),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"),
                     index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def module(self):
        return self.get_parent().specific

    def quiz_blocks(self):
        return [child for child in self.body if child.block_type == "quiz"]

    def quiz_answers_from(self, data, block_id: str) -> dict[int, set[int]]:
        """Read a submitted quiz form: fields `q<question>` hold chosen choice indexes."""
        answers: dict[int, set[int]] = {}
        for key in data:
            if key.startswith("q") and key[1:].isdigit():
                answers[int(key[1:])] = {int(v) for v in data.getlist(key) if v.isdigit()}
        return answers

    def serve(self, request, *args, **kwargs):
        # The page only reads: its quizzes are answered to lms.progress (quiz-submit), which
        # records the attempt and shows this page again with the result.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, quiz_results=None, **kwargs):
        """`quiz_results`: {quiz block id: its QuizResult}, shown under each quiz."""
        context = super().get_context(request, *args, **kwargs)
        results = quiz_results or {}
        context["body_blocks"] = [(child, results.get(child.id)) for child in self.body]
        module = self.get_parent()
        siblings = list(LessonPage.objects.live().child_of(module).order_by("path"))
        position = next((i for i, lesson in enumerate(siblings) if lesson.pk == self.pk), 0)
        context.update(
            module=module.specific,
            previous_lesson=siblings[position - 1] if position > 0 else None,
            next_lesson=siblings[position + 1] if position + 1 < len(siblings) else None,
        )
        return context

