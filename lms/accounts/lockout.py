"""Password guessing stopped: django-axes, tuned for a tiers-lieu.

Every login (the site's form, the Wagtail admin's, the Django admin's, the API token endpoint)
goes through django.contrib.auth.authenticate(request=…), where axes' backend refuses a
locked-out account or address and its signal handler counts failures. An account is locked
after settings.AXES_FAILURE_LIMIT failures; an address after
settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS, a higher number because a whole digital centre often
shares one public address. Both locks end settings.AXES_COOLOFF_TIME after the last failure,
or when a manager unlocks them (views.lockouts, or `manage.py axes_reset_username`)."""

import math
import unicodedata

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

USERNAME_MAX_LENGTH = 150


def submitted_username(request, credentials=None) -> str | None:
    """The username an attempt was made for, as the count keys it: NFKC, stripped, bounded.

    The credentials passed to authenticate() come first (the API reads JSON, which
    request.POST does not hold)."""
    value = None
    if credentials:
        value = credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if value is None:
        return None
    return unicodedata.normalize("NFKC", str(value)).strip()[:USERNAME_MAX_LENGTH]


class LockoutBackend(AxesStandaloneBackend):
    """Axes' guard, first of AUTHENTICATION_BACKENDS. Every login of the site passes the
    request (Django's and Wagtail's login forms, the token endpoint); a call without one (the
    test client's login(), a shell) has no client to count and is let through to the next
    backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and another per address."""

    def get_failures(self, request, credentials=None) -> int:
        # Axes compares one number with AXES_FAILURE_LIMIT: report the account's failures, or
        # the limit itself once the address has reached its own (higher) limit. The querysets
        # come in the order of AXES_LOCKOUT_PARAMETERS: username, then ip_address.
        by_account, by_address = (
            sum(attempts.values_list("failures_since_start", flat=True))
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login, forget that account's own failures only.

        Axes' default also forgets every failure from the address, which would let someone
        who holds one account wipe out, by logging into it, the count of their guesses at
        another's password."""
        username = submitted_username(request, credentials)
        if not username:
            return 0
        count, _by_model = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Too many failed login attempts: logins to this account or from this connection are "
        "blocked for %(minutes)d minute. Try again later, or ask a manager of the centre to "
        "unblock it.",
        "Too many failed login attempts: logins to this account or from this connection are "
        "blocked for %(minutes)d minutes. Try again later, or ask a manager of the centre to "
        "unblock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets: 429 with the message, as JSON on the API, as a page
    elsewhere (the site's and the admins' login forms)."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    return render(request, "registration/locked_out.html",
                  {"message": message, "minutes": lockout_minutes(),
                   "title": _("Login blocked")}, status=429)

