"""Load benchmark: the production stack (gunicorn, production settings, PostgreSQL) under a
short mix of learners reading "Mon parcours" and trainers saving roll calls through the API.

    .venv/bin/python bench/load.py [--duration 20] [--connections 6] [--workers 3]
                                   [--client auto|wrk|python] [--keep-db]

The data is the scale benchmark's 10,000 learners (bench/scale.py builds it when missing),
copied for the run to a throwaway database `parcours_load` (CREATE DATABASE … TEMPLATE), so
that the roll calls written here never change what bench/scale.py measures. gunicorn listens
on 127.0.0.1 only, on a free port, with lms.settings.production (random SECRET_KEY,
SECURE_SSL_REDIRECT=false, no Redis: tasks run in-process). Three requests in four are a
learner's dashboard (40 learners, each with their session cookie), one in four a trainer's
POST /api/v1/sessions/{id}/roll-call/ with the whole group's 30 marks (20 sessions, each with
its trainer's API token), alternating two sets of marks so that every save writes. The load
comes from `wrk` when installed (apt-get install wrk), else from a small threaded client.

Prints `load_rps`, `load_p95_ms`, `load_errors` (non-200 answers and socket errors; goal 0) and
context lines, then the table. gunicorn is stopped and the database dropped at the end.
"""

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    HostLoad,
    database_create,
    database_drop,
    database_exists,
    database_url,
    django_setup,
    log,
    machine,
    percentile,
    process_tree_cpu_s,
    report,
)

SOURCE_DB = "parcours_scale"
LOAD_DB = "parcours_load"
VERSION = "bench-scale v1"  # bench/scale.py's build marker
PYTHON = sys.executable
GOALS = [("load_errors", "<=", 0)]

LEARNERS = [f"scale-l{5000 + n:05d}" for n in range(40)]  # block 50: learners with 2 paths
ROLLCALL_COHORTS = [f"Groupe {b + 1}-{k + 1}" for b in range(60, 64) for k in range(5)]
TODAY_SESSION = 13  # of each cohort, by date: the one being marked (bench/scale.py layout)
DASHBOARD = "/suivi/mon-parcours/"


# Data ----------------------------------------------------------------------------------------

def source_is_built() -> bool:
    import psycopg

    if not database_exists(SOURCE_DB):
        return False
    with psycopg.connect(database_url(SOURCE_DB)) as connection:
        try:
            row = connection.execute("SELECT employer FROM accounts_user WHERE username = %s",
                                     ["scale-manager"]).fetchone()
        except psycopg.Error:
            return False
    return bool(row) and row[0] == VERSION


def prepare_database() -> None:
    if not source_is_built():
        log(f"{SOURCE_DB} is missing or unfinished: building it with bench/scale.py")
        subprocess.run([PYTHON, str(ROOT / "bench" / "scale.py"), "--build-only"], check=True)
    database_drop(LOAD_DB)
    started = time.perf_counter()
    database_create(LOAD_DB, template=SOURCE_DB)
    log(f"copied {SOURCE_DB} to {LOAD_DB} in {time.perf_counter() - started:.0f} s")


def load_plan() -> dict:
    """Session cookies of the learners; path, token and two mark sets of each roll call."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from lms.accounts.models import User
    from lms.attendance.models import Session
    from lms.progress.enums import EnrollmentStatus
    from lms.progress.models import Enrollment

    backend = settings.AUTHENTICATION_BACKENDS[0]
    cookies = []
    for user in User.objects.filter(username__in=LEARNERS).order_by("username"):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(store.session_key)
    posts = []
    for name in ROLLCALL_COHORTS:
        session = (Session.objects.filter(cohort__name=name).select_related("trainer")
                   .order_by("date", "start_time")[TODAY_SESSION])
        learners = list(Enrollment.objects.filter(cohort_id=session.cohort_id)
                        .exclude(status=EnrollmentStatus.WITHDRAWN)
                        .order_by("learner_id").values_list("learner_id", flat=True))
        token, _created = Token.objects.get_or_create(user=session.trainer)
        everyone = [{"learner": pk, "status": "present"} for pk in learners]
        mixed = [{"learner": pk, "status": ("absent", "late", "present")[i % 3],
                  **({"minutes_late": 10} if i % 3 == 1 else {})}
                 for i, pk in enumerate(learners)]
        posts.append({"path": f"/api/v1/sessions/{session.pk}/roll-call/", "token": token.key,
                      "bodies": [json.dumps({"marks": everyone}),
                                 json.dumps({"marks": mixed})]})
    if len(cookies) != len(LEARNERS) or not posts:
        raise RuntimeError("the scale data lacks the load test's learners or sessions")
    return {"cookies": cookies, "posts": posts, "group": len(learners)}


# gunicorn ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(secret_key: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "DATABASE_URL": database_url(LOAD_DB),
        "LOG_LEVEL": "WARNING",
    })
    return env


def collectstatic(env: dict) -> None:
    """The manifest production serves from; rebuilt only when a file of static/ is newer
    (WhiteNoise compresses every file: minutes on two cores)."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    newest = max((path.stat().st_mtime for path in (ROOT / "static").rglob("*")
                  if path.is_file()), default=0)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    log("collectstatic (the manifest is missing or older than static/)")
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT,
                   env=env, check=True)


