"""Competence frameworks (DigComp 2.2, Pix): areas, competences and proficiency levels.

Labels exist in French and English; `name` picks the one of the active language."""

import json
from pathlib import Path

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from .enums import LevelBand

REFERENTIAL_DIR = Path(__file__).resolve().parent / "data" / "referential"
MIN_LEVEL, MAX_LEVEL = 1, 8


class BilingualName(models.Model):
    name_fr = models.CharField(_("name (French)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "fr").startswith("en") and self.name_en:
            return self.name_en
        return self.name_fr


class CompetenceFramework(BilingualName):
    code = models.CharField(_("code"), max_length=40, unique=True)
    version = models.CharField(_("version"), max_length=40, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("reference URL"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    panels = [
        FieldPanel("code"), FieldPanel("name_fr"), FieldPanel("name_en"), FieldPanel("version"),
        FieldPanel("publisher"), FieldPanel("url"), FieldPanel("description_fr"),
        FieldPanel("description_en"),
    ]

    class Meta:
        verbose_name = _("competence framework")
        verbose_name_plural = _("competence frameworks")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def short_name(self) -> str:
        """What tells the frameworks apart next to a competence's code: "DigComp", "Pix"
        ("5.1" exists in both)."""
        family = self.code.split("-", 1)[0].lower()
        return SHORT_NAMES.get(family, self.code)

    @property
    def short_label(self) -> str:
        """The framework and its version, for choosers and filters: "DigComp 2.2"."""
        return f"{self.short_name} {self.version}".strip()


# Framework families by the start of their code, as people name them.
SHORT_NAMES = {"digcomp": "DigComp", "pix": "Pix"}


class CompetenceLevel(BilingualName, index.Indexed):
    framework = models.ForeignKey(
        CompetenceFramework, on_delete=models.CASCADE, related_name="levels",
        verbose_name=_("framework"),
    )
    number = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(MIN_LEVEL), MaxValueValidator(MAX_LEVEL)]
    )
    band = models.CharField(_("band"), max_length=20, choices=LevelBand.choices)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    panels = [
        FieldPanel("framework"), FieldPanel("number"), FieldPanel("band"), FieldPanel("name_fr"),
        FieldPanel("name_en"), FieldPanel("description_fr"), FieldPanel("description_en"),
    ]
    search_fields = [index.SearchField("name_fr"), index.SearchField("name_en")]

    class Meta:
        verbose_name = _("proficiency level")
        verbose_name_plural = _("proficiency levels")
        ordering = ["framework__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="unique_level_number"),
            models.CheckConstraint(
                condition=models.Q(number__gte=MIN_LEVEL, number__lte=MAX_LEVEL),
                name="level_number_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.number} — {self.name}"


class CompetenceArea(BilingualName):
    framework = models.ForeignKey(
        CompetenceFramework, on_delete=models.CASCADE, related_name="areas",
        verbose_name=_("framework"),
    )
    code = models.CharField(_("code"), max_length=10)

    panels = [FieldPanel("framework"), FieldPanel("code"), FieldPanel("name_fr"),
              FieldPanel("name_en")]

    class Meta:
        verbose_name = _("competence area")
        verbose_name_plural = _("competence areas")
        ordering = ["framework__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_area_code"),
        ]

    def __str__(self):
        return f"{self.code}. {self.name}"


class CompetenceQuerySet(models.QuerySet):
    def of_framework(self, code: str):
        return self.filter(area__framework__code=code)

    def with_framework(self):
        return self.select_related("area__framework")


class Competence(BilingualName, index.Indexed):
    area = models.ForeignKey(
        CompetenceArea, on_delete=models.CASCADE, related_name="competences",
        verbose_name=_("area"),
    )
    code = models.CharField(_("code"), max_length=10)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    objects = CompetenceQuerySet.as_manager()

    panels = [FieldPanel("area"), FieldPanel("code"), FieldPanel("name_fr"), FieldPanel("name_en"),
              FieldPanel("description_fr"), FieldPanel("description_en")]
    search_fields = [
        index.SearchField("code"), index.SearchField("name_fr"), index.SearchField("name_en"),
        index.AutocompleteField("name_fr"),
        # The chooser filters a search by framework, through the competence's area.
        index.FilterField("area"),
    ]

    class Meta:
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        ordering = ["area__framework__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="unique_competence_code"),
        ]

    def __str__(self):
        # "Pix 5.1 …" and "DigComp 5.1 …": the same code exists in both frameworks.
        return f"{self.area.framework.short_name} {self.code} {self.name}"

    def framework_label(self) -> str:
        return self.area.framework.short_label

    framework_label.short_description = _("framework")

    @property
    def framework(self) -> CompetenceFramework:
        return self.area.framework

    @property
    def description(self) -> str:
        if (get_language() or "fr").startswith("en") and self.description_en:
            return self.description_en
        return self.description_fr


def _update_or_create(model, lookup: dict, values: dict) -> tuple[models.Model, bool]:
    obj, created = model.objects.update_or_create(**lookup, defaults=values)
    return obj, created


@transaction.atomic
def referential_load(*, path: Path) -> dict[str, int]:
    """Create or update one framework from its JSON file; running it twice changes nothing."""
    data = json.loads(path.read_text(encoding="utf-8"))
    framework, _created = _update_or_create(
        CompetenceFramework,
        {"code": data["code"]},
        {key: data.get(key, "") for key in (
            "name_fr", "name_en", "version", "publisher", "url", "description_fr",
            "description_en")},
    )
    for level in data["levels"]:
        _update_or_create(
            CompetenceLevel,
            {"framework": framework, "number": level["number"]},
            {key: level.get(key, "") for key in (
                "band", "name_fr", "name_en", "description_fr", "description_en")},
        )
    competence_count = 0
    for area_data in data["areas"]:
        area, _created = _update_or_create(
            CompetenceArea,
            {"framework": framework, "code": area_data["code"]},
            {"name_fr": area_data["name_fr"], "name_en": area_data.get("name_en", "")},
        )
        for competence in area_data["competences"]:
            _update_or_create(
                Competence,
                {"area": area, "code": competence["code"]},
                {key: competence.get(key, "") for key in (
                    "name_fr", "name_en", "description_fr", "description_en")},
            )
            competence_count += 1
    return {
        "areas": len(data["areas"]),
        "competences": competence_count,
        "levels": len(data["levels"]),
    }


def referential_load_all() -> dict[str, dict[str, int]]:
    return {path.stem: referential_load(path=path)
            for path in sorted(REFERENTIAL_DIR.glob("*.json"))}
