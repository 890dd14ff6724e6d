"""Writes of learner progress. Views, serializers and imports call these, never the ORM."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import LessonPage, TrainingPathPage
from lms.accounts.services import learner_create, learner_role_grant
from lms.cohorts.services import cohort_seat_check

from .completion import completion_check
from .enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentSource,
    EnrollmentStatus,
)
from .models import (
    CohortMembership,
    CompetenceAssessment,
    Enrollment,
    EnrollmentStatusChange,
    LessonCompletion,
    QuizAttempt,
)
from .perms import can_manage_cohort, can_manage_path
from .signals import learner_placed

# Sent once when an enrolment becomes completed; the documents app listens to it.
path_completed = Signal()  # kwargs: enrollment

# Sent before a learner joins or leaves a cohort on given days, inside the transaction; the
# attendance app refuses (ValidationError) a change that would rewrite a closed sheet or
# strand a mark. kwargs: enrollment, cohort, first_date, last_date (None: open-ended),
# joining (True: added to the cohort on those days; False: removed from it).
cohort_roster_changing = Signal()

OPEN_STATUSES = {EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE}
# Statuses that end the learner's place in their cohort.
CLOSED_STATUSES = {EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN}


# Cohort memberships ---------------------------------------------------------------------------

def _membership_open(*, enrollment: Enrollment, cohort, start_date) -> CohortMembership:
    # A closed or full group takes nobody (the cohorts app's rule, under its row lock).
    cohort_seat_check(cohort=cohort, enrollment_id=enrollment.pk)
    cohort_roster_changing.send(sender=CohortMembership, enrollment=enrollment, cohort=cohort,
                                first_date=start_date, last_date=None, joining=True)
    membership = CohortMembership.objects.create(enrollment=enrollment, cohort=cohort,
                                                 start_date=start_date)
    # Inside the transaction: a receiver records what it owes the learner (a convocation) with
    # the placement itself, so that a broker down at commit time loses nothing.
    learner_placed.send(sender=CohortMembership, membership_id=membership.pk)
    return membership


def _membership_close(*, enrollment: Enrollment, last_day) -> None:
    """End the open membership with `last_day` as its last day. One that had not started yet
    is removed: it was never in force, so no session ever expected the learner."""
    for membership in CohortMembership.objects.select_for_update().filter(
            enrollment=enrollment, end_date__isnull=True):
        cohort_roster_changing.send(
            sender=CohortMembership, enrollment=enrollment, cohort=membership.cohort,
            first_date=max(last_day + datetime.timedelta(days=1), membership.start_date),
            last_date=None, joining=False)
        if membership.start_date > last_day:
            membership.delete()
        else:
            membership.end_date = last_day
            membership.save(update_fields=["end_date"])


def _membership_reopen(*, enrollment: Enrollment, today) -> None:
    """Back in the cohort from today: the last membership is extended when it ended today
    (a same-day mistake undone), otherwise a new one starts."""
    last = (CohortMembership.objects.select_for_update()
            .filter(enrollment=enrollment, cohort_id=enrollment.cohort_id)
            .order_by("-start_date", "-pk").first())
    if last is not None and (last.end_date is None or last.end_date >= today):
        if last.end_date is not None:
            last.end_date = None
            last.save(update_fields=["end_date"])
        return
    _membership_open(enrollment=enrollment, cohort=enrollment.cohort, start_date=today)


def membership_set_start(*, enrollment: Enrollment, start_date) -> None:
    """Move the start of the enrolment's open membership (the CSV import's enrolment date)."""
    membership = (CohortMembership.objects.select_for_update()
                  .filter(enrollment=enrollment, end_date__isnull=True).first())
    if membership is None or membership.start_date == start_date:
        return
    first, last = sorted((membership.start_date, start_date))
    cohort_roster_changing.send(
        sender=CohortMembership, enrollment=enrollment, cohort=membership.cohort,
        first_date=first, last_date=last - datetime.timedelta(days=1),
        joining=start_date < membership.start_date)
    membership.start_date = start_date
    membership.save(update_fields=["start_date"])


@transaction.atomic
def enrollment_move(*, enrollment: Enrollment, cohort, by, on_date=None) -> Enrollment:
    """Move a learner to another cohort of the same path from `on_date` (today by default):
    the old cohort's sessions before that day keep them and their marks, the new cohort's
    sessions list them from that day on. Nothing is deleted."""
    # Only the enrolment's row is locked (its cohort may be null: an outer join).
    enrollment = (Enrollment.objects.select_for_update(of=("self",))
                  .select_related("path", "cohort").get(pk=enrollment.pk))
    on_date = on_date or timezone.localdate()
    if cohort is not None and cohort.pk == enrollment.cohort_id:
        return enrollment
    _enrollment_scope_check(by=by, path=enrollment.path, cohort=cohort)
    if enrollment.cohort_id is not None and not can_manage_cohort(by, enrollment.cohort):
        raise PermissionDenied(_("You cannot move learners out of this group."))
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ValidationError({"cohort": ValidationError(
            _("This learner has withdrawn: reopen the enrolment before moving it."),
            code="withdrawn")})
    if enrollment.status == EnrollmentStatus.COMPLETED:
        raise ValidationError({"cohort": ValidationError(
            _("This learner has completed the path: their cohort is part of the record."),
            code="completed")})
    _membership_close(enrollment=enrollment, last_day=on_date - datetime.timedelta(days=1))
    if cohort is not None:
        _membership_open(enrollment=enrollment, cohort=cohort, start_date=on_date)
    enrollment.cohort = cohort
    enrollment.save(update_fields=["cohort"])
    return enrollment


def enrollment_placeable(enrollment: Enrollment) -> bool:
    """Enrolled in the path but in no group yet (self-enrolled learners, most often), and
    still following it: such a learner waits to be placed in a group."""
    return enrollment.cohort_id is None and enrollment.status in OPEN_STATUSES


@transaction.atomic
def enrollments_place(*, enrollments, cohort, by, on_date=None) -> list[Enrollment]:
    """Place enrolled learners in `cohort` from `on_date` (today by default): those in no
    group join it, those in another group of the path move to it (enrollment_move: their
    marks stay with the old group's sessions). All of them or none; each is convened to the
    group's sessions once the transaction is committed (signals.learner_placed)."""
    placed = []
    for enrollment in enrollments:
        if enrollment.path_id != cohort.path_id:
            raise ValidationError({"cohort": ValidationError(
                _("This cohort belongs to another training path."), code="other_path")})
        placed.append(enrollment_move(enrollment=enrollment, cohort=cohort, by=by,
                                      on_date=on_date))
    return placed


@transaction.atomic
def enrollment_create(*, learner, path: TrainingPathPage, source: EnrollmentSource, by=None,
                      cohort=None, status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
                      joined_on=None) -> tuple[Enrollment, bool]:
    """Enrol a learner; enrolling again returns the existing enrolment unchanged. In a cohort,
    the learner is expected at its sessions from `joined_on` (the day of enrolment by
    default).

    Enrolling an account that holds no learner role gives it one, which only a manager may
    do to someone else's account (lms.accounts.services.learner_role_grant)."""
    learner_role_grant(user=learner, by=by)
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
    if cohort is not None and status != EnrollmentStatus.WITHDRAWN:
        if joined_on is not None:
            _membership_open(enrollment=enrollment, cohort=cohort, start_date=joined_on)
        else:
            _membership_open_from_today(enrollment=enrollment, cohort=cohort,
                                        today=timezone.localdate(enrollment.enrolled_at))
    return enrollment, True


def _membership_open_from_today(*, enrollment: Enrollment, cohort, today) -> None:
    """From today, or from tomorrow when a sheet of today is already closed: its list of
    learners cannot change (the attendance app's roster guard refuses it, before anything is
    written), and a learner enrolled after the morning's session was not expected at it.
    Sheets after today cannot be closed yet, so tomorrow is always free."""
    try:
        _membership_open(enrollment=enrollment, cohort=cohort, start_date=today)
    except ValidationError as error:
        codes = {item.code for items in getattr(error, "error_dict", {}).values()
                 for item in items}
        if "locked_sheet" not in codes:
            raise
        _membership_open(enrollment=enrollment, cohort=cohort,
                         start_date=today + datetime.timedelta(days=1))


def self_enroll(*, learner, path: TrainingPathPage) -> tuple[Enrollment, bool]:
    if not path.self_enrolment:
        raise PermissionDenied(_("This path is not open to self-enrolment."))
    return enrollment_create(learner=learner, path=path, source=EnrollmentSource.SELF,
                             by=learner)


def can_enroll_outside_cohorts(user, path: TrainingPathPage) -> bool:
    """Enrolling in a path without a cohort is for those who follow the whole path: managers
    and the path's own trainers. A trainer of one cohort would lose sight of such a learner."""
    return user.is_authenticated and (user.sees_everything or (
        user.is_trainer and path.trainers.filter(pk=user.pk).exists()))


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
    # Already enrolled in no group (self-enrolled, most often), now placed in the cohort.
    placed: list[Enrollment] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.created) + len(self.existing) + len(self.placed)


