"""Writes of learner progress. Views, serializers and imports call these, never the ORM."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import LessonPage, TrainingPathPage

from .completion import completion_check
from .enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentSource,
    EnrollmentStatus,
)
from .models import (
    CompetenceAssessment,
    Enrollment,
    EnrollmentStatusChange,
    LessonCompletion,
    QuizAttempt,
)
from .permissions import can_manage_path

# Sent once when an enrolment becomes completed; the documents app listens to it.
path_completed = Signal()  # kwargs: enrollment

OPEN_STATUSES = {EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE}


@transaction.atomic
def enrollment_create(*, learner, path: TrainingPathPage, source: EnrollmentSource, by=None,
                      cohort=None, status: EnrollmentStatus = EnrollmentStatus.ACTIVE
                      ) -> tuple[Enrollment, bool]:
    """Enrol a learner; enrolling again returns the existing enrolment unchanged."""
    if not learner.is_learner:
        learner.is_learner = True
        learner.save(update_fields=["is_learner"])
    existing = Enrollment.objects.filter(learner=learner, path=path).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                learner=learner, path=path, source=source, enrolled_by=by, cohort=cohort,
                status=status,
            )
    except IntegrityError:  # a concurrent request enrolled the same learner first
        return Enrollment.objects.get(learner=learner, path=path), False
    EnrollmentStatusChange.objects.create(enrollment=enrollment, to_status=status,
                                          changed_by=by, changed_at=enrollment.enrolled_at)
    return enrollment, True


def self_enroll(*, learner, path: TrainingPathPage) -> tuple[Enrollment, bool]:
    if not path.self_enrolment:
        raise PermissionDenied(_("This path is not open to self-enrolment."))
    return enrollment_create(learner=learner, path=path, source=EnrollmentSource.SELF,
                             by=learner)


def enroll_many(*, learners, path: TrainingPathPage, by, cohort=None) -> list[Enrollment]:
    if not can_manage_path(by, path):
        raise PermissionDenied(_("You cannot enrol learners in this path."))
    return [enrollment_create(learner=learner, path=path, source=EnrollmentSource.STAFF, by=by,
                              cohort=cohort)[0]
            for learner in learners]


@transaction.atomic
def enrollment_set_status(*, enrollment: Enrollment, status: EnrollmentStatus, by=None,
                          note: str = "") -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == status:
        return enrollment
    now = timezone.now()
    EnrollmentStatusChange.objects.create(
        enrollment=enrollment, from_status=enrollment.status, to_status=status, changed_by=by,
        changed_at=now, note=note,
    )
    enrollment.status = status
    enrollment.status_changed_at = now
    enrollment.completed_at = now if status == EnrollmentStatus.COMPLETED else None
    enrollment.save(update_fields=["status", "status_changed_at", "completed_at"])
    if status == EnrollmentStatus.COMPLETED:
        transaction.on_commit(lambda: path_completed.send(sender=Enrollment,
                                                          enrollment=enrollment))
    return enrollment


def enrollment_refresh_completion(*, enrollment: Enrollment) -> Enrollment:
    """Complete an open enrolment once the path's rule holds. Never un-completes: a completed
    path stays completed even if the content grows later."""
    if enrollment.status not in OPEN_STATUSES:
        return enrollment
    if completion_check(enrollment).complete:
        return enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED,
                                     note=_("Completion rule met"))
    return enrollment


def _enrollment_for_lesson(learner, lesson: LessonPage) -> Enrollment:
    path = TrainingPathPage.objects.ancestor_of(lesson).first()
    enrollment = Enrollment.objects.filter(learner=learner, path=path).first()
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise PermissionDenied(_("Enrol in this path to record your progress."))
    return enrollment


def lesson_complete(*, learner, lesson: LessonPage,
                    source: CompletionSource = CompletionSource.MANUAL) -> LessonCompletion:
    """Mark a lesson done (idempotent). A lesson with a quiz is done only by passing it."""
    enrollment = _enrollment_for_lesson(learner, lesson)
    if source == CompletionSource.MANUAL and lesson.quiz_blocks():
        raise ValidationError(_("Pass the quiz to complete this lesson."))
    with transaction.atomic():
        completion, _created = LessonCompletion.objects.get_or_create(
            learner=learner, lesson=lesson, defaults={"source": source}
        )
        if enrollment.status == EnrollmentStatus.PENDING:
            enrollment = enrollment_set_status(enrollment=enrollment,
                                               status=EnrollmentStatus.ACTIVE, by=learner)
        enrollment_refresh_completion(enrollment=enrollment)
    return completion


def lesson_uncomplete(*, learner, lesson: LessonPage) -> None:
    LessonCompletion.objects.filter(learner=learner, lesson=lesson,
                                    source=CompletionSource.MANUAL).delete()


def quiz_submit(*, learner, lesson: LessonPage, block_id: str, answers: dict[int, set[int]]):
    """Score a quiz on the server, keep the attempt, and complete the lesson once every quiz
    of it has a passing attempt."""
    quizzes = {child.id: child for child in lesson.quiz_blocks()}
    if block_id not in quizzes:
        raise ValidationError({"block_id": _("This lesson has no such quiz.")})
    child = quizzes[block_id]
    result = child.block.score(child.value, answers)
    enrollment = _enrollment_for_lesson(learner, lesson)
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            learner=learner, lesson=lesson, block_id=block_id, score=result.score,
            pass_mark=result.pass_mark, passed=result.passed,
            answers={str(k): sorted(v) for k, v in answers.items()},
        )
        passed = set(QuizAttempt.objects.filter(learner=learner, lesson=lesson, passed=True)
                     .values_list("block_id", flat=True))
        if set(quizzes) <= passed:
            LessonCompletion.objects.get_or_create(learner=learner, lesson=lesson,
                                                   defaults={"source": CompletionSource.QUIZ})
            enrollment_refresh_completion(enrollment=enrollment)
    return attempt, result


def assessment_record(*, learner, competence, kind: AssessmentKind, level: int, by,
                      method: AssessmentMethod | None = None, evidence: str = "", path=None,
                      assessed_on=None) -> CompetenceAssessment:
    """Add a positioning or a validation; earlier rows are kept as history."""
    if kind == AssessmentKind.VALIDATION:
        if by is None or by.pk == learner.pk or not (by.is_trainer or by.is_manager):
            raise PermissionDenied(_("Only a trainer or a manager validates a competence."))
        if method in (None, AssessmentMethod.SELF):
            raise ValidationError({"method": _("Say how the competence was validated.")})
    else:
        if by is None or by.pk != learner.pk:
            raise PermissionDenied(_("Self-positioning is done by the learner."))
        method = AssessmentMethod.SELF
    assessment = CompetenceAssessment(
        learner=learner, competence=competence, kind=kind, level=level, method=method,
        evidence=evidence, path=path, assessed_by=by,
        assessed_on=assessed_on or timezone.localdate(),
    )
    assessment.full_clean()
    with transaction.atomic():
        assessment.save()
        if kind == AssessmentKind.VALIDATION:
            for enrollment in Enrollment.objects.filter(learner=learner,
                                                        status__in=OPEN_STATUSES):
                enrollment_refresh_completion(enrollment=enrollment)
    return assessment
