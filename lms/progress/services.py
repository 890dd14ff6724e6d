"""Writes of learner progress. Views, serializers and imports call these, never the ORM."""

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from courses.models import LessonPage, TrainingPathPage

from .completion import completion_check
from .enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentSource,
    EnrollmentStatus,
)
from .learner_search import fold, namesakes
from .models import (
    CompetenceAssessment,
    Enrollment,
    EnrollmentStatusChange,
    LessonCompletion,
    QuizAttempt,
)
from .permissions import can_manage_cohort, can_manage_path, is_manager
from .usernames import unique_username

# Sent once when an enrolment becomes completed; the documents app listens to it.
path_completed = Signal()  # kwargs: enrollment

OPEN_STATUSES = {EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE}


@transaction.atomic
def enrollment_create(*, learner, path: TrainingPathPage, source: EnrollmentSource, by=None,
                      cohort=None, status: EnrollmentStatus = EnrollmentStatus.ACTIVE
                      ) -> tuple[Enrollment, bool]:
    """Enrol a learner; enrolling again returns the existing enrolment unchanged.

    Enrolling an account that holds no learner role gives it one: only a manager may do that
    to someone else's account (a trainer could otherwise draw a colleague's or a manager's
    account into their cohort)."""
    if not learner.is_learner and by is not None and by.pk != learner.pk and not (
            by.is_manager or by.is_superuser):
        raise ValidationError({"learner": ValidationError(
            _("%(name)s is not a learner: only a manager can enrol this account.")
            % {"name": learner}, code="not_a_learner")})
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


def can_enroll_outside_cohorts(user, path: TrainingPathPage) -> bool:
    """Enrolling in a path without a cohort is for those who follow the whole path: managers
    and the path's own trainers. A trainer of one cohort would lose sight of such a learner."""
    return is_manager(user) or (user.is_authenticated and user.is_trainer
                                and path.trainers.filter(pk=user.pk).exists())


def _enrollment_scope_check(*, by, path: TrainingPathPage, cohort) -> None:
    if not can_manage_path(by, path):
        raise PermissionDenied(_("You cannot enrol learners in this path."))
    if cohort is None:
        if not can_enroll_outside_cohorts(by, path):
            raise ValidationError({"cohort": ValidationError(_(
                "Choose one of your groups: learners outside them would not appear in your "
                "follow-up."), code="cohort_required")})
    elif cohort.path_id != path.pk:
        raise ValidationError({"cohort": ValidationError(
            _("This cohort belongs to another training path."), code="other_path")})
    elif not can_manage_cohort(by, cohort):
        # Another cohort's trainer may not place learners in this one.
        raise PermissionDenied(_("You cannot enrol learners in this group."))


def enrollment_scope_check(*, by, path: TrainingPathPage, cohort) -> None:
    """What staff may enrol into (the forms' and the API's rule, one place): PermissionDenied,
    or ValidationError on "cohort" (a cohort's own trainer must choose one of their cohorts).
    Checked before anything is written: the API answered 500 after committing an enrolment
    its caller could then not see."""
    _enrollment_scope_check(by=by, path=path, cohort=cohort)


@dataclass
class EnrollmentBatch:
    """What enroll_many did: the enrolments it created, and those that already existed (left
    exactly as they were, whatever their cohort or status)."""

    created: list[Enrollment] = field(default_factory=list)
    existing: list[Enrollment] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.created) + len(self.existing)


@transaction.atomic
def enroll_many(*, learners, path: TrainingPathPage, by, cohort=None) -> EnrollmentBatch:
    """Enrol several learners in a path, and in a cohort of it: all of them, or none on any
    error. Enrolling someone again changes nothing."""
    _enrollment_scope_check(by=by, path=path, cohort=cohort)
    batch = EnrollmentBatch()
    seen: set[int] = set()
    for learner in learners:
        if learner.pk in seen:
            continue
        seen.add(learner.pk)
        if not learner.is_active:
            raise ValidationError(_("The account of %(name)s is deactivated.")
                                  % {"name": learner})
        enrollment, created = enrollment_create(learner=learner, path=path,
                                                source=EnrollmentSource.STAFF, by=by,
                                                cohort=cohort)
        (batch.created if created else batch.existing).append(enrollment)
    return batch


EMAIL_TAKEN = gettext_lazy(
    "An account already uses this email address: search for this person and enrol them "
    "instead of creating a second account.")


def email_taken(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email.strip()).exists()


