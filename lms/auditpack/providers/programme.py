"""Indicators 1, 4 and 5: the programme as it was published on the group's first day.

The path's page is read from its Wagtail revision published last on or before that day (the
publication log): what the public could read when the group started, not today's text."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry

from .base import Evidence, Scope, csv_bytes, safe_name


def page_at(page, day):
    """(the page as published on `day`, its revision or None, whether that is today's page
    because no publication on or before `day` is recorded)."""
    entries = PageLogEntry.objects.filter(page=page, action="wagtail.publish",
                                          revision__isnull=False).select_related("revision")
    entry = (entries.filter(timestamp__date__lte=day).order_by("-timestamp", "-pk").first())
    if entry is not None:
        return entry.revision.as_object(), entry.revision, False
    return page.specific, None, True


def _programme(cohort) -> tuple[bytes, object]:
    path, revision, current = page_at(cohort.path, cohort.start_date)
    modules = []
    for module in cohort.path.get_children().live().specific().order_by("path"):
        published, _revision, module_current = page_at(module, cohort.start_date)
        if not module_current or revision is None:
            modules.append(published)
    html = render_to_string("auditpack/evidence/programme.html", {
        "cohort": cohort, "path": path, "revision": revision, "current": current,
        "modules": modules, "now": timezone.now(),
    })
    return html.encode("utf-8"), path


def published_programme(scope: Scope) -> list[Evidence]:
    evidence = []
    for cohort in scope.cohorts:
        content, _path = _programme(cohort)
        evidence.append(Evidence(
            path=f"programme/{scope.folder(cohort)}programme-{safe_name(cohort.path.title)}.html",
            content=content,
            title=_("Programme of %(path)s as published on %(date)s (group %(group)s)") % {
                "path": cohort.path.title, "date": cohort.start_date.strftime("%d/%m/%Y"),
                "group": cohort.name}))
    return evidence


def competence_targets(scope: Scope) -> list[Evidence]:
    """Indicator 5: the assessable objectives, as competences and target levels per module."""
    from courses.models import ModuleCompetence

    evidence = []
    for cohort in scope.cohorts:
        rows = [[target.module.title, target.competence.code, target.competence.name,
                 target.target_level]
                for target in ModuleCompetence.objects
                .filter(module__in=cohort.path.get_children().live())
                .select_related("module", "competence").order_by("module__path", "pk")]
        if not rows:
            continue
        evidence.append(Evidence(
            path=f"programme/{scope.folder(cohort)}objectifs-competences.csv",
            content=csv_bytes([_("Module"), _("Competence code"), _("Competence"),
                               _("Target level")], rows),
            title=_("Competence targets of %(path)s") % {"path": cohort.path.title}))
    return evidence
