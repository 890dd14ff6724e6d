"""Production: secrets and services must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
# .env.example's placeholder, and any key a person visibly left to be changed: a key that is
# public signs sessions and password-reset links anyone could forge.
PLACEHOLDER_KEY_MARKS = ("change-me", "changeme", "change_me", "example", "not-secret",
                         "insecure", "build-only")


def _check_secret_key(key: str) -> None:
    if len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of 50+ characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'.")
    folded = key.casefold()
    if any(mark in folded for mark in PLACEHOLDER_KEY_MARKS):
        raise ImproperlyConfigured(
            "SECRET_KEY is a placeholder (it contains “change-me” or the like): set a random "
            "one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'.")


_check_secret_key(SECRET_KEY)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Lock-outs and rate limits count per client address: see TRUSTED_PROXY_COUNT in base.py.
