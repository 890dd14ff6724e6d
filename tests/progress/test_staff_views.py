"""Trainer matrix, quick validation, manager dashboard and its exports."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Competence
from lms.progress.enums import AssessmentKind, AssessmentMethod, EnrollmentStatus
from lms.progress.forms import default_period
from lms.progress.models import CompetenceAssessment
from lms.progress.reports import manager_report
from tests.accounts.factories import TrainerFactory, UserFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import (
    LessonFactory,
    ModuleFactory,
    TrainingPathFactory,
    lesson_body,
    module_target,
)
from tests.progress.factories import EnrollmentFactory, LessonCompletionFactory

HOME = "/suivi/formation/"
DASHBOARD = "/suivi/pilotage/"
CSV_URL = "/suivi/pilotage/export.csv"
XLSX_URL = "/suivi/pilotage/export.xlsx"


def path_url(path):
    return f"/suivi/formation/parcours/{path.pk}/"


def cohort_url(cohort):
    return f"/suivi/formation/groupe/{cohort.pk}/"


def lessons_in(module, count, **kwargs):
    return [LessonFactory(parent=module, body=lesson_body(with_quiz=False), **kwargs)
            for _ in range(count)]


@pytest.fixture
def outline(path):
    """Two modules: "Le courriel" with 4 required lessons, "La sécurité" with 2 (1 optional)."""
    first = ModuleFactory(parent=path, title="Le courriel")
    second = ModuleFactory(parent=path, title="La sécurité")
    return {
        first: lessons_in(first, 4),
        second: [*lessons_in(second, 1), *lessons_in(second, 1, required=False)],
    }


@pytest.fixture
def competence(referential, outline):
    competence = Competence.objects.of_framework("digcomp-2.2").get(code="2.1")
    module_target(next(iter(outline)), competence, 4)
    return competence


def complete(learner, lessons):
    for lesson in lessons:
        LessonCompletionFactory(learner=learner, lesson=lesson)


def enrol_many(count, *, path, cohort=None, **kwargs):
    return [EnrollmentFactory(path=path, cohort=cohort, **kwargs).learner for _ in range(count)]


# --- Permissions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, path, cohort):
    for url in [HOME, path_url(path), cohort_url(cohort), DASHBOARD, CSV_URL, XLSX_URL]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/connexion/?next=")


@pytest.mark.django_db
def test_learners_see_none_of_the_staff_pages(client, enrollment, path, cohort):
    client.force_login(enrollment.learner)
    for url in [HOME, path_url(path), cohort_url(cohort), DASHBOARD, CSV_URL, XLSX_URL]:
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_trainers_reach_only_what_they_train(client, catalogue, path, cohort, trainer):
    other_path = TrainingPathFactory(parent=catalogue, title="Pix pro")
    other_cohort = CohortFactory(path=other_path, trainers=[TrainerFactory()])
    client.force_login(trainer)
    assert client.get(path_url(path)).status_code == 200
    assert client.get(cohort_url(cohort)).status_code == 200
    assert client.get(path_url(other_path)).status_code == 404
    assert client.get(cohort_url(other_cohort)).status_code == 404
    assert client.post(path_url(other_path), {}).status_code == 404
    assert client.get("/suivi/formation/parcours/999999/").status_code == 404
    # The manager's dashboard stays hidden from trainers.
    for url in [DASHBOARD, CSV_URL, XLSX_URL]:
        assert client.get(url).status_code == 404

    response = client.get(HOME)
    assert response.status_code == 200
    index = response.context["index"]
    assert [p.pk for p in index.paths] == [path.pk]
    assert [c.pk for c in index.cohorts] == [cohort.pk]
    assert path_url(path) in response.content.decode()
    assert cohort_url(cohort) in response.content.decode()


@pytest.mark.django_db
def test_a_path_trainer_reaches_every_cohort_of_the_path(client, path, cohort):
    path_trainer = TrainerFactory()
    path.trainers.add(path_trainer)
    path.save()  # a parental M2M is written on save
    client.force_login(path_trainer)
    assert client.get(cohort_url(cohort)).status_code == 200
    assert [c.pk for c in client.get(HOME).context["index"].cohorts] == [cohort.pk]


@pytest.mark.django_db
def test_managers_reach_every_path_and_cohort(client, catalogue, path, cohort, manager):
    other_path = TrainingPathFactory(parent=catalogue, title="Pix pro")
    other_cohort = CohortFactory(path=other_path)
    client.force_login(manager)
    assert client.get(path_url(other_path)).status_code == 200
    assert client.get(cohort_url(other_cohort)).status_code == 200
    index = client.get(HOME).context["index"]
    assert {p.pk for p in index.paths} == {path.pk, other_path.pk}
    assert {c.pk for c in index.cohorts} == {cohort.pk, other_cohort.pk}
    for url in [DASHBOARD, CSV_URL, XLSX_URL]:
        assert client.get(url).status_code == 200


# --- Matrix --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_matrix_counts_lessons_done_per_module(client, path, cohort, trainer, outline):
    (first, first_lessons), (second, second_lessons) = outline.items()
    busy, idle = enrol_many(2, path=path, cohort=cohort)
    complete(busy, first_lessons[:3] + second_lessons[:1])  # the optional lesson is left
    client.force_login(trainer)

    response = client.get(path_url(path))

    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert [outline.module.pk for outline in matrix.modules] == [first.pk, second.pk]
    rows = {row.learner.pk: row for row in matrix.rows}
    busy_row, idle_row = rows[busy.pk], rows[idle.pk]
    assert [(c.done, c.total, c.complete) for c in busy_row.cells] == [(3, 4, False),
                                                                       (1, 2, True)]
    assert (busy_row.done, busy_row.total, busy_row.percent) == (4, 6, 66)
    assert [(c.done, c.complete) for c in idle_row.cells] == [(0, False), (0, False)]
    assert idle_row.percent == 0
    html = response.content.decode()
    assert "3/4" in html and "✓" in html and "66 %" in html
    assert '<div class="table-scroll"' in html and "<caption" in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert str(busy) in html and str(idle) in html


@pytest.mark.django_db
def test_matrix_ignores_completions_of_other_paths(client, catalogue, path, cohort, trainer,
                                                   outline):
    other_path = TrainingPathFactory(parent=catalogue, title="Pix pro")
    elsewhere = lessons_in(ModuleFactory(parent=other_path), 2)
    (learner,) = enrol_many(1, path=path, cohort=cohort)
    complete(learner, elsewhere)
    client.force_login(trainer)
    (row,) = client.get(path_url(path)).context["matrix"].rows
    assert row.done == 0


@pytest.mark.django_db
def test_cohort_matrix_shows_only_its_learners(client, path, cohort, trainer, outline):
    mine = enrol_many(2, path=path, cohort=cohort)
    other_cohort = CohortFactory(path=path, trainers=[TrainerFactory()])
    others = enrol_many(2, path=path, cohort=other_cohort)
    client.force_login(trainer)

    cohort_rows = client.get(cohort_url(cohort)).context["matrix"].rows
    assert {row.learner.pk for row in cohort_rows} == {u.pk for u in mine}
    # On the path page too, a cohort trainer follows only the learners of their cohorts.
    path_rows = client.get(path_url(path)).context["matrix"].rows
    assert {row.learner.pk for row in path_rows} == {u.pk for u in mine}

    path.trainers.add(trainer)
    path.save()
    path_rows = client.get(path_url(path)).context["matrix"].rows
    assert {row.learner.pk for row in path_rows} == {u.pk for u in mine + others}


@pytest.mark.django_db
def test_matrix_shows_enrolment_status(client, path, cohort, trainer, outline):
    EnrollmentFactory(path=path, cohort=cohort, status=EnrollmentStatus.WITHDRAWN)
    client.force_login(trainer)
    html = client.get(path_url(path)).content.decode()
    assert "matrix__status--withdrawn" in html


# --- Quick validation ----------------------------------------------------------------------


def validation_data(competence, learners, overrides=None):
    data = {
        "competence": competence.pk,
        "level": 4,
        "method": AssessmentMethod.OBSERVATION,
        "assessed_on": timezone.localdate().isoformat(),
        "evidence": "A envoyé un courriel avec pièce jointe.",
        "learners": [learner.pk for learner in learners],
    }
    data.update(overrides or {})
    return data


@pytest.mark.dates
@pytest.mark.django_db
def test_quick_validation_records_a_validation_per_ticked_learner(client, path, cohort,
                                                                  trainer, competence):
    first, second, untouched = enrol_many(3, path=path, cohort=cohort)
    client.force_login(trainer)

    response = client.post(path_url(path), validation_data(competence, [first, second]))

    assert response.status_code == 302
    assert response["Location"] == path_url(path)
    rows = CompetenceAssessment.objects.order_by("learner_id")
    assert [row.learner_id for row in rows] == sorted([first.pk, second.pk])
    for row in rows:
        assert (row.kind, row.level, row.method) == (AssessmentKind.VALIDATION, 4,
                                                     AssessmentMethod.OBSERVATION)
        assert (row.assessed_by, row.path_id, row.competence) == (trainer, path.pk, competence)
        assert row.evidence.startswith("A envoyé")
    message = [str(m) for m in client.get(path_url(path)).context["messages"]]
    assert len(message) == 1 and "2" in message[0]


@pytest.mark.django_db
def test_quick_validation_on_a_cohort_page(client, path, cohort, trainer, competence):
    (learner,) = enrol_many(1, path=path, cohort=cohort)
    client.force_login(trainer)
    response = client.post(cohort_url(cohort), validation_data(competence, [learner]))
    assert response.status_code == 302
    assert CompetenceAssessment.objects.get().learner == learner


@pytest.mark.django_db
def test_quick_validation_refuses_learners_outside_the_path(client, catalogue, path, cohort,
                                                            trainer, competence):
    (inside,) = enrol_many(1, path=path, cohort=cohort)
    other_path = TrainingPathFactory(parent=catalogue, title="Pix pro")
    (outside,) = enrol_many(1, path=other_path)
    client.force_login(trainer)

    response = client.post(path_url(path), validation_data(competence, [inside, outside]))

    assert response.status_code == 400
    assert response.context["form"].errors["learners"]
    assert not CompetenceAssessment.objects.exists()  # nobody, not even the right learner


@pytest.mark.django_db
def test_quick_validation_on_a_cohort_refuses_learners_of_another_cohort(client, path, cohort,
                                                                         trainer, competence):
    other_cohort = CohortFactory(path=path, trainers=[trainer])
    (elsewhere,) = enrol_many(1, path=path, cohort=other_cohort)
    client.force_login(trainer)
    response = client.post(cohort_url(cohort), validation_data(competence, [elsewhere]))
    assert response.status_code == 400
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"level": 9}, "level"),
    ({"level": "deux"}, "level"),
    ({"method": ""}, "method"),
    ({"method": AssessmentMethod.SELF}, "method"),
    ({"method": "telepathy"}, "method"),
    ({"competence": ""}, "competence"),
    ({"competence": 999999}, "competence"),
    ({"assessed_on": "31/02/2025"}, "assessed_on"),
    ({"assessed_on": "2999-01-01"}, "assessed_on"),
    ({"learners": []}, "learners"),
    ({"learners": [999999]}, "learners"),
    ({"learners": ["abc"]}, "learners"),
    ({"evidence": "x" * 2001}, "evidence"),
])
def test_quick_validation_reports_bad_input(client, path, cohort, trainer, competence,
                                            overrides, field):
    learners = enrol_many(1, path=path, cohort=cohort)
    client.force_login(trainer)
    response = client.post(path_url(path), validation_data(competence, learners, overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
def test_quick_validation_keeps_ticked_learners_on_error(client, path, cohort, trainer,
                                                         competence):
    first, second = enrol_many(2, path=path, cohort=cohort)
    client.force_login(trainer)
    response = client.post(path_url(path),
                           validation_data(competence, [first], {"method": ""}))
    html = response.content.decode()
    assert re.search(rf'value="{first.pk}" id="learner-{first.pk}" checked', html)
    assert not re.search(rf'value="{second.pk}" id="learner-{second.pk}" checked', html)


@pytest.mark.django_db
def test_quick_validation_refused_by_the_service_is_a_form_error(client, path, cohort,
                                                                 competence):
    # A superuser without the trainer or manager role sees the page, but the service only
    # lets trainers and managers validate: the whole batch is refused, not a 500.
    first, second = enrol_many(2, path=path, cohort=cohort)
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(path_url(path), validation_data(competence, [first, second]))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
def test_no_validation_form_without_targeted_competences(client, path, cohort, trainer,
                                                         outline):
    learners = enrol_many(1, path=path, cohort=cohort)
    client.force_login(trainer)
    html = client.get(path_url(path)).content.decode()
    assert 'name="learners"' not in html
    response = client.post(path_url(path), {"learners": [learners[0].pk], "level": 3})
    assert response.status_code == 400
    assert not CompetenceAssessment.objects.exists()


@pytest.mark.django_db
def test_a_trainer_never_appears_in_their_own_matrix(client, path, cohort, trainer, outline):
    EnrollmentFactory(learner=trainer, path=path, cohort=cohort)
    enrol_many(1, path=path, cohort=cohort)
    client.force_login(trainer)
    rows = client.get(path_url(path)).context["matrix"].rows
    assert trainer.pk not in {row.learner.pk for row in rows}


# --- Manager dashboard ---------------------------------------------------------------------


def at(day, hour=12):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def figures(catalogue, path):
    """A crafted data set over a period of 100 days ending today.

    "Club premiers pas": 5 enrolments in the period — completed in 10 and 30 days, one active,
    one pending, one withdrawn — plus one completed enrolment before the period.
    "Pix pro": 1 active enrolment in the period (on its last day, late evening).
    "Atelier démarches": none."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=99)
    pix = TrainingPathFactory(parent=catalogue, title="Pix pro")
    empty = TrainingPathFactory(parent=catalogue, title="Atelier démarches")
    base = start + datetime.timedelta(days=5)
    for days in (10, 30):
        EnrollmentFactory(path=path, enrolled_at=at(base),
                          status=EnrollmentStatus.COMPLETED,
                          completed_at=at(base + datetime.timedelta(days=days)))
    EnrollmentFactory(path=path, enrolled_at=at(start, hour=0), status=EnrollmentStatus.ACTIVE)
    EnrollmentFactory(path=path, enrolled_at=at(base), status=EnrollmentStatus.PENDING)
    EnrollmentFactory(path=path, enrolled_at=at(base), status=EnrollmentStatus.WITHDRAWN)
    EnrollmentFactory(path=path, enrolled_at=at(start - datetime.timedelta(days=1), hour=23),
                      status=EnrollmentStatus.COMPLETED, completed_at=at(base))
    EnrollmentFactory(path=pix, enrolled_at=at(today, hour=23))
    return {"start": start, "end": today, "path": path, "pix": pix, "empty": empty}


