"""Demo enrolments and learning records of the four demo groups (lms.demo.groups): each
learner enrolled at the start of their group, lessons done and quizzes taken along the weeks,
an initial self-positioning, and for those who finished, a final one and the trainer's
validations. And a learner who has just enrolled herself from the catalogue and is in no
group yet: the one a trainer places. Written through the services, on their days
(lms.demo.clock); idempotent."""

import datetime

from django.db import transaction

from courses.models import LessonPage, ModuleCompetence, TrainingPathPage
from lms.accounts.models import User
from lms.demo.clock import at, demo_clock
from lms.demo.groups import GROUPS, cohort_dates, demo_cohort, users
from lms.progress.enums import AssessmentKind, AssessmentMethod, EnrollmentSource
from lms.progress.models import CompetenceAssessment, LessonCompletion, QuizAttempt
from lms.progress.services import (
    assessment_record,
    enrollment_create,
    lesson_complete,
    quiz_submit,
    self_enroll,
)

T = datetime.time
# Learners who have done every lesson of their group's path (their documents are issued).
FINISHED = {"workshop": ("ahamada.said", "awa.coulibaly")}
# The share of the path's lessons each learner has done, in the order of the group's list:
# a spread, from the keen to the one who drops behind.
SHARES = (0.6, 0.45, 0.3, 0.55, 0.15, 0.4, 0.7, 0.35, 0.5, 0.25, 0.65, 0.2)
# Learners who have just enrolled themselves in a path open to self-enrolment, and who are in
# no group: (username, path slug, lessons done since). Enrolled when the demo is seeded, outside
# the demo clock: the newest enrolment of the tiers-lieu, waiting to be placed.
SELF_ENROLLED = (("helene.lefevre-dubois", "club-premiers-pas", 2),)


def progress_demo_seed(*, today: datetime.date) -> int:
    """Enrol and record each demo group's learners, and the self-enrolled ones. Returns the
    enrolments created."""
    created = 0
    for spec in GROUPS:
        cohort = demo_cohort(spec)
        if cohort is None:
            continue
        created += _group_progress(spec, cohort, today)
    for username, slug, lessons in SELF_ENROLLED:
        created += _self_enrolled(username, slug, lessons)
    return created


def _self_enrolled(username, slug, lesson_count) -> int:
    """Enrolled from the catalogue (through the learner's own service), then her first
    lessons, at once."""
    learner = User.objects.get(username=username)
    path = TrainingPathPage.objects.get(slug=slug)
    with transaction.atomic():
        _enrollment, new = self_enroll(learner=learner, path=path)
    if new:
        for lesson in (LessonPage.objects.live().descendant_of(path)
                       .order_by("path")[:lesson_count]):
            with transaction.atomic():
                _lesson_done(learner, lesson, seed=1, step=0)
    return new


def _group_progress(spec, cohort, today) -> int:
    start, _end = cohort_dates(spec, today)
    trainer = User.objects.get(username=spec.trainers[0])
    learners = users(spec.learners)
    lessons = list(LessonPage.objects.live().descendant_of(cohort.path).order_by("path"))
    targets = list(ModuleCompetence.objects.filter(module__in=cohort.path.modules())
                   .select_related("competence").order_by("module__path", "sort_order"))
    created = 0
    for index, username in enumerate(spec.learners):
        learner = learners[username]
        # Enrolled the week before the group starts (the convocation then lists its sessions).
        # Its own commit, on that day: the convocation the placement sets going is sent then.
        with demo_clock(at(start - datetime.timedelta(days=7 - index % 5), T(10, index))), \
                transaction.atomic():
            _enrollment, new = enrollment_create(
                learner=learner, path=cohort.path, source=EnrollmentSource.STAFF, by=trainer,
                cohort=cohort, joined_on=start)
        created += new
        finished = username in FINISHED.get(spec.key, ())
        share = 1.0 if finished else SHARES[index % len(SHARES)]
        done = lessons[:round(share * len(lessons))]
        with transaction.atomic():  # one commit per learner, not one per record
            _lessons_done(learner, done, start=start, today=today, seed=index)
            _positionings(learner, targets, cohort=cohort, trainer=trainer, start=start,
                          today=today, finished=finished, seed=index)
    return created


def _day_of(step: int, count: int, *, start, today) -> datetime.date:
    """The day of the step-th of `count` events spread between start and yesterday."""
    span = max((today - start).days - 1, 1)
    return start + datetime.timedelta(days=(step + 1) * span // (count + 1))


def _correct_answers(child) -> dict[int, set[int]]:
    return {index: {i for i, choice in enumerate(question["choices"]) if choice["correct"]}
            for index, question in enumerate(child.value["questions"])}


def _lessons_done(learner, lessons, *, start, today, seed) -> None:
    already = set(LessonCompletion.objects.filter(learner=learner)
                  .values_list("lesson_id", flat=True))
    for step, lesson in enumerate(lessons):
        if lesson.pk in already:
            continue
        day = _day_of(step, len(lessons), start=start, today=today)
        with demo_clock(at(day, T(15 + seed % 4, 10 + step))):
            _lesson_done(learner, lesson, seed=seed, step=step)


def _lesson_done(learner, lesson, *, seed, step) -> None:
    """The lesson marked done, or its quizzes passed (a first miss now and then)."""
    quizzes = lesson.quiz_blocks()
    if not quizzes:
        lesson_complete(learner=learner, lesson=lesson)
        return
    for child in quizzes:
        right = _correct_answers(child)
        if (seed + step) % 3 == 0 and QuizAttempt.objects.filter(
                learner=learner, lesson=lesson).count() == 0:
            # A first try that misses one question: the quiz can be taken again.
            wrong = {**right, 0: set()}
            quiz_submit(learner=learner, lesson=lesson, block_id=child.id, answers=wrong)
        quiz_submit(learner=learner, lesson=lesson, block_id=child.id, answers=right)


def _positionings(learner, targets, *, cohort, trainer, start, today, finished, seed) -> None:
    if CompetenceAssessment.objects.filter(learner=learner, path=cohort.path).exists():
        return
    competences = {}
    for target in targets:
        competences.setdefault(target.competence_id, target)
    first_day = start + datetime.timedelta(days=1)  # the groups start weeks before today
    for number, target in enumerate(competences.values()):
        initial = max(1, min(target.target_level - 1, 1 + (seed + number) % 3))
        with demo_clock(at(first_day, T(10))):
            assessment_record(learner=learner, competence=target.competence,
                              kind=AssessmentKind.INITIAL, level=initial, by=learner,
                              path=cohort.path)
        validated = finished or (seed + number) % 4 == 0
        if validated:
            day = today - datetime.timedelta(days=3 + number % 3)
            with demo_clock(at(max(day, first_day), T(16))):
                assessment_record(
                    learner=learner, competence=target.competence,
                    kind=AssessmentKind.VALIDATION, level=target.target_level, by=trainer,
                    method=(AssessmentMethod.EXERCISE if number % 2 else
                            AssessmentMethod.OBSERVATION),
                    evidence="Exercice réalisé en séance, sans aide." if number % 2 else
                             "Observé pendant l'atelier.",
                    path=cohort.path)
        if finished:
            with demo_clock(at(today - datetime.timedelta(days=2), T(11))):
                assessment_record(learner=learner, competence=target.competence,
                                  kind=AssessmentKind.FINAL, level=target.target_level,
                                  by=learner, path=cohort.path)
