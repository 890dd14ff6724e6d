"""Documents benchmark: what the issuing pipeline costs around WeasyPrint, and how a Celery
worker on Redis scales and holds its memory.

    .venv/bin/python bench/documents.py [--docs 30] [--celery-docs 200] [--profile]
                                        [--pipeline-only] [--peer-only] [--no-peer]
                                        [--keep-db]

Prints one `name: value` line per figure, then a table with the goals; exits 1 when a goal is
missed. PostgreSQL comes from DATABASE_URL, else a throwaway `parcours_bench` database is
created (and dropped again if this run created it); Redis from REDIS_URL, on a private queue.
Everything the run creates (rows, media, Redis keys) is removed at the end. Beside Parcours,
the same attestation made by TCPDF (bench/peers/, PHP), installed from Debian when missing
and possible. See bench/README.md.
"""

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from peers import tcpdf  # noqa: E402

BENCH_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "parcours_bench"
# Popped before Django starts: with REDIS_URL the local settings would put the site's cache on
# the shared Redis and stop running tasks in-process; only the broker needs Redis here.
REDIS_URL = os.environ.pop("REDIS_URL", "") or "redis://127.0.0.1:6379/0"

# Goals: (metric, comparison, bound).
# pipeline_overhead_ratio's goal (<= 1.10) is retired (issue 17): the figure stays, as context.
GOALS = [
    ("worker_scaling_2_vs_1", ">=", 1.7),
    ("worker_rss_ratio_200_vs_10", "<=", 1.1),
    # Parcours through Celery with 2 workers over TCPDF with 2 processes, same attestation.
    ("docs_per_s_vs_tcpdf", ">=", 1.0),
]
TCPDF_STRETCH = 1.5  # the stretch goal of docs_per_s_vs_tcpdf: context, not a goal

# A cohort of a French tiers-lieu: mostly Latin names, some in other scripts (font fallback).
NAMES = [
    ("Hélène", "Lefèvre-Dubois"), ("Jean-Baptiste", "Moreau"), ("Thị Thu Hà", "Nguyễn"),
    ("Karim", "Benali"), ("Олена", "Коваленко"), ("Maëlys", "Giraud"), ("فاطمة", "بن علي"),
    ("Noé", "Rousseau"), ("Amadou", "Diallo"), ("Chloé", "Fontaine"), ("小明", "王"),
]


def names_exact(tag: str) -> list[str]:
    """Learner names (one issued document per name) whose PDF text does not give them back
    exactly: every script must survive shaping, subsetting and text extraction."""
    import io

    from pypdf import PdfReader

    from certificates.enums import DocumentStatus
    from certificates.models import Document

    wrong = []
    for first, last in NAMES:
        document = (Document.objects.filter(learner__username__startswith=f"{tag}-",
                                            learner__first_name=first, learner__last_name=last,
                                            status=DocumentStatus.ISSUED)
                    .select_related("learner").order_by("pk").first())
        if document is None:
            continue
        with document.pdf.open("rb") as handle:
            text = "\n".join(page.extract_text()
                             for page in PdfReader(io.BytesIO(handle.read())).pages)
        if document.learner.get_full_name() not in text:
            wrong.append(document.learner.get_full_name())
    return wrong


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# Database ----------------------------------------------------------------------------------

def prepare_database() -> tuple[bool, bool]:
    """Point DATABASE_URL at PostgreSQL. (own, created): whether the database is the bench's
    throwaway one, and whether this run created it (always, when it is the bench's own)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
            sys.exit("bench: DATABASE_URL must be a PostgreSQL URL (worker concurrency is "
                     "meaningless on SQLite)")
        return False, False
    import psycopg

    with psycopg.connect(f"{BENCH_SERVER}/postgres", autocommit=True) as admin:
        # One left by an interrupted or --keep-db run points at media files that are gone
        # (the media folder is temporary): start from a fresh one, as every run measures.
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = f"{BENCH_SERVER}/{BENCH_DB}"
    return True, True


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{BENCH_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def migrate(own_database: bool) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if own_database:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        log(f"migrated {BENCH_DB} in {time.perf_counter() - started:.0f} s")
        return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("bench: the DATABASE_URL database has unapplied migrations; "
                 "run `manage.py migrate` first")


# Data --------------------------------------------------------------------------------------

ORGANISATION = {
    "name": "C-Num", "legal_name": "Association C-Num", "address": "12 rue des Tanneurs",
    "postcode": "79000", "city": "Niort", "siret": "83245178500014", "nda": "75790123479",
    "email": "contact@c-num.example", "phone": "05 49 00 00 00",
    "signatory_name": "Nathalie Giraud", "signatory_title": "Directrice", "default_place": "",
}


def _png(width: int, height: int, draw) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _draw_logo(d):
    d.rounded_rectangle((10, 20, 230, 220), 30, fill=(0, 90, 160, 255))
    d.text((260, 100), "C-Num, tiers-lieu numérique", fill=(0, 60, 110, 255))


def _draw_signature(d):
    d.line([(20, 110), (80, 30), (120, 120), (170, 40), (230, 115), (330, 60)],
           fill=(20, 20, 90, 255), width=5)


def _draw_stamp(d):
    d.ellipse((10, 10, 250, 250), outline=(150, 0, 0, 255), width=8)
    d.text((70, 120), "C-Num - Niort", fill=(150, 0, 0, 255))


# The organisation's images: {field: ((width, height), drawing)}.
IMAGES = {"logo": ((800, 240), _draw_logo),
          "signature_image": ((360, 140), _draw_signature),
          "stamp_image": ((260, 260), _draw_stamp)}


def _images(tag: str) -> dict:
    """Logo, signature and stamp, as an organisation configures them: Wagtail images."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    image_model = get_image_model()
    made = {}
    for field, (size, draw) in IMAGES.items():
        content = ImageFile(io.BytesIO(_png(*size, draw)), name=f"{tag}-{field}.png")
        made[field] = image_model.objects.create(title=f"{tag} {field}", file=content)
    return made


