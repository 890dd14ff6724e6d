"""Pages never depend on the cache: a real Redis of the test's own, configured exactly as
production configures it (lms.settings.base.cache_settings), is stopped, and every URL of the
authorization matrix is asked for by every role. None may answer 500, each answers as the
matrix expects, and quickly; once Redis is back the cache is shared again."""

import shutil
import statistics
import time

import pytest
import redis
import time_machine
from django.core.cache import cache, caches
from django.test import Client, override_settings
from django.urls import reverse

from lms.core import cache as fallback_cache
from lms.settings.base import cache_settings
from tests import authorization_expectations as spec
from tests.faults.conftest import RedisServer
from tests.test_authorization_matrix import CASES, GRANTED, ROUTES, _url, check, world  # noqa: F401

pytestmark = [pytest.mark.integration]

# A request while Redis is down: the fallback answers from memory, and Redis is tried at most
# once every RETRY_AFTER seconds per process, at the cost of a refused connection. So the
# walk takes as long as with Redis up (median ~0.1 s on a loaded machine); the slowest request
# is the OpenAPI schema, built from scratch (~3 s there), not a wait for Redis.
MEDIAN_REQUEST = 0.5  # seconds
SLOWEST_REQUEST = 10.0


@pytest.fixture(autouse=True)
def _media():
    """The matrix's world keeps its files in its own MEDIA_ROOT, for the whole module (this
    replaces tests/faults/conftest.py's fixture of the same name)."""


