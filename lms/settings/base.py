"""Settings shared by every environment; everything that varies comes from the environment."""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .serving import served_site_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "lms"

env = environ.Env()
# A local .env file is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links that leave the page (e-mails, QR codes, verification links, access cards, calendar
# feeds) lead here: SITE_URL when set (production), else the host and port `make run` serves.
SITE_URL = env("SITE_URL", default="").rstrip("/") or served_site_url(
    env("SERVE_HOST", default="127.0.0.1"), env("SERVE_PORT", default="8000"))

INSTALLED_APPS = [
    "lms.accounts",
    "lms.core",
    "lms.demo",
    "lms.cohorts",
    "lms.progress",
    "lms.attendance",
    "lms.insertion",
    "lms.convocations",
    "lms.quality",
    "lms.auditpack",
    "lms.surveys",
    "lms.privacy",
    "certificates",
    "courses",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: the container health check answers before host validation (see its docstring).
    "lms.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a lock-out into its answer (lms.accounts.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "courses.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any authentication from a locked-out account or address, on every login
    # form (site, Wagtail admin, Django admin) and the API token endpoint.
    "lms.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English available through the language switcher.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day first ("7 Dec 2026"): lms/formats/en/formats.py.
FORMAT_MODULE_PATH = ["lms.formats"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Documents (PDFs, batch archives, audit packs) go only through Django's storage API, so that
# workers on several machines share them: set AWS_STORAGE_BUCKET_NAME to keep them in an
# S3-compatible store (django-storages); without it they stay on the local filesystem.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")


def default_storage_settings(bucket: str) -> dict:
    """STORAGES["default"] for `bucket` (S3 through django-storages) or the local disk."""
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            # Documents are personal data: private objects, short-lived signed URLs, and a
            # name clash must never overwrite an issued PDF.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }


STORAGES = {
    "default": default_storage_settings(AWS_STORAGE_BUCKET_NAME),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Where audit packs are stored: an alias of STORAGES (e.g. an S3 backend added there).
AUDIT_PACK_STORAGE = env("AUDIT_PACK_STORAGE", default="default")
# Complex page forms in the Wagtail editor exceed Django's default of 1000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Redis is optional: without it tasks run in-process (the embedded default).
REDIS_URL = env("REDIS_URL", default="")


def cache_settings(redis_url: str) -> dict:
    """CACHES for a Redis at `redis_url`, as production runs it (the fault tests use exactly
    this). Pages never depend on Redis being up: lms.core.cache.FallbackRedisCache answers from
    the process's memory while it is down (see its docstring)."""
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "lms.core.cache.FallbackRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "parcours",
            # A refused connection fails at once; a host that does not answer costs these
            # (Redis on the local network answers in well under a millisecond), and redis-py
            # does not retry: the backend then answers from memory for a few seconds.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


CACHES = cache_settings(REDIS_URL)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Time limits of every task (document_render has shorter ones of its own, which its render
# lease follows: certificates.services.LEASE).
CELERY_TASK_SOFT_TIME_LIMIT = 150
CELERY_TASK_TIME_LIMIT = 180
# Redis gives an unacknowledged message (acks_late) to another worker after this many seconds.
# A little above the longest hard time limit, with room for a message waiting in a pool
# process's prefetch slot behind another task: a message comes back only once its task can no
# longer be running, so a second delivery never races a live first one (the render lease and
# the attempt token guard that too). A worker killed whole no longer costs this long: the
# sweep renders its document again once its lease expires (under two minutes).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 240}
# When the worker loses the broker, stop the acks_late tasks it runs: their messages go back
# to the queue when the broker returns and would otherwise run twice (Celery 6's default; it
# warns when unset).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# When the broker is down, a request that enqueues work must not hang: fail fast, the record
# stays pending and a periodic task dispatches it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# No caller reads task results; subscribing to the result store on every send would also
# block for ~20 s when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                    "interval_step": 0.5, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    "attendance-alerts": {
        "task": "lms.attendance.tasks.attendance_alerts_scan",
        "schedule": crontab(hour=6, minute=30),
    },
    "convocations-reminders": {
        "task": "lms.convocations.tasks.reminders_send_task",
        "schedule": crontab(hour=17, minute=0),
    },
    "surveys-daily": {
        "task": "lms.surveys.tasks.surveys_daily_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Also run by a thread of every worker (certificates.tasks): beat is no single point.
    "documents-redispatch-stale": {
        "task": "certificates.tasks.documents_redispatch_stale",
        "schedule": 15.0,  # certificates.services.SWEEP_EVERY
        "options": {"expires": 15.0},
    },
    # Also run by a thread of every worker (lms.auditpack.tasks), as the documents' sweep.
    "audit-packs-redispatch-stale": {
        "task": "lms.auditpack.tasks.audit_packs_redispatch_stale_task",
        "schedule": 15.0,  # lms.auditpack.services.SWEEP_EVERY
        "options": {"expires": 15.0},
    },
    # Also run by a thread of every worker (lms.convocations.tasks): convocations and session
    # updates whose task was not queued or was lost.
    "convocations-send-due": {
        "task": "lms.convocations.tasks.announcements_send_due_task",
        "schedule": 15.0,  # lms.convocations.services.SWEEP_EVERY
        "options": {"expires": 15.0},
    },
    "documents-remove-orphans": {
        "task": "certificates.tasks.documents_remove_orphans",
        "schedule": crontab(minute=17),
    },
    "audit-packs-remove-orphans": {
        "task": "lms.auditpack.tasks.audit_packs_remove_orphans_task",
        "schedule": crontab(minute=47),
    },
    "privacy-retention-purge": {
        "task": "lms.privacy.tasks.retention_purge_task",
        "schedule": crontab(hour=3, minute=40),
    },
}

# Without a broker there is no beat: `manage.py runserver` runs the schedule's crontab entries
# in a thread instead (lms.core.scheduler). Production's Celery beat is unaffected.
EMBEDDED_SCHEDULER = env.bool("EMBEDDED_SCHEDULER", default=True)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Parcours <no-reply@parcours.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth": "20/min"},
    "EXCEPTION_HANDLER": "lms.core.api_errors.exception_handler",
    # JSON bodies within bounds (size, nesting): 400, never a RecursionError (lms.core.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "lms.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parcours API",
    "DESCRIPTION": "Training paths, progress, attendance and documents of a tiers-lieu.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["lms.core.schema.public_api_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.core.schema.local_times",
    ],
    # Several models have a "kind" or "status": give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "PathKindEnum": "courses.enums.PathKind",
        "DocumentKindEnum": "certificates.enums.DocumentKind",
        "DocumentStatusEnum": "certificates.enums.DocumentStatus",
        "ContractKindEnum": "lms.insertion.enums.ContractKind",
        "InterviewKindEnum": "lms.insertion.enums.InterviewKind",
        "TraineeStatusEnum": "lms.insertion.enums.TraineeStatus",
        "ObjectiveStatusEnum": "lms.insertion.enums.ObjectiveStatus",
    },
}

