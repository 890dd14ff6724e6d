"""Reads of progress, built to answer lists and dashboards in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from courses.models import LessonPage, ModuleCompetence, ModulePage
from lms.core.data_rights import field_values, who

from .enums import AssessmentKind
from .models import CompetenceAssessment, Enrollment, LessonCompletion, QuizAttempt


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


@dataclass
class CompetenceProgress:
    competence: object
    target: int
    initial: int | None = None
    final: int | None = None
    current: int | None = None

    # The names the API gives them (GET /api/v1/me/progress/).
    @property
    def target_level(self) -> int:
        return self.target

    @property
    def initial_level(self) -> int | None:
        return self.initial

    @property
    def final_level(self) -> int | None:
        return self.final

    @property
    def current_level(self) -> int | None:
        return self.current


@dataclass
class PathProgress:
    enrollment: object
    modules: list[ModuleOutline]
    done: set[int]
    competences: list[CompetenceProgress]
    attendance_rate: object = None
    attended_hours: object = None  # realised: on locked sheets
    hours_provisional: object = None  # on sheets still open
    # What the completion rule still lacks (completion.completion_missing), when asked for.
    missing: list[str] | None = None

    @property
    def hours_total(self):
        """Realised and provisional hours together; the page labels the provisional part
        (issue 11, point 1)."""
        if self.attended_hours is None:
            return None
        return self.attended_hours + (self.hours_provisional or 0)

    @property
    def path(self):
        return self.enrollment.path

    @property
    def lessons(self) -> list[LessonPage]:
        return [lesson for outline in self.modules for lesson in outline.lessons]

    @property
    def lessons_total(self) -> int:
        return len(self.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.done)

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    @property
    def modules_done(self) -> int:
        return sum(1 for outline in self.modules
                   if all(pk in self.done for pk in outline.required_lesson_ids))

    @property
    def next_lesson(self) -> LessonPage | None:
        return next((lesson for lesson in self.lessons if lesson.pk not in self.done), None)

    @property
    def modules_complete(self) -> int:
        return self.modules_done

    @property
    def modules_total(self) -> int:
        return len(self.modules)

    @property
    def complete(self) -> bool:
        return not self.missing


def learner_progress(learner, enrollments=None, *, with_rule=False) -> list[PathProgress]:
    """Everything "Mon parcours" shows, in a fixed number of queries whatever the number of
    paths, lessons and assessments. `with_rule`: also what each path's completion rule still
    lacks (`missing`, by completion.completion_missing), for one query more."""
    from courses.models import PathCompetenceRequirement

    from .completion import attendance_hours, completion_missing
    from .models import Enrollment

    if enrollments is None:
        enrollments = (Enrollment.objects.filter(learner=learner).current()
                       .select_related("path", "cohort").order_by("-enrolled_at"))
    enrollments = list(enrollments)
    if not enrollments:
        return []
    prefixes = Q()
    for enrollment in enrollments:
        prefixes |= Q(path__startswith=enrollment.path.path)
    modules = list(ModulePage.objects.live().filter(prefixes).order_by("path"))
    lessons = list(LessonPage.objects.live().filter(prefixes).order_by("path").defer("body"))
    done = set(LessonCompletion.objects.filter(learner=learner).values_list("lesson_id",
                                                                            flat=True))
    # The targets with their competence, framework and all: one query.
    targets = list(ModuleCompetence.objects.filter(module__in=[module.pk for module in modules])
                   .select_related("competence__area__framework"))
    module_paths = {module.pk: module.path for module in modules}
    target_rows = [(module_paths[target.module_id], target.competence_id, target.target_level)
                   for target in targets]
    competence_ids = {target.competence_id for target in targets}
    competences = {target.competence_id: target.competence for target in targets}
    requirements = list(PathCompetenceRequirement.objects.filter(
        path__in=[enrollment.path_id for enrollment in enrollments]
    ).select_related("competence")) if with_rule else []
    levels = latest_levels_by_kind(
        [learner], competence_ids | {row.competence_id for row in requirements})
    attendance = attendance_hours(enrollments)

    result = []
    for enrollment in enrollments:
        steplen = enrollment.path.steplen
        outlines = [ModuleOutline(module) for module in modules
                    if module.path[:-steplen] == enrollment.path.path]
        by_path = {outline.module.path: outline for outline in outlines}
        for lesson in lessons:
            outline = by_path.get(lesson.path[:-steplen])
            if outline:
                outline.lessons.append(lesson)
        targets: dict[int, int] = {}
        for module_path, competence_id, level in target_rows:
            if module_path.startswith(enrollment.path.path):
                targets[competence_id] = max(level, targets.get(competence_id, 0))
        profile = [
            CompetenceProgress(
                competence=competences[competence_id], target=target,
                initial=levels.get((learner.pk, competence_id, AssessmentKind.INITIAL)),
                final=levels.get((learner.pk, competence_id, AssessmentKind.FINAL)),
                current=levels.get((learner.pk, competence_id, AssessmentKind.VALIDATION)),
            )
            for competence_id, target in targets.items()
        ]
        profile.sort(key=lambda item: (item.competence.area.framework.code,
                                       item.competence.code))
        rate, hours, provisional = attendance.get(enrollment.pk, (None, None, None))
        missing = completion_missing(
            path=enrollment.path, done=done, attendance_rate=rate,
            required_modules=[(outline.module, outline.lessons) for outline in outlines
                              if outline.module.required],
            requirements=[row for row in requirements if row.path_id == enrollment.path_id],
            validated_level=lambda competence_id: levels.get(
                (learner.pk, competence_id, AssessmentKind.VALIDATION)),
        ) if with_rule else None
        result.append(PathProgress(
            enrollment=enrollment, modules=outlines, done=done, competences=profile,
            attendance_rate=rate, attended_hours=hours, hours_provisional=provisional,
            missing=missing,
        ))
    return result


def learner_progress_export(user) -> dict:
    """A learner's enrolments (with their history), lessons completed, quiz attempts and
    competence assessments, for their personal-data export."""
    enrollments = (Enrollment.objects.filter(learner=user)
                   .select_related("path", "cohort", "enrolled_by")
                   .prefetch_related("status_changes__changed_by").order_by("enrolled_at"))
    assessments = (CompetenceAssessment.objects.filter(learner=user)
                   .select_related("competence", "path", "assessed_by")
                   .order_by("assessed_on", "pk"))
    return {
        "enrollments": [{
            **field_values(enrollment, ["id", "status", "source", "enrolled_at",
                                        "status_changed_at", "completed_at"]),
            "path": enrollment.path.title,
            "cohort": enrollment.cohort.name if enrollment.cohort else None,
            "enrolled_by": who(enrollment.enrolled_by),
            "status_history": [{
                **field_values(change, ["from_status", "to_status", "changed_at", "note"]),
                "changed_by": who(change.changed_by),
            } for change in enrollment.status_changes.all()],
        } for enrollment in enrollments],
        "lesson_completions": [
            {**field_values(completion, ["completed_at", "source"]),
             "lesson": completion.lesson.title, "lesson_id": completion.lesson_id}
            for completion in LessonCompletion.objects.filter(learner=user)
            .select_related("lesson").order_by("completed_at")],
        "quiz_attempts": [
            {**field_values(attempt, ["block_id", "score", "pass_mark", "passed", "answers",
                                      "submitted_at"]),
             "lesson": attempt.lesson.title, "lesson_id": attempt.lesson_id}
            for attempt in QuizAttempt.objects.filter(learner=user)
            .select_related("lesson").order_by("submitted_at")],
        "competence_assessments": [{
            **field_values(row, ["kind", "level", "method", "evidence", "assessed_on",
                                 "created_at"]),
            "competence": f"{row.competence.code} {row.competence.name}",
            "path": row.path.title if row.path else None,
            "assessed_by": who(row.assessed_by),
        } for row in assessments],
    }


def learners_trained_by(user):
    """The ids of the learners a trainer follows (their cohorts and paths), or None for
    anyone else (lms.accounts.selectors.learners_in_care_of asks)."""
    if not user.is_trainer:
        return None
    return Enrollment.objects.visible_to(user).values("learner_id")
