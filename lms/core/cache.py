"""A Redis cache that pages never depend on.

Everything the site keeps in the cache can be lost without harm: rate-limit counters
(django-ratelimit, DRF throttles), Wagtail's site-root paths, rendered fragments. Lock-outs do
not live there (django-axes' handler is the database one, see AXES_HANDLER). So when Redis
can't be reached, or answers with an error, a call answers from a per-process in-memory cache
instead of raising: every page keeps working, and rate limits keep counting, per process (a
limit of 30 a minute becomes 30 a minute per gunicorn worker for the outage) instead of
failing open. Once Redis answers again, what the outage left in memory is forgotten.

A down Redis costs milliseconds: the socket timeouts are short
(lms.settings.base.cache_settings), and after a failure the backend does not try Redis again
for RETRY_AFTER seconds, answering from memory meanwhile. It logs the outage once a minute,
not once a call.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds without trying Redis after a failure: short enough that the cache is shared again
# soon after Redis returns, long enough that an outage costs one timeout per process per
# period rather than one per call.
RETRY_AFTER = 5.0
LOG_EVERY = 60.0
# Not only a Redis that can't be reached: one that answers with an error (a replica left
# read-only by a failover, "OOM command not allowed" at maxmemory, "MISCONF" when it can't
# persist) is as useless to a page. Nothing the site asks of the cache is malformed, so any
# error of Redis is a fault of Redis.
UNREACHABLE = (RedisError, OSError)


def _falls_back(name: str):
    redis_method = getattr(RedisCache, name)

    @functools.wraps(redis_method)
    def method(self, *args, **kwargs):
        if not self._redis_may_answer():
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = redis_method(self, *args, **kwargs)
        except UNREACHABLE as error:
            self._redis_failed(error)
            return getattr(self._fallback, name)(*args, **kwargs)
        self._redis_answered()
        return result

    return method


class FallbackRedisCache(RedisCache):
    """Django's RedisCache, answering from a per-process LocMemCache while Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"fallback-{id(self)}", {
            "TIMEOUT": params.get("TIMEOUT", 300),
            "KEY_PREFIX": params.get("KEY_PREFIX", ""),
            "VERSION": params.get("VERSION", 1),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        })
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which Redis is not tried
        self._logged_at = -LOG_EVERY
        self._down_since: float | None = None

    @property
    def redis_down(self) -> bool:
        return self._down_since is not None

    def _redis_may_answer(self) -> bool:
        return time.monotonic() >= self._down_until

    def _redis_failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + RETRY_AFTER
            if self._down_since is None:
                self._down_since = now
            should_log = now - self._logged_at >= LOG_EVERY
            if should_log:
                self._logged_at = now
        if should_log:
            logger.warning("Cache: Redis unreachable (%s: %s); answering from this process's "
                           "memory, trying Redis again every %.0f s.",
                           type(error).__name__, error, RETRY_AFTER)

    def _redis_answered(self) -> None:
        if self._down_since is not None:
            with self._lock:
                since, self._down_since = self._down_since, None
            if since is not None:
                # What the outage left in memory would come back at the next one, though
                # Redis may have changed or deleted it meanwhile: forget it.
                self._fallback.clear()
                logger.warning("Cache: Redis answers again after %.0f s.",
                               time.monotonic() - since)

    def ping(self) -> None:
        """Ask Redis itself, never the fallback: for /healthz/. Raises when it can't answer."""
        self._cache.get_client(write=True).ping()
        self._redis_answered()


for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
              "set_many", "delete_many", "clear"):
    setattr(FallbackRedisCache, _name, _falls_back(_name))