# The client's address --------------------------------------------------------------------
# Every lock-out and rate limit counts per address through lms.core.client_ip.client_ip. By
# default the address is the TCP peer (REMOTE_ADDR); behind N reverse proxies that each append
# to X-Forwarded-For, set TRUSTED_PROXY_COUNT=N (and CLIENT_IP_HEADER if the outermost proxy
# writes another header, e.g. HTTP_X_REAL_IP with TRUSTED_PROXY_COUNT=1).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="HTTP_X_FORWARDED_FOR")
if env("RATELIMIT_IP_META_KEY", default="") and "TRUSTED_PROXY_COUNT" not in env.ENVIRON:
    # The setting of earlier versions: the header one proxy sets, e.g. HTTP_X_REAL_IP.
    CLIENT_IP_HEADER, TRUSTED_PROXY_COUNT = env("RATELIMIT_IP_META_KEY"), 1
RATELIMIT_IP_META_KEY = "lms.core.client_ip.client_ip"

# Password guessing (django-axes) ----------------------------------------------------------
# An account is locked after LOGIN_FAILURE_LIMIT failures, an address after
# LOGIN_FAILURE_LIMIT_PER_ADDRESS (higher: a whole digital centre may share one address), each
# for LOGIN_LOCKOUT_MINUTES after the last failure; a manager unlocks earlier from the admin
# (Paramètres → Connexions bloquées) or with `manage.py axes_reset_username` / `axes_reset_ip`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "lms.accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "lms.core.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "lms.accounts.lockout.submitted_username"
AXES_LOCKOUT_CALLABLE = "lms.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Failures while locked out keep the lock: guessing on does not wear it down.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# Every failure is kept in AccessFailureLog (the counts in AccessAttempt), every successful
# login in AccessLog; none keeps a password (axes masks it in the stored POST data), and the
# log lines mask usernames and addresses (AXES_SENSITIVE_PARAMETERS' default).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Login records (axes' logs and counts) older than this are deleted every night
# (lms.privacy.retention): the CNIL recommends keeping access logs six months to a year.
LOGIN_RECORDS_RETENTION_DAYS = env.int("LOGIN_RECORDS_RETENTION_DAYS", default=180)

