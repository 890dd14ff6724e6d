"""Development on one machine: SQLite and in-process tasks unless the environment says otherwise."""

import secrets
from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, BASE_DIR, SITE_URL, env

DEBUG = env.bool("DEBUG", default=True)

if not SECRET_KEY:  # noqa: F405
    # Generated once and kept out of git, so each checkout has its own key.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = DEBUG

# `make run HOST=0.0.0.0` serves the whole network: the address its links carry (a phone
# scanning a QR code) must be answered too.
_site_host = urlsplit(SITE_URL).hostname
if _site_host and _site_host not in ALLOWED_HOSTS and f"[{_site_host}]" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, f"[{_site_host}]" if ":" in _site_host else _site_host]
