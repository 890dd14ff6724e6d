"""The progress API: scopes (learner, trainer, manager, anonymous), writes through the services,
append-only assessments, the caller's own progress and fixed query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.test import APIClient

from courses.models import Competence, PathCompetenceRequirement
from lms.progress import completion, services
from lms.progress.completion import completion_check
from lms.progress.enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentSource,
    EnrollmentStatus,
)
from lms.progress.models import (
    CompetenceAssessment,
    Enrollment,
    EnrollmentStatusChange,
    LessonCompletion,
)
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.cohorts.factories import CohortFactory
from tests.conftest import as_user, ids
from tests.courses.factories import (
    LessonFactory,
    ModuleFactory,
    TrainingPathFactory,
    lesson_body,
    module_target,
)
from tests.progress.factories import (
    EnrollmentFactory,
    LessonCompletionFactory,
    ValidationFactory,
)

ENROLLMENTS = "/api/v1/enrollments/"
COMPLETIONS = "/api/v1/lesson-completions/"
ASSESSMENTS = "/api/v1/competence-assessments/"
ME = "/api/v1/me/progress/"


@pytest.fixture
def plain_lesson(module):
    return LessonFactory(parent=module, title="Lire un courriel",
                         body=lesson_body(with_quiz=False))


@pytest.fixture
def classmate(path, cohort):
    """Another learner of the same path and cohort: the trainer follows both."""
    return EnrollmentFactory(path=path, cohort=cohort).learner


@pytest.fixture
def elsewhere(catalogue):
    """Another path, its own trainer, a learner and a plain lesson."""
    other_path = TrainingPathFactory(parent=catalogue, title="Bureautique")
    other_trainer = TrainerFactory()
    other_cohort = CohortFactory(path=other_path, trainers=[other_trainer])
    other_module = ModuleFactory(parent=other_path, title="Le tableur")
    other_lesson = LessonFactory(parent=other_module, title="Une cellule",
                                 body=lesson_body(with_quiz=False))
    other_enrollment = EnrollmentFactory(path=other_path, cohort=other_cohort)
    return type("Elsewhere", (), {
        "path": other_path, "trainer": other_trainer, "cohort": other_cohort,
        "lesson": other_lesson, "enrollment": other_enrollment,
        "learner": other_enrollment.learner,
    })


@pytest.fixture
def competence(referential):
    return Competence.objects.of_framework("digcomp-2.2").get(code="1.1")


# Anonymous -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), [
    ("get", ENROLLMENTS), ("post", ENROLLMENTS), ("get", COMPLETIONS), ("post", COMPLETIONS),
    ("get", ASSESSMENTS), ("post", ASSESSMENTS), ("get", ME),
])
def test_anonymous_is_refused(api, enrollment, method, url):
    assert getattr(api, method)(url, {}).status_code in (401, 403)


@pytest.mark.django_db
def test_anonymous_cannot_read_an_enrolment(api, enrollment):
    assert api.get(f"{ENROLLMENTS}{enrollment.pk}/").status_code in (401, 403)


# Enrolments: reading -----------------------------------------------------------------------


@pytest.mark.django_db
def test_learner_sees_only_their_own_enrolments(api, learner, enrollment, classmate, elsewhere):
    as_user(api, learner)
    assert ids(api.get(ENROLLMENTS)) == {enrollment.pk}
    row = api.get(f"{ENROLLMENTS}{enrollment.pk}/").json()
    assert row["learner"] == learner.pk and row["path_title"] == "Club premiers pas"
    assert row["status"] == "active" and row["cohort"] == enrollment.cohort_id
    other = Enrollment.objects.get(learner=classmate)
    assert api.get(f"{ENROLLMENTS}{other.pk}/").status_code == 404
    assert api.get(f"{ENROLLMENTS}{elsewhere.enrollment.pk}/").status_code == 404


@pytest.mark.django_db
def test_trainer_sees_the_enrolments_of_their_paths_only(api, trainer, enrollment, classmate,
                                                         elsewhere):
    as_user(api, trainer)
    classmate_enrollment = Enrollment.objects.get(learner=classmate)
    assert ids(api.get(ENROLLMENTS)) == {enrollment.pk, classmate_enrollment.pk}
    assert api.get(f"{ENROLLMENTS}{elsewhere.enrollment.pk}/").status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(ENROLLMENTS)) == {elsewhere.enrollment.pk}
    assert api.get(f"{ENROLLMENTS}{enrollment.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_path_trainer_follows_every_learner_of_the_path(api, path, plain_lesson, elsewhere):
    path_trainer = TrainerFactory()
    path.trainers.add(path_trainer)
    path.save()
    enrollment = EnrollmentFactory(path=path)  # in no cohort
    completion = LessonCompletionFactory(learner=enrollment.learner, lesson=plain_lesson)
    far = LessonCompletionFactory(learner=elsewhere.learner, lesson=elsewhere.lesson)
    as_user(api, path_trainer)
    assert ids(api.get(ENROLLMENTS)) == {enrollment.pk}
    assert ids(api.get(COMPLETIONS)) == {completion.pk}
    assert api.get(f"{COMPLETIONS}{far.pk}/").status_code == 404


@pytest.mark.django_db
def test_manager_sees_every_enrolment(api, manager, enrollment, classmate, elsewhere):
    as_user(api, manager)
    assert len(ids(api.get(ENROLLMENTS))) == 3


@pytest.mark.django_db
def test_enrolments_filter_by_path_cohort_status_and_learner(api, manager, enrollment,
                                                             classmate, elsewhere):
    other = Enrollment.objects.get(learner=classmate)
    other.status = EnrollmentStatus.PENDING
    other.save()
    as_user(api, manager)
    assert ids(api.get(ENROLLMENTS, {"path": elsewhere.path.pk})) == {elsewhere.enrollment.pk}
    assert ids(api.get(ENROLLMENTS, {"cohort": enrollment.cohort_id})) == {enrollment.pk,
                                                                            other.pk}
    assert ids(api.get(ENROLLMENTS, {"status": "pending"})) == {other.pk}
    assert ids(api.get(ENROLLMENTS, {"learner": classmate.pk})) == {other.pk}
    assert api.get(ENROLLMENTS, {"status": "lost"}).status_code == 400
    assert api.get(ENROLLMENTS, {"path": "abc"}).status_code == 400


# Enrolments: creating ----------------------------------------------------------------------


@pytest.mark.django_db
def test_learner_enrols_themselves_where_self_enrolment_is_open(api, learner, path):
    as_user(api, learner)
    response = api.post(ENROLLMENTS, {"path": path.pk})
    assert response.status_code == 403
    assert response.json()["detail"] == gettext("This path is not open to self-enrolment.")
    assert not Enrollment.objects.exists()
    path.self_enrolment = True
    path.save()
    response = api.post(ENROLLMENTS, {"path": path.pk})
    assert response.status_code == 201, response.content
    assert response.json()["learner"] == learner.pk
    assert response.json()["source"] == EnrollmentSource.SELF
    again = api.post(ENROLLMENTS, {"path": path.pk})
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    assert Enrollment.objects.count() == 1


@pytest.mark.django_db
def test_learner_cannot_enrol_someone_else_nor_pick_a_cohort(api, learner, path, cohort):
    path.self_enrolment = True
    path.save()
    someone = LearnerFactory()
    as_user(api, learner)
    response = api.post(ENROLLMENTS, {"path": path.pk, "learner": someone.pk})
    assert response.status_code == 400 and "learner" in response.json()
    response = api.post(ENROLLMENTS, {"path": path.pk, "cohort": cohort.pk})
    assert response.status_code == 400 and "cohort" in response.json()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_trainer_enrols_people_in_the_paths_they_train_only(api, trainer, path, cohort,
                                                            elsewhere):
    # An account without a learner role takes a manager (tests/accounts/test_takeover.py).
    newcomer = LearnerFactory()
    as_user(api, trainer)
    response = api.post(ENROLLMENTS, {"path": path.pk, "learner": newcomer.pk,
                                      "cohort": cohort.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["learner"], body["cohort"], body["source"], body["enrolled_by"]) == (
        newcomer.pk, cohort.pk, EnrollmentSource.STAFF, trainer.pk)
    newcomer.refresh_from_db()
    assert newcomer.is_learner
    response = api.post(ENROLLMENTS, {"path": elsewhere.path.pk, "learner": newcomer.pk})
    assert response.status_code == 403
    response = api.post(ENROLLMENTS, {"path": path.pk, "learner": newcomer.pk,
                                      "cohort": elsewhere.cohort.pk})
    assert response.status_code == 400 and "cohort" in response.json()


@pytest.mark.django_db
def test_manager_enrols_anyone_anywhere(api, manager, elsewhere):
    someone = LearnerFactory()
    as_user(api, manager)
    response = api.post(ENROLLMENTS, {"path": elsewhere.path.pk, "learner": someone.pk})
    assert response.status_code == 201
    assert api.post(ENROLLMENTS, {"path": 999999, "learner": someone.pk}).status_code == 400


# Enrolments: status ------------------------------------------------------------------------


@pytest.mark.django_db
def test_learner_may_only_withdraw(api, learner, enrollment):
    as_user(api, learner)
    url = f"{ENROLLMENTS}{enrollment.pk}/"
    response = api.patch(url, {"status": "completed"})
    assert response.status_code == 403 and response.json()["detail"]
    response = api.patch(url, {"status": "withdrawn", "note": "Je déménage"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    change = EnrollmentStatusChange.objects.get(enrollment=enrollment)
    assert (change.to_status, change.changed_by, change.note) == ("withdrawn", learner,
                                                                   "Je déménage")


@pytest.mark.django_db
def test_learner_cannot_withdraw_from_a_completed_path(api, learner, enrollment, manager):
    services.enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED,
                                   by=manager)
    as_user(api, learner)
    response = api.patch(f"{ENROLLMENTS}{enrollment.pk}/", {"status": "withdrawn"})
    assert response.status_code == 400 and "status" in response.json()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at


@pytest.mark.django_db
def test_trainer_changes_the_status_of_their_learners_only(api, trainer, enrollment, elsewhere):
    as_user(api, trainer)
    response = api.patch(f"{ENROLLMENTS}{enrollment.pk}/", {"status": "completed"})
    assert response.status_code == 200
    assert response.json()["status"] == "completed" and response.json()["completed_at"]
    response = api.patch(f"{ENROLLMENTS}{elsewhere.enrollment.pk}/", {"status": "completed"})
    assert response.status_code == 404
    assert api.patch(f"{ENROLLMENTS}{enrollment.pk}/", {"status": "lost"}).status_code == 400
    assert api.patch(f"{ENROLLMENTS}{enrollment.pk}/", {}).status_code == 400


@pytest.mark.django_db
def test_learner_cannot_touch_someone_elses_enrolment(api, learner, classmate):
    other = Enrollment.objects.get(learner=classmate)
    as_user(api, learner)
    assert api.patch(f"{ENROLLMENTS}{other.pk}/", {"status": "withdrawn"}).status_code == 404
    other.refresh_from_db()
    assert other.status == EnrollmentStatus.ACTIVE


@pytest.mark.django_db
def test_enrolments_are_neither_replaced_nor_deleted(api, manager, enrollment):
    as_user(api, manager)
    url = f"{ENROLLMENTS}{enrollment.pk}/"
    assert api.put(url, {"status": "active"}).status_code == 405
    assert api.delete(url).status_code == 405


# Lesson completions ------------------------------------------------------------------------


@pytest.mark.django_db
def test_learner_marks_a_lesson_done_once(api, learner, enrollment, plain_lesson):
    as_user(api, learner)
    response = api.post(COMPLETIONS, {"lesson": plain_lesson.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["learner"], body["lesson"], body["source"]) == (
        learner.pk, plain_lesson.pk, CompletionSource.MANUAL)
    assert api.post(COMPLETIONS, {"lesson": plain_lesson.pk}).status_code == 200
    assert LessonCompletion.objects.count() == 1


@pytest.mark.django_db
def test_a_lesson_with_a_quiz_is_not_marked_done_by_hand(api, learner, enrollment, lesson):
    as_user(api, learner)
    response = api.post(COMPLETIONS, {"lesson": lesson.pk})
    assert response.status_code == 400
    assert response.json() == {"lesson": [gettext("Pass the quiz to complete this lesson.")]}
    assert not LessonCompletion.objects.exists()


@pytest.mark.django_db
def test_completion_needs_an_enrolment_and_a_known_lesson(api, learner, plain_lesson):
    as_user(api, learner)
    response = api.post(COMPLETIONS, {"lesson": plain_lesson.pk})
    assert response.status_code == 403 and response.json()["detail"]
    assert api.post(COMPLETIONS, {"lesson": 999999}).status_code == 400
    assert api.post(COMPLETIONS, {}).status_code == 400


@pytest.mark.django_db
def test_learner_cannot_complete_for_someone_else(api, learner, enrollment, classmate,
                                                  plain_lesson):
    as_user(api, learner)
    response = api.post(COMPLETIONS, {"lesson": plain_lesson.pk, "learner": classmate.pk})
    assert response.status_code == 400 and "learner" in response.json()
    assert not LessonCompletion.objects.exists()


@pytest.mark.django_db
def test_trainer_marks_lessons_done_for_their_learners_only(api, trainer, enrollment, lesson,
                                                            elsewhere):
    as_user(api, trainer)
    # Staff may record a quiz done on paper: the completion says it came from staff.
    response = api.post(COMPLETIONS, {"lesson": lesson.pk, "learner": enrollment.learner_id})
    assert response.status_code == 201, response.content
    assert response.json()["source"] == CompletionSource.STAFF
    response = api.post(COMPLETIONS, {"lesson": elsewhere.lesson.pk,
                                      "learner": elsewhere.learner.pk})
    assert response.status_code == 400 and "learner" in response.json()
    # A learner they follow, but a lesson of a path where they don't follow them.
    EnrollmentFactory(learner=enrollment.learner, path=elsewhere.path)
    response = api.post(COMPLETIONS, {"lesson": elsewhere.lesson.pk,
                                      "learner": enrollment.learner_id})
    assert response.status_code == 400 and "lesson" in response.json()


@pytest.mark.django_db
def test_completions_are_scoped_to_the_caller(api, learner, trainer, manager, enrollment,
                                              classmate, plain_lesson, elsewhere):
    mine = LessonCompletionFactory(learner=learner, lesson=plain_lesson)
    theirs = LessonCompletionFactory(learner=classmate, lesson=plain_lesson)
    far = LessonCompletionFactory(learner=elsewhere.learner, lesson=elsewhere.lesson)
    # The trainer's learner also follows the other path: that progress is not theirs to see.
    EnrollmentFactory(learner=learner, path=elsewhere.path)
    mine_elsewhere = LessonCompletionFactory(learner=learner, lesson=elsewhere.lesson)

    as_user(api, learner)
    assert ids(api.get(COMPLETIONS)) == {mine.pk, mine_elsewhere.pk}
    assert api.get(f"{COMPLETIONS}{theirs.pk}/").status_code == 404
    as_user(api, trainer)
    assert ids(api.get(COMPLETIONS)) == {mine.pk, theirs.pk}
    assert api.get(f"{COMPLETIONS}{far.pk}/").status_code == 404
    assert api.get(f"{COMPLETIONS}{mine_elsewhere.pk}/").status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(COMPLETIONS)) == {far.pk}
    as_user(api, manager)
    assert ids(api.get(COMPLETIONS)) == {mine.pk, theirs.pk, far.pk, mine_elsewhere.pk}


@pytest.mark.django_db
def test_completions_filter_by_path_lesson_and_learner(api, manager, learner, enrollment,
                                                       classmate, plain_lesson, lesson,
                                                       elsewhere):
    mine = LessonCompletionFactory(learner=learner, lesson=plain_lesson)
    quiz = LessonCompletionFactory(learner=learner, lesson=lesson, source=CompletionSource.QUIZ)
    theirs = LessonCompletionFactory(learner=classmate, lesson=plain_lesson)
    far = LessonCompletionFactory(learner=elsewhere.learner, lesson=elsewhere.lesson)
    as_user(api, manager)
    assert ids(api.get(COMPLETIONS, {"path": enrollment.path_id})) == {mine.pk, quiz.pk,
                                                                       theirs.pk}
    assert ids(api.get(COMPLETIONS, {"path": elsewhere.path.pk})) == {far.pk}
    assert ids(api.get(COMPLETIONS, {"path": 999999})) == set()
    assert ids(api.get(COMPLETIONS, {"lesson": plain_lesson.pk})) == {mine.pk, theirs.pk}
    assert ids(api.get(COMPLETIONS, {"learner": learner.pk})) == {mine.pk, quiz.pk}


@pytest.mark.django_db
def test_learner_undoes_a_lesson_marked_done_by_hand(api, learner, enrollment, plain_lesson,
                                                     lesson, classmate):
    manual = LessonCompletionFactory(learner=learner, lesson=plain_lesson)
    by_quiz = LessonCompletionFactory(learner=learner, lesson=lesson,
                                      source=CompletionSource.QUIZ)
    theirs = LessonCompletionFactory(learner=classmate, lesson=plain_lesson)
    as_user(api, learner)
    assert api.delete(f"{COMPLETIONS}{theirs.pk}/").status_code == 404
    response = api.delete(f"{COMPLETIONS}{by_quiz.pk}/")
    assert response.status_code == 400 and "source" in response.json()
    assert api.delete(f"{COMPLETIONS}{manual.pk}/").status_code == 204
    assert set(LessonCompletion.objects.all()) == {by_quiz, theirs}


@pytest.mark.django_db
def test_trainer_undoes_their_learners_manual_completions(api, trainer, learner, enrollment,
                                                          plain_lesson, elsewhere):
    manual = LessonCompletionFactory(learner=learner, lesson=plain_lesson)
    far = LessonCompletionFactory(learner=elsewhere.learner, lesson=elsewhere.lesson)
    as_user(api, trainer)
    assert api.delete(f"{COMPLETIONS}{far.pk}/").status_code == 404
    assert api.delete(f"{COMPLETIONS}{manual.pk}/").status_code == 204
    assert list(LessonCompletion.objects.all()) == [far]


@pytest.mark.django_db
def test_completions_are_not_edited(api, learner, enrollment, plain_lesson):
    completion = LessonCompletionFactory(learner=learner, lesson=plain_lesson)
    as_user(api, learner)
    url = f"{COMPLETIONS}{completion.pk}/"
    assert api.put(url, {"lesson": plain_lesson.pk}).status_code == 405
    assert api.patch(url, {"lesson": plain_lesson.pk}).status_code == 405


# Competence assessments --------------------------------------------------------------------


@pytest.mark.django_db
def test_learner_records_their_own_self_positioning(api, learner, enrollment, competence):
    as_user(api, learner)
    for kind in (AssessmentKind.INITIAL, AssessmentKind.FINAL):
        response = api.post(ASSESSMENTS, {"competence": competence.pk, "kind": kind,
                                          "level": 2, "path": enrollment.path_id})
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["learner"], body["kind"], body["method"], body["assessed_by"]) == (
            learner.pk, kind, AssessmentMethod.SELF, learner.pk)
        assert body["competence_code"] == "1.1"
    assert CompetenceAssessment.objects.count() == 2


@pytest.mark.django_db
def test_a_learner_never_validates(api, learner, enrollment, classmate, competence):
    as_user(api, learner)
    response = api.post(ASSESSMENTS, {"competence": competence.pk, "kind": "validation",
                                      "level": 5, "method": "observation"})
    assert response.status_code == 403
    assert response.json()["detail"]
    response = api.post(ASSESSMENTS, {"competence": competence.pk, "kind": "initial",
                                      "level": 2, "learner": classmate.pk})
    assert response.status_code == 400 and "learner" in response.json()
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
def test_trainer_validates_their_learners_only(api, trainer, learner, enrollment, competence,
                                               elsewhere):
    as_user(api, trainer)
    payload = {"competence": competence.pk, "kind": "validation", "level": 4,
               "learner": learner.pk, "path": enrollment.path_id, "evidence": "Atelier"}
    response = api.post(ASSESSMENTS, {**payload, "method": "observation"})
    assert response.status_code == 201, response.content
    assert (response.json()["assessed_by"], response.json()["method"]) == (trainer.pk,
                                                                         "observation")
    response = api.post(ASSESSMENTS, payload)  # how was it observed?
    assert response.status_code == 400 and "method" in response.json()
    response = api.post(ASSESSMENTS, {**payload, "method": "self"})
    assert response.status_code == 400 and "method" in response.json()
    response = api.post(ASSESSMENTS, {**payload, "method": "exercise",
                                      "learner": elsewhere.learner.pk, "path": ""})
    assert response.status_code == 400 and "learner" in response.json()
    # Self-positioning is the learner's own, even for their trainer.
    response = api.post(ASSESSMENTS, {**payload, "kind": "initial"})
    assert response.status_code == 403 and response.json()["detail"]
    assert CompetenceAssessment.objects.count() == 1


@pytest.mark.django_db
def test_manager_validates_anyone(api, manager, elsewhere, competence):
    as_user(api, manager)
    response = api.post(ASSESSMENTS, {"competence": competence.pk, "kind": "validation",
                                      "level": 3, "method": "pix",
                                      "learner": elsewhere.learner.pk})
    assert response.status_code == 201


@pytest.mark.dates
@pytest.mark.django_db
def test_assessment_input_is_checked(api, learner, enrollment, competence, elsewhere):
    as_user(api, learner)
    base = {"competence": competence.pk, "kind": "initial"}
    response = api.post(ASSESSMENTS, {**base, "level": 9})
    assert response.status_code == 400 and "level" in response.json()
    response = api.post(ASSESSMENTS, {**base, "kind": "guess", "level": 2})
    assert response.status_code == 400 and "kind" in response.json()
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    response = api.post(ASSESSMENTS, {**base, "level": 2, "assessed_on": tomorrow})
    assert response.status_code == 400 and "assessed_on" in response.json()
    response = api.post(ASSESSMENTS, {**base, "level": 2, "path": elsewhere.path.pk})
    assert response.status_code == 400 and "path" in response.json()
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
def test_assessments_are_append_only(api, manager, learner, competence):
    assessment = ValidationFactory(learner=learner, competence=competence, assessed_by=manager)
    as_user(api, manager)
    url = f"{ASSESSMENTS}{assessment.pk}/"
    assert api.put(url, {"level": 1}).status_code == 405
    assert api.patch(url, {"level": 1}).status_code == 405
    assert api.delete(url).status_code == 405
    assessment.refresh_from_db()
    assert assessment.level == 3


@pytest.mark.django_db
def test_assessments_are_scoped_to_the_caller(api, learner, trainer, manager, enrollment,
                                              classmate, competence, elsewhere):
    mine = ValidationFactory(learner=learner, competence=competence, assessed_by=trainer)
    theirs = ValidationFactory(learner=classmate, competence=competence, assessed_by=trainer)
    far = ValidationFactory(learner=elsewhere.learner, competence=competence,
                            assessed_by=elsewhere.trainer)
    as_user(api, learner)
    assert ids(api.get(ASSESSMENTS)) == {mine.pk}
    assert api.get(f"{ASSESSMENTS}{theirs.pk}/").status_code == 404
    as_user(api, trainer)
    assert ids(api.get(ASSESSMENTS)) == {mine.pk, theirs.pk}
    assert api.get(f"{ASSESSMENTS}{far.pk}/").status_code == 404
    as_user(api, elsewhere.trainer)
    assert ids(api.get(ASSESSMENTS)) == {far.pk}
    as_user(api, manager)
    assert ids(api.get(ASSESSMENTS)) == {mine.pk, theirs.pk, far.pk}


@pytest.mark.django_db
def test_assessments_filter_by_learner_competence_kind_and_path(api, manager, learner,
                                                                enrollment, classmate,
                                                                competence):
    other_competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.2")
    validation = ValidationFactory(learner=learner, competence=competence, assessed_by=manager,
                                   path=enrollment.path)
    positioning = CompetenceAssessment.objects.create(
        learner=learner, competence=other_competence, kind=AssessmentKind.INITIAL, level=1,
        method=AssessmentMethod.SELF, assessed_by=learner)
    theirs = ValidationFactory(learner=classmate, competence=other_competence,
                               assessed_by=manager)
    as_user(api, manager)
    assert ids(api.get(ASSESSMENTS, {"learner": learner.pk})) == {validation.pk, positioning.pk}
    assert ids(api.get(ASSESSMENTS, {"competence": other_competence.pk})) == {positioning.pk,
                                                                              theirs.pk}
    assert ids(api.get(ASSESSMENTS, {"kind": "validation"})) == {validation.pk, theirs.pk}
    assert ids(api.get(ASSESSMENTS, {"path": enrollment.path_id})) == {validation.pk}
    assert api.get(ASSESSMENTS, {"kind": "guess"}).status_code == 400


# The caller's own progress -----------------------------------------------------------------


@pytest.fixture
def rich_path(path, module, lesson, plain_lesson, learner, trainer, enrollment, competence):
    """The fixture path with: a required module (quiz lesson done, plain lesson to do), an
    optional module (its lesson done), targets, a required level and 80 % attendance."""
    optional = ModuleFactory(parent=path, title="Le navigateur", required=False)
    browsing = LessonFactory(parent=optional, title="Ouvrir une page",
                             body=lesson_body(with_quiz=False))
    draft = LessonFactory(parent=optional, title="Brouillon", body=lesson_body(with_quiz=False))
    draft.unpublish()
    second = Competence.objects.of_framework("digcomp-2.2").get(code="1.2")
    module_target(module, competence, 4)
    module_target(optional, competence, 2)
    module_target(optional, second, 3)
    PathCompetenceRequirement.objects.create(path=path, competence=competence, level=3)
    path.min_attendance_rate = Decimal("80")
    path.save()
    LessonCompletionFactory(learner=learner, lesson=lesson, source=CompletionSource.QUIZ)
    LessonCompletionFactory(learner=learner, lesson=browsing)
    CompetenceAssessment.objects.create(
        learner=learner, competence=competence, kind=AssessmentKind.INITIAL, level=1,
        method=AssessmentMethod.SELF, assessed_by=learner)
    # Dated before today: the latest validation wins, and a test's own validation (dated today
    # by default) must come after these on whatever day the suite runs.
    today = timezone.localdate()
    ValidationFactory(learner=learner, competence=competence, assessed_by=trainer, level=3,
                      assessed_on=today - datetime.timedelta(days=300))
    ValidationFactory(learner=learner, competence=competence, assessed_by=trainer, level=2,
                      assessed_on=today - datetime.timedelta(days=100))
    return path


@pytest.fixture
def attendance(monkeypatch):
    """Stand in for the attendance app's figures: {enrolment id: (rate, hours)}."""
    figures = {}
    monkeypatch.setitem(completion._providers, "figures", lambda enrollments: {
        enrollment.pk: figures[enrollment.pk] for enrollment in enrollments
        if enrollment.pk in figures})
    # The same, as the hours provider answers them: (rate, realised, provisional hours).
    monkeypatch.setitem(completion._providers, "hours", lambda enrollments: {
        enrollment.pk: (*figures[enrollment.pk], None) for enrollment in enrollments
        if enrollment.pk in figures})
    return figures


