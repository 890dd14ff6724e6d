"""Two learner creations at once, for the tests of the same-name lock
(lms.accounts.services.learner_create) through each page's service."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from django.core.exceptions import ValidationError

from lms.accounts import services


def created_twice_at_once(create: Callable[[], str]) -> list[str]:
    """Run `create` (which returns the new learner's username) in two threads, each with its
    own connection, started together. The username step is slowed so that, without the lock,
    both would pass the same-name check before either inserts. Each result is the username
    made or "refused" (the same-name refusal); any other error is returned as it is."""
    start = threading.Barrier(2)
    real_username = services.unique_username

    def slow_username(**values):
        time.sleep(0.3)
        return real_username(**values)

    def submit(_):
        from django.db import connection

        try:
            start.wait(timeout=10)
            try:
                return create()
            except ValidationError as error:
                return "refused" if services.is_namesake_refusal(error) else error
        finally:
            connection.close()

    with mock.patch.object(services, "unique_username", slow_username), \
            ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(map(str, pool.map(submit, range(2))))
