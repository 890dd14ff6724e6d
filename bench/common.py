"""Helpers shared by the benchmarks: PostgreSQL databases of their own, Django set-up, the
machine's description, percentiles and the `name: value` + goals table every script prints.

Nothing here touches a database the benchmarks did not create: each script names its own."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The server only: each benchmark appends its own database name.
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# Databases ---------------------------------------------------------------------------------

def database_url(name: str) -> str:
    return f"{POSTGRES_SERVER}/{name}"


def _admin():
    import psycopg

    return psycopg.connect(database_url("postgres"), autocommit=True)


def database_exists(name: str) -> bool:
    with _admin() as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             [name]).fetchone() is not None


def database_create(name: str, template: str | None = None) -> None:
    """CREATE DATABASE, optionally as a file-level copy of `template` (no one may be connected
    to the template meanwhile)."""
    with _admin() as admin:
        clause = f' TEMPLATE "{template}"' if template else ""
        admin.execute(f'CREATE DATABASE "{name}"{clause}')


def database_drop(name: str) -> None:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(db_name: str, settings: str = "lms.settings.local") -> None:
    """Django on `db_name`, as production runs it: no DEBUG query log, tasks in-process."""
    os.environ["DATABASE_URL"] = database_url(db_name)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The test Client's host, and the loopback ones.
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    # Without Redis the cache is per process and tasks run in-process: no shared state with
    # the developer's Redis.
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def migrate() -> float:
    """Apply missing migrations; returns the seconds it took."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    started = time.perf_counter()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
    return time.perf_counter() - started


def use_database(name: str) -> None:
    """Point Django's default connection at another database of the same server (the next
    query reconnects) and forget what the local cache holds of the previous one."""
    from django.core.cache import cache
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name
    cache.clear()


# Machine -----------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": model, "cores": str(cores), "ram": f"{ram_gb:.1f} GB"}


def host_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (idle and iowait excluded)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def process_tree_cpu_s(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


class HostLoad:
    """Cores kept busy by the whole machine during a measurement: on a shared host,
    wall-clock latencies are pessimistic and must be read with it."""

    def __enter__(self):
        self.started = time.perf_counter()
        self.busy = host_busy_s()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.started
        self.cores = (host_busy_s() - self.busy) / self.elapsed if self.elapsed else 0.0
        return False


# Figures -----------------------------------------------------------------------------------

def percentile(values, pct: float) -> float:
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(value: float, goal) -> tuple[str, str]:
    """(goal text, PASS/FAIL/"") of a value against (comparison, bound) or None."""
    if goal is None:
        return "", ""
    comparison, bound = goal
    ok = value <= bound if comparison == "<=" else value >= bound
    return f"{comparison} {bound:g}", "PASS" if ok else "FAIL"


def report(figures: dict[str, float], goals: dict[str, tuple[str, float]]) -> bool:
    """Print `name: value` lines, then the table with goals; True when no goal is missed."""
    for name, value in figures.items():
        print(f"{name}: {value:.3f}")
    print()
    width = max(len(name) for name in figures)
    print(f"{'figure'.ljust(width)}  {'value':>10}  {'goal':>8}  result")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 8}  ------")
    passed = True
    for name, value in figures.items():
        goal, result = verdict(value, goals.get(name))
        passed = passed and result != "FAIL"
        print(f"{name.ljust(width)}  {value:>10.3f}  {goal:>8}  {result}".rstrip())
    print()
    return passed