class BenchData:
    """Rows made for the run, all findable by `tag`, removed by cleanup()."""

    def __init__(self, tag: str, learners: int):
        self.tag = tag
        self.size = learners
        self.loaded_referential = False
        self.organisation_saved: dict | None = None
        self.path = None
        self.manager = None
        self.enrollments = []

    def create(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.utils import timezone
        from wagtail.models import Page

        from courses.models import Competence
        from courses.referential import referential_load_all
        from lms.accounts.models import Organisation, User
        from lms.progress.enums import (
            AssessmentKind,
            AssessmentMethod,
            EnrollmentSource,
            EnrollmentStatus,
        )
        from lms.progress.models import CompetenceAssessment, Enrollment
        from tests.cohorts.factories import CohortFactory
        from tests.courses.factories import (
            LessonFactory,
            ModuleFactory,
            TrainingPathFactory,
            module_target,
        )

        if not Competence.objects.exists():
            referential_load_all()
            self.loaded_referential = True
        # The organisation prints on every document: set it as a configured site has it.
        organisation = Organisation.load()
        fields = [*ORGANISATION, "logo", "signature_image", "stamp_image"]
        self.organisation_saved = {field: getattr(organisation, field) for field in fields}
        for field, value in {**ORGANISATION, **_images(self.tag)}.items():
            setattr(organisation, field, value)
        organisation.save()

        self.path = TrainingPathFactory(
            parent=Page.get_first_root_node(), title=f"Bureautique et démarches ({self.tag})",
            slug=self.tag,
            objectives="<ul><li>Créer et mettre en forme un document</li>"
                       "<li>Réaliser un tableau de calcul simple</li>"
                       "<li>Gérer ses fichiers et dossiers</li>"
                       "<li>Effectuer une démarche administrative en ligne</li></ul>",
            assessment_methods="Mises en situation, exercices pratiques, observation.",
        )
        competences = list(Competence.objects.order_by("pk")[:6])
        for number in range(3):
            module = ModuleFactory(parent=self.path, title=f"Module {number + 1}",
                                   slug=f"module-{number + 1}")
            LessonFactory(parent=module, slug=f"lesson-{number + 1}")
            for competence in competences[number * 2:number * 2 + 2]:
                module_target(module, competence, 2 + number % 2)
        cohort = CohortFactory(path=self.path, name=f"Groupe {self.tag}")
        password = make_password(None)
        users = User.objects.bulk_create([
            User(username=f"{self.tag}-{i:04d}", first_name=NAMES[i % len(NAMES)][0],
                 last_name=NAMES[i % len(NAMES)][1], employer="Mairie de Niort" if i % 3 else "",
                 is_learner=True, password=password)
            for i in range(self.size)
        ])
        self.manager = User.objects.create(username=f"{self.tag}-manager", is_manager=True,
                                           password=password)
        now = timezone.now()
        self.enrollments = Enrollment.objects.bulk_create([
            Enrollment(learner=user, path=self.path, cohort=cohort, source=EnrollmentSource.STAFF,
                       status=EnrollmentStatus.COMPLETED, completed_at=now)
            for user in users
        ])
        CompetenceAssessment.objects.bulk_create([
            CompetenceAssessment(learner=user, competence=competence, path=self.path,
                                 kind=AssessmentKind.VALIDATION,
                                 method=AssessmentMethod.OBSERVATION, level=2 + (i + j) % 2)
            for i, user in enumerate(users) for j, competence in enumerate(competences[:4])
        ])
        # The in-process objects must look like what a view would load.
        self.enrollments = list(Enrollment.objects.filter(path=self.path)
                                .select_related("learner", "path", "cohort").order_by("pk"))

    def take(self, count: int) -> list:
        taken, self.enrollments = self.enrollments[:count], self.enrollments[count:]
        if len(taken) < count:
            raise RuntimeError("not enough bench enrollments")
        return taken

    def _delete_pages(self) -> None:
        from wagtail.models import Page, PageLogEntry

        if self.path is None:
            return
        ids = list(Page.objects.descendant_of(self.path, inclusive=True)
                   .values_list("pk", flat=True))
        self.path.delete()
        # Wagtail logs the pages' creation and deletion: that history is the bench's too.
        PageLogEntry.objects.filter(page_id__in=ids).delete()

    def _restore_organisation(self) -> None:
        from lms.accounts.models import Organisation

        organisation = Organisation.load()
        for field, value in self.organisation_saved.items():
            setattr(organisation, field, value)
        organisation.save()

    def cleanup(self) -> None:
        from wagtail.images import get_image_model

        from certificates.models import Document
        from courses.models import CompetenceFramework
        from lms.accounts.models import User
        from lms.cohorts.models import Cohort

        steps = [
            ("documents", lambda: Document.objects.filter(path__slug=self.tag).delete()),
            ("users", lambda: User.objects.filter(username__startswith=f"{self.tag}-").delete()),
            ("cohort", lambda: Cohort.objects.filter(name=f"Groupe {self.tag}").delete()),
            ("path", self._delete_pages),
        ]
        if self.organisation_saved is not None:
            steps.append(("organisation", self._restore_organisation))
        steps.append(("images", lambda: get_image_model().objects.filter(
            title__startswith=f"{self.tag} ").delete()))
        if self.loaded_referential:
            steps.append(("referential", lambda: CompetenceFramework.objects.all().delete()))
        for name, step in steps:
            try:
                step()
            except Exception as error:  # keep cleaning the rest
                log(f"cleanup of {name} failed: {error!r}")


# CPU accounting ----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return ["0"] * 20


def process_cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_minor_faults(pid: int) -> int:
    return int(_stat(pid)[7])


def own_minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def host_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (idle and iowait excluded)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class HostLoad:
    """How many cores other processes kept busy during a measurement: a busy host makes
    wall-clock figures (and above all worker scaling) unreliable."""

    def __init__(self, own_pids):
        self.own_pids = own_pids  # callable: pids of the processes the bench runs

    def start(self) -> None:
        self.started = time.perf_counter()
        self.busy = host_busy_s()
        self.own = self._own()

    def stop(self) -> None:
        self.elapsed = time.perf_counter() - self.started
        own_end = self._own()
        own = sum(own_end[pid] - self.own.get(pid, 0.0) for pid in own_end)
        self.other_cores = max(0.0, (host_busy_s() - self.busy - own) / self.elapsed)

    def _own(self) -> dict[int, float]:
        return {pid: process_cpu_s(pid) for pid in self.own_pids()}

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


# In-process pipeline -----------------------------------------------------------------------

class Timers:
    """Wall time and page faults spent in a few functions of the pipeline, per document, and
    the garbage collector's pauses."""

    def __init__(self):
        self.current: dict[str, float] = {}
        self.last_args: tuple = ("",)
        self._undo = []

    def wrap(self, owner, attribute: str, name: str, keep_html: bool = False):
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            if keep_html:
                self.last_args = args
            started, faults = time.perf_counter(), own_minor_faults()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.current[name] = self.current.get(name, 0.0) + elapsed
                self.current[f"{name}_faults"] = (self.current.get(f"{name}_faults", 0)
                                                  + own_minor_faults() - faults)

        setattr(owner, attribute, timed)
        self._undo.append((owner, attribute, original))

    def gc_callback(self, phase: str, info: dict) -> None:
        # Python's cyclic garbage collector pausing inside the measured code.
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            elapsed = time.perf_counter() - self._gc_started
            self.current["gc"] = self.current.get("gc", 0.0) + elapsed

    def __enter__(self):
        gc.callbacks.append(self.gc_callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self.gc_callback)
        for owner, attribute, original in reversed(self._undo):
            setattr(owner, attribute, original)
        self._undo.clear()
        return False


def _write_pdf(html: str, images: tuple[str, ...] = ()) -> bytes:
    from certificates import rendering

    return rendering._write_pdf(html, images)


_BARE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bare-weasyprint")


def bare_weasyprint(html: str, images: tuple[str, ...] = ()) -> bytes:
    """What rendering.html_to_pdf boils down to: the same cached stylesheet, fonts and
    organisation images. Called
    at the bottom of a thread of its own, so that this loop's stack depth adds no frame-stack
    churn (see README) to what WeasyPrint alone costs; the main thread waits without CPU."""
    return _BARE_THREAD.submit(_write_pdf, html, images).result()


def _check_issued(pk: int) -> None:
    from certificates.enums import DocumentStatus
    from certificates.models import Document

    if Document.objects.get(pk=pk).status != DocumentStatus.ISSUED:
        raise RuntimeError(f"document {pk} was not issued in process")


def measure_pipeline(data: "BenchData", docs: int) -> dict:
    from django.core.files.storage import FileSystemStorage
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates import rendering, services
    from certificates.enums import DocumentKind
    from lms.celery import app

    app.conf.task_always_eager = True  # on-commit → document_render runs in this process
    warmup = len(NAMES)  # every name once: fonts, glyph caches, templates, first connection
    rows, query_counts = [], []
    with Timers() as timers, HostLoad(lambda: [os.getpid()]) as load:
        timers.wrap(services, "document_render", "render")
        timers.wrap(services, "build_snapshot", "snapshot")
        timers.wrap(rendering, "document_html", "html")
        timers.wrap(rendering, "qr_data_uri", "qr")
        timers.wrap(rendering, "html_to_pdf", "weasyprint", keep_html=True)
        timers.wrap(FileSystemStorage, "save", "store")
        for index, enrollment in enumerate(data.take(warmup + docs)):
            timers.current = {}
            # Queries are counted on the warm-up documents only: the debug cursor that records
            # them would be timed with the pipeline.
            counting = CaptureQueriesContext(connection) if index < warmup else None
            with counting if counting is not None else contextlib.nullcontext():
                started, cpu = time.perf_counter(), time.process_time()
                document = services.document_request(
                    kind=DocumentKind.ATTESTATION, by=data.manager, enrollment=enrollment)
                total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
            if counting is not None:
                query_counts.append(len(counting))
            _check_issued(document.pk)
            pipeline = timers.current
            timers.current = {}
            started, cpu, faults = time.perf_counter(), time.process_time(), own_minor_faults()
            bare_weasyprint(*timers.last_args)
            bare, bare_cpu = time.perf_counter() - started, time.process_time() - cpu
            if index >= warmup:
                rows.append({"total": total, "total_cpu": total_cpu, "bare": bare,
                             "bare_cpu": bare_cpu, "bare_gc": timers.current.get("gc", 0.0),
                             "bare_faults": own_minor_faults() - faults,
                             **pipeline})

    # The parts that are not timed directly, per document (a difference of medians would carry
    # WeasyPrint's spread into them).
    for row in rows:
        row["request"] = row["total"] - row["render"]
        row["template"] = row["html"] - row["qr"]
        row["writes"] = (row["render"] - row["snapshot"] - row["html"] - row["weasyprint"]
                         - row["store"])

    def median_ms(key):
        return statistics.median(row.get(key, 0.0) for row in rows) * 1000

    parts = {key: median_ms(key) for key in (
        "total", "total_cpu", "bare", "bare_cpu", "bare_gc", "render", "snapshot", "html", "qr",
        "weasyprint", "store", "gc", "request", "template", "writes")}
    return {
        "document_pipeline_ms": parts["total"],
        "bare_weasyprint_ms": parts["bare"],
        "pipeline_overhead_ratio": parts["total"] / parts["bare"],
        "cpu": (parts["total_cpu"], parts["bare_cpu"]),
        "render_ratio": parts["render"] / parts["bare"],
        "breakdown": {
            # Celery's eager call around document_render is on this side of the wrapper.
            "request (checks, record, eager task)": parts["request"],
            "snapshot (build_snapshot)": parts["snapshot"],
            "html template (excl. QR)": parts["template"],
            "QR code (segno PNG)": parts["qr"],
            "weasyprint call in the pipeline": parts["weasyprint"],
            "store PDF (storage.save)": parts["store"],
            "claim/final writes, sha256": parts["writes"],
            "GC pauses in the whole pipeline (all parts)": parts["gc"],
            "GC pauses in the bare WeasyPrint run": parts["bare_gc"],
        },
        # CPython 3.11 maps and unmaps a 16 KiB frame-stack chunk each time a call crosses a
        # chunk boundary (python/cpython#142183): how often depends on the stack depth
        # WeasyPrint is called at, and shows as minor page faults.
        "faults": (statistics.median(row["weasyprint_faults"] for row in rows),
                   statistics.median(row["bare_faults"] for row in rows)),
        "queries_per_document": statistics.median(query_counts),
        "other_cores": load.other_cores,
    }


def profile_pipeline(data: "BenchData", docs: int) -> str:
    """cProfile of more documents, separately: profiling would distort the figures."""
    from certificates import services
    from certificates.enums import DocumentKind

    profiler = cProfile.Profile()
    for enrollment in data.take(docs):
        profiler.enable()
        document = services.document_request(kind=DocumentKind.ATTESTATION, by=data.manager,
                                             enrollment=enrollment)
        profiler.disable()
        _check_issued(document.pk)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"certificates|lms/|courses/|django/db/models/query|segno|storage|wagtail/images", 45)
    return out.getvalue()


