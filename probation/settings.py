"""Settings for Probation Ops: one file, read from the environment, development defaults, loud failures.

DJANGO_ENV selects the mode: "development" (default: SQLite, a filesystem Celery broker, demo-friendly),
"test" (as development, but with fast password hashing), or "production" (refuses to start without a secret key,
allowed hosts and a database URL; passes `manage.py check --deploy`).
"""

import ipaddress
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from csp.constants import NONCE as _csp_nonce

from probation.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PROBATION_VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env_choice("DJANGO_ENV", "development", ("development", "test", "production"))
PRODUCTION = DJANGO_ENV == "production"

# --- Core -----------------------------------------------------------------------------------------------------
if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "Environment variable DJANGO_SECRET_KEY must be a random string of at least 50 characters."
        )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Environment variable DJANGO_ALLOWED_HOSTS must list the host names served.")
    DEBUG = env_bool("DJANGO_DEBUG", False)
    if DEBUG:
        raise ImproperlyConfigured("Environment variable DJANGO_DEBUG must be false in production.")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-key-not-for-production-use-0123456789abcdefghijklmnop")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DEBUG = env_bool("DJANGO_DEBUG", DJANGO_ENV == "development")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "drf_standardized_errors",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "probation.third_party_apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp, with a readable name
    "probation.third_party_apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "probation.third_party_apps.SignInLockoutsConfig",  # axes
    "csp",
    "probation",
    "partners",
    "cases",
    "safeguarding",
    "resettlement",
    "supervision",
    "interventions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "probation.middleware.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "probation.middleware.ApiCallAuditMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "probation.middleware.RejectNulBytesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "probation.middleware.ServiceErrorPagesMiddleware",
    "probation.middleware.StaffLoginRequiredMiddleware",
    "probation.middleware.SessionLifetimeMiddleware",
    "probation.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]
if not PRODUCTION:
    # runserver and the test live server serve static files themselves in development.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "probation.urls"
WSGI_APPLICATION = "probation.wsgi.application"

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
                "probation.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'probation.sqlite3'}"
DATABASE_URL = env_url(
    "DATABASE_URL", None if PRODUCTION else _default_db, schemes=("postgres", "postgresql", "sqlite"), required=PRODUCTION
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web and Celery worker on one SQLite file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Least privilege (PostgreSQL): the app connects (DATABASE_URL) as a role that owns nothing; `manage.py migrate` is
# run with DATABASE_URL pointing at the owner role and DATABASE_APP_ROLE naming the app's role, which every migrate
# then grants what it needs (probation/db_roles.py). Empty: no grants (a single-role development database).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "")
if DATABASE_APP_ROLE and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE_APP_ROLE):
    raise ImproperlyConfigured(
        "Environment variable DATABASE_APP_ROLE must be a PostgreSQL role name (lower-case letters, digits, _)."
    )

# --- Cache (calendar, throttling): Redis when CACHE_URL is set, memory otherwise ---------------------------------
CACHE_URL = env_url("CACHE_URL", None, schemes=("redis", "rediss"))
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "probation.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Users, sign-in, policy --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "probation.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so a locked-out user name is refused before any password check
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sessions: an idle timeout (sliding: every request renews it) and an absolute limit from sign-in. The page warns
# ("you will be signed out soon") SESSION_WARNING_SECONDS before the idle timeout.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60, minimum=60)
SESSION_ABSOLUTE_TIMEOUT_SECONDS = env_int("SESSION_ABSOLUTE_TIMEOUT_SECONDS", 10 * 60 * 60, minimum=60)
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 2 * 60, minimum=10)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-factor authentication (TOTP, with single-use recovery codes) for everyone who signs in to the web service.
OTP_TOTP_ISSUER = "Probation Ops"
RECOVERY_CODE_COUNT = 10

# Lockout after repeated failed sign-ins (django-axes), per user name and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy or load balancer: its addresses or networks (comma-separated, e.g. 10.0.0.0/8). Only a
# request arriving from one of them has its X-Forwarded-For read (right to left, skipping trusted proxies) for the
# audit log's address and the lockout key; without it the header is ignored, so it cannot be forged.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable TRUSTED_PROXIES must list IP addresses or networks, got {_proxy!r}."
        ) from None
AXES_CLIENT_IP_CALLABLE = "probation.audit.client_ip"

# --- Internationalisation: times stored in UTC, shown in Europe/London --------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
OFFICE_OPENS = env_str("OFFICE_OPENS", "09:00")
OFFICE_CLOSES = env_str("OFFICE_CLOSES", "17:00")