@transaction.atomic
def enroll_many(*, learners, path: TrainingPathPage, by, cohort=None, joined_on=None
                ) -> EnrollmentBatch:
    """Enrol several learners in a path, and in a cohort of it: all of them, or none on any
    error. Someone enrolled in the path but in no group is placed in the cohort (from
    `joined_on`); enrolling anyone else again changes nothing. `joined_on`: see
    enrollment_create."""
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
                                                cohort=cohort, joined_on=joined_on)
        if created:
            batch.created.append(enrollment)
        elif cohort is not None and enrollment_placeable(enrollment):
            batch.placed.append(enrollment_move(enrollment=enrollment, cohort=cohort, by=by,
                                                on_date=joined_on))
        else:
            batch.existing.append(enrollment)
    return batch


@transaction.atomic
def learner_create_and_enroll(*, first_name: str, last_name: str, path: TrainingPathPage, by,
                              cohort=None, email: str = "", phone: str = "",
                              birth_date=None, namesake_ok: bool = False,
                              joined_on=None) -> Enrollment:
    """Create a learner's account and enrol them: both or neither. An account with the same
    names is refused unless `namesake_ok` (see `learner_create`)."""
    _enrollment_scope_check(by=by, path=path, cohort=cohort)
    learner = learner_create(first_name=first_name, last_name=last_name, email=email,
                             phone=phone, birth_date=birth_date, namesake_ok=namesake_ok,
                             by=by)
    enrollment, _created = enrollment_create(learner=learner, path=path,
                                             source=EnrollmentSource.STAFF, by=by,
                                             cohort=cohort, joined_on=joined_on)
    return enrollment


