import datetime

import pytest

from courses.models import Competence
from lms.progress import services
from lms.progress.enums import AssessmentKind, AssessmentMethod, EnrollmentStatus
from lms.progress.models import CompetenceAssessment, Enrollment, LessonCompletion
from tests.courses.factories import (
    LessonFactory,
    ModuleFactory,
    TrainingPathFactory,
    lesson_body,
    module_target,
)
from tests.progress.factories import EnrollmentFactory, LessonCompletionFactory


def build_paths(catalogue, learner, trainer, *, paths, lessons):
    """`paths` paths of 2 modules × `lessons` lessons, the learner enrolled in each with half
    of the lessons done and a validation per targeted competence."""
    competences = list(Competence.objects.of_framework("digcomp-2.2")[:4])
    for p in range(paths):
        path = TrainingPathFactory(parent=catalogue, title=f"Chemin {p}")
        EnrollmentFactory(learner=learner, path=path)
        for m in range(2):
            module = ModuleFactory(parent=path, title=f"Module {p}-{m}")
            module_target(module, competences[(p + m) % 4], 3)
            for n in range(lessons):
                lesson = LessonFactory(parent=module, title=f"Leçon {p}-{m}-{n}",
                                       body=lesson_body(with_quiz=False))
                if n % 2 == 0:
                    LessonCompletionFactory(learner=learner, lesson=lesson)
        for competence in competences:
            CompetenceAssessment.objects.create(
                learner=learner, competence=competence, kind=AssessmentKind.VALIDATION,
                level=2, method=AssessmentMethod.OBSERVATION, assessed_by=trainer)


@pytest.mark.django_db
def test_dashboard_shows_progress_next_lesson_and_profile(client, enrollment, module, lesson,
                                                          referential, trainer):
    second = LessonFactory(parent=module, title="Répondre à un courriel",
                           body=lesson_body(with_quiz=False))
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="2.1")
    module_target(module, competence, 4)
    services.quiz_submit(learner=enrollment.learner, lesson=lesson, block_id="quiz-1",
                         answers={0: {0}, 1: {1, 2}})
    services.assessment_record(learner=enrollment.learner, competence=competence,
                               kind=AssessmentKind.INITIAL, level=1, by=enrollment.learner)
    services.assessment_record(learner=enrollment.learner, competence=competence,
                               kind=AssessmentKind.VALIDATION, level=3, by=trainer,
                               method=AssessmentMethod.EXERCISE)
    client.force_login(enrollment.learner)
    response = client.get("/suivi/mon-parcours/")
    assert response.status_code == 200
    html = response.content.decode()
    item = response.context["progress"][0]
    assert (item.lessons_done, item.lessons_total, item.percent) == (1, 2, 50)
    assert item.next_lesson == second
    profile = item.competences[0]
    assert (profile.initial, profile.current, profile.target) == (1, 3, 4)
    assert '<progress id="lessons-' in html and 'value="1"' in html
    assert "<svg" in html and 'role="img"' in html and "<table" in html
    assert second.title in html


@pytest.mark.django_db
@pytest.mark.parametrize(("paths", "lessons"), [(1, 2), (3, 6)])
def test_dashboard_query_count_is_fixed(client, catalogue, learner, trainer, referential,
                                        django_assert_num_queries, paths, lessons):
    build_paths(catalogue, learner, trainer, paths=paths, lessons=lessons)
    client.force_login(learner)
    client.get("/suivi/mon-parcours/")
    # 18 since this session's changes: the organisation's settings are now read once for the
    # page; the count is the same for 1 and 3 paths. 17 since the competence targets are read
    # with their competence (one query, not two).
    with django_assert_num_queries(17):
        response = client.get("/suivi/mon-parcours/")
    assert len(response.context["progress"]) == paths


@pytest.mark.django_db
def test_dashboard_needs_login_and_shows_only_mine(client, enrollment, learner):
    assert client.get("/suivi/mon-parcours/").status_code == 302
    other = EnrollmentFactory(path=enrollment.path)
    client.force_login(other.learner)
    response = client.get("/suivi/mon-parcours/")
    assert [item.enrollment for item in response.context["progress"]] == [other]


@pytest.mark.django_db
def test_self_enrolment_from_the_path_page(client, learner, path):
    client.force_login(learner)
    assert "Enrol in this path" not in client.get(path.url).content.decode()
    response = client.post(f"/suivi/parcours/{path.pk}/inscription/")
    assert response.status_code == 302 and not Enrollment.objects.exists()
    path.self_enrolment = True
    path.save_revision().publish()
    page = client.get(path.url).content.decode()
    assert f"/suivi/parcours/{path.pk}/inscription/" in page
    client.post(f"/suivi/parcours/{path.pk}/inscription/")
    client.post(f"/suivi/parcours/{path.pk}/inscription/")
    assert Enrollment.objects.filter(learner=learner, path=path).count() == 1
    assert "/suivi/mon-parcours/" in client.get(path.url).content.decode()


@pytest.mark.django_db
def test_enrolment_requires_post_and_login(client, path):
    assert client.get(f"/suivi/parcours/{path.pk}/inscription/").status_code in (302, 405)
    assert client.post(f"/suivi/parcours/{path.pk}/inscription/").status_code == 302
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_marking_a_lesson_done_and_undone(client, enrollment, module):
    lesson = LessonFactory(parent=module, title="Lire", body=lesson_body(with_quiz=False))
    client.force_login(enrollment.learner)
    client.post(f"/suivi/lecons/{lesson.pk}/terminee/")
    assert LessonCompletion.objects.filter(learner=enrollment.learner, lesson=lesson).exists()
    client.post(f"/suivi/lecons/{lesson.pk}/terminee/", {"undo": "1"})
    assert not LessonCompletion.objects.filter(lesson=lesson).exists()


