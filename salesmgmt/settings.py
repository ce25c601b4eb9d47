"""Settings for salesmgmt, driven by environment variables (see `.env.example`).

Defaults give the embedded development setup: SQLite in the checkout, tasks run
eagerly in-process, console e-mail. Production sets DEBUG=0 plus SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; a missing required variable then raises
ImproperlyConfigured instead of silently running with a development default.
"""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=True)


def _required(name: str, dev_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")


SECRET_KEY = _required("SECRET_KEY", "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "salesmgmt",
    "accounts",
    "activities",
    "goals",
    "deals",
    "dashboards",
    # After dashboards: its panels on "my day" (targets) come before messaging's (posts).
    "messaging",
    "motivation",
    "evaluations",
]

MIDDLEWARE = [
    # First: forwarded headers from anyone but a trusted proxy are gone before anything reads them.
    "salesmgmt.proxies.TrustedProxyMiddleware",
    "salesmgmt.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static responses carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "salesmgmt.null_characters.RefuseNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.htmx, before anything that answers htmx requests differently.
    "django_htmx.middleware.HtmxMiddleware",
    # request.user.is_verified(): the session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Who must use a second factor can do nothing else until they have (accounts.mfa).
    "accounts.mfa_enforcement.SecondFactorMiddleware",
    # A signed-in person's saved language wins over the browser's (accounts.language).
    "accounts.language.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "salesmgmt.observability.DeniedAccessLogMiddleware",
    # Last: turns a locked-out login attempt into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesmgmt.urls"
WSGI_APPLICATION = "salesmgmt.wsgi.application"
ASGI_APPLICATION = "salesmgmt.asgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection (gunicorn.conf.py sets CONN_MAX_AGE for the web workers) is checked
# before a request reuses it after it sat idle, so a database restart costs no failed request
# (salesmgmt/postgres_backend: not when a request finished with it a moment ago).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "salesmgmt.postgres_backend"
# The reads every request makes run as server-side prepared statements on PostgreSQL
# (salesmgmt/prepared.py); off behind a connection pooler in transaction mode.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers alongside one writer in the embedded setup.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out username+IP pairs before any password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrEmailBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or not env.bool("STATIC_MANIFEST", default=True)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development (and tests) WhiteNoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG

# API throttle counters live in process memory: a Redis outage must never fail a write.
# Security limits (password resets, imports) count in the database, shared by every process
# (salesmgmt.ratelimit); migration accounts 0005 creates its table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "salesmgmt",
    },
    "dashboards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "salesmgmt-dashboards",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "salesmgmt_throttle",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="salesmgmt <noreply@localhost>")

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Reverse proxies (IP addresses or CIDR networks) allowed to say, through X-Forwarded-Proto and
# X-Forwarded-For, that the client used HTTPS and where it came from. From any other peer those
# headers are dropped (salesmgmt.proxies). Empty (the default): no forwarded header is believed.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    for _proxy in TRUSTED_PROXIES:
        ip_network(_proxy, strict=False)  # a typo stops startup, not the first request
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Brute-force protection (django-axes) ---------------------------------------------------
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Lock the (username, IP) pair: an attacker's IP cannot lock the real user out elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Count failures per account, whatever case or identifier (username / e-mail) was typed.
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "new_password1", "new_password2", "old_password"]