# Check-in codes a learner may try per session (django-ratelimit, keyed on the learner).
CHECKIN_ATTEMPTS_RATE = env("CHECKIN_ATTEMPTS_RATE", default="10/10m")

# Content-Security-Policy (django-csp) ------------------------------------------------------
# The site runs no inline script or style: everything comes from /static/. QR codes are data:
# images. The Wagtail admin, the Django admin and the API documentation get the looser policy
# of lms.core.middleware.ContentSecurityPolicyMiddleware (they ship inline scripts).

# Lessons may embed videos from these hosts (wagtail.embeds): the only frames a page may hold.
CSP_EMBED_HOSTS = env.list("CSP_EMBED_HOSTS", default=[
    "https://www.youtube.com", "https://www.youtube-nocookie.com", "https://player.vimeo.com",
    "https://www.dailymotion.com", "https://geo.dailymotion.com",
])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "frame-src": ["'self'", *CSP_EMBED_HOSTS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The Wagtail admin (its page previews and editors), the Django admin and the API's Swagger UI
# run inline scripts and styles of their own: they keep the same origins, with inline code
# allowed. Staff-only pages.
CSP_RELAXED_PREFIXES = ["/admin/", "/django-admin/", "/api/docs/"]
CSP_RELAXED_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https:"],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["'self'", "https:"],
        # Wagtail previews a page in a frame of the admin itself.
        "frame-ancestors": ["'self'"],
    },
}

WAGTAIL_SITE_NAME = "Parcours"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = [
    "csv", "docx", "odt", "ods", "odp", "pdf", "pptx", "rtf", "txt", "xlsx", "zip",
    "mp4", "webm", "mp3", "ogg", "vtt", "png", "jpg",
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Wagtail's responsive wrapper sets its ratio in a style="" attribute, which the site's CSP
# refuses: the .embed rules of parcours.css size embedded videos instead.
WAGTAILEMBEDS_RESPONSIVE_HTML = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = True
# The admin calls no third party (and its CSP allows none): no Gravatar, which would send a
# hash of each editor's e-mail address, and no check of Wagtail's latest release.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "wagtail": {"level": env("WAGTAIL_LOG_LEVEL", default="WARNING")},
        # Failures and lock-outs are logged at WARNING; each successful login is kept in
        # axes' AccessLog rather than in the log.
        "axes": {"level": "WARNING"},
    },
}
