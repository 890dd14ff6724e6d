"""A path's completion rule: required modules done, attendance high enough, competences
validated at their required level."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from courses.models import LessonPage, ModulePage

from .models import CompetenceAssessment


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



# The attendance app plugs its figures in here (`register_attendance`, from its AppConfig.ready):
# a function taking enrolments and returning {enrolment id: (rate %, hours attended)} in a fixed
# number of queries. Until it does, or without marked sessions, both are unknown (None).
AttendanceFigures = Callable[[list], dict[int, tuple[Decimal | None, Decimal | None]]]
_providers: dict[str, Callable] = {}


def register_attendance(figures: AttendanceFigures) -> None:
    _providers["figures"] = figures


def attendance_figures(enrollments) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    provider = _providers.get("figures")
    return provider(list(enrollments)) if provider else {}


def attendance_rate(enrollment) -> Decimal | None:
    """Percentage of attendance over past, marked, non-cancelled sessions."""
    return attendance_figures([enrollment]).get(enrollment.pk, (None, None))[0]


def attended_hours(enrollment) -> Decimal | None:
    """Realised hours: attended sessions whose sheet is locked."""
    return attendance_figures([enrollment]).get(enrollment.pk, (None, None))[1]


# {enrolment id: (rate, realised hours, provisional hours)}: realised on locked sheets,
# provisional on sheets still open (pages and the API show both, labelled; documents print
# only the realised ones). In the same number of queries as attendance_figures.
AttendanceHours = Callable[[list], dict[int, tuple[Decimal | None, Decimal, Decimal]]]


def register_hours(hours: AttendanceHours) -> None:
    _providers["hours"] = hours


def attendance_hours(enrollments) -> dict[int, tuple[Decimal | None, Decimal, Decimal]]:
    provider = _providers.get("hours")
    return provider(list(enrollments)) if provider else {}


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


def completion_missing(*, path, required_modules, done: set[int],
                       attendance_rate: Decimal | None, requirements,
                       validated_level: Callable[[int], int | None]) -> list[str]:
    """The completion rule, on data already read: what `path` still lacks, in this order —
    its required modules (`(module, its live lessons)`, in the path's order) not complete,
    attendance under the path's minimum, competences (`requirements`, the path's
    PathCompetenceRequirement rows) not validated at their level."""
    missing = []
    for module, module_lessons in required_modules:
        if not module_is_complete(module_lessons, done):
            missing.append(_("Module not complete: %(title)s") % {"title": module.title})
    if path.min_attendance_rate is not None:
        if attendance_rate is None:
            missing.append(_("No attendance recorded yet"))
        elif attendance_rate < path.min_attendance_rate:
            missing.append(
                _("Attendance %(rate)s %% under the required %(required)s %%")
                % {"rate": attendance_rate, "required": path.min_attendance_rate}
            )
    for requirement in requirements:
        if (validated_level(requirement.competence_id) or 0) < requirement.level:
            missing.append(
                _("Competence %(code)s not validated at level %(level)s")
                % {"code": requirement.competence.code, "level": requirement.level}
            )
    return missing


def completion_check(enrollment) -> CompletionReport:
    path = enrollment.path
    report = CompletionReport()
    done = completed_lesson_ids(enrollment.learner, path)
    modules = list(ModulePage.objects.live().child_of(path).filter(required=True))
    lessons = list(LessonPage.objects.live().descendant_of(path).only("pk", "path", "required"))
    required_modules = [
        (module, [lesson for lesson in lessons if lesson.path.startswith(module.path)])
        for module in modules]
    report.modules_required = len(modules)
    report.modules_done = sum(1 for _module, module_lessons in required_modules
                              if module_is_complete(module_lessons, done))
    if path.min_attendance_rate is not None:
        report.attendance_required = path.min_attendance_rate
        report.attendance_rate = attendance_rate(enrollment)
    requirements = list(path.competence_requirements.select_related("competence"))
    levels = current_levels(enrollment.learner,
                            [requirement.competence_id for requirement in requirements]) \
        if requirements else {}
    report.missing = completion_missing(
        path=path, required_modules=required_modules, done=done,
        attendance_rate=report.attendance_rate, requirements=requirements,
        validated_level=levels.get)
    return report


def upcoming_sessions(learner, *, limit: int = 5) -> list:
    """The learner's next scheduled sessions, once the attendance app provides them."""
    provider = _providers.get("upcoming")
    return provider(learner, limit) if provider else []


def register_upcoming_sessions(provider) -> None:
    _providers["upcoming"] = provider