class Gunicorn:
    def __init__(self, env: dict, workers: int, port: int, log_path: Path):
        self.port = port
        self.log_path = log_path
        self.process = subprocess.Popen(
            [str(Path(PYTHON).with_name("gunicorn")), "lms.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60",
             "--error-logfile", str(log_path), "--log-level", "warning"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_tail()}")
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz/")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer /healthz/: {self.log_tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children"
                            ).read_text().split()
        except OSError:
            children = []
        return [self.process.pid, *map(int, children)]

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text()[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# Load generators -----------------------------------------------------------------------------

WRK_SCRIPT = r"""
-- Globals, not locals: done() reads each thread's `bad` with thread:get.
plan = PLAN
counter = 0
bad = 0
threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- Threads start at different learners and sessions.
  counter = id * 7
end

function request()
  counter = counter + 1
  if counter % 4 == 0 then
    local n = counter / 4
    local post = plan.posts[n % #plan.posts + 1]
    local body = post.bodies[math.floor(n / #plan.posts) % 2 + 1]
    return wrk.format("POST", post.path, {["Authorization"] = "Token " .. post.token,
                      ["Content-Type"] = "application/json"}, body)
  end
  local cookie = plan.cookies[counter % #plan.cookies + 1]
  return wrk.format("GET", plan.dashboard, {["Cookie"] = "sessionid=" .. cookie})
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, thread in ipairs(threads) do
    non200 = non200 + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
    '"non200": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, non200))
end
"""


def lua_value(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_value(k)}] = {lua_value(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string literal here
    return str(value)


def run_wrk(port: int, plan: dict, duration: float, connections: int, workdir: Path) -> dict:
    script = workdir / "load.lua"
    script.write_text(WRK_SCRIPT.replace("PLAN", lua_value({
        "cookies": plan["cookies"], "posts": plan["posts"], "dashboard": DASHBOARD})))
    threads = min(2, connections)
    done = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s",
         "--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=duration + 60,
    )
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")),
                None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    data = json.loads(line[len("WRK_JSON "):])
    seconds = data["duration_us"] / 1e6
    return {
        "requests": data["requests"], "seconds": seconds,
        "p50_ms": data["p50_us"] / 1000, "p95_ms": data["p95_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000, "max_ms": data["max_us"] / 1000,
        "errors": data["non200"] + data["connect"] + data["read"] + data["write"]
        + data["timeout"],
        "by_kind": {},
    }


def run_python(port: int, plan: dict, duration: float, connections: int) -> dict:
    """The same mix from threads, one connection each (gunicorn's sync workers close it after
    every answer, as they do for wrk)."""
    results = {"dashboard": [], "roll_call": []}
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker(offset: int):
        counter = offset * 7
        mine = {"dashboard": [], "roll_call": []}
        failed = 0
        while time.perf_counter() < deadline:
            counter += 1
            if counter % 4 == 0:
                n = counter // 4
                post = plan["posts"][n % len(plan["posts"])]
                kind, method, path = "roll_call", "POST", post["path"]
                body = post["bodies"][(n // len(plan["posts"])) % 2]
                headers = {"Authorization": f"Token {post['token']}",
                           "Content-Type": "application/json"}
            else:
                cookie = plan["cookies"][counter % len(plan["cookies"])]
                kind, method, path, body = "dashboard", "GET", DASHBOARD, None
                headers = {"Cookie": f"sessionid={cookie}"}
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                connection.close()
                ok = response.status == 200
            except OSError:
                ok = False
            mine[kind].append((time.perf_counter() - started) * 1000)
            failed += not ok
        with lock:
            for key, values in mine.items():
                results[key].extend(values)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    every = results["dashboard"] + results["roll_call"]
    return {
        "requests": len(every), "seconds": seconds,
        "p50_ms": percentile(every, 50), "p95_ms": percentile(every, 95),
        "p99_ms": percentile(every, 99), "max_ms": max(every, default=float("nan")),
        "errors": errors[0],
        "by_kind": {kind: percentile(values, 95) for kind, values in results.items()},
    }


def drive(client: str, port: int, plan: dict, duration: float, connections: int,
          workdir: Path) -> dict:
    if client == "wrk":
        return run_wrk(port, plan, duration, connections, workdir)
    return run_python(port, plan, duration, connections)


# Main ----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20, help="measured seconds (≤ 30)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds, not measured")
    parser.add_argument("--connections", type=int, default=6, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=min(4, max(2, (os.cpu_count() or 1) + 1)),
                        help="gunicorn workers (2-4)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {LOAD_DB} afterwards")
    options = parser.parse_args()
    duration = min(options.duration, 30)
    workers = min(4, max(2, options.workers))
    client = options.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    warnings.filterwarnings("ignore", message="No directory at")

    started = time.perf_counter()
    prepare_database()
    secret_key = secrets.token_urlsafe(64)
    env = server_env(secret_key)
    workdir = Path(tempfile.mkdtemp(prefix="parcours-load-"))
    server = None
    try:
        os.environ["SECRET_KEY"] = secret_key  # the session hashes must match the server's
        django_setup(LOAD_DB, settings="lms.settings.production")
        plan = load_plan()
        from django.db import connections

        connections.close_all()
        collectstatic(env)
        port = free_port()
        log(f"gunicorn: {workers} workers on 127.0.0.1:{port}, {LOAD_DB}")
        server = Gunicorn(env, workers, port, workdir / "gunicorn.log")
        server.wait_ready()
        log(f"warm-up {options.warmup:g} s, then {duration:g} s of load with {client}, "
            f"{options.connections} connections")
        drive(client, port, plan, options.warmup, options.connections, workdir)
        cpu_before = process_tree_cpu_s(server.pids())
        with HostLoad() as host:
            run = drive(client, port, plan, duration, options.connections, workdir)
        server_cpu = process_tree_cpu_s(server.pids()) - cpu_before
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn died during the load: {server.log_tail()}")
    finally:
        if server is not None:
            server.stop()
            tail = server.log_tail().strip()
            if tail:
                log(f"gunicorn log (tail):\n{tail}")
        shutil.rmtree(workdir, ignore_errors=True)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if not options.keep_db:
            database_drop(LOAD_DB)

    figures = {
        "load_rps": run["requests"] / run["seconds"],
        "load_p95_ms": run["p95_ms"],
        "load_errors": float(run["errors"]),
    }
    passed = report(figures, {name: (op, bound) for name, op, bound in GOALS})
    context = {
        "load_requests": run["requests"],
        "load_seconds": run["seconds"],
        "load_p50_ms": run["p50_ms"],
        "load_p99_ms": run["p99_ms"],
        "load_max_ms": run["max_ms"],
        **{f"load_p95_ms_{kind}": value for kind, value in run["by_kind"].items()},
        "load_workers": workers,
        "load_connections": options.connections,
        # Server CPU per request (master + workers; PostgreSQL not counted): what the
        # throughput of an idle machine follows, whatever else runs on this one.
        "load_server_cpu_ms_per_request": 1000 * server_cpu / max(1, run["requests"]),
        "load_server_cores": server_cpu / run["seconds"],
        "load_host_busy_cores": host.cores,
    }
    print("Context (not goals):")
    for name, value in context.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    info = machine()
    print(f"load_client: {client}; mix: 3 GET {DASHBOARD} (40 learners) for 1 POST roll call "
          f"({len(plan['posts'])} sessions of {plan['group']} learners)")
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM")
    others = host.cores - server_cpu / run["seconds"] - 0.3  # ~0.3: PostgreSQL and client
    if others > 0.5:
        print(f"WARNING: other processes kept about {others:.1f} of {info['cores']} cores busy "
              "during the load: throughput and latencies are pessimistic.")
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