# Celery workers ----------------------------------------------------------------------------

def children_rss_kb(pid: int) -> dict[int, int]:
    """{pid: VmRSS in kB} of the pool processes: the children of the worker's main process."""
    rss = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(pid) and "VmRSS" in fields:
            rss[int(entry.name)] = int(fields["VmRSS"].split()[0])
    return rss


def request_all(enrollments, manager, before_commit=lambda: None) -> list[int]:
    """Documents asked for in one transaction, as a batch is: their tasks are published when
    it commits, just after `before_commit` (which starts the clock)."""
    from django.db import transaction

    from certificates import services
    from certificates.enums import DocumentKind

    with transaction.atomic():
        ids = [services.document_request(kind=DocumentKind.ATTESTATION, by=manager,
                                         enrollment=enrollment).pk
               for enrollment in enrollments]
        before_commit()
    return ids


def all_issued(ids: list[int]) -> bool:
    from certificates.enums import DocumentStatus
    from certificates.models import Document

    statuses = Document.objects.filter(pk__in=ids).values_list("status", flat=True)
    counts = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    if counts.get(DocumentStatus.FAILED):
        error = Document.objects.filter(pk__in=ids, status=DocumentStatus.FAILED).first().error
        raise RuntimeError(f"{counts[DocumentStatus.FAILED]} document(s) failed: {error}")
    return counts.get(DocumentStatus.ISSUED, 0) == len(ids)