@pytest.mark.django_db
def test_my_progress_summarises_each_enrolment(api, learner, enrollment, rich_path,
                                               plain_lesson, attendance, classmate):
    attendance[enrollment.pk] = (Decimal("75.0"), Decimal("12.50"))
    as_user(api, learner)
    response = api.get(ME)
    assert response.status_code == 200
    [summary] = response.json()["enrollments"]
    assert summary["enrollment"] == enrollment.pk
    assert (summary["path"], summary["path_title"], summary["status"]) == (
        rich_path.pk, "Club premiers pas", "active")
    assert (summary["lessons_done"], summary["lessons_total"]) == (2, 3)
    assert (summary["modules_complete"], summary["modules_total"]) == (1, 2)
    assert (summary["attendance_rate"], summary["attended_hours"]) == ("75.00", "12.50")
    assert summary["next_lesson"]["id"] == plain_lesson.pk
    assert summary["next_lesson"]["title"] == "Lire un courriel"
    assert summary["next_lesson"]["url"].endswith("/lire-un-courriel/")
    assert summary["complete"] is False
    assert summary["missing"] == completion_check(Enrollment.objects.get(pk=enrollment.pk)).missing
    assert len(summary["missing"]) == 3  # the module, attendance, competence 1.1 at level 3
    assert summary["competences"] == [
        {"competence": summary["competences"][0]["competence"], "framework": "digcomp-2.2",
         "code": "1.1", "name": summary["competences"][0]["name"], "initial_level": 1,
         "final_level": None, "current_level": 2, "target_level": 4},
        {"competence": summary["competences"][1]["competence"], "framework": "digcomp-2.2",
         "code": "1.2", "name": summary["competences"][1]["name"], "initial_level": None,
         "final_level": None, "current_level": None, "target_level": 3},
    ]


