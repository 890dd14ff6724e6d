"""Scale benchmark: does a page cost the same when the database holds 100 times more people?

    .venv/bin/python bench/scale.py [--rebuild] [--build-only] [--requests 60] [--explain]

Builds (once, then reused) a tiers-lieu of 10,000 learners in its own PostgreSQL database
`parcours_scale`: 500 cohorts, 7,500 sessions, 200,000 attendance marks, 1,000,000 lesson
completions, 80,000 competence assessments, 100 insertion programmes of 30 trainees. The data
is made of 100 identical blocks of 100 learners; right after the first block is built, the
database is copied to `parcours_scale_100` (CREATE DATABASE … TEMPLATE). Both databases thus
hold the very same first block, with the same ids: the same three pages of that block — the
insertion staff's dashboard (30 trainees), a trainer's roll call of a 30-learner session and a
learner's "Mon parcours" (2 paths, 100 lessons done) — are measured with Django's test Client
in process, alternating between the two databases request by request, 60 requests each
after a warm-up. What must stay flat is the cost of one page as the database grows. The
objects alive after the warm-up are frozen out of Python's garbage collector (gc.freeze(), as
a preloading server may do): otherwise a full collection of ~250,000 objects, unrelated to the
database, lands on a random request and decides the p95 (--no-gc-freeze shows it).

Goals: each page's p95 on the large database at most 1.5 times the one on the small, and no
sequential scan of a table over 10,000 rows in the plans of the pages' queries on the large
database (the deterministic reason a page stays flat, whatever the load of the host).

Prints `name: value` lines and a table with the goals; exits 1 when a goal is missed (then,
or with --explain, the slowest SQL query of each page is run again under EXPLAIN ANALYZE on
the large database, and each offending sequential scan is shown with its query). Only the
databases `parcours_scale` and `parcours_scale_100` are touched. The first build takes about
3 minutes on 2 cores (migrations, 270 Wagtail pages, COPY of the big tables).
"""

import argparse
import datetime
import gc
import json
import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HostLoad,
    database_create,
    database_drop,
    database_exists,
    django_setup,
    log,
    machine,
    median,
    migrate,
    percentile,
    report,
    use_database,
)

BIG_DB = "parcours_scale"
SMALL_DB = "parcours_scale_100"
# Written on the manager account at the very end of the build: a database without it (an
# interrupted build, an older layout) is rebuilt.
VERSION = "bench-scale v1"

LEARNERS = 10_000
BLOCK = 100  # learners per block; the small world is block 0
COHORTS_PER_BLOCK = 5
COHORT_SIZE = 30
# Seat s of a block (150 seats: 5 cohorts × 30) holds learner s % 100 in cohort s // 30; the
# cohorts' paths make every learner's cohorts two different paths.
COHORT_PATHS = [0, 1, 2, 2, 3]
PATHS, MODULES_PER_PATH, LESSONS_PER_MODULE = 4, 6, 10
LESSONS_DONE_PER_PATH = 50  # two paths per learner: 100 completions each
PAST_SESSIONS = 13  # weekly, fully marked; then today's (10 marked) and next week's
TODAY_MARKED = 10
TRAINEES_PER_BLOCK = 30

GOALS = [
    ("dashboard_p95_ratio_10k_vs_100", "<=", 1.5),
    ("rollcall_p95_ratio_10k_vs_100", "<=", 1.5),
    ("learner_p95_ratio_10k_vs_100", "<=", 1.5),
    ("large_table_seq_scans_10k", "<=", 0),
]
BATCH = 5000

NAMES = [
    ("Hélène", "Lefèvre-Dubois"), ("Jean-Baptiste", "Moreau"), ("Thị Thu Hà", "Nguyễn"),
    ("Karim", "Benali"), ("Olena", "Kovalenko"), ("Maëlys", "Giraud"), ("Fatima", "Ben Ali"),
    ("Noé", "Rousseau"), ("Amadou", "Diallo"), ("Chloé", "Fontaine"), ("Lucas", "Martin"),
    ("Inès", "Bernard"), ("Mathis", "Petit"), ("Léa", "Robert"), ("Yanis", "Richard"),
    ("Emma", "Durand"), ("Nathan", "Leroy"), ("Jade", "Simon"), ("Hugo", "Laurent"),
    ("Zoé", "Michel"), ("Adam", "Garcia"), ("Lina", "David"), ("Louis", "Bertrand"),
]

