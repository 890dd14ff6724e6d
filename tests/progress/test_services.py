from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses.models import Competence, PathCompetenceRequirement
from lms.progress import completion, services
from lms.progress.completion import current_levels
from lms.progress.enums import (
    AssessmentKind,
    AssessmentMethod,
    EnrollmentSource,
    EnrollmentStatus,
)
from lms.progress.models import CompetenceAssessment, Enrollment, LessonCompletion, QuizAttempt
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.courses.factories import LessonFactory, ModuleFactory, lesson_body

RIGHT = {0: {0}, 1: {1, 2}}
WRONG = {0: {1}, 1: {0}}


@pytest.fixture
def plain_lesson(module):
    return LessonFactory(parent=module, title="Lire", body=lesson_body(with_quiz=False))


@pytest.mark.django_db
def test_enrolling_twice_keeps_one_enrolment_and_its_history(learner, path, trainer):
    first, created = services.enrollment_create(learner=learner, path=path,
                                                source=EnrollmentSource.STAFF, by=trainer)
    again, created_again = services.enrollment_create(learner=learner, path=path,
                                                      source=EnrollmentSource.IMPORT)
    assert created and not created_again and first == again
    assert Enrollment.objects.count() == 1
    assert [(c.from_status, c.to_status) for c in first.status_changes.all()] == [
        ("", EnrollmentStatus.ACTIVE)]


@pytest.mark.dates
@pytest.mark.django_db
def test_status_changes_are_dated_and_kept(enrollment, manager):
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                                   by=manager, note="Déménagement")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    change = enrollment.status_changes.get()
    assert (change.from_status, change.to_status, change.note) == (
        EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWN, "Déménagement")
    assert change.changed_by == manager and change.changed_at == enrollment.status_changed_at


@pytest.mark.django_db
def test_self_enrolment_only_where_the_path_allows_it(learner, path):
    with pytest.raises(PermissionDenied):
        services.self_enroll(learner=learner, path=path)
    path.self_enrolment = True
    path.save()
    enrollment, created = services.self_enroll(learner=learner, path=path)
    assert created and enrollment.source == EnrollmentSource.SELF


@pytest.mark.django_db
def test_enrolling_many_needs_a_trainer_of_the_path(path, cohort, trainer):
    learners = LearnerFactory.create_batch(3)
    with pytest.raises(PermissionDenied):
        services.enroll_many(learners=learners, path=path, by=TrainerFactory())
    # A cohort's trainer enrols into their cohort: outside it, they would lose sight of them.
    with pytest.raises(ValidationError):
        services.enroll_many(learners=learners, path=path, by=trainer)
    batch = services.enroll_many(learners=learners, path=path, by=trainer, cohort=cohort)
    assert len(batch.created) == 3 and not batch.existing
    again = services.enroll_many(learners=learners, path=path, by=trainer, cohort=cohort)
    assert not again.created and again.existing == batch.created


@pytest.mark.django_db
def test_progress_needs_an_enrolment(learner, plain_lesson):
    with pytest.raises(PermissionDenied):
        services.lesson_complete(learner=learner, lesson=plain_lesson)


@pytest.mark.django_db
def test_a_quiz_lesson_is_not_marked_done_by_hand(enrollment, lesson):
    with pytest.raises(ValidationError):
        services.lesson_complete(learner=enrollment.learner, lesson=lesson)


@pytest.mark.django_db
def test_quiz_attempts_are_kept_and_passing_completes_the_lesson(enrollment, lesson):
    learner = enrollment.learner
    attempt, result = services.quiz_submit(learner=learner, lesson=lesson, block_id="quiz-1",
                                           answers=WRONG)
    assert not result.passed and attempt.score == 0
    assert not LessonCompletion.objects.filter(learner=learner, lesson=lesson).exists()
    _attempt, result = services.quiz_submit(learner=learner, lesson=lesson, block_id="quiz-1",
                                            answers=RIGHT)
    assert result.passed and result.score == 100
    assert QuizAttempt.objects.filter(learner=learner).count() == 2
    assert LessonCompletion.objects.get(learner=learner, lesson=lesson).source == "quiz"


@pytest.mark.django_db
def test_unknown_quiz_is_a_clear_error(enrollment, lesson):
    with pytest.raises(ValidationError):
        services.quiz_submit(learner=enrollment.learner, lesson=lesson, block_id="nope",
                             answers=RIGHT)