def measure_worker(data: BenchData, concurrency: int, docs: int, tag: str) -> dict:
    from lms.celery import app
    from tests.celery_worker import celery_worker, wait_for

    app.conf.task_always_eager = False
    queue = f"bench-{tag}-c{concurrency}"
    warm, timed = data.take(10), data.take(docs)
    with celery_worker(concurrency=concurrency, broker_url=REDIS_URL, queue=queue) as worker:
        # Start-up, imports and first renders are not throughput: 10 documents first.
        ids = request_all(warm, data.manager)
        wait_for(lambda: all_issued(ids), timeout=180, interval=0.1)
        rss_10 = children_rss_kb(worker.pid)
        pool = list(rss_10)
        cpu_before = {pid: process_cpu_s(pid) for pid in pool}
        faults_before = {pid: process_minor_faults(pid) for pid in pool}
        load = HostLoad(lambda: [os.getpid(), worker.pid, *pool])
        ids = request_all(timed, data.manager, before_commit=load.start)
        wait_for(lambda: all_issued(ids), timeout=600, interval=0.05)
        load.stop()
        pool_cpu = sum(process_cpu_s(pid) - cpu_before[pid] for pid in pool)
        pool_faults = sum(process_minor_faults(pid) - faults_before[pid] for pid in pool)
        rss_after = children_rss_kb(worker.pid)
    return {"queue": queue, "docs_per_s": docs / load.elapsed, "seconds": load.elapsed,
            "pool_cpu_ms_per_doc": pool_cpu / docs * 1000, "other_cores": load.other_cores,
            "pool_faults_per_doc": pool_faults / docs,
            "rss_10_kb": rss_10, "rss_after_kb": rss_after}


