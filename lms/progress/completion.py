"""A path's completion rule: required modules done, attendance high enough, competences
validated at their required level."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from courses.models import LessonPage, ModulePage

# The attendance app plugs its rate in here (see AttendanceConfig.ready); until it does, or for
# an enrolment without any marked session, the rate is unknown (None).
AttendanceRate = Callable[["Enrollment"], Decimal | None]  # noqa: F821
_attendance_rate: AttendanceRate = lambda enrollment: None  # noqa: E731


def register_attendance_rate(provider: AttendanceRate) -> None:
    global _attendance_rate
    _attendance_rate = provider


def attendance_rate(enrollment) -> Decimal | None:
    return _attendance_rate(enrollment)


@dataclass
class CompletionReport:
    modules_done: int = 0
    modules_required: int = 0
    attendance_rate: Decimal | None = None
    attendance_required: Decimal | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def completed_lesson_ids(learner, path) -> set[int]:
    from .models import LessonCompletion

    return set(LessonCompletion.objects.filter(learner=learner).within(path)
               .values_list("lesson_id", flat=True))


def module_is_complete(module_lessons: list[LessonPage], done: set[int]) -> bool:
    required = [lesson.pk for lesson in module_lessons if lesson.required]
    return all(pk in done for pk in required)


def completion_check(enrollment) -> CompletionReport:
    from .selectors import current_levels

    path = enrollment.path
    report = CompletionReport()
    done = completed_lesson_ids(enrollment.learner, path)
    modules = list(ModulePage.objects.live().child_of(path).filter(required=True))
    lessons = list(LessonPage.objects.live().descendant_of(path).only("pk", "path", "required"))
    report.modules_required = len(modules)
    for module in modules:
        module_lessons = [lesson for lesson in lessons if lesson.path.startswith(module.path)]
        if module_is_complete(module_lessons, done):
            report.modules_done += 1
        else:
            report.missing.append(_("Module not complete: %(title)s") % {"title": module.title})
    if path.min_attendance_rate is not None:
        report.attendance_required = path.min_attendance_rate
        report.attendance_rate = attendance_rate(enrollment)
        if report.attendance_rate is None:
            report.missing.append(_("No attendance recorded yet"))
        elif report.attendance_rate < path.min_attendance_rate:
            report.missing.append(
                _("Attendance %(rate)s %% under the required %(required)s %%")
                % {"rate": report.attendance_rate, "required": path.min_attendance_rate}
            )
    requirements = list(path.competence_requirements.select_related("competence"))
    if requirements:
        levels = current_levels(enrollment.learner,
                                [requirement.competence_id for requirement in requirements])
        for requirement in requirements:
            if levels.get(requirement.competence_id, 0) < requirement.level:
                report.missing.append(
                    _("Competence %(code)s not validated at level %(level)s")
                    % {"code": requirement.competence.code, "level": requirement.level}
                )
    return report