@pytest.mark.django_db
def test_marking_without_enrolment_shows_a_message_not_an_error(client, learner, module):
    lesson = LessonFactory(parent=module, title="Lire", body=lesson_body(with_quiz=False))
    client.force_login(learner)
    response = client.post(f"/suivi/lecons/{lesson.pk}/terminee/", follow=True)
    assert response.status_code == 200
    assert not LessonCompletion.objects.exists()
    assert list(response.context["messages"])


@pytest.mark.django_db
def test_quiz_on_the_lesson_page_is_recorded_for_an_enrolled_learner(client, enrollment,
                                                                      lesson):
    client.force_login(enrollment.learner)
    client.post(f"/suivi/lecons/{lesson.pk}/quiz/",
                {"quiz": "quiz-1", "q0": "0", "q1": ["1", "2"]})
    assert LessonCompletion.objects.filter(learner=enrollment.learner, lesson=lesson).exists()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


@pytest.mark.django_db
def test_self_positioning_form(client, enrollment, module, referential):
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.1")
    module_target(module, competence, 3)
    client.force_login(enrollment.learner)
    url = f"/suivi/inscriptions/{enrollment.pk}/positionnement/initial/"
    assert client.get(url).status_code == 200
    response = client.post(url, {f"c{competence.pk}": "9"})
    assert response.status_code == 200 and response.context["form"].errors
    client.post(url, {f"c{competence.pk}": "2"})
    assessment = CompetenceAssessment.objects.get()
    assert (assessment.kind, assessment.level, assessment.method) == ("initial", 2, "self")
    assert client.get(f"/suivi/inscriptions/{enrollment.pk}/positionnement/validation/"
                      ).status_code == 404


@pytest.mark.django_db
def test_positioning_of_another_learner_is_404(client, enrollment, learner):
    other = EnrollmentFactory(path=enrollment.path)
    client.force_login(enrollment.learner)
    assert client.get(f"/suivi/inscriptions/{other.pk}/positionnement/initial/"
                      ).status_code == 404


def _attended(cohort, learner, *, locked: int, open_: int):
    """`locked` past 3-hour sessions on countersigned sheets and `open_` on sheets still open,
    the learner present at each."""
    from django.utils import timezone

    from lms.attendance.models import Attendance, AttendanceStatus, Session
    from tests.attendance.factories import SessionFactory

    present = AttendanceStatus.objects.get(code="present")
    today = timezone.localdate()
    sessions = [SessionFactory(cohort=cohort, date=today - datetime.timedelta(days=2 + n))
                for n in range(locked + open_)]
    Attendance.objects.bulk_create([Attendance(session=session, learner=learner,
                                               status=present) for session in sessions])
    Session.objects.filter(pk__in=[s.pk for s in sessions[:locked]]).update(
        locked_at=timezone.now())


@pytest.mark.django_db
def test_hours_of_open_sheets_are_labelled_provisional(client, enrollment, learner):
    """Issue 11, point 1: pages may show hours of open sheets, labelled as provisional."""
    _attended(enrollment.cohort, learner, locked=1, open_=2)
    client.force_login(learner)
    response = client.get("/suivi/mon-parcours/")
    item = response.context["progress"][0]
    assert (item.attended_hours, item.hours_provisional, item.hours_total) == (3, 6, 9)
    html = response.content.decode()
    assert "9 h de présence sur" in html
    assert "dont 6 h provisoires (feuilles non clôturées)" in html


@pytest.mark.django_db
def test_realised_hours_only_carry_no_provisional_label(client, enrollment, learner):
    _attended(enrollment.cohort, learner, locked=2, open_=0)
    client.force_login(learner)
    response = client.get("/suivi/mon-parcours/")
    item = response.context["progress"][0]
    assert (item.attended_hours, item.hours_provisional) == (6, 0)
    html = response.content.decode()
    assert "6 h de présence sur" in html and "provisoire" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("paths", [1, 3])
def test_dashboard_query_count_with_attendance_is_fixed(client, catalogue, learner, trainer,
                                                        django_assert_num_queries, paths):
    from tests.cohorts.factories import CohortFactory

    for n in range(paths):
        path = TrainingPathFactory(parent=catalogue, title=f"Chemin {n}")
        cohort = CohortFactory(path=path)
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
        _attended(cohort, learner, locked=n + 1, open_=n + 1)
    client.force_login(learner)
    client.get("/suivi/mon-parcours/")
    # Paths without modules nor competences: 15, one of them the realised and provisional
    # hours of every enrolment.
    with django_assert_num_queries(15):
        response = client.get("/suivi/mon-parcours/")
    assert [item.hours_provisional for item in response.context["progress"]] \
        and all(item.hours_provisional for item in response.context["progress"])
@pytest.mark.django_db
def test_the_positioning_scale_says_what_each_level_means(client, enrollment, module,
                                                          referential):
    """Issue 15, point 5: "je sais…" per level (DigComp 2.2's levels in plain words), not
    "Fondamental 1 … Hautement spécialisé 8" alone."""
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="1.1")
    module_target(module, competence, 3)
    client.force_login(enrollment.learner)
    html = client.get(f"/suivi/inscriptions/{enrollment.pk}/positionnement/initial/"
                      ).content.decode()
    assert html.count(f'name="c{competence.pk}"') == 9  # "I don't know" and 8 levels
    assert "<legend" in html and f"<select name=\"c{competence.pk}\"" not in html
    assert "1 — Je sais faire des tâches simples, avec l’aide de quelqu’un. (Fondamental 1)" \
        in html.replace("&#x27;", "'")
    for level in range(1, 9):
        assert f'value="{level}"' in html
    assert html.count("Je sais ") == 8
