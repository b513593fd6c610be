"""Settings read from the environment (see the table in README.md).

With no environment at all the project runs on its embedded default: SQLite,
a Celery broker kept in files (no server), and voicesim as the telephony.
"""

from pathlib import Path

import environ

from .defaults import EMBEDDED_SECRET_KEY, VOICESIM_API_BASE_URL, VOICESIM_AUTH_TOKEN

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CALLCENTER_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=EMBEDDED_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "console.apps.SupervisorAdminConfig",
    "callcenter.apps.CallCenterConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "calls",
    "conversations",
    "recordings",
    "queues",
    "campaigns",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "callcenter.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "callcenter.urls"
WSGI_APPLICATION = "callcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker, beat and voicesim's callbacks all write: WAL and immediate
    # transactions keep SQLite from answering "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so end-to-end tests' worker processes share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that needs no round trip.
    DATABASES["default"]["ENGINE"] = "callcenter.postgres"
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Hot statements planned once per connection (see callcenter/postgres/base.py).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Dates and times written one way across the product (callcenter/formats.py).
FORMAT_MODULE_PATH = ["callcenter.locale_formats"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Security: strict unless told otherwise. Behind a TLS terminator set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The twilio client logs every request's headers at INFO.
    "loggers": {"twilio.http_client": {"level": "WARNING"}},
}

# Celery. The embedded default keeps the queue in files under var/, so web,
# worker and beat share it with no server running; callcenter.file_broker
# moves each message in and out whole (kombu's own file transport lets the
# worker read a message still being written).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _staging_dir = VAR_DIR / "celery-staging"
    _queue_dir.mkdir(exist_ok=True)
    _staging_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT = "callcenter.file_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "staging_folder": str(_staging_dir),
        "control_folder": str(VAR_DIR / "celery-control"),
        "polling_interval": 0.2,
    }
# One broker can carry several deployments (or a test run beside a live one):
# each consumes and sends on its own default queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Twilio (or voicesim). PUBLIC_BASE_URL is the address Twilio reaches us at:
# every URL we hand to Twilio and every signature we check is built from it.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="AC" + "0" * 32)
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default=VOICESIM_AUTH_TOKEN)
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default=VOICESIM_API_BASE_URL)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "callcenter.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "callcenter.api_errors.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "callcenter.api_errors.exception_handler",
    "PAGE_SIZE": 50,
}
# Each list view names its own pagination class (cursor pagination on big
# tables); PAGE_SIZE is only their shared default size.
SILENCED_SYSTEM_CHECKS = ["rest_framework.W001"]
SPECTACULAR_SETTINGS = {
    "TITLE": "Call center back office API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc come from the product's own static files, so the docs
    # work on a machine without internet (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "callcenter.openapi.document_error_answers",
    ],
    # One name per choice set shared by several fields of the calls API.
    "ENUM_NAME_OVERRIDES": {
        "CallStatusEnum": "calls.models.CallStatus",
        "CallOutcomeEnum": "calls.models.Outcome",
        "HttpMethodEnum": "calls.models.HttpMethod",
        "CallSourceEnum": "calls.models.Source",
        "RedirectStateEnum": "calls.models.RedirectState",
        "ContactOutcomeEnum": "campaigns.models.ContactOutcome",
        "RecordingStatusEnum": "recordings.models.RecordingStatus",
        "RecordingActionStateEnum": "recordings.models.RecordingActionState",
    },
}

# Calls core: the Twilio client's HTTP timeout (seconds), the region assumed for
# numbers written without a country code, and how long a call may sit in a
# live state without news before the reconciler fetches it from Twilio.
TWILIO_HTTP_TIMEOUT = env.float("TWILIO_HTTP_TIMEOUT", default=10.0)
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US")
RECONCILE_AFTER_SECONDS = env.int("RECONCILE_AFTER_SECONDS", default=120)
# How long the dispatch of a call keeps trying, with backoff, while Twilio
# cannot be reached (nothing was sent, so sending later is safe) before the
# call fails with error_code `twilio-unreachable`.
DISPATCH_RETRY_SECONDS = env.int("DISPATCH_RETRY_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "fire-due-redirects": {"task": "calls.tasks.fire_due_redirects", "schedule": 0.5},
    "fire-due-conversation-actions": {
        "task": "conversations.tasks.fire_due_actions",
        "schedule": 0.5,
    },
    "campaigns-dialer-tick": {"task": "campaigns.tasks.tick", "schedule": 1.0},
    "work-queues": {"task": "queues.tasks.work_queues", "schedule": 2.0},
    "sweep-expired-recordings": {
        "task": "recordings.tasks.sweep_expired_recordings",
        "schedule": env.float("RECORDING_SWEEP_EVERY_SECONDS", default=3600.0),
    },
    "reconcile-stale-calls": {
        "task": "calls.tasks.reconcile_stale_calls",
        "schedule": env.float("RECONCILE_EVERY_SECONDS", default=30.0),
    },
}

# Supervisor console: how long an action from the live board waits for Twilio's
# answer so the message after the click can say "done" or why it was refused.
CONSOLE_ACTION_WAIT_SECONDS = env.float("CONSOLE_ACTION_WAIT_SECONDS", default=3.0)