def period_query(figures):
    return {"start": figures["start"].isoformat(), "end": figures["end"].isoformat()}


@pytest.mark.dates
@pytest.mark.django_db
def test_manager_report_figures(figures):
    report = manager_report(start=figures["start"], end=figures["end"])
    rows = {row.path_id: row for row in report.rows}
    club = rows[figures["path"].pk]
    assert (club.enrolled, club.active, club.completed, club.withdrawn) == (5, 2, 2, 1)
    assert club.completion_rate == pytest.approx(0.4)
    assert club.completion_percent == 40.0
    assert club.median_days == 20.0
    pix = rows[figures["pix"].pk]
    assert (pix.enrolled, pix.active, pix.completed, pix.withdrawn) == (1, 1, 0, 0)
    assert pix.completion_rate == 0 and pix.median_days is None
    empty = rows[figures["empty"].pk]
    assert (empty.enrolled, empty.completion_rate, empty.median_days) == (0, None, None)
    total = report.total
    assert (total.enrolled, total.active, total.completed, total.withdrawn) == (6, 3, 2, 1)
    assert total.completion_percent == pytest.approx(33.3)
    assert total.median_days == 20.0


@pytest.mark.dates
@pytest.mark.django_db
def test_median_of_an_odd_number_of_completions(path):
    day = timezone.localdate() - datetime.timedelta(days=60)
    for days in (3, 4, 40):
        EnrollmentFactory(path=path, enrolled_at=at(day), status=EnrollmentStatus.COMPLETED,
                          completed_at=at(day + datetime.timedelta(days=days)))
    (row,) = manager_report(start=day, end=timezone.localdate()).rows
    assert row.median_days == 4.0 and row.completion_rate == 1


