"""How many check-in codes a learner may try: the code is short (typed from the screen), so
guesses are counted per learner and session (settings.CHECKIN_ATTEMPTS_RATE, e.g. 10 in 10
minutes) by django-ratelimit, on the web page and the API alike."""

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

GROUP = "attendance.checkin"


def checkin_attempts_exceeded(request, *, session) -> bool:
    """Counts this attempt of request.user at `session`'s code; True once over the limit."""
    return is_ratelimited(
        request, group=GROUP, key=lambda _group, req: f"{req.user.pk}:{session.pk}",
        rate=settings.CHECKIN_ATTEMPTS_RATE, method=ALL, increment=True)


def checkin_attempts_message() -> str:
    return _("Too many codes tried for this session: wait a few minutes and try again, or ask "
             "your trainer to mark you present.")
