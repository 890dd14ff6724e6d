"""A Redis server and Celery workers of the fault tests' own, which they stop and kill by pid
without touching the shared Redis on 6379."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
from django.conf import settings

from lms.accounts.models import Organisation
from lms.celery import app
from tests.celery_worker import ROOT, _database_url, _reset_producer_pool, wait_for
from tests.documents_setup import forget_locked_sessions, ready_to_sign


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """redis-server on a spare port, in memory only; stop() and start() keep the port."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            wait_for(self._answers(client), timeout=10, interval=0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()  # a crash, not a clean shutdown
        self.process.wait(timeout=10)
        self.process = None

    @staticmethod
    def _answers(client):
        def ping():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False
        return ping


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _reset_result_backend() -> None:
    # The result backend is built once per thread from the configuration: drop it so that the
    # next call builds one for the current URL.
    backend = app._backend_cache or getattr(app._local, "backend", None)
    if backend is not None and hasattr(backend, "client"):
        backend.client.connection_pool.disconnect()
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@contextmanager
def producer_on(url: str, *, queue: str):
    """This process sends tasks to `url` and stores results there, as in production where the
    broker and the result backend are the same Redis."""
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=url, result_backend=url,
                    task_default_queue=queue)
    _reset_producer_pool()
    _reset_result_backend()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_producer_pool()
        _reset_result_backend()


class Worker:
    """A Celery worker in a process group of its own, its output in a file."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        pids = []
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        return pids

    def kill_children(self) -> list[int]:
        children = self.children()
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        return children

    def kill_all(self) -> None:
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def fault_worker(*, broker_url: str, queue: str, log: Path, render_delay: float = 0,
                 visibility_timeout: float = 0, concurrency: int = 1,
                 sweeper: bool = False, sweep_every: float = 0, build_delay: float = 0):
    """Like tests.celery_worker.celery_worker, with the fault hooks of tests/faults/__init__.py
    and its own process group so that the test can kill it whole."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    if render_delay:
        env["PARCOURS_FAULTS_RENDER_DELAY"] = str(render_delay)
    if visibility_timeout:
        env["PARCOURS_FAULTS_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
    if sweeper:  # a production worker: not eager, so its sweeper thread runs
        env["PARCOURS_FAULTS_QUEUE"] = queue
    if sweep_every:
        env["PARCOURS_FAULTS_SWEEP_EVERY"] = str(sweep_every)
    if build_delay:
        env["PARCOURS_FAULTS_BUILD_DELAY"] = str(build_delay)
    command = [sys.executable, "-m", "celery", "-A", "lms", "worker", "-Q", queue,
               "-c", str(concurrency),
               "-P", "prefork", "-I", "tests.faults", "--without-heartbeat",
               "--without-gossip", "--without-mingle", "-l", "WARNING"]
    with log.open("a") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    worker = Worker(process, log)
    try:
        yield worker
    finally:
        # No graceful shutdown: the broker is thrown away with the test, and a warm shutdown
        # costs seconds. The group takes the pool processes along.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def queue():
    return f"faults-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def organisation(db):
    organisation = Organisation.load()
    organisation.name = "C-Num"
    organisation.legal_name = "Association C-Num"
    organisation.address = "12 rue des Tanneurs"
    organisation.postcode, organisation.city = "79000", "Niort"
    organisation.siret, organisation.nda = "73282932000074", "75790123479"
    organisation.signatory_name, organisation.signatory_title = "Nathalie Giraud", "Directrice"
    # With a signature and a stamp: attestations and certificates need them.
    yield ready_to_sign(organisation)
    # A locked session's marks can't be deleted (the lock triggers): the flush of a
    # transactional test would fail on those attended_session made. Removed here, before
    # the flush, session then marks.
    forget_locked_sessions()


def timed(function, *args, **kwargs):
    start = time.monotonic()
    result = function(*args, **kwargs)
    return result, time.monotonic() - start

