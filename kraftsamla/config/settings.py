"""Configure Kraftsamla from environment variables (prefix DJANGO_, plus DATABASE_URL).

Nothing secret lives in git: production must set DJANGO_SECRET_KEY and DATABASE_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or os.environ.get("KRAFTSAMLA_ALLOW_INSECURE_KEY"):
        # Only for development and tests; production refuses to start without a key.
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Domain apps in dependency order: each imports only the ones above it, and
    # `load_demo_data` asks their demo.py modules in this order.
    "kraftsamla.core",
    "kraftsamla.organisations",
    "kraftsamla.accounts",
    "kraftsamla.capacity",
    "kraftsamla.support",
    "kraftsamla.projects",
    "kraftsamla.funding",
    "kraftsamla.twinning",
    "kraftsamla.followup",
    "kraftsamla.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML and JSON (static files come pre-compressed from WhiteNoise, which
    # answers before this). Above every middleware that reads or changes the body; Django
    # pads the gzip header at random and masks CSRF tokens per response, against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kraftsamla.core.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kraftsamla.core.middleware.PrivateNoStoreMiddleware",
    "kraftsamla.core.access.AccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "kraftsamla.config.urls"
WSGI_APPLICATION = "kraftsamla.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kraftsamla.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the demo server read while a loader writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # Production: Redis, shared by all server processes; its atomic increments
    # make the login rate limit hold against parallel requests.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
    # Sessions read from Redis and written through to the database: no session query per
    # request, and a logout deletes both the row and the shared cache entry, so it takes
    # effect in every worker at once.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # The demo: the database cache, shared by all processes without another server;
    # its increments are not atomic, so use Redis in production.
    CACHES = {
        "default": {
            "BACKEND": os.environ.get(
                "DJANGO_CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"
            ),
            "LOCATION": os.environ.get("DJANGO_CACHE_LOCATION", "kraftsamla_cache"),
        }
    }

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kraftsamla_language"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("KRAFTSAMLA_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded files (project attachments) go through Django's storage API ("default" above),
# on disk under MEDIA_ROOT. They are served only by the app's download views, which ask
# who may see them: never let the web server serve MEDIA_ROOT, and there is no MEDIA_URL.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", PROJECT_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# The largest attachment, in bytes, and how many one project may have.
KRAFTSAMLA_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("KRAFTSAMLA_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
KRAFTSAMLA_ATTACHMENTS_PER_PROJECT = int(os.environ.get("KRAFTSAMLA_ATTACHMENTS_PER_PROJECT", "20"))
# After a write, serve a process's previous similar-ideas index while a new one is built in
# the background (core/caching.py `cached_object_or_previous`); off: build in the request.
KRAFTSAMLA_STALE_WHILE_REBUILD = env_bool("KRAFTSAMLA_STALE_WHILE_REBUILD", True)

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "kraftsamla@localhost")

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS only: redirect plain HTTP (behind a proxy, X-Forwarded-Proto tells) and ask
# browsers to remember it with HSTS. Off by default so the demo runs on plain HTTP.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
# The health check is asked over plain HTTP by load balancers on the local network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # security.W021 (HSTS preload off): putting a domain on the browsers' preload list
    # binds every subdomain of it and is slow to undo, so it is the domain owner's
    # decision, made with DJANGO_HSTS_PRELOAD=1, not a default of the application.
    "security.W021",
]

# Every asset is served by the app itself: the policy forbids third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (kraftsamla/accounts/throttle.py): this many attempts per
# (e-mail address, client) within the window lock that client out of that account
# until the window has passed; a client gets four times as many over all accounts.
LOGIN_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("DJANGO_LOGIN_FAILURE_WINDOW", "900"))
# Password-reset mails: this many per address (four times as many per client) an hour.
PASSWORD_RESET_LIMIT = int(os.environ.get("DJANGO_PASSWORD_RESET_LIMIT", "3"))
PASSWORD_RESET_WINDOW_SECONDS = 3600
INVITATION_VALID_DAYS = 14
# Invitation e-mails are sent by a task (accounts/tasks.py) that tries this many times,
# waiting INVITATION_EMAIL_BACKOFF seconds before the second try and twice as long each
# time after that.
INVITATION_EMAIL_ATTEMPTS = 3
INVITATION_EMAIL_BACKOFF = float(os.environ.get("KRAFTSAMLA_INVITATION_EMAIL_BACKOFF", "0.5"))

# The largest request body read into memory: a page's text fields at their limits
# (kraftsamla/core/limits.py), percent-encoded, fit with room to spare.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# Background tasks (e-mails: invitations, weekly digests) are stored in the database
# and run by a worker process, `manage.py db_worker` (django-tasks-db), so a slow or
# failing mail server never holds up a request. `python3 dev.py demo` starts one next to
# the web server. DJANGO_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# runs tasks at once instead (the tests do, apart from the worker's own test).
# Imports of more values than this run in the background worker, with a progress page.
KRAFTSAMLA_IMPORT_BACKGROUND_ROWS = int(os.environ.get("KRAFTSAMLA_IMPORT_BACKGROUND_ROWS", "5000"))
# Uploads of import previews never finished are deleted after this many hours
# (`manage.py clear_import_uploads`, run daily); those of running background imports stay.
KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS = int(
    os.environ.get("KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS", "24")
)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous API call gets 401 with WWW-Authenticate.
        "kraftsamla.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "kraftsamla.core.api_schema.ApiSchema",
    "DEFAULT_PAGINATION_CLASS": "kraftsamla.core.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "kraftsamla.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kraftsamla API",
    "DESCRIPTION": "Read and write Kraftsamla's data: organisations, memberships and emissions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The organisation list's filter choices come from the database, so generating
    # the document in `manage.py check` would fail before `migrate`; the test suite
    # generates and validates it instead (tests/test_openapi.py, warnings fail).
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # One name per choice set, so generated clients get stable type names.
    "ENUM_NAME_OVERRIDES": {
        "CapitalEnum": "kraftsamla.capacity.models.CapitalKey",
        "AssessmentStatusEnum": "kraftsamla.capacity.models.Status",
        "OfferStatusEnum": "kraftsamla.support.models.OfferStatus",
        "ProjectStatusEnum": "kraftsamla.projects.models.ProjectStatus",
        "JoinRequestStatusEnum": "kraftsamla.projects.models.JoinRequestStatus",
        # The name the participants' role had before requests to join used it too.
        "RoleEnum": "kraftsamla.projects.models.ParticipationRole",
        "ProjectEventKindEnum": "kraftsamla.projects.models.EventKind",
        "AttachmentKindEnum": "kraftsamla.projects.models.AttachmentKind",
        # The organisation's kind keeps the name it had before other "kind" fields came.
        "KindEnum": "kraftsamla.organisations.models.OrganisationKind",
        "PartyRoleEnum": "kraftsamla.funding.facts.PartyRole",
        "ApplicationStatusEnum": "kraftsamla.funding.models.ApplicationStatus",
        "IndicatorStatusEnum": "kraftsamla.followup.trends.Status",
        "ProgressStatusEnum": "kraftsamla.followup.models.ProgressStatus",
        "RoundStatusEnum": "kraftsamla.followup.models.RoundStatus",
        "ReportStatusEnum": "kraftsamla.followup.models.ReportStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
