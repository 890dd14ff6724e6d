"""Indicator 30: the satisfaction surveys' results, when lms.surveys is installed: it answers
them as (file name, content) through lms.surveys.evidence.survey_evidence."""

from django.apps import apps
from django.utils.translation import gettext as _

from .base import Evidence, Scope


def survey_results(scope: Scope) -> list[Evidence]:
    if not apps.is_installed("lms.surveys"):
        return []
    from lms.surveys.evidence import survey_evidence

    found = (survey_evidence(cohort=scope.cohort) if scope.cohort is not None
             else survey_evidence(year=scope.year))
    return [Evidence(path=f"enquetes/{name.lstrip('/')}", content=content,
                     title=_("Survey results: %(name)s") % {"name": name})
            for name, content in found]
