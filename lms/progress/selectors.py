"""Reads of progress, built to answer lists and dashboards in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from courses.models import LessonPage, ModuleCompetence, ModulePage

from .models import CompetenceAssessment, LessonCompletion


def current_levels(learner, competence_ids=None) -> dict[int, int]:
    """A learner's validated level per competence: the latest validation wins."""
    rows = CompetenceAssessment.objects.filter(learner=learner).validations()
    if competence_ids is not None:
        rows = rows.filter(competence_id__in=competence_ids)
    levels: dict[int, int] = {}
    for competence_id, level in rows.order_by("assessed_on", "created_at").values_list(
        "competence_id", "level"
    ):
        levels[competence_id] = level
    return levels


def latest_levels_by_kind(learners, competence_ids) -> dict[tuple[int, int, str], int]:
    """{(learner_id, competence_id, kind): level} for many learners in one query."""
    rows = (CompetenceAssessment.objects
            .filter(learner__in=learners, competence_id__in=competence_ids)
            .order_by("assessed_on", "created_at")
            .values_list("learner_id", "competence_id", "kind", "level"))
    return {(learner_id, competence_id, kind): level
            for learner_id, competence_id, kind, level in rows}


@dataclass
class ModuleOutline:
    module: ModulePage
    lessons: list[LessonPage] = field(default_factory=list)

    @property
    def required_lesson_ids(self) -> list[int]:
        return [lesson.pk for lesson in self.lessons if lesson.required]


def path_outline(path) -> list[ModuleOutline]:
    """Modules of a path with their live lessons, in two queries."""
    modules = [ModuleOutline(module) for module in ModulePage.objects.live().child_of(path)
               .order_by("path")]
    by_path = {outline.module.path: outline for outline in modules}
    for lesson in LessonPage.objects.live().descendant_of(path).order_by("path").defer("body"):
        outline = by_path.get(lesson.path[: -LessonPage.steplen])
        if outline:
            outline.lessons.append(lesson)
    return modules


def path_targets(path) -> dict[int, int]:
    """{competence_id: target level} — the highest target among the path's modules."""
    targets: dict[int, int] = {}
    rows = ModuleCompetence.objects.filter(module__path__startswith=path.path).values_list(
        "competence_id", "target_level")
    for competence_id, level in rows:
        targets[competence_id] = max(level, targets.get(competence_id, 0))
    return targets


def completions_by_learner(learners, path) -> dict[int, set[int]]:
    done: dict[int, set[int]] = defaultdict(set)
    rows = LessonCompletion.objects.filter(learner__in=learners).within(path).values_list(
        "learner_id", "lesson_id")
    for learner_id, lesson_id in rows:
        done[learner_id].add(lesson_id)
    return done
