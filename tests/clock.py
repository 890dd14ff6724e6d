"""The test clock: the suite can run with the clock set to any date (PARCOURS_TEST_DATE).

Tests build their dates from the application's clock (`timezone.now()`, `timezone.localdate()`,
the factories' defaults), never from a date written in the test or from the weekday of the day
the suite happens to run. To prove it, CI runs the tests marked `dates` once per date of
`FROZEN_DATES` (`make test-dates`), each run in its own process with the clock travelled there
from the start (`tests/conftest.py::pytest_configure`), before the test modules are imported: a
module's `TODAY = timezone.localdate()` is then the frozen day too, which a per-test
parametrisation inside one process could not give.

The clock keeps ticking from the destination (time-machine's `tick=True`): timing code,
rate-limit windows and rotating check-in codes still see time pass.
"""

import datetime
import os
import zoneinfo

import time_machine

ENV = "PARCOURS_TEST_DATE"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Noon in Paris unless a time is given: the date is then the same in UTC and in Paris.
DEFAULT_TIME = datetime.time(12, 0)

# The days on which calendar code usually breaks (settings.TIME_ZONE is Europe/Paris). All in
# the past: the database's own clock is not travelled, and the attendance triggers refuse an
# amendment or override stamped later than the database's now() (so that nobody pre-stamps a
# row to block later corrections); a frozen day in the future would make every amendment of
# those tests a stamp from the future.
FROZEN_DATES = {
    "monday": datetime.date(2025, 9, 1),
    # A Sunday in ISO week 53 (2020-W53): the week straddles two years.
    "sunday": datetime.date(2021, 1, 3),
    # 31 December in ISO week 1 of the next year (2026-W01).
    "new-year-eve": datetime.date(2025, 12, 31),
    "leap-day": datetime.date(2024, 2, 29),
    # Daylight-saving changes in Europe/Paris: 23-hour and 25-hour days.
    "dst-spring": datetime.date(2025, 3, 30),
    "dst-autumn": datetime.date(2025, 10, 26),
}


def parse(value: str) -> datetime.datetime:
    """`2028-02-29`, `2028-02-29T08:30` or a name of FROZEN_DATES, as an aware Paris time."""
    value = value.strip()
    if value in FROZEN_DATES:
        value = FROZEN_DATES[value].isoformat()
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{ENV}={value!r}: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or one of "
            f"{', '.join(FROZEN_DATES)}") from None
    if len(value) == 10:  # a date alone
        moment = datetime.datetime.combine(moment.date(), DEFAULT_TIME)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment


def requested() -> datetime.datetime | None:
    value = os.environ.get(ENV, "")
    return parse(value) if value else None


def travel(moment: datetime.datetime) -> time_machine.travel:
    """A ticking travel to `moment` (not started)."""
    return time_machine.travel(moment, tick=True)