LESSON_BODY = json.dumps([
    {"type": "heading", "value": {"text": "Introduction", "level": "h2"}},
    {"type": "paragraph", "value": "<p>Un <b>courriel</b> est un message.</p>"},
    {"type": "callout", "value": {"kind": "tip", "title": "Astuce",
                                  "text": "<p>Prenez votre temps.</p>"}},
])


# Build -------------------------------------------------------------------------------------

def copy_rows(model, fields: list[str], rows) -> int:
    """COPY rows (tuples in `fields` order) into the model's table; Django defaults do not
    apply, every NOT NULL column must be given."""
    from django.db import connection

    columns = ", ".join(model._meta.get_field(name).column for name in fields)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def build_pages() -> dict:
    """Home, catalogue, 4 paths of 6 modules of 10 lessons, through Wagtail's tree API."""
    from django.utils import timezone
    from wagtail.models import Page, Site

    from courses.enums import Modality, PathKind
    from courses.models import (
        CatalogueIndexPage,
        Competence,
        HomePage,
        LessonPage,
        ModuleCompetence,
        ModulePage,
        TrainingPathPage,
    )
    from courses.referential import referential_load_all

    if not Competence.objects.exists():
        referential_load_all()
    # Two per module, reused across paths when the referential is smaller.
    competences = list(Competence.objects.order_by("pk")[:PATHS * MODULES_PER_PATH * 2])
    competences = [competences[i % len(competences)]
                   for i in range(PATHS * MODULES_PER_PATH * 2)]
    now = timezone.now()

    def add(parent, page):
        page.first_published_at = page.last_published_at = now
        parent.add_child(instance=page)
        return page

    home = add(Page.get_first_root_node(), HomePage(title="Parcours (scale)", slug="scale-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "port": 80, "root_page": home, "site_name": "Parcours"})
    catalogue = add(home, CatalogueIndexPage(title="Catalogue", slug="catalogue"))
    kinds = [PathKind.BEGINNER_CLUB, PathKind.VOCATIONAL, PathKind.CERTIFYING,
             PathKind.INCLUSION_WORKSHOP]
    paths = []
    for p in range(PATHS):
        path = add(catalogue, TrainingPathPage(
            title=f"Parcours numérique {p + 1}", slug=f"parcours-{p + 1}", kind=kinds[p],
            summary="Se former au numérique, à son rythme.",
            objectives="<ul><li>Utiliser un ordinateur</li><li>Écrire un courriel</li></ul>",
            duration_hours=Decimal("60"), modality=Modality.ON_SITE,
            min_attendance_rate=Decimal("70"),
        ))
        modules, lessons = [], []
        for m in range(MODULES_PER_PATH):
            module = add(path, ModulePage(title=f"Module {m + 1}", slug=f"module-{m + 1}",
                                          duration_hours=Decimal("10")))
            for c in range(2):
                competence = competences[(p * MODULES_PER_PATH + m) * 2 + c]
                ModuleCompetence.objects.create(module=module, competence=competence,
                                                target_level=3 + c)
            modules.append(module)
            for n in range(LESSONS_PER_MODULE):
                lessons.append(add(module, LessonPage(
                    title=f"Leçon {m + 1}.{n + 1}", slug=f"lecon-{n + 1}",
                    duration_minutes=30, body=LESSON_BODY)).pk)
        paths.append({"path": path, "modules": modules, "lessons": lessons,
                      "competences": [c.pk for c in competences[p * MODULES_PER_PATH * 2:
                                                                 p * MODULES_PER_PATH * 2 + 2]]})
    return {"paths": paths}


def build_blocks(catalogue: dict, blocks: range, today: datetime.date) -> dict[str, int]:
    """Blocks of 100 learners with their trainer, insertion staff member, 5 cohorts, sessions,
    marks, completions, assessments and insertion programme. Bulk writes only."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from lms.accounts.models import User
    from lms.attendance.enums import AlertKind
    from lms.attendance.models import Attendance, AttendanceAlert, AttendanceStatus, Session
    from lms.cohorts.models import Cohort
    from lms.insertion.enums import (
        ContractKind,
        ExitCategory,
        ExitOutcome,
        InterviewKind,
        ObjectiveCategory,
        ObstacleCategory,
        TraineeStatus,
    )
    from lms.insertion.models import (
        Contract,
        Exit,
        Interview,
        Milestone,
        ObstacleAssessment,
        PlanObjective,
        Programme,
        Trainee,
    )
    from lms.progress.enums import (
        AssessmentKind,
        AssessmentMethod,
        CompletionSource,
        EnrollmentSource,
        EnrollmentStatus,
    )
    from lms.progress.models import CompetenceAssessment, Enrollment, LessonCompletion

    tz = timezone.get_current_timezone()
    paths = catalogue["paths"]
    password = make_password(None)
    statuses = {s.code: s.pk for s in AttendanceStatus.objects.all()}
    start = today - datetime.timedelta(weeks=PAST_SESSIONS)

    def at(day, hour=10):
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)

    # People ----------------------------------------------------------------------------
    people = []
    for b in blocks:
        for local in range(BLOCK):
            index = b * BLOCK + local
            first, last = NAMES[index % len(NAMES)]
            people.append(User(username=f"scale-l{index:05d}", first_name=first,
                               last_name=f"{last} {index}", email=f"l{index}@scale.example",
                               is_learner=True, password=password))
        people.append(User(username=f"scale-t{b:03d}", first_name="Formatrice",
                           last_name=f"Bloc {b}", is_trainer=True, password=password))
        people.append(User(username=f"scale-s{b:03d}", first_name="Conseillère",
                           last_name=f"Insertion {b}", is_insertion_staff=True,
                           password=password))
    by_name = {u.username: u for u in User.objects.bulk_create(people, batch_size=BATCH)}

    def learner(b, local):
        return by_name[f"scale-l{b * BLOCK + local:05d}"]

    # Cohorts and enrolments ------------------------------------------------------------
    cohorts = []
    for b in blocks:
        for k in range(COHORTS_PER_BLOCK):
            cohorts.append(Cohort(name=f"Groupe {b + 1}-{k + 1}",
                                  path_id=paths[COHORT_PATHS[k]]["path"].pk,
                                  start_date=start, end_date=today + datetime.timedelta(weeks=4),
                                  place="Salle numérique", capacity=COHORT_SIZE))
    cohorts = Cohort.objects.bulk_create(cohorts, batch_size=BATCH)
    cohort_of = {(b, k): cohorts[i * COHORTS_PER_BLOCK + k]
                 for i, b in enumerate(blocks) for k in range(COHORTS_PER_BLOCK)}
    Cohort.trainers.through.objects.bulk_create([
        Cohort.trainers.through(cohort_id=cohort_of[b, k].pk, user_id=by_name[f"scale-t{b:03d}"].pk)
        for b in blocks for k in range(COHORTS_PER_BLOCK)], batch_size=BATCH)

    members: dict[tuple[int, int], list] = {}  # (block, cohort) -> learners
    enrollments = []
    for b in blocks:
        taken: dict[int, list[int]] = {}
        for seat in range(COHORTS_PER_BLOCK * COHORT_SIZE):
            local, k = seat % BLOCK, seat // COHORT_SIZE
            taken.setdefault(local, []).append(k)
            members.setdefault((b, k), []).append(learner(b, local))
        for local in range(BLOCK):
            used = [COHORT_PATHS[k] for k in taken[local]]
            assert len(set(used)) == len(used), "a learner twice in a path"
            for k in taken[local]:
                enrollments.append(Enrollment(
                    learner=learner(b, local), path_id=paths[COHORT_PATHS[k]]["path"].pk,
                    cohort=cohort_of[b, k], source=EnrollmentSource.STAFF,
                    status=EnrollmentStatus.ACTIVE, enrolled_at=at(start),
                    status_changed_at=at(start)))
            if len(used) < 2:  # a second path, followed alone online
                free = next(p for p in range(PATHS) if p not in used)
                enrollments.append(Enrollment(
                    learner=learner(b, local), path_id=paths[free]["path"].pk, cohort=None,
                    source=EnrollmentSource.SELF, status=EnrollmentStatus.ACTIVE,
                    enrolled_at=at(start), status_changed_at=at(start)))
    Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)

    # Sessions and marks ----------------------------------------------------------------
    sessions = []
    for b in blocks:
        trainer = by_name[f"scale-t{b:03d}"]
        for k in range(COHORTS_PER_BLOCK):
            modules = paths[COHORT_PATHS[k]]["modules"]
            for j in range(PAST_SESSIONS + 2):
                day = start + datetime.timedelta(weeks=j)
                sessions.append(Session(cohort=cohort_of[b, k], date=day,
                                        start_time=datetime.time(9), end_time=datetime.time(12),
                                        module=modules[j % len(modules)], trainer=trainer,
                                        room="Salle numérique"))
    sessions = Session.objects.bulk_create(sessions, batch_size=BATCH)
    per_cohort = PAST_SESSIONS + 2
    session_of = {}
    for i, (b, k) in enumerate((b, k) for b in blocks for k in range(COHORTS_PER_BLOCK)):
        session_of[b, k] = sessions[i * per_cohort:(i + 1) * per_cohort]

    def mark_status(learner_id: int, j: int, streak: bool) -> str:
        if streak and j >= PAST_SESSIONS - 3:
            return "absent"
        draw = (learner_id * 7 + j * 13) % 20
        return "absent" if draw < 2 else "excused" if draw == 2 else "late" if draw == 3 \
            else "present"

    def marks():
        for b in blocks:
            trainer_id = by_name[f"scale-t{b:03d}"].pk
            for k in range(COHORTS_PER_BLOCK):
                group = members[b, k]
                for j, session in enumerate(session_of[b, k][:PAST_SESSIONS + 1]):
                    marked = group if j < PAST_SESSIONS else group[:TODAY_MARKED]
                    for person in marked:
                        code = ("present" if j == PAST_SESSIONS else
                                mark_status(person.pk, j, person.pk % 25 == 7))
                        yield (session.pk, person.pk, statuses[code],
                               15 if code == "late" else 0, "", trainer_id,
                               at(session.date, 9), "", "", None, None)

    marks_count = copy_rows(Attendance, [
        "session", "learner", "status", "minutes_late", "comment", "marked_by", "marked_at",
        "signature_svg", "signature_method", "signed_at", "override_at"], marks())
    # Sheets are countersigned a week later: all but the last two past ones are locked.
    locked = [s.pk for b in blocks for k in range(COHORTS_PER_BLOCK)
              for s in session_of[b, k][:PAST_SESSIONS - 2]]
    for i in range(0, len(locked), BATCH):
        Session.objects.filter(pk__in=locked[i:i + BATCH]).update(
            locked_at=at(today - datetime.timedelta(weeks=2)),
            countersignature_svg='<svg xmlns="http://www.w3.org/2000/svg"/>')
    AttendanceAlert.objects.bulk_create([
        AttendanceAlert(learner=person, cohort=cohort_of[b, k], kind=AlertKind.ABSENCE_STREAK,
                        key=f"streak-{session_of[b, k][PAST_SESSIONS - 1].pk}",
                        details={"sessions": 3})
        for b in blocks for k in range(COHORTS_PER_BLOCK) for person in members[b, k]
        if person.pk % 25 == 7], batch_size=BATCH)

    # Completions and assessments -------------------------------------------------------
    path_index = {paths[p]["path"].pk: p for p in range(PATHS)}

    def completions():
        for enrollment in enrollments:
            p = path_index[enrollment.path_id]
            for n, lesson_id in enumerate(paths[p]["lessons"][:LESSONS_DONE_PER_PATH]):
                yield (enrollment.learner_id, lesson_id,
                       at(start + datetime.timedelta(days=n % 90)), CompletionSource.MANUAL)

    completions_count = copy_rows(LessonCompletion, ["learner", "lesson", "completed_at",
                                                     "source"], completions())
    trainer_of_block = {b: by_name[f"scale-t{b:03d}"].pk for b in blocks}
    block_of = {u.pk: int(u.username[7:]) // BLOCK for u in by_name.values()
                if u.username.startswith("scale-l")}

    def assessments():
        now = timezone.now()
        for enrollment in enrollments:
            p = path_index[enrollment.path_id]
            for competence_id in paths[p]["competences"]:
                yield (enrollment.learner_id, competence_id, enrollment.path_id,
                       AssessmentKind.INITIAL, 2, AssessmentMethod.SELF, "", start, None, now)
                yield (enrollment.learner_id, competence_id, enrollment.path_id,
                       AssessmentKind.VALIDATION, 3, AssessmentMethod.OBSERVATION,
                       "Mise en situation réussie.", today - datetime.timedelta(days=20),
                       trainer_of_block[block_of[enrollment.learner_id]], now)

    assessments_count = copy_rows(CompetenceAssessment, [
        "learner", "competence", "path", "kind", "level", "method", "evidence", "assessed_on",
        "assessed_by", "created_at"], assessments())

    # Insertion programmes --------------------------------------------------------------
    programmes = Programme.objects.bulk_create([
        Programme(name=f"Chantier numérique {b + 1}", start_date=start - datetime.timedelta(
            days=60), co_financed=b % 2 == 0, funders="État, Département")
        for b in blocks], batch_size=BATCH)
    Programme.staff.through.objects.bulk_create([
        Programme.staff.through(programme_id=programme.pk,
                                user_id=by_name[f"scale-s{b:03d}"].pk)
        for b, programme in zip(blocks, programmes, strict=True)], batch_size=BATCH)
    entry = today - datetime.timedelta(days=120)
    trainees = []
    for b, programme in zip(blocks, programmes, strict=True):
        staff = by_name[f"scale-s{b:03d}"]
        for local in range(TRAINEES_PER_BLOCK):
            exited = local % 15 == 14
            trainees.append(Trainee(
                programme=programme, learner=learner(b, local), referent=staff,
                entry_date=entry, pass_iae_number=f"99999{b:03d}{local:04d}",
                pass_iae_start=entry, pass_iae_end=entry + datetime.timedelta(days=730),
                status=TraineeStatus.EXITED if exited else TraineeStatus.ACTIVE,
                status_changed_at=today - datetime.timedelta(days=5) if exited else entry))
    trainees = Trainee.objects.bulk_create(trainees, batch_size=BATCH)
    contracts, interviews, objectives, obstacles, exits = [], [], [], [], []
    for n, trainee in enumerate(trainees):
        local = n % TRAINEES_PER_BLOCK
        end = today + datetime.timedelta(days=(local * 7) % 120 - 10)
        contracts.append(Contract(trainee=trainee, kind=ContractKind.INITIAL, start_date=entry,
                                  end_date=end, weekly_hours=Decimal("26")))
        for i, kind in enumerate([InterviewKind.INITIAL, InterviewKind.REGULAR,
                                  InterviewKind.MID_TERM]):
            interviews.append(Interview(
                trainee=trainee, date=entry + datetime.timedelta(days=i * 35 + local % 20),
                staff_id=trainee.referent_id, kind=kind,
                notes="Échange sur le projet professionnel.",
                next_steps="Préparer le CV."))
        for category in (ObjectiveCategory.PROFESSIONAL, ObjectiveCategory.DIGITAL):
            objectives.append(PlanObjective(trainee=trainee, category=category,
                                            title="Trouver un emploi durable",
                                            target_date=today + datetime.timedelta(days=60)))
        for category in (ObstacleCategory.MOBILITY, ObstacleCategory.DIGITAL):
            obstacles.append(ObstacleAssessment(trainee=trainee, category=category,
                                                severity=1 + local % 3, assessed_on=entry,
                                                assessed_by_id=trainee.referent_id))
        if trainee.status == TraineeStatus.EXITED:
            exits.append(Exit(trainee=trainee, date=today - datetime.timedelta(days=5),
                              category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                              outcome=ExitOutcome.CDI))
    Contract.objects.bulk_create(contracts, batch_size=BATCH)
    Interview.objects.bulk_create(interviews, batch_size=BATCH)
    objectives = PlanObjective.objects.bulk_create(objectives, batch_size=BATCH)
    Milestone.objects.bulk_create([Milestone(objective=objective, title="Rédiger le CV",
                                             due_date=today + datetime.timedelta(days=14))
                                   for objective in objectives], batch_size=BATCH)
    ObstacleAssessment.objects.bulk_create(obstacles, batch_size=BATCH)
    Exit.objects.bulk_create(exits, batch_size=BATCH)
    return {"learners": len(blocks) * BLOCK, "cohorts": len(cohorts),
            "enrollments": len(enrollments), "sessions": len(sessions), "marks": marks_count,
            "completions": completions_count, "assessments": assessments_count,
            "trainees": len(trainees)}


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def has_scale_data() -> bool:
    from django.db import connection

    from lms.accounts.models import User

    # A database created by a run interrupted before it migrated has no tables yet.
    if User._meta.db_table not in connection.introspection.table_names():
        return False
    return User.objects.filter(username__startswith="scale-").exists()


def is_built() -> bool:
    """Both databases hold a finished build of this version."""
    from lms.accounts.models import User

    if not (database_exists(BIG_DB) and database_exists(SMALL_DB)):
        return False
    use_database(SMALL_DB)
    if not has_scale_data():
        return False
    small = (User.objects.filter(username="scale-l00099").exists()
             and not User.objects.filter(username="scale-l00100").exists())
    use_database(BIG_DB)
    return small and User.objects.filter(username="scale-manager", employer=VERSION).exists() \
        and User.objects.filter(username=f"scale-l{LEARNERS - 1:05d}").exists()


def build() -> dict[str, float]:
    """Both databases from scratch; returns the seconds each step took."""
    from django.db import connections, transaction
    from django.utils import timezone

    from lms.accounts.models import User

    timings = {}
    started = time.perf_counter()
    if database_exists(SMALL_DB):
        database_drop(SMALL_DB)
    if database_exists(BIG_DB):
        use_database(BIG_DB)
        if has_scale_data():
            connections.close_all()
            database_drop(BIG_DB)
    if not database_exists(BIG_DB):
        database_create(BIG_DB)
    use_database(BIG_DB)
    timings["build_migrate_s"] = migrate()
    log(f"migrated {BIG_DB} in {timings['build_migrate_s']:.0f} s")
    today = timezone.localdate()

    step = time.perf_counter()
    with transaction.atomic():
        catalogue = build_pages()
        User.objects.create(username="scale-manager", first_name="Direction", last_name="Scale",
                            is_manager=True, password="!")
    timings["build_pages_s"] = time.perf_counter() - step
    log(f"pages built in {timings['build_pages_s']:.0f} s")

    step = time.perf_counter()
    with transaction.atomic():
        counts = build_blocks(catalogue, range(0, 1), today)
    vacuum_analyze()
    connections.close_all()
    database_create(SMALL_DB, template=BIG_DB)
    timings["build_small_s"] = time.perf_counter() - step
    log(f"small world (block 0: {counts}) copied to {SMALL_DB} in "
        f"{timings['build_small_s']:.0f} s")

    step = time.perf_counter()
    use_database(BIG_DB)
    with transaction.atomic():
        blocks = range(1, LEARNERS // BLOCK)
        for first in range(blocks.start, blocks.stop, 10):
            chunk = range(first, min(first + 10, blocks.stop))
            counts = build_blocks(catalogue, chunk, today)
            log(f"blocks {chunk.start}-{chunk.stop - 1}: {counts}")
        User.objects.filter(username="scale-manager").update(employer=VERSION)
    timings["build_large_s"] = time.perf_counter() - step
    step = time.perf_counter()
    vacuum_analyze()
    timings["build_analyze_s"] = time.perf_counter() - step
    timings["build_total_s"] = time.perf_counter() - started
    log(f"large world built in {timings['build_large_s']:.0f} s, "
        f"VACUUM ANALYZE {timings['build_analyze_s']:.0f} s, total "
        f"{timings['build_total_s']:.0f} s")
    return timings


def table_counts() -> dict[str, int]:
    from django.db import connection

    tables = {"learners": "SELECT count(*) FROM accounts_user WHERE is_learner",
              "cohorts": "SELECT count(*) FROM cohorts_cohort",
              "enrollments": "SELECT count(*) FROM progress_enrollment",
              "sessions": "SELECT count(*) FROM attendance_session",
              "marks": "SELECT count(*) FROM attendance_attendance",
              "completions": "SELECT count(*) FROM progress_lessoncompletion",
              "assessments": "SELECT count(*) FROM progress_competenceassessment",
              "trainees": "SELECT count(*) FROM insertion_trainee"}
    with connection.cursor() as cursor:
        result = {}
        for name, sql in tables.items():
            cursor.execute(sql)
            result[name] = cursor.fetchone()[0]
        return result


# Measurement -------------------------------------------------------------------------------

PAGES = ["dashboard", "rollcall", "learner"]
WORLDS = {"100": SMALL_DB, "10k": BIG_DB}


def page_targets() -> dict[str, tuple]:
    """(user, url) of the three pages of block 0, in the current database."""
    from lms.accounts.models import User
    from lms.attendance.models import Session

    session = (Session.objects.filter(cohort__name="Groupe 1-1")
               .order_by("date")[PAST_SESSIONS])  # the session with 10 of 30 marked
    return {
        "dashboard": (User.objects.get(username="scale-s000"), "/insertion/"),
        "rollcall": (User.objects.get(username="scale-t000"),
                     f"/emargement/seances/{session.pk}/"),
        "learner": (User.objects.get(username="scale-l00000"), "/suivi/mon-parcours/"),
    }


def get_ok(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def database_wrappers() -> dict:
    """A connection object of Django's default alias per world: swapping them between two
    requests changes database without reconnecting."""
    from django.db import connections
    from django.db.utils import load_backend

    wrappers = {}
    for world, db in WORLDS.items():
        settings_dict = {**connections.settings["default"], "NAME": db}
        backend = load_backend(settings_dict["ENGINE"])
        wrappers[world] = backend.DatabaseWrapper(settings_dict, "default")
    return wrappers


def measure(requests: int, warmup: int, freeze: bool = True) -> dict:
    """Wall ms (and Django's CPU ms) of each page in each world. Requests alternate between
    the two databases one by one (A B B A …), each on its own open connection, so that a burst
    of load on the host hits both alike. Also each page's SQL queries."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    use_database(BIG_DB)  # the connection of the build, closed
    wrappers = database_wrappers()
    clients, urls, checks = {}, {}, {}
    for world, wrapper in wrappers.items():
        connections["default"] = wrapper
        for page, (user, url) in page_targets().items():
            client = Client()
            client.force_login(user)
            clients[world, page], urls[world, page] = client, url
            for _ in range(warmup):
                get_ok(client, url)
            with CaptureQueriesContext(connection) as captured:
                response = get_ok(client, url)
            checks[world, page] = {
                "queries": [(float(q["time"]), q["sql"]) for q in captured.captured_queries],
                "bytes": len(response.content),
            }
    if freeze:
        # Out of the collector's sight: everything alive after the warm-up (Django, Wagtail,
        # the clients). Otherwise a full collection of those ~250,000 objects — 100 to 500 ms,
        # whatever the database — lands on a random request and decides the p95.
        gc.collect()
        gc.freeze()
    timings = {key: [] for key in clients}
    cpu = {key: [] for key in clients}
    own = time.process_time()
    with HostLoad() as host:
        for n in range(requests):
            for page in PAGES:
                order = list(WORLDS) if n % 2 == 0 else list(reversed(WORLDS))
                for world in order:
                    connections["default"] = wrappers[world]
                    client, url = clients[world, page], urls[world, page]
                    started, started_cpu = time.perf_counter(), time.process_time()
                    get_ok(client, url)
                    timings[world, page].append((time.perf_counter() - started) * 1000)
                    cpu[world, page].append((time.process_time() - started_cpu) * 1000)
    if freeze:
        gc.unfreeze()
    for wrapper in wrappers.values():
        wrapper.close()
    connections["default"] = wrappers["10k"]
    return {"timings": timings, "cpu": cpu, "checks": checks, "host_cores": host.cores,
            "own_cores": (time.process_time() - own) / host.elapsed}


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


LARGE_TABLE_ROWS = 10_000


def large_seq_scans(queries) -> list[tuple[str, str]]:
    """(table, query) of every sequential scan of a table over LARGE_TABLE_ROWS rows in the
    plans of these queries, on the current database: a page whose cost follows the size of
    the database rather than what it shows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
                       [LARGE_TABLE_ROWS])
        large = {row[0] for row in cursor.fetchall()}
        found = []
        for _timed, sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            nodes = [plan[0]["Plan"]]
            while nodes:
                node = nodes.pop()
                if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in large:
                    found.append((node["Relation Name"], sql))
                nodes.extend(node.get("Plans", []))
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true",
                        help="drop and build both databases again")
    parser.add_argument("--build-only", action="store_true",
                        help="build the databases if needed, measure nothing")
    parser.add_argument("--requests", type=int, default=60,
                        help="measured requests per page and database")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="leave the objects alive after the warm-up to Python's collector")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the slowest query of each page on the large DB")
    options = parser.parse_args()
    # WhiteNoise warns that STATIC_ROOT is missing: irrelevant to these pages.
    warnings.filterwarnings("ignore", message="No directory at")

    if not database_exists(BIG_DB):
        database_create(BIG_DB)
    django_setup(BIG_DB)
    started = time.perf_counter()
    context: dict[str, float] = {}
    if options.rebuild or not is_built():
        log("building the scale databases (once; --rebuild to redo)")
        context.update(build())
    else:
        log(f"reusing {BIG_DB} and {SMALL_DB} (--rebuild to build them again)")
    use_database(BIG_DB)
    counts = table_counts()
    log("large database: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if options.build_only:
        return 0

    log(f"measuring {len(PAGES)} pages × {len(WORLDS)} databases × {options.requests} "
        "requests")
    result = measure(options.requests, options.warmup, freeze=not options.no_gc_freeze)
    scans = [(page, table, sql) for page in PAGES
             for table, sql in large_seq_scans(result["checks"]["10k", page]["queries"])]
    figures: dict[str, float] = {}
    for page in PAGES:
        for world in WORLDS:
            figures[f"{page}_p95_ms_{world}"] = percentile(result["timings"][world, page], 95)
    for page in PAGES:
        figures[f"{page}_p95_ratio_10k_vs_100"] = (figures[f"{page}_p95_ms_10k"]
                                                  / figures[f"{page}_p95_ms_100"])
    figures["large_table_seq_scans_10k"] = len(scans)
    for page in PAGES:
        for world in WORLDS:
            check = result["checks"][world, page]
            context[f"{page}_median_ms_{world}"] = median(result["timings"][world, page])
            # Django's own CPU per request (SQL excluded): what host contention hides.
            context[f"{page}_python_cpu_ms_{world}"] = median(result["cpu"][world, page])
            context[f"{page}_queries_{world}"] = len(check["queries"])
            context[f"{page}_sql_ms_{world}"] = 1000 * sum(t for t, _sql in check["queries"])
            context[f"{page}_kb_{world}"] = check["bytes"] / 1024
    context["scale_host_busy_cores"] = result["host_cores"]
    context["scale_bench_process_cores"] = result["own_cores"]
    for name, value in counts.items():
        context[f"scale_rows_{name}_10k"] = value

    passed = report(figures, {name: (op, bound) for name, op, bound in GOALS})
    print("Context (not goals):")
    for name, value in context.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM")
    others = result["host_cores"] - result["own_cores"]
    if others > 0.5:
        print(f"WARNING: other processes kept about {others:.2f} of {info['cores']} cores busy "
              "during the measurement: latencies are pessimistic; the ratios less so, both "
              "databases being measured in turn.")
    print()
    for page, table, sql in scans:
        print(f"Sequential scan of {table} in a query of {page}:\n{sql}\n")
    failing = {page for page in PAGES
               if figures[f"{page}_p95_ratio_10k_vs_100"] > GOALS[0][2]}
    for page in PAGES:
        if not (options.explain or page in failing):
            continue
        timed, sql = max(result["checks"]["10k", page]["queries"])
        print(f"Slowest query of {page} on {BIG_DB} ({timed * 1000:.1f} ms):\n{sql}\n")
        print(explain(sql))
        print()
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