@pytest.mark.django_db
def test_dashboard_shows_chart_and_table(client, manager, figures):
    client.force_login(manager)
    response = client.get(DASHBOARD, period_query(figures))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.start == figures["start"] and report.end == figures["end"]
    html = response.content.decode()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">' in svg and '<desc id="chart-desc">' in svg
    # Coordinates stay numbers a browser reads, whatever the locale (no decimal comma).
    for value in re.findall(r' (?:x|y|width|height)="([^"]*)"', svg):
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value
    assert "<caption" in html and "<tfoot>" in html
    assert "Club premiers pas" in html and "40,0 %" in html
    assert f"export.csv?start={figures['start'].isoformat()}" in html


@pytest.mark.dates
@pytest.mark.django_db
def test_dashboard_defaults_to_the_last_twelve_months(client, manager):
    client.force_login(manager)
    report = client.get(DASHBOARD).context["report"]
    assert (report.start, report.end) == default_period()
    assert report.end == timezone.localdate()
    assert default_period(datetime.date(2025, 6, 15)) == (datetime.date(2024, 6, 16),
                                                          datetime.date(2025, 6, 15))


def test_default_period_on_a_leap_day():
    assert default_period(datetime.date(2024, 2, 29)) == (datetime.date(2023, 3, 1),
                                                          datetime.date(2024, 2, 29))