# The enrolment form's words (lms.progress.forms.NewLearnerForm), for when its check was raced.
NAMESAKE_FOUND = ngettext_lazy(
    "An account already has this name. If it is this person, enrol them from the search; "
    "otherwise tick “This is another person” and create again.",
    "%(count)d accounts already have this name. If one of them is this person, enrol them "
    "from the search; otherwise tick “This is another person” and create again.", "count")

def is_namesake_refusal(error: ValidationError) -> bool:
    """Whether `error` is `learner_create`'s refusal of an account whose names are taken."""
    return not hasattr(error, "error_dict") and any(
        item.code == "namesake" for item in error.error_list)


# First key of this project's two-key PostgreSQL advisory locks on learners' names.
_NAME_LOCK_CLASS = 0x4C4E  # "LN"


def _lock_name(*, first_name: str, last_name: str) -> None:
    """Make creations of accounts with the same names wait for each other until the current
    transaction ends, so that the namesake check after it sees an account made meanwhile.

    The forms check namesakes before the service's transaction starts: two quick submissions
    (a double click, a resubmission) both pass, and without an email no unique constraint
    stops the second account. The key is the names folded as `namesakes` compares them, with
    only letters and digits kept so that spacing, hyphens and apostrophes cannot tell two
    namesakes apart; names hashed alike only wait for each other. SQLite runs one writer at a
    time already, and has no such lock."""
    if connection.vendor != "postgresql":
        return
    key = "|".join("".join(char for char in fold(name) if char.isalnum())
                   for name in (first_name, last_name))
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                       [_NAME_LOCK_CLASS, int.from_bytes(digest, "big", signed=True)])


@transaction.atomic  # holds the name's lock until the caller's transaction ends
def learner_create(*, first_name: str, last_name: str, email: str = "", phone: str = "",
                   birth_date=None, namesake_ok: bool = False):
    """A learner's account without a usable password, like those of the CSV import, with a
    username made from their names the same way. An email address already used by another
    account is refused: that person is to be enrolled, not created twice.

    With `namesake_ok` false, an active learner with the same names (`namesakes`) is refused
    too (code "namesake"): the staff member has not confirmed that this is another person.
    Checked under a lock on the names, so that two creations at once make one account."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip()) if email.strip() else ""
    if email and email_taken(email):
        raise ValidationError({"email": ValidationError(EMAIL_TAKEN, code="email_taken")})
    learner = User(first_name=first_name.strip(), last_name=last_name.strip(), email=email,
                   phone=phone.strip(), birth_date=birth_date, is_learner=True)
    missing = {name: ValidationError(_("This field is required."), code="required")
               for name in ("first_name", "last_name") if not getattr(learner, name)}
    if missing:
        raise ValidationError(missing)
    if not namesake_ok:
        _lock_name(first_name=learner.first_name, last_name=learner.last_name)
        found = namesakes(first_name=learner.first_name, last_name=learner.last_name)
        if found:
            raise ValidationError(NAMESAKE_FOUND, code="namesake",
                                  params={"count": len(found)})
    learner.set_unusable_password()
    attempts_left = 3
    while True:
        learner.username = unique_username(first_name=learner.first_name,
                                           last_name=learner.last_name, email=email)
        learner.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                learner.save(force_insert=True)
        except IntegrityError:
            if email and email_taken(email):  # an account made with it meanwhile
                raise ValidationError(
                    {"email": ValidationError(EMAIL_TAKEN, code="email_taken")}) from None
            # Someone took the same username meanwhile: pick again.
            attempts_left -= 1
            if not attempts_left:
                raise
            learner.pk = None
        else:
            return learner


@transaction.atomic
def learner_create_and_enroll(*, first_name: str, last_name: str, path: TrainingPathPage, by,
                              cohort=None, email: str = "", phone: str = "",
                              birth_date=None, namesake_ok: bool = False) -> Enrollment:
    """Create a learner's account and enrol them: both or neither. An account with the same
    names is refused unless `namesake_ok` (see `learner_create`)."""
    _enrollment_scope_check(by=by, path=path, cohort=cohort)
    learner = learner_create(first_name=first_name, last_name=last_name, email=email,
                             phone=phone, birth_date=birth_date, namesake_ok=namesake_ok)
    enrollment, _created = enrollment_create(learner=learner, path=path,
                                             source=EnrollmentSource.STAFF, by=by,
                                             cohort=cohort)
    return enrollment


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