@pytest.mark.django_db
def test_path_completes_when_required_modules_are_done(enrollment, module, plain_lesson,
                                                       django_capture_on_commit_callbacks):
    optional = ModuleFactory(parent=enrollment.path, title="Pour aller plus loin",
                             required=False)
    LessonFactory(parent=optional, title="Bonus", body=lesson_body(with_quiz=False))
    LessonFactory(parent=module, title="Facultative", required=False,
                  body=lesson_body(with_quiz=False))
    received = []
    services.path_completed.connect(lambda **kw: received.append(kw["enrollment"].pk),
                                    weak=False, dispatch_uid="test")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.lesson_complete(learner=enrollment.learner, lesson=plain_lesson)
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.COMPLETED
        assert enrollment.completed_at is not None
        assert received == [enrollment.pk]
    finally:
        services.path_completed.disconnect(dispatch_uid="test")


@pytest.mark.django_db
def test_path_with_a_quiz_lesson_completes_through_the_quiz(enrollment, lesson):
    services.quiz_submit(learner=enrollment.learner, lesson=lesson, block_id="quiz-1",
                         answers=RIGHT)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


@pytest.mark.django_db
def test_attendance_minimum_uses_the_attendance_seam(enrollment, plain_lesson, monkeypatch):
    enrollment.path.min_attendance_rate = Decimal("80")
    enrollment.path.save()
    services.lesson_complete(learner=enrollment.learner, lesson=plain_lesson)
    report = completion.completion_check(enrollment)
    assert not report.complete and report.attendance_rate is None
    def rate_of(value):
        return lambda enrollments: {e.pk: (Decimal(value), None) for e in enrollments}

    monkeypatch.setitem(completion._providers, "figures", rate_of("75"))
    assert not completion.completion_check(enrollment).complete
    monkeypatch.setitem(completion._providers, "figures", rate_of("90"))
    assert completion.completion_check(enrollment).complete


@pytest.mark.django_db
def test_required_competence_level_must_be_validated(enrollment, plain_lesson, referential,
                                                     trainer):
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="2.1")
    PathCompetenceRequirement.objects.create(path=enrollment.path, competence=competence,
                                             level=3)
    services.lesson_complete(learner=enrollment.learner, lesson=plain_lesson)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    services.assessment_record(learner=enrollment.learner, competence=competence,
                               kind=AssessmentKind.VALIDATION, level=2, by=trainer,
                               method=AssessmentMethod.EXERCISE)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    services.assessment_record(learner=enrollment.learner, competence=competence,
                               kind=AssessmentKind.VALIDATION, level=3, by=trainer,
                               method=AssessmentMethod.OBSERVATION, evidence="Envoi réussi")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


@pytest.mark.django_db
def test_a_learner_never_validates_and_history_is_kept(learner, trainer, referential):
    competence = Competence.objects.of_framework("pix").get(code="1.1")
    with pytest.raises(PermissionDenied):
        services.assessment_record(learner=learner, competence=competence,
                                   kind=AssessmentKind.VALIDATION, level=5, by=learner,
                                   method=AssessmentMethod.QUIZ)
    with pytest.raises(ValidationError):
        services.assessment_record(learner=learner, competence=competence,
                                   kind=AssessmentKind.VALIDATION, level=5, by=trainer)
    with pytest.raises(PermissionDenied):
        services.assessment_record(learner=learner, competence=competence,
                                   kind=AssessmentKind.INITIAL, level=2, by=trainer)
    services.assessment_record(learner=learner, competence=competence,
                               kind=AssessmentKind.INITIAL, level=1, by=learner)
    for level in (3, 2):
        services.assessment_record(learner=learner, competence=competence,
                                   kind=AssessmentKind.VALIDATION, level=level, by=trainer,
                                   method=AssessmentMethod.PIX)
    assert CompetenceAssessment.objects.filter(learner=learner).count() == 3
    assert current_levels(learner) == {competence.pk: 2}  # the latest validation wins


@pytest.mark.django_db
def test_out_of_range_level_is_refused(learner, trainer, referential):
    competence = Competence.objects.of_framework("pix").get(code="1.1")
    with pytest.raises(ValidationError):
        services.assessment_record(learner=learner, competence=competence,
                                   kind=AssessmentKind.VALIDATION, level=9, by=trainer,
                                   method=AssessmentMethod.PIX)