@pytest.fixture(scope="module", autouse=True)
def production_cache(tmp_path_factory):
    """Module-wide (before the matrix's world is built): the production CACHES on a Redis
    server of this module's own."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    with override_settings(CACHES=cache_settings(server.url)):
        assert type(caches["default"]).__name__ == "FallbackRedisCache"
        yield server
    server.stop()


def _redis_keys(server) -> list[bytes]:
    client = redis.Redis(host="127.0.0.1", port=server.port, socket_connect_timeout=1)
    try:
        return client.keys("*")
    finally:
        client.close()


def _wait_retry_period():
    time.sleep(fallback_cache.RETRY_AFTER + 0.2)


@pytest.mark.django_db
def test_every_url_of_every_role_answers_with_redis_down_then_redis_is_used_again(
        production_cache, world, settings):  # noqa: F811
    server = production_cache
    cache.set("probe", "up")
    assert any(b"probe" in key for key in _redis_keys(server))

    # The matrix's cases are every route of the URLconf (its own test fails a route without
    # expectations) and the explicit pages: all of them are walked, as every role.
    walked_keys = {key for key, _method in CASES}
    assert set(ROUTES) <= walked_keys, set(ROUTES) - walked_keys
    server.stop()
    problems, durations = [], []
    walk_started = time.monotonic()
    for key, method in CASES:
        expected = {**spec.EXPECTATIONS, **spec.PAGES}[key][method]
        url = _url(world, key)
        body = world.bodies.get((key, method))
        if url == "/healthz/":
            continue  # says Redis is down, by design: checked below
        for role in spec.ROLES:
            started = time.monotonic()
            outcome, label = check(world, role, method, url, body)
            durations.append((time.monotonic() - started, f"{method} {url} as {role}"))
            if outcome is None:
                problems.append(f"{method} {url} as {role}: {label}")
            elif (key, method, role) in spec.KNOWN_HOLES:
                continue
            elif (outcome == GRANTED) != (role in expected):
                problems.append(f"{method} {url} as {role}: {label}, not as with Redis up")
    walked = time.monotonic() - walk_started
    slowest = max(durations)
    median = statistics.median(seconds for seconds, _what in durations)
    print(f"Redis down: {len(durations)} requests in {walked:.1f} s, median "
          f"{median * 1000:.0f} ms, slowest {slowest[0] * 1000:.0f} ms ({slowest[1]})")
    assert not problems, "\n".join(problems)
    healthz_cases = sum(1 for key, _method in CASES if key == "healthz")
    assert len(durations) == (len(CASES) - healthz_cases) * len(spec.ROLES)
    assert median < MEDIAN_REQUEST, median
    assert slowest[0] < SLOWEST_REQUEST, slowest

    # The site says so.
    settings.CELERY_BROKER_URL = server.url
    response = Client().get("/healthz/")
    assert response.status_code == 503
    services = response.json()["services"]
    assert services["cache"]["status"] == "error"
    assert services["broker"]["status"] == "error"
    assert services["database"]["status"] == "ok"

    # Redis back: after the back-off, the cache is Redis again.
    server.start()
    _wait_retry_period()
    cache.set("probe-again", "up")
    assert any(b"probe-again" in key for key in _redis_keys(server))
    response = Client().get("/healthz/")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_rate_limits_keep_counting_per_process_while_redis_is_down(production_cache):
    server = production_cache
    server.stop()
    try:
        client = Client()
        url = reverse("certificates:verify", args=["NOSUCHCODE23"])
        # The limit counts in fixed one-minute windows: a slow run could cross into the next
        # window between the 30th and 31st request and start counting afresh, so the wall clock
        # stands still while the 31 requests are made.
        with time_machine.travel(time.time(), tick=False):
            statuses = [client.get(url).status_code for _ in range(31)]
        # 30 a minute: the 31st is refused, Redis or not (never "fail open").
        assert statuses[:30] == [404] * 30, statuses
        assert statuses[30] == 429
    finally:
        server.start()
        _wait_retry_period()
        cache.clear()


def test_a_down_redis_costs_milliseconds_and_is_logged_once(production_cache, caplog):
    server = production_cache
    server.stop()
    try:
        backend = caches["default"]
        started = time.monotonic()
        for number in range(200):
            backend.set(f"k{number}", number)
            assert backend.get(f"k{number}") == number
        elapsed = time.monotonic() - started
        print(f"Redis down: 400 cache calls in {elapsed * 1000:.0f} ms")
        assert elapsed < 1.0
        assert backend.redis_down
        outage_lines = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
        assert len(outage_lines) <= 1
    finally:
        server.start()
        _wait_retry_period()
        caches["default"].clear()


@pytest.mark.django_db
def test_login_limits_hold_while_redis_is_down(production_cache):
    """Never open on login: the API token endpoint's throttle keeps counting per process,
    and lock-outs (django-axes, kept in the database) keep locking, with Redis stopped."""
    from tests.accounts.factories import PASSWORD, TrainerFactory

    server = production_cache
    person = TrainerFactory()
    other = TrainerFactory()
    server.stop()
    try:
        # Five wrong passwords lock the account (AXES_FAILURE_LIMIT): the right one is
        # refused, on the login form and on the token endpoint.
        client = Client()
        for attempt in range(5):
            response = client.post("/comptes/connexion/",
                                   {"username": person.username, "password": f"x{attempt}"})
            assert response.status_code in (200, 429), response.status_code
        response = client.post("/comptes/connexion/",
                               {"username": person.username, "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        response = Client().post("/api/v1/auth/token/",
                                 {"username": person.username, "password": PASSWORD},
                                 content_type="application/json")
        assert response.status_code in (400, 403, 429), response.status_code
        assert "token" not in response.json()

        # The token endpoint's throttle: 20 a minute per address, then 429, even for the
        # right password (counted in the fallback, the wall clock standing still).
        cache.clear()
        with time_machine.travel(time.time(), tick=False):
            statuses = [Client().post("/api/v1/auth/token/",
                                      {"username": other.username, "password": PASSWORD},
                                      content_type="application/json").status_code
                        for _ in range(21)]
        assert statuses[:20] == [200] * 20, statuses
        assert statuses[20] == 429
    finally:
        server.start()
        _wait_retry_period()
        cache.clear()


@pytest.mark.django_db
def test_a_redis_that_answers_with_errors_is_as_good_as_down(production_cache):
    """A failover can leave the cache's Redis a read-only replica (as can maxmemory's OOM
    refusals or MISCONF): its errors don't reach the pages either."""
    server = production_cache
    client = redis.Redis(host="127.0.0.1", port=server.port, socket_connect_timeout=1)
    client.replicaof("127.0.0.1", 1)  # a master that isn't there: read-only, stale reads
    try:
        backend = caches["default"]
        backend.set("written", 1)  # "You can't write against a read only replica."
        assert backend.redis_down
        assert backend.get("written") == 1  # from this process's memory
        url = reverse("certificates:verify", args=["NOSUCHCODE23"])
        web = Client()
        with time_machine.travel(time.time(), tick=False):
            statuses = [web.get(url).status_code for _ in range(31)]
        assert statuses[:30] == [404] * 30, statuses
        assert statuses[30] == 429
    finally:
        client.replicaof("NO", "ONE")
        client.close()
        _wait_retry_period()
        cache.clear()