@contextlib.contextmanager
def published_task_ids():
    """Ids of the tasks this process sends, to delete their results from Redis afterwards."""
    from celery.signals import after_task_publish

    ids = []

    def record(sender=None, headers=None, body=None, **kwargs):
        task_id = (headers or {}).get("id") or (body or {}).get("id")
        if task_id:
            ids.append(task_id)

    after_task_publish.connect(record, weak=False)
    try:
        yield ids
    finally:
        after_task_publish.disconnect(record)


def clean_redis(task_ids: list[str], queues: list[str]) -> None:
    """Delete the results of the tasks sent and every key of the private queues (the queue,
    its priority lists and kombu's binding tables, whose names contain the queue's)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [f"celery-task-meta-{task_id}" for task_id in task_ids]
    for queue in queues:
        keys += client.scan_iter(match=f"*{queue}*", count=1000)
        client.zrem("_kombu.binding_deadlines", queue)
    removed = sum(client.delete(*keys[start:start + 500]) for start in range(0, len(keys), 500))
    client.close()
    log(f"removed {removed} Redis keys ({len(task_ids)} task results)")


# The TCPDF peer ----------------------------------------------------------------------------

# The texts of an attestation as this bench's data makes them (refreshed with
# --write-peer-sample): what --peer-only prints without a database.
PEER_SAMPLE = ROOT / "bench" / "peers" / "attestation-facts.json"


def peer_facts(tag: str) -> tuple[dict, dict[str, bytes]]:
    """What the TCPDF peer prints, from an attestation Parcours issued in this run: the texts
    of its snapshot as the templates print them, and the organisation's images as documents
    print them (the same PNG renditions)."""
    import base64
    import datetime

    from django.utils import dateformat, translation

    from certificates.enums import DocumentStatus
    from certificates.models import Document
    from certificates.rendering import verification_url
    from certificates.snapshots import organisation_snapshot
    from certificates.templatetags.documents import hours, hours_or_zero

    document = (Document.objects.filter(learner__username__startswith=f"{tag}-",
                                        status=DocumentStatus.ISSUED).order_by("pk").first())
    s = document.snapshot
    organisation, path = s["organisation"], s["path"]

    def day(value: str) -> str:
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")

    def level(row: dict) -> str:
        if not row["level"]:
            return "non évalué"
        return f"{row['level']} — {row['level_name']}" if row["level_name"] else str(row["level"])

    with translation.override("fr"):
        issued_on = dateformat.format(datetime.date.fromisoformat(s["issued_on"]), "j F Y")
    url = verification_url(document.code)
    prefix, suffix = url.split(document.code, 1)
    facts = {
        "organisation": {field: organisation[field] for field in (
            "name", "legal_name", "address", "siret", "nda", "place", "signatory_name",
            "signatory_title")},
        "action": [["Intitulé", path["title"]],
                   ["Nature de l'action", f"{path['action_type']} — {path['kind']}"],
                   ["Dates", f"du {day(s['start_date'])} au {day(s['end_date'])}"],
                   ["Modalité", path["modality"]]],
        "hours_planned": hours(s["hours_planned"]) if s["hours_planned"] else "—",
        "hours_attended": hours_or_zero(s["hours_attended"]),
        "objectives": path["objectives"],
        "assessment_methods": path["assessment_methods"],
        "assessment": [[f"{row['code']} {row['name']}", row["framework"], str(row["target"]),
                        level(row)] for row in s["assessment"]],
        "issued_on": issued_on,
        "verify_url_prefix": prefix, "verify_url_suffix": suffix,
        # Codes as long as Parcours' own, numbered per document.
        "code_format": document.code[:-6].replace("%", "%%") + "%06d",
        "names": [f"{first} {last}" for first, last in NAMES],
    }
    _organisation, uris = organisation_snapshot()
    images = {name: base64.b64decode(uri.split(",", 1)[1]) for name, uri in uris.items() if uri}
    return facts, images


def sample_peer_facts() -> tuple[dict, dict[str, bytes]]:
    """The same without a database: the stored texts, and the bench's images drawn and scaled
    as documents print them (Wagtail's `max-600x240` rendition)."""
    import json

    from PIL import Image

    images = {}
    for field, name in (("logo", "logo"), ("signature_image", "signature"),
                        ("stamp_image", "stamp")):
        size, draw = IMAGES[field]
        image = Image.open(io.BytesIO(_png(*size, draw)))
        image.thumbnail((600, 240))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        images[name] = buffer.getvalue()
    return json.loads(PEER_SAMPLE.read_text()), images


def run_peer(facts: dict, images: dict[str, bytes], docs: int, work_dir: Path) -> dict | None:
    """TCPDF with 1 then 2 processes, `docs` documents each run, with the images Parcours
    prints (PNGs with transparency), then the same with the images flattened on white
    (TCPDF's faster route, context); None when PHP, GD or TCPDF is missing and can't be
    installed here."""
    reason = tcpdf.ensure_installed()
    if reason:
        log(f"TCPDF peer not measured: {reason} (scripts/install-bench-deps.sh)")
        return None
    runs = {}
    for route, alpha in (("same", True), ("flat", False)):
        facts_file = tcpdf.prepare(work_dir, facts, images, alpha=alpha)
        for processes in (1, 2):
            log(f"TCPDF peer ({'same' if alpha else 'flattened'} images), {processes} "
                f"process{'es' if processes > 1 else ''}: {docs} documents")
            runs[route, processes] = tcpdf.measure(facts_file, docs, processes)
    exact, wrong = tcpdf.names_back(runs["same", 1]["out_dir"], facts["names"])
    return {"runs": runs, "exact": exact, "wrong": wrong, "names": len(facts["names"]),
            "docs": docs, "php": tcpdf.php_version(), "tcpdf": tcpdf.tcpdf_version()}


def peer_figures(peer: dict) -> tuple[dict, dict]:
    runs = peer["runs"]
    figures = {"tcpdf_docs_per_s_1_proc": runs["same", 1]["docs_per_s"],
               "tcpdf_docs_per_s_2_procs": runs["same", 2]["docs_per_s"]}
    context = {
        "tcpdf_cpu_ms_per_doc_1_proc": runs["same", 1]["cpu_ms_per_doc"],
        "tcpdf_cpu_ms_per_doc_2_procs": runs["same", 2]["cpu_ms_per_doc"],
        "tcpdf_scaling_2_vs_1": runs["same", 2]["docs_per_s"] / runs["same", 1]["docs_per_s"],
        # TCPDF's faster route: the images flattened on white beforehand (no GD per document).
        "tcpdf_flat_docs_per_s_1_proc": runs["flat", 1]["docs_per_s"],
        "tcpdf_flat_docs_per_s_2_procs": runs["flat", 2]["docs_per_s"],
        "tcpdf_flat_cpu_ms_per_doc_1_proc": runs["flat", 1]["cpu_ms_per_doc"],
        # Names whose text TCPDF's PDF gives back exactly (Parcours': all, or the bench fails).
        "tcpdf_names_exact": peer["exact"],
        "tcpdf_names_total": peer["names"],
    }
    for (route, processes), run in runs.items():
        name = "tcpdf" if route == "same" else "tcpdf_flat"
        context[f"host_other_cores_{name}_{processes}_proc{'s' if processes > 1 else ''}"] = (
            run["other_cores"])
    return figures, context


def print_peer(peer: dict | None, figures: dict) -> None:
    if peer is None:
        print("TCPDF peer: not measured (PHP or php-tcpdf missing; "
              "see scripts/install-bench-deps.sh)")
        return
    runs = peer["runs"]
    print(f"TCPDF peer (bench/peers/, TCPDF {peer['tcpdf']}, PHP {peer['php']} with OPcache): "
          f"{peer['docs']} documents in {runs['same', 1]['seconds']:.1f} s with 1 process, "
          f"{runs['same', 2]['seconds']:.1f} s with 2; images flattened beforehand: "
          f"{runs['flat', 1]['seconds']:.1f} s and {runs['flat', 2]['seconds']:.1f} s; "
          f"~{runs['same', 1]['bytes_per_doc'] / 1024:.0f} KB per PDF, peak PHP memory "
          f"{runs['same', 1]['peak_mb']:.0f} MB")
    wrong = f" (not back: {', '.join(peer['wrong'])})" if peer["wrong"] else ""
    print(f"TCPDF names back exactly from the PDF text: {peer['exact']} of {peer['names']}"
          f"{wrong}")
    if "docs_per_s_vs_tcpdf" in figures:
        ratio = figures["docs_per_s_vs_tcpdf"]
        print(f"docs_per_s_vs_tcpdf stretch goal >= {TCPDF_STRETCH:g}: "
              f"{'reached' if ratio >= TCPDF_STRETCH else 'not reached'} ({ratio:.3f})")


# Report ------------------------------------------------------------------------------------

def verdict(name: str, value: float) -> tuple[str, str]:
    for metric, comparison, bound in GOALS:
        if metric == name:
            ok = value <= bound if comparison == "<=" else value >= bound
            return f"{comparison} {bound:g}", "PASS" if ok else "FAIL"
    return "", ""


BUSY_HOST_CORES = 0.25  # other processes' load above which wall-clock figures are unreliable


def report(figures: dict, context: dict, details: dict) -> bool:
    for name, value in figures.items():
        print(f"{name}: {value:.3f}")
    print()
    width = max(len(name) for name in figures)
    print(f"{'figure'.ljust(width)}  {'value':>10}  {'goal':>8}  result")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 8}  ------")
    passed = True
    for name, value in figures.items():
        goal, result = verdict(name, value)
        passed = passed and result != "FAIL"
        print(f"{name.ljust(width)}  {value:>10.3f}  {goal:>8}  {result}")
    print()
    print("Context (not goals):")
    for name, value in context.items():
        print(f"{name}: {value:.3f}")
    busy = max(value for name, value in context.items() if name.startswith("host_other_"))
    if busy > BUSY_HOST_CORES:
        print(f"WARNING: other processes kept up to {busy:.2f} of {os.cpu_count()} cores busy "
              "during the measurements: wall-clock figures, above all worker scaling, are "
              "pessimistic. Rerun on an idle machine.")
    print()
    if "peer" in details:
        print_peer(details["peer"], figures)
    if not details.get("breakdown"):
        return passed
    print("Pipeline breakdown (median wall ms per document):")
    for part, value in details["breakdown"].items():
        print(f"  {part:<42} {value:8.1f}")
    print(f"  {'SQL queries per document':<42} {details['queries']:8.0f}")
    for concurrency, run in details["runs"].items():
        label = f"{concurrency} worker{'s' if concurrency > 1 else ''}"
        rss_10 = ", ".join(f"{kb / 1024:.0f}" for kb in run["rss_10_kb"].values())
        rss_after = ", ".join(f"{kb / 1024:.0f}" for kb in run["rss_after_kb"].values())
        print(f"Celery {label}: {details['celery_docs']} documents in {run['seconds']:.1f} s; "
              f"pool process RSS after 10 = {rss_10} MB, after {details['celery_docs']} more "
              f"= {rss_after} MB")
    if details.get("profile"):
        print()
        print("cProfile of the in-process pipeline (separate documents):")
        print(details["profile"])
    return passed