@pytest.mark.django_db
def test_my_progress_follows_the_completion_rule(api, learner, enrollment, rich_path,
                                                 plain_lesson, competence, trainer,
                                                 attendance):
    as_user(api, learner)
    [summary] = api.get(ME).json()["enrollments"]
    assert summary["attendance_rate"] is None
    assert summary["missing"] == completion_check(Enrollment.objects.get(pk=enrollment.pk)).missing
    LessonCompletionFactory(learner=learner, lesson=plain_lesson)
    ValidationFactory(learner=learner, competence=competence, assessed_by=trainer, level=3)
    attendance[enrollment.pk] = (Decimal("90.0"), Decimal("30"))
    [summary] = api.get(ME).json()["enrollments"]
    rule = completion_check(Enrollment.objects.get(pk=enrollment.pk))
    assert summary["missing"] == rule.missing == []
    assert summary["complete"] is True and summary["next_lesson"] is None
    assert (summary["lessons_done"], summary["modules_complete"]) == (3, 2)


@pytest.mark.django_db
def test_my_progress_is_only_mine(api, learner, trainer, classmate, elsewhere):
    as_user(api, learner)
    assert api.get(ME).json() == {"enrollments": []}
    as_user(api, trainer)  # follows learners, enrolled nowhere
    assert api.get(ME).json() == {"enrollments": []}


