"""Liveness of the services the site depends on, for load balancers and operators."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure of a dependency is reported, never raised
        return {"status": "error", "error": f"{type(error).__name__}: {error}"[:300]}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker():
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def _check_cache():
    from django.core.cache import cache

    # Asks Redis itself: the site keeps working without it (lms.core.cache), but an operator
    # must see that rate limits are per process and the cache cold.
    cache.ping()


def service_states() -> dict[str, dict]:
    from django.core.cache import cache

    states = {"database": _timed(_check_database)}
    if hasattr(cache, "ping"):
        states["cache"] = _timed(_check_cache)
    else:
        states["cache"] = {
            "status": "not_configured",
            "detail": "REDIS_URL is unset: the cache is each process's memory.",
        }
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        states["broker"] = {
            "status": "not_configured",
            "detail": "REDIS_URL is unset: tasks run in-process.",
        }
    else:
        states["broker"] = _timed(_check_broker)
    return states


@never_cache
@require_GET
def healthz(request):
    services = service_states()
    healthy = all(state["status"] in ("ok", "not_configured") for state in services.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "services": services},
        status=200 if healthy else 503,
    )