def peer_only(docs: int) -> int:
    """The TCPDF peer alone, on the stored texts: no database, no Redis."""
    work_dir = Path(tempfile.mkdtemp(prefix="parcours-bench-tcpdf-"))
    try:
        facts, images = sample_peer_facts()
        peer = run_peer(facts, images, docs, work_dir)
        if peer is None:
            print_peer(None, {})
            return 1
        figures, context = peer_figures(peer)
        report(figures, context, {"peer": peer})
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30, help="in-process documents (median)")
    parser.add_argument("--celery-docs", type=int, default=200, help="documents per worker run")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile 10 more in-process documents and print the top")
    parser.add_argument("--pipeline-only", action="store_true",
                        help="skip the Celery runs (quick look at the in-process figures)")
    parser.add_argument("--peer-only", action="store_true",
                        help="run only the TCPDF peer (no database; stored texts)")
    parser.add_argument("--no-peer", action="store_true",
                        help="skip the TCPDF peer (--pipeline-only skips it too)")
    parser.add_argument("--write-peer-sample", action="store_true",
                        help=f"store this run's attestation texts in {PEER_SAMPLE.name} "
                             "(what --peer-only prints)")
    parser.add_argument("--keep-db", action="store_true",
                        help=f"keep the {BENCH_DB} database after the run, to look into it "
                             "(the next run starts a fresh one anyway)")
    options = parser.parse_args()
    if options.peer_only:
        return peer_only(options.celery_docs)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.local")
    os.environ.setdefault("DEBUG", "false")  # no query log: measure what production runs
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    media_root = tempfile.mkdtemp(prefix="parcours-bench-media-")
    os.environ["MEDIA_ROOT"] = media_root
    own_db, created_db = prepare_database()

    import django

    django.setup()
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    profile_docs = 10 if options.profile else 0
    celery_runs = () if options.pipeline_only else (1, 2)
    data = BenchData(tag, len(NAMES) + options.docs + profile_docs
                     + len(celery_runs) * (10 + options.celery_docs))
    started = time.perf_counter()
    passed = False
    try:
        migrate(own_database=own_db)
        log(f"creating {data.size} completed enrollments ({tag})")
        data.create()
        log(f"in-process pipeline: {options.docs} documents (+{len(NAMES)} warm-up)")
        pipeline = measure_pipeline(data, options.docs)
        profile = profile_pipeline(data, profile_docs) if profile_docs else ""
        runs = {}
        with published_task_ids() as task_ids:
            try:
                for concurrency in celery_runs:
                    log(f"Celery worker, concurrency {concurrency}: "
                        f"{options.celery_docs} documents")
                    runs[concurrency] = measure_worker(data, concurrency, options.celery_docs,
                                                       tag)
            finally:
                clean_redis(task_ids, [f"bench-{tag}-c{c}" for c in (1, 2)])
        peer = None
        with_peer = not (options.no_peer or options.pipeline_only)
        if with_peer or options.write_peer_sample:
            facts, images = peer_facts(tag)
            if options.write_peer_sample:
                PEER_SAMPLE.write_text(json.dumps(facts, ensure_ascii=False, indent=1) + "\n")
                log(f"wrote {PEER_SAMPLE.relative_to(ROOT)}")
            if with_peer:
                # As many documents as each Celery run, after them: nothing else runs then.
                peer = run_peer(facts, images, options.celery_docs, Path(media_root))
        pipeline_cpu, bare_cpu = pipeline["cpu"]
        figures = {
            "document_pipeline_ms": pipeline["document_pipeline_ms"],
            "bare_weasyprint_ms": pipeline["bare_weasyprint_ms"],
            "pipeline_overhead_ratio": pipeline["pipeline_overhead_ratio"],
        }
        context = {
            "document_pipeline_cpu_ms": pipeline_cpu,
            "bare_weasyprint_cpu_ms": bare_cpu,
            "pipeline_overhead_ratio_cpu": pipeline_cpu / bare_cpu,
            # The worker's share only: services.document_render (claim to stored PDF).
            "render_overhead_ratio": pipeline["render_ratio"],
            "pipeline_weasyprint_minor_faults": pipeline["faults"][0],
            "bare_weasyprint_minor_faults": pipeline["faults"][1],
            "host_other_cores_in_process": pipeline["other_cores"],
        }
        if runs:
            figures.update({
                "celery_docs_per_s_1_worker": runs[1]["docs_per_s"],
                "celery_docs_per_s_2_workers": runs[2]["docs_per_s"],
                "worker_scaling_2_vs_1": runs[2]["docs_per_s"] / runs[1]["docs_per_s"],
                "worker_rss_ratio_200_vs_10": (sum(runs[1]["rss_after_kb"].values())
                                               / sum(runs[1]["rss_10_kb"].values())),
            })
            context.update({
                "worker_pool_cpu_ms_per_doc_1_worker": runs[1]["pool_cpu_ms_per_doc"],
                "worker_pool_cpu_ms_per_doc_2_workers": runs[2]["pool_cpu_ms_per_doc"],
                "worker_pool_minor_faults_per_doc": runs[1]["pool_faults_per_doc"],
                "host_other_cores_1_worker": runs[1]["other_cores"],
                "host_other_cores_2_workers": runs[2]["other_cores"],
            })
        if peer:
            peer_figs, peer_context = peer_figures(peer)
            figures.update(peer_figs)
            context.update(peer_context)
            if runs:
                figures["docs_per_s_vs_tcpdf"] = (runs[2]["docs_per_s"]
                                                  / peer_figs["tcpdf_docs_per_s_2_procs"])
                context["docs_per_s_vs_tcpdf_flat"] = (
                    runs[2]["docs_per_s"] / peer_context["tcpdf_flat_docs_per_s_2_procs"])
                # CPU per document, less sensitive to a busy host than wall-clock throughput.
                context["cpu_per_doc_tcpdf_vs_parcours"] = (
                    peer_context["tcpdf_cpu_ms_per_doc_2_procs"]
                    / runs[2]["pool_cpu_ms_per_doc"])
        wrong_names = names_exact(tag)
        details = {
            "breakdown": pipeline["breakdown"], "queries": pipeline["queries_per_document"],
            "runs": runs, "celery_docs": options.celery_docs, "profile": profile,
        }
        if with_peer:
            details["peer"] = peer
        passed = report(figures, context, details)
        # Every script exact: a wrong glyph or a lost diacritic fails the bench.
        print(f"names_exact: {'FAIL ' + repr(wrong_names) if wrong_names else 'PASS'}")
        passed = passed and not wrong_names
    finally:
        log("cleaning up")
        data.cleanup()
        shutil.rmtree(media_root, ignore_errors=True)
        if created_db and not options.keep_db:
            drop_database()
        log(f"done in {time.perf_counter() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