@transaction.atomic
def enrollment_set_status(*, enrollment: Enrollment, status: EnrollmentStatus, by=None,
                          note: str = "", now=None) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == status:
        return enrollment
    now = now or timezone.now()
    EnrollmentStatusChange.objects.create(
        enrollment=enrollment, from_status=enrollment.status, to_status=status, changed_by=by,
        changed_at=now, note=note,
    )
    if enrollment.cohort_id is not None:
        # The roster follows: a withdrawn learner is expected until today included; one who
        # comes back is expected again from today. Completing the path's content does not end
        # the group's attendance: a learner who completes stays on its remaining sessions.
        today = timezone.localdate(now)
        if (status == EnrollmentStatus.WITHDRAWN
                and enrollment.status != EnrollmentStatus.WITHDRAWN):
            _membership_close(enrollment=enrollment, last_day=today)
        elif status not in CLOSED_STATUSES and enrollment.status in CLOSED_STATUSES:
            _membership_reopen(enrollment=enrollment, today=today)
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


# Personal data (lms.privacy's erasure) ------------------------------------------------------

def learner_progress_erase(*, user) -> dict[str, int]:
    """The free text of a learner's progress: quiz answers, assessment evidence, notes of
    status changes. Enrolments, completions and levels stay, without it, for the figures."""
    return {
        "quiz_attempts": QuizAttempt.objects.filter(learner=user).update(answers={}),
        "competence_assessments": CompetenceAssessment.objects.filter(learner=user)
        .exclude(evidence="").update(evidence=""),
        "enrollment_status_notes": EnrollmentStatusChange.objects.filter(
            enrollment__learner=user).exclude(note="").update(note=""),
    }