@pytest.mark.dates
@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    {"start": "pas une date"},
    {"end": "2025-13-01"},
    {"start": "2025-06-01", "end": "2025-01-01"},
    {"start": "0001-01-01"},
    {"end": "9999-12-31"},
])
def test_dashboard_rejects_bad_dates(client, manager, query):
    client.force_login(manager)
    response = client.get(DASHBOARD, query)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "report" not in response.context
    for url in [CSV_URL, XLSX_URL]:
        assert client.get(url, query).status_code == 400


@pytest.mark.django_db
def test_csv_export_opens_in_french_excel(client, manager, figures):
    client.force_login(manager)
    response = client.get(CSV_URL, period_query(figures))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pilotage-{figures["start"].isoformat()}-'
        f'{figures["end"].isoformat()}.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows[0]) == 7
    by_title = {row[0]: row[1:] for row in rows[1:]}
    assert by_title["Club premiers pas"] == ["5", "2", "2", "1", "40,0", "20,0"]
    assert by_title["Pix pro"] == ["1", "1", "0", "0", "0,0", ""]
    assert by_title["Atelier démarches"] == ["0", "0", "0", "0", "", ""]
    assert rows[-1][1:] == ["6", "3", "2", "1", "33,3", "20,0"]


@pytest.mark.django_db
def test_xlsx_export_parses_back(client, manager, figures):
    client.force_login(manager)
    response = client.get(XLSX_URL, period_query(figures))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"].endswith(f'{figures["end"].isoformat()}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 7
    by_title = {row[0]: row[1:] for row in rows[1:]}
    assert by_title["Club premiers pas"][:4] == (5, 2, 2, 1)
    assert by_title["Club premiers pas"][4] == pytest.approx(0.4)
    assert by_title["Club premiers pas"][5] == 20.0
    assert by_title["Pix pro"] == (1, 1, 0, 0, 0, None)
    assert by_title["Atelier démarches"] == (0, 0, 0, 0, None, None)
    assert rows[-1][1:5] == (6, 3, 2, 1)
    assert sheet["F2"].number_format == "0.0%"