# Fixed query counts ------------------------------------------------------------------------


@pytest.fixture
def followed_learners(path, cohort, plain_lesson, competence, trainer):
    """`size` learners of the trainer's cohort, each with a completion and a validation."""

    def build(size):
        for _n in range(size):
            enrollment = EnrollmentFactory(path=path, cohort=cohort)
            LessonCompletionFactory(learner=enrollment.learner, lesson=plain_lesson)
            ValidationFactory(learner=enrollment.learner, competence=competence,
                              assessed_by=trainer, path=path)

    return build


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize("who", ["trainer", "manager"])
@pytest.mark.parametrize(("url", "queries"), [
    (ENROLLMENTS, 2), (COMPLETIONS, 2), (ASSESSMENTS, 2),
])
def test_lists_have_a_fixed_query_count(api, followed_learners, django_assert_num_queries,
                                        request, size, who, url, queries):
    followed_learners(size)
    as_user(api, request.getfixturevalue(who))
    with django_assert_num_queries(queries):  # the count, then the page
        response = api.get(url)
    assert response.json()["count"] == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 3])
def test_my_progress_has_a_fixed_query_count(api, catalogue, learner, trainer, competence,
                                             django_assert_num_queries, size):
    for n in range(size):
        path = TrainingPathFactory(parent=catalogue, title=f"Parcours {n}")
        PathCompetenceRequirement.objects.create(path=path, competence=competence, level=2)
        for m in range(2):
            module = ModuleFactory(parent=path, title=f"Module {n}.{m}")
            module_target(module, competence, 3)
            for k in range(3):
                lesson = LessonFactory(parent=module, title=f"Leçon {n}.{m}.{k}",
                                       body=lesson_body(with_quiz=False))
                if k == 0:
                    LessonCompletionFactory(learner=learner, lesson=lesson)
        EnrollmentFactory(learner=learner, path=path,
                          cohort=CohortFactory(path=path, trainers=[trainer]))
    ValidationFactory(learner=learner, competence=competence, assessed_by=trainer)
    as_user(api, learner)
    api.get(ME)  # warm the site-root cache that lesson URLs share across requests
    # enrolments, modules, lessons, completions, requirements, targets, levels, attendance
    # marks, and the request's site for the next lessons' URLs
    with django_assert_num_queries(9):
        response = api.get(ME)
    assert len(response.json()["enrollments"]) == size