# --- Two-factor authentication (django-otp) ---------------------------------------------------
# Admins (and managers of organisations that ask for it) must use an authenticator app;
# accounts.rules.must_use_mfa decides who. Wrong codes per account and window:
MFA_CODE_RATE = env.str("MFA_CODE_RATE", default="5/15min")
MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="salesmgmt")

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Knox tokens; the answer comes in the token owner's language.
        "accounts.language.PersonLanguageTokenAuthentication",
        # Session auth that refuses a session still waiting for its second factor.
        "accounts.mfa_enforcement.SecondFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "salesmgmt.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "salesmgmt.schema.AutoSchema",
    "EXCEPTION_HANDLER": "salesmgmt.errors.api_exception_handler",
    # The stock parsers, refusing NUL characters (see salesmgmt/null_characters.py).
    "DEFAULT_PARSER_CLASSES": [
        "salesmgmt.null_characters.JSONParser",
        "salesmgmt.null_characters.FormParser",
        "salesmgmt.null_characters.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Scoped rates for floods (S15); exceeding one answers 429 and writes an audit row.
    "DEFAULT_THROTTLE_RATES": {
        "activity_write": env.str("THROTTLE_ACTIVITY_WRITE", default="120/min"),
        "activity_export": env.str("THROTTLE_ACTIVITY_EXPORT", default="20/min"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("KNOX_TOKEN_TTL_HOURS", default=168)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "salesmgmt API",
    "DESCRIPTION": "Team sales management: goals, activities, deals, motivation, "
    "evaluations and messaging. Organisation-scoped resources live under /api/v1/orgs/{org_slug}/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # /api/v1/docs/: Swagger UI from the sidecar's static files, its start-up script a file
    # of its own (SpectacularSwaggerSplitView), so the CSP needs no CDN and no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        # The organisation's week start and motivation's check-in day: one set of weekdays.
        "WeekdayEnum": "accounts.models.Organization.Weekday",
        "ImportJobPhaseEnum": "salesmgmt.imports.JOB_PHASES",
        "ImportJobStatusEnum": "salesmgmt.imports.JobStatus",
        "GoalStatusEnum": "goals.status.GoalStatus",
        "PostKindEnum": "messaging.models.Post.Kind",
        "NotificationKindEnum": "messaging.models.Notification.Kind",
        # The alerts API and the team dashboard's alerts: one set of kinds, one module.
        "AlertKindEnum": "motivation.alerts.KINDS",
        # A cycle's stage (also the target of `advance`), an evaluation's kind and status.
        "EvaluationCycleStatusEnum": "evaluations.models.EvaluationCycle.Status",
        "EvaluationKindEnum": "evaluations.models.Evaluation.Kind",
        "EvaluationStatusEnum": "evaluations.models.Evaluation.Status",
    },
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Computed dashboards (dashboards/cache.py). They must be shared by every process that reads
# or writes (gunicorn and Celery workers), so that a dashboard dropped by a write in one is
# dropped for all: Redis (REDIS_URL, or DASHBOARD_CACHE_URL for a Redis of its own). In
# development (DEBUG, one process) the process's memory; with DEBUG off and no Redis nothing
# is cached (each worker's memory would serve boards another worker's writes dropped), unless
# DASHBOARD_CACHE_URL=locmem:// says there is one process (or, in the benchmark, no writes).
DASHBOARD_CACHE_URL = env.str("DASHBOARD_CACHE_URL", default="") or REDIS_URL
if DASHBOARD_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES["dashboards"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": DASHBOARD_CACHE_URL,
        "KEY_PREFIX": "salesmgmt",
        "TIMEOUT": 15 * 60,
    }
elif not DEBUG and DASHBOARD_CACHE_URL != "locmem://":
    CACHES["dashboards"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each worker also consumes a queue of its own, so the liveness probe (`manage.py healthcheck
# worker`) can hand one particular worker a task and see that it really consumes.
CELERY_WORKER_DIRECT = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Short socket timeouts: a stalled or absent Redis must not block a web request
# (writes stay safe because pending work is recorded in the database first).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 1,
    # kombu sleeps `interval_start` (default 2 s) before that one retry: with Redis
    # refusing connections every write would wait 2 s for nothing. Retry at once.
    "interval_start": 0,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TASK_PUBLISH_RETRY = False

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "salesmgmt.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [req:%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "salesmgmt.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Product settings ---------------------------------------------------------------------
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
INVITATION_TTL = timedelta(days=env.int("INVITATION_TTL_DAYS", default=7))
# Password reset e-mails: per address (silently capped) and per client IP (answered 429).
PASSWORD_RESET_RATE_PER_ADDRESS = env.str("PASSWORD_RESET_RATE_PER_ADDRESS", default="3/hour")
PASSWORD_RESET_RATE_PER_IP = env.str("PASSWORD_RESET_RATE_PER_IP", default="20/hour")
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)

# --- Imports and exports (the limits are documented in README.md, "Imports and exports") ----
# A CSV import may be this large; a bigger upload is refused (413) before it is read.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
# Up to this many rows an import runs within the request (answered 201/400 at once); a
# larger file becomes an import job for a Celery worker (answered 202, progress to poll).
IMPORT_SYNC_MAX_ROWS = env.int("IMPORT_SYNC_MAX_ROWS", default=250)
# Imports started per person and per organisation (salesmgmt.ratelimit rates).
IMPORT_RATE_PER_PERSON = env.str("IMPORT_RATE_PER_PERSON", default="20/hour")
IMPORT_RATE_PER_ORG = env.str("IMPORT_RATE_PER_ORG", default="100/hour")
# A running job whose worker has shown no sign of life for this long is taken over.
IMPORT_JOB_STALE_MINUTES = env.int("IMPORT_JOB_STALE_MINUTES", default=15)
# An export streams at most this many rows; a larger one is refused with a clear message.
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=50_000)