# --- Static files -------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email: a file per message in development, SMTP in production --------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Probation Ops <no-reply@probation-ops.example>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")  # links in emails
# GOV.UK Notify (appointment reminders to people on probation). The development default talks to the local loopback
# server (`manage.py notify_local`), which speaks the part of Notify's API the official client uses.
NOTIFY_BASE_URL = env_url("NOTIFY_BASE_URL", "http://127.0.0.1:6011", schemes=("http", "https"))
NOTIFY_API_KEY = env_str(
    "NOTIFY_API_KEY",
    "local-00000000-0000-4000-8000-000000000001-00000000-0000-4000-8000-000000000002",
)
NOTIFY_SMS_TEMPLATE_ID = env_str("NOTIFY_SMS_TEMPLATE_ID", "11111111-1111-4111-8111-111111111111")
NOTIFY_EMAIL_TEMPLATE_ID = env_str("NOTIFY_EMAIL_TEMPLATE_ID", "22222222-2222-4222-8222-222222222222")
if PRODUCTION or env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Celery: Redis in production; a filesystem broker needing no server for the demo -----------------------------
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    env_str("REDIS_URL", None if PRODUCTION else "filesystem://"),
    schemes=("redis", "rediss", "filesystem", "memory"),
    required=PRODUCTION,
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # All of the broker's files live under var/ (run-time state, never in git): messages, and the control folder
    # where kombu keeps its exchange tables (by default "control/" in the working directory).
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):  # kombu's filesystem transport expects its folders to exist
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Longer than the longest task (CELERY_TASK_TIME_LIMIT), so Redis never redelivers a task still running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is redelivered, never lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# When the broker connection drops, stop late-acked tasks (they are redelivered) rather than finish them unacked:
# every task is idempotent, and this is Celery 6's default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One queue for every task; a deployment sharing its Redis with another (or the production smoke test) names its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "probation")
# The periodic schedule lives in one place: probation/celery.py (BEAT_SCHEDULE).

# --- REST API ------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The API is for partner agencies' systems with their tokens (Authorization: Token <key>); staff work in the
    # pages, so a staff session opens no API door.
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API speaks JSON only: partner systems send JSON, and nested records have no form encoding.
    # Over DATA_UPLOAD_MAX_MEMORY_SIZE: 413; nested > 20 levels: 400.
    "DEFAULT_PARSER_CLASSES": ["probation.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["probation.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "probation.api.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["partners.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env_str("API_THROTTLE_RATE", "600/minute")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # One error shape for every error (probation/api/errors.py).
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "probation.api.errors.ExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "probation.api.errors.PathExceptionFormatter",
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "413", "415", "422", "429", "500"],
}
# A good key's credential, user and organisation are cached this long (revocation drops the entry at once). Only with
# a cache every process shares (CACHE_URL) in production; a per-process cache could not forget a revoked key at once.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 60 if (CACHE_URL or not PRODUCTION) else 0, minimum=0)
# Refused credentials an address may present in a minute before it gets 429 with nothing looked up or written.
API_REJECTIONS_PER_MINUTE = env_int("API_REJECTIONS_PER_MINUTE", 20, minimum=1)

SPECTACULAR_SETTINGS = {
    "TITLE": "Probation Ops API",
    "DESCRIPTION": "API for partner agencies: MASH information requests, IOM tracking and resettlement actions. "
    "Authenticate with `Authorization: Token <key>`; every call is scoped to your organisation and audited.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from this site (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Appointment outcomes appear in supervision's and interventions' partner APIs: one named enum per choice set.
    "ENUM_NAME_OVERRIDES": {
        "RagEnum": "safeguarding.models.Rag",
        "AppointmentOutcomeEnum": "supervision.models.Outcome",
        "RecordableOutcomeEnum": "interventions.api.serializers.RECORDABLE_OUTCOME_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "probation.api.schema.add_standard_error_responses",
        "probation.api.schema.add_links",
        "probation.api.schema.close_request_bodies",
    ],
}

# --- Production hardening (checked by `manage.py check --deploy`) -----------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [f"https://{h}" for h in ALLOWED_HOSTS])
# Content Security Policy: scripts only from this site or with the per-response nonce; no inline styles except
# style attributes (capacity bars, chart sizes), nothing framed, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", _csp_nonce],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Security events (sign-in, failures, denials, token use) go to the "probation.security" logger as JSON records
# with ids and actions only, never names or free text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"client_errors_without_traceback": {"()": "probation.security_log.ClientErrorsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "probation.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors_without_traceback"]},
    },
}
