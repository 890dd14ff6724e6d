"""The signature path check reads each character once: hostile strokes are refused at once."""

import re
import time

import pytest
from django.core.exceptions import ValidationError

from lms.attendance.signatures import path_data_is_valid, signature_svg

# The pattern the check used before (kept here only to show the strokes that broke it).
_OLD_POINT = r"(?:[\s,]*-?\d+(?:\.\d+)?){2}"
OLD_PATH_DATA = re.compile(rf"^[MLml]{_OLD_POINT}(?:[\s,]*[MLml]?{_OLD_POINT})*$")


@pytest.mark.parametrize("stroke", [
    "M10 10 L 50 60 L 90 20",
    "M10,10L50,60",
    "m 1.5 2.25 l -3 -4 5 6",
    "M1-2",
    "M 0 0 l 1 1 l 2 2 3 3",
])
def test_drawings_are_accepted(stroke):
    assert path_data_is_valid(stroke)
    assert OLD_PATH_DATA.match(stroke)


@pytest.mark.parametrize("stroke", [
    "", "M", "M1", "M1 2 L", "Z1 2", "M1 2 Z", "M1. 2", "M1 2 <script>", "M1 2 L3 4 5",
    "M--1 2", "M1 2e3", "M١ ٢", "M1\u00a02",
])
def test_anything_else_is_refused(stroke):
    assert not path_data_is_valid(stroke)


def _timed(stroke: str) -> float:
    start = time.perf_counter()
    assert not path_data_is_valid(stroke)
    return time.perf_counter() - start


def test_the_28_byte_stroke_of_the_issue_is_refused_at_once():
    # A run of digits ending in a stray letter: the old pattern tried every way of cutting the
    # digits into numbers (about 7 s for these 28 bytes, doubling with each digit).
    stroke = "M" + "1" * 26 + "!"
    assert len(stroke) == 28
    assert _timed(stroke) < 0.01


@pytest.mark.parametrize("hostile", [
    "M" + "1" * 100_000 + "!",
    "M" + "1 " * 50_000 + "!",
    "M" + "1,1 L" * 20_000 + "x",
    "M" + "-1.1" * 25_000 + "!",
    "M" + " " * 100_000 + "1",
])
def test_a_100_kb_hostile_stroke_is_refused_in_linear_time(hostile):
    assert len(hostile) >= 100_000
    assert _timed(hostile) < 0.5


def test_a_long_valid_drawing_is_checked_in_linear_time():
    stroke = "M0 0" + " L1 1" * 20_000
    start = time.perf_counter()
    assert path_data_is_valid(stroke)
    assert time.perf_counter() - start < 0.5


def test_signature_svg_refuses_a_hostile_stroke_with_a_validation_error():
    with pytest.raises(ValidationError):
        signature_svg(["M" + "1" * 26 + "!"])
    with pytest.raises(ValidationError):
        signature_svg(["M" + "1" * 100_000 + "!"])  # too large, before any parsing
    assert '<path d="M10 10 L 50 60"/>' in signature_svg(["M10 10 L 50 60"])
