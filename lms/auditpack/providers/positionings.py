"""Indicators 4, 8 and 11: the learners' initial and final self-positionings, and the
competence validations by trainers."""

from django.db.models import Q
from django.utils.translation import gettext as _

from lms.progress.enums import AssessmentKind
from lms.progress.models import CompetenceAssessment, Enrollment

from .base import Evidence, Scope, csv_bytes, person


def _learners(cohort):
    # Every learner who was in the group at some point, withdrawn ones too: their positioning
    # is evidence of the entry assessment as well.
    return Enrollment.objects.filter(memberships__cohort=cohort).values("learner_id")


def _assessments(scope: Scope, kind: str, *, file: str, title: str) -> list[Evidence]:
    evidence = []
    for cohort in scope.cohorts:
        of_path = Q(path=cohort.path)
        if kind != AssessmentKind.VALIDATION:
            # A self-positioning may be recorded without a path ("Mon parcours"): those made
            # while the learner was in the group count too.
            of_path |= Q(path__isnull=True, assessed_on__gte=cohort.start_date,
                         assessed_on__lte=cohort.end_date)
        rows = [[person(a.learner), a.competence.code, a.competence.name, a.level,
                 a.get_method_display(), a.assessed_on, person(a.assessed_by), a.evidence]
                for a in CompetenceAssessment.objects
                .filter(of_path, kind=kind, learner_id__in=_learners(cohort))
                .select_related("learner", "competence", "assessed_by")
                .order_by("learner__last_name", "learner__first_name", "learner_id",
                          "assessed_on", "pk")]
        if not rows:
            continue
        evidence.append(Evidence(
            path=f"{file}/{scope.folder(cohort)}{file}.csv",
            content=csv_bytes([_("Learner"), _("Competence code"), _("Competence"),
                               _("Level"), _("Method"), _("Date"), _("Assessed by"),
                               _("Evidence")], rows),
            title=title % {"group": cohort.name}))
    return evidence


def initial_positionings(scope: Scope) -> list[Evidence]:
    return _assessments(scope, AssessmentKind.INITIAL, file="positionnement-initial",
                        title=_("Initial self-positionings of the group %(group)s"))


def final_positionings(scope: Scope) -> list[Evidence]:
    return _assessments(scope, AssessmentKind.FINAL, file="positionnement-final",
                        title=_("Final self-positionings of the group %(group)s"))


def validations(scope: Scope) -> list[Evidence]:
    return _assessments(scope, AssessmentKind.VALIDATION, file="validations",
                        title=_("Competence validations by trainers, group %(group)s"))