# Schema ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_documents_the_progress_api(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for url in (ENROLLMENTS, COMPLETIONS, ASSESSMENTS, ME):
        assert url in text


@pytest.mark.django_db
def test_another_cohorts_trainer_cannot_place_a_learner_in_this_cohort(path, cohort):

    from tests.accounts.factories import LearnerFactory, TrainerFactory
    from tests.cohorts.factories import CohortFactory

    other_trainer = TrainerFactory()
    CohortFactory(path=path, trainers=[other_trainer])
    api = APIClient()
    api.force_authenticate(other_trainer)
    response = api.post("/api/v1/enrollments/", {"path": path.pk, "cohort": cohort.pk,
                                                 "learner": LearnerFactory().pk}, format="json")
    assert response.status_code == 400
    assert "cohort" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "far"])
def test_enrolment_and_move_dates_are_bounded_with_a_field_error(api, manager, path, cohort,
                                                                 enrollment, day):
    from tests.accounts.factories import LearnerFactory
    from tests.cohorts.factories import CohortFactory

    if day == "far":  # a real date, but outside the cohort's dates
        day = (cohort.end_date + datetime.timedelta(days=1)).isoformat()
    as_user(api, manager)
    response = api.post(ENROLLMENTS, {"path": path.pk, "cohort": cohort.pk,
                                      "learner": LearnerFactory().pk, "joined_on": day},
                        format="json")
    assert response.status_code == 400, response.content
    assert "joined_on" in response.json()
    other = CohortFactory(path=path)
    response = api.post(f"{ENROLLMENTS}{enrollment.pk}/move/",
                        {"cohort": other.pk, "on_date": day}, format="json")
    assert response.status_code == 400, response.content
    assert "on_date" in response.json()
