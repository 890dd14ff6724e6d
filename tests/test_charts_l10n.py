"""Every SVG chart renders the same in French and in English (issue 15, point 5): coordinates
are never localised — "12,5" in a French page collapsed every bar of the learner's competence
chart to the left edge."""

import datetime
import re
from pathlib import Path
from types import SimpleNamespace

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from lms.insertion.selectors import competence_chart as insertion_competence_chart

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"-?\d+(?:\.\d+)?"
# Attributes holding numbers, and what each must look like.
COORDINATES = {
    **{name: re.compile(f"^{NUMBER}$") for name in (
        "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "dx", "dy")},
    "viewBox": re.compile(f"^{NUMBER}( {NUMBER}){{3}}$"),
    "points": re.compile(f"^{NUMBER},{NUMBER}( {NUMBER},{NUMBER})*$"),
    "transform": re.compile(f"^translate\\({NUMBER}( {NUMBER})?\\)$"),
}
ATTRIBUTE = re.compile(r'\s([A-Za-z0-9]+)="([^"]*)"')


def chart_coordinates(html: str) -> list[tuple[str, str]]:
    """Every numeric attribute of every <svg> in `html`, checked to parse as numbers."""
    found = []
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        for name, value in ATTRIBUTE.findall(svg):
            pattern = COORDINATES.get(name)
            if pattern is None:
                continue
            assert pattern.match(value), f"{name}={value!r} is not a plain number"
            found.append((name, value))
    assert found, "no chart coordinates found"
    return found


def in_both_languages(render) -> list[tuple[str, str]]:
    results = {}
    for language in ("fr", "en"):
        with translation.override(language):
            results[language] = chart_coordinates(render())
    assert results["fr"] == results["en"]
    # Decimals are really there (the case that broke).
    assert any("." in value for _name, value in results["fr"])
    return results["fr"]


def test_the_learners_competence_chart():
    items = [SimpleNamespace(competence=SimpleNamespace(code=f"{n}.1"), initial=n, current=n + 1,
                             target=min(n + 3, 8)) for n in range(1, 5)]
    template = Template('{% load progress_tags %}{% competence_chart items "c" %}')
    in_both_languages(lambda: template.render(Context({"items": items})))


def test_the_insertion_trainees_chart():
    today = datetime.date(2026, 12, 7)
    validations = [SimpleNamespace(assessed_on=today - datetime.timedelta(days=days), level=level,
                                   competence=SimpleNamespace(pk=pk, code=f"{pk}.1",
                                                              name=f"Compétence {pk}"),
                                   competence_id=pk)
                   for pk, days, level in [(1, 90, 2), (1, 40, 3), (2, 70, 1), (2, 7, 4)]]
    chart = insertion_competence_chart(validations)
    in_both_languages(lambda: render_to_string("insertion/trainee/_chart.html",
                                               {"chart": chart}))


def test_the_bar_charts_of_the_dashboards():
    bars = [SimpleNamespace(title="Club", label="Emploi durable", label_y=14, bar_y=20,
                            end=123.4, width=98.7, value=3, dynamic=True,
                            figures=SimpleNamespace(title="Club", enrolled=7),
                            segments=[SimpleNamespace(status="active", label="Actifs", value=3,
                                                      x=12.5, width=37.5)])]
    chart = SimpleNamespace(width=640, height=60, bar_height=18, bars=bars,
                            legend=[("active", "Actifs")])
    for name in ("progress/staff/dashboard.html", "insertion/figures/figures.html"):
        source = (ROOT / "templates" / name).read_text()
        svg = re.search(r"\{% localize off %\}(.*?)\{% endlocalize %\}", source, re.S)
        assert svg, f"{name}: the chart is not in a {{% localize off %}} block"
        template = Template("{% load i18n l10n %}" + svg.group(0))
        in_both_languages(lambda: template.render(Context({"chart": chart})))  # noqa: B023


def test_every_chart_template_keeps_its_coordinates_unlocalised():
    """A new chart must follow suit: any template drawing an SVG from template variables
    wraps it in {% localize off %}."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        source = path.read_text()
        for svg in re.findall(r"<svg\b.*?</svg>", source, re.S):
            if not any(name in COORDINATES and "{" in value
                       for name, value in ATTRIBUTE.findall(svg)):
                continue  # no coordinate comes from a variable
            before = source[:source.index(svg)]
            if before.rfind("{% localize off %}") <= before.rfind("{% endlocalize %}"):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
