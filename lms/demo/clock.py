"""The demo's clock: the past of the demo tiers-lieu is written on its days.

A roll call opens only on its session's day, an interview is recorded once it took place and
every chain entry is stamped with its time: to give the demo a believable past, each past
event goes through the same services with the application's clock set to the moment it
happened. Only `django.utils.timezone.now` is moved (every service reads the time through it);
the database keeps its own clock, and nothing is stamped in the future."""

import datetime
import hashlib
import math
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


def at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """An aware datetime in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


@contextmanager
def demo_clock(moment: datetime.datetime):
    """The application's clock set to `moment` (never later than now) within the block."""
    # In UTC, as timezone.now() answers: the chain hashes the times it is given as text.
    moment = min(moment, timezone.now()).astimezone(datetime.UTC)
    with mock.patch.object(timezone, "now", lambda: moment):
        yield moment


def signature_strokes(seed: str, *, count: int = 2) -> list[str]:
    """Plausible handwritten strokes (SVG path data in the pad's 600×200 box), the same for
    the same seed: a looping signature followed by an underline."""
    digest = hashlib.sha256(seed.encode()).digest()
    strokes = []
    x0 = 60 + digest[0] % 60
    for index in range(count):
        loops = 3 + digest[index + 1] % 4
        amplitude = 30 + digest[index + 5] % 30
        width = 260 + digest[index + 9] % 140
        y0 = 95 + index * 12
        points = []
        steps = loops * 10
        for step in range(steps + 1):
            t = step / steps
            x = x0 + t * width + 18 * math.sin(t * loops * 2 * math.pi + digest[12] / 40)
            y = y0 - amplitude * math.sin(t * loops * math.pi) * (1 - 0.4 * t)
            points.append(f"{x:.1f} {y:.1f}")
        strokes.append("M" + points[0] + " L" + " L".join(points[1:]))
        x0 += 20
    underline_y = 150 + digest[20] % 20
    strokes.append(f"M{x0 - 40} {underline_y} L{x0 + 200} {underline_y - 8 - digest[21] % 10}")
    return strokes