# --- Query counts --------------------------------------------------------------------------
# Every page: session + user (2) and the base template — organisation settings, the userbar's
# two permission reads, the catalogue link (3) — that is 7; then the matrix: path or cohort,
# outline (2), enrolments, completions, targets, competences (8 → 15); the trainer home:
# paths, cohorts, learner counts (4 → 11); the dashboard: paths, counts, durations (4 → 11);
# an export: session, user, paths, counts, durations (5).


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_matrix_query_count_is_fixed(client, path, cohort, trainer, competence, outline,
                                     django_assert_num_queries, size):
    lessons = [lesson for module_lessons in outline.values() for lesson in module_lessons]
    for index, learner in enumerate(enrol_many(size, path=path, cohort=cohort)):
        complete(learner, lessons[: index % len(lessons)])
    client.force_login(trainer)
    client.get(path_url(path))  # warm the per-process caches (content types, site)
    with django_assert_num_queries(15):
        response = client.get(path_url(path))
    assert len(response.context["matrix"].rows) == size
    with django_assert_num_queries(15):
        response = client.get(cohort_url(cohort))
    assert len(response.context["matrix"].rows) == size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 4])
def test_trainer_home_query_count_is_fixed(client, catalogue, trainer,
                                           django_assert_num_queries, size):
    for n in range(size):
        path = TrainingPathFactory(parent=catalogue, title=f"Parcours {n}")
        cohort = CohortFactory(path=path, trainers=[trainer])
        enrol_many(10 * size, path=path, cohort=cohort)
    client.force_login(trainer)
    client.get(HOME)
    with django_assert_num_queries(11):
        response = client.get(HOME)
    assert len(response.context["index"].cohorts) == size
    assert response.context["index"].cohorts[0].learner_count == 10 * size


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 40])
def test_dashboard_and_exports_query_count_is_fixed(client, catalogue, manager,
                                                    django_assert_num_queries, size):
    today = timezone.localdate()
    for n in range(size // 5):
        path = TrainingPathFactory(parent=catalogue, title=f"Parcours {n}")
        for days in range(5):
            enrolled = at(today - datetime.timedelta(days=30 + days))
            EnrollmentFactory(path=path, enrolled_at=enrolled,
                              status=EnrollmentStatus.COMPLETED,
                              completed_at=enrolled + datetime.timedelta(days=days))
    client.force_login(manager)
    client.get(DASHBOARD)
    with django_assert_num_queries(11):
        response = client.get(DASHBOARD)
    assert response.context["report"].total.enrolled == size
    for url in [CSV_URL, XLSX_URL]:
        with django_assert_num_queries(5):
            assert client.get(url).status_code == 200
