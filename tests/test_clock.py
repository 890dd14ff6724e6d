"""The frozen-date machinery itself (tests/clock.py, tests/conftest.py)."""

import datetime
import time

import pytest
from django.utils import timezone

from tests import clock
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory

# Read at import, as many test modules do: under PARCOURS_TEST_DATE it is the frozen day too.
IMPORTED_ON = timezone.localdate()

pytestmark = pytest.mark.dates


@pytest.mark.frozen_clock
def test_a_marked_test_sees_the_frozen_date():
    moment = clock.requested()
    today = timezone.localdate()
    assert today == IMPORTED_ON
    assert datetime.date.today() == today
    assert today == moment.date()
    # The clock ticks from the destination, so that timing code still works.
    assert timezone.now() >= moment
    assert timezone.now() - moment < datetime.timedelta(hours=1)
    before = time.time()
    time.sleep(0.01)
    assert time.time() > before


@pytest.mark.real_clock
@pytest.mark.frozen_clock
def test_a_test_with_another_process_keeps_the_real_clock(tmp_path):
    # The travel is stopped around it (tests/conftest.py), then resumed for the next tests.
    # The kernel dates a new file by the real clock, which the travel doesn't reach.
    stamp = tmp_path / "now"
    stamp.write_text("")
    assert abs(time.time() - stamp.stat().st_mtime) < 60


@pytest.mark.frozen_clock
def test_the_travel_resumes_after_a_real_clock_test():
    moment = clock.requested()
    assert timezone.localdate() == moment.date()


@pytest.mark.django_db
def test_the_factories_follow_the_frozen_clock(path):
    today = timezone.localdate()
    assert SessionFactory(cohort=CohortFactory(path=path)).date == today - datetime.timedelta(1)


@pytest.mark.parametrize("name", list(clock.FROZEN_DATES))
def test_travel_to_each_frozen_date(name):
    day = clock.FROZEN_DATES[name]
    moment = clock.parse(name)
    with clock.travel(moment):
        assert timezone.localdate() == day
        assert datetime.date.today() == day
        assert timezone.localtime().hour == 12
    assert moment.tzinfo.key == "Europe/Paris"


def test_the_frozen_dates_cover_the_calendar_traps():
    days = clock.FROZEN_DATES.values()
    assert {day.weekday() for day in days} >= {0, 6}
    assert any((day.month, day.day) == (12, 31) for day in days)
    assert any((day.month, day.day) == (2, 29) for day in days)
    # Both daylight-saving changes: a 23-hour and a 25-hour day in Paris.
    lengths = set()
    for day in days:
        start = datetime.datetime.combine(day, datetime.time(), clock.PARIS)
        end = datetime.datetime.combine(day + datetime.timedelta(1), datetime.time(), clock.PARIS)
        lengths.add((end.timestamp() - start.timestamp()) / 3600)
    assert lengths == {23, 24, 25}


def test_a_given_time_and_a_bad_value():
    assert clock.parse("2027-10-31T02:30").hour == 2
    assert clock.parse("2028-02-29").tzinfo == clock.PARIS
    with pytest.raises(ValueError, match=clock.ENV):
        clock.parse("lundi")
