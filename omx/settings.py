"""omX settings: one module, driven by the environment.

Every value comes from the process environment or an optional `.env` file in
the project root. Without either, omX runs in development mode on SQLite with
local storage. Variable names of the FastAPI service omX replaces keep their
meaning (DATABASE_URL, SECRET_KEY, ALGORITHM, ACCESS_TOKEN_EXPIRE_MINUTES,
CORS_ORIGINS, GCS_*).
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from omx.env import csv_list, database_config, debug_flag, development_secret_key, signed_url_ttl
from omx.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = Path(os.environ.get("OMX_ENV_FILE", BASE_DIR / ".env"))
if _env_file.is_file():
    env.read_env(_env_file, overwrite=False)


DEBUG = debug_flag(env)

# --- Secret key -------------------------------------------------------------

_INSECURE_KEYS = {"", "replace-with-32-char-secret", "changeme", "secret"}
SECRET_KEY = env.str("SECRET_KEY", default="")


if SECRET_KEY in _INSECURE_KEYS or SECRET_KEY.startswith("django-insecure-"):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a long random value when DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not SECRET_KEY:
        SECRET_KEY = development_secret_key(BASE_DIR / "var" / "development-secret-key")

# --- Hosts, HTTPS -----------------------------------------------------------

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Trust X-Forwarded-For for the client address (login throttling, request log)
# only behind proxies that append to it; the client address is the entry the
# outermost of TRUSTED_PROXY_COUNT proxies added (omx.net.client_ip).
USE_X_FORWARDED_FOR = env.bool("USE_X_FORWARDED_FOR", default=False)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
if TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT}: at least 1 proxy sets X-Forwarded-For.")
# Under /api/ a failed CSRF check answers JSON like every other API error.
CSRF_FAILURE_VIEW = "omx.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "workspaces",
    "projects",
    "storage",
    "django_tasks_db",
]

MIDDLEWARE = [
    "omx.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",  # Django's, the user read with the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "omx.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "omx.urls"
WSGI_APPLICATION = "omx.wsgi.application"
# API paths answer with and without a trailing slash themselves; a redirect
# would drop a POST body.
APPEND_SLASH = False

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
                "django.template.context_processors.csp",
                "accounts.context_processors.signup",
            ],
            # {% url %} through omx.routing.reverse, which remembers its answers.
            "builtins": ["omx.routing"],
        },
    },
]
FORM_RENDERER = "omx.forms.FormRenderer"

# --- Database ---------------------------------------------------------------

DATABASES = {"default": database_config(env.str("DATABASE_URL", default="sqlite:///omx_dev.db"), BASE_DIR)}
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
if _SQLITE:
    _db_options.update({"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    _db_options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    # The statements omx.sqlcache builds once run prepared after five runs on a
    # connection; off for a pooler that cannot keep them (PgBouncer before 1.21,
    # or without max_prepared_statements). Django's own queries are never prepared.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _db_options.setdefault("prepare_threshold", 5)
# SQLite tests use a file, not memory, so the live server's request threads
# each get their own connection (as they do on PostgreSQL).
_test_db = str(Path(tempfile.gettempdir()) / f"omx-test-{os.getpid()}.sqlite3") if _SQLITE else None
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=_test_db)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared throttling state across app servers) ---------------------

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://omx")}

# --- Auth -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.SessionUserBackend",  # ModelBackend, its per-request user read compiled once
    "django.contrib.auth.backends.ModelBackend",  # sessions that logged in before it named this one
]
SESSION_ENGINE = "accounts.sessions"  # database sessions naming their user: one read for both
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

# Failed-login throttling, counted in the cache: per email from one client
# address, per email from all addresses together (high, so that strangers
# cannot lock an owner out cheaply), and per client address.
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_FAILURES_PER_EMAIL_AND_IP = env.int("LOGIN_FAILURES_PER_EMAIL_AND_IP", default=10)
LOGIN_FAILURES_PER_EMAIL = env.int("LOGIN_FAILURES_PER_EMAIL", default=100)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=50)

# Who may create an account: anyone, only invited addresses, or nobody (the
# admin creates accounts); optionally only addresses at some domains.
SIGNUP = env.str("SIGNUP", default="open").strip().lower()
if SIGNUP not in {"open", "invitation", "closed"}:
    raise ImproperlyConfigured(f"SIGNUP={SIGNUP!r}: use 'open', 'invitation' or 'closed'.")
SIGNUP_EMAIL_DOMAINS = [d.lower().lstrip("@") for d in csv_list(env.str("SIGNUP_EMAIL_DOMAINS", default=""))]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Email ------------------------------------------------------------------

# Development prints mail to the console; production defaults to a local MTA.
_email = env.email_url_config(
    env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
_mail_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "file_path": _email.get("EMAIL_FILE_PATH"),
}
# The console mailer prints links whole (Django's breaks long lines with "=").
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    _email["EMAIL_BACKEND"] = "omx.console_mail.EmailBackend"
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {k: v for k, v in _mail_options.items() if v not in (None, "")},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="omX <noreply@localhost>")
# Absolute links in emails; empty means "taken from the request".
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# --- JWT (djangorestframework-simplejwt) ------------------------------------

ALGORITHM = env.str("ALGORITHM", default="HS256")
if ALGORITHM not in {"HS256", "HS384", "HS512"}:
    raise ImproperlyConfigured(
        f"ALGORITHM={ALGORITHM!r} is not supported: use HS256, HS384 or HS512."
    )
ACCESS_TOKEN_EXPIRE_MINUTES = env.int("ACCESS_TOKEN_EXPIRE_MINUTES", default=30)
REFRESH_TOKEN_EXPIRE_DAYS = env.int("REFRESH_TOKEN_EXPIRE_DAYS", default=14)
SIMPLE_JWT = {
    "ALGORITHM": ALGORITHM,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_EXPIRE_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# --- REST framework and OpenAPI ---------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.VersionedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "omx.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "omx.schema.OmxAutoSchema",
    "EXCEPTION_HANDLER": "omx.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "omX API",
    "DESCRIPTION": "Workspaces, projects and Google Cloud Storage buckets for teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies are documented with the same required fields the views enforce.
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "PREPROCESSING_HOOKS": ["omx.schema.drop_slash_variants"],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "workspaces.models.Role",
        "InvitationRoleEnum": [("admin", "Admin"), ("member", "Member"), ("viewer", "Viewer")],
        "ShareKindEnum": ["object", "folder", "drop"],
        "JobKindEnum": ["delete", "copy", "move"],
        "ShareStateEnum": ["active", "expired", "revoked", "exhausted"],
        "UploadMethodEnum": [("PUT", "PUT")],
    },
}

# --- CORS -------------------------------------------------------------------

CORS_ALLOWED_ORIGINS = csv_list(env.str("CORS_ORIGINS", default="http://localhost:5173"))
CORS_ALLOW_CREDENTIALS = True
# django-cors-headers' default header list already includes Authorization.

# --- Content Security Policy (Django 6 built-in) ----------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:", "https:", "http:"],
    "media-src": [CSP.SELF, "blob:", "https:", "http:"],
    "connect-src": [CSP.SELF, "https:", "http:"],
    "frame-src": [CSP.SELF, "https:", "http:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "omx.staticfiles.ModuleAwareManifestStorage"
    },
}

# --- Storage ----------------------------------------------------------------

GCS_PROJECT_ID = env.str("GCS_PROJECT_ID", default="") or None
GCS_CREDENTIALS_PATH = env.str("GCS_CREDENTIALS_PATH", default="") or None
STORAGE_EMULATOR_HOST = env.str("STORAGE_EMULATOR_HOST", default="") or None
GCS_SIGNED_URL_TTL_SECONDS = signed_url_ttl(env, "GCS_SIGNED_URL_TTL_SECONDS")
GCS_UPLOAD_URL_TTL_SECONDS = signed_url_ttl(env, "GCS_UPLOAD_URL_TTL_SECONDS")
GCS_TIMEOUT_SECONDS = env.float("GCS_TIMEOUT_SECONDS", default=5)
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="") or (
    "gcs" if (GCS_CREDENTIALS_PATH or GCS_PROJECT_ID or STORAGE_EMULATOR_HOST) else "local"
)
# Checked against storage.backends.REGISTRY by `manage.py check` (storage/checks.py).
# What /healthz reports beside the database: name -> a function answering
# "ok", "unconfigured" or "error" (the apps own their checks; omx imports none).
HEALTH_CHECKS = {"storage": "storage.health.storage_status"}
# Which buckets a workspace may link: "required" (the operator grants each,
# `manage.py grants`) or "open" (any bucket the service account reaches; for
# single-organisation installs).
STORAGE_GRANTS = env.str("STORAGE_GRANTS", default="required")
if STORAGE_GRANTS not in {"required", "open"}:
    raise ImproperlyConfigured(f"STORAGE_GRANTS={STORAGE_GRANTS!r}: use 'required' or 'open'.")
# Background work (storage jobs) runs on Django's task framework with the
# database backend: `python manage.py db_worker` processes, any number, on any
# machine sharing the database. A job's worker renews its lease with every
# progress write; a job whose lease is older than this is taken over by
# another worker (a worker killed mid-job leaves its task row RUNNING).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
STORAGE_JOB_LEASE_SECONDS = env.float("STORAGE_JOB_LEASE_SECONDS", default=60)
STORAGE_LOCAL_ROOT = Path(env.str("STORAGE_LOCAL_ROOT", default=str(BASE_DIR / "var" / "storage")))
STORAGE_LOCAL_MAX_UPLOAD_BYTES = env.int("STORAGE_LOCAL_MAX_UPLOAD_BYTES", default=5 * 1024**3)
# Names one page of a name search reads at most (storage/search): a bucket of
# millions answers in pages that each stay within the request deadline.
STORAGE_SEARCH_SCAN_LIMIT = env.int("STORAGE_SEARCH_SCAN_LIMIT", default=5000)
# Objects a folder count (the Files page's folder details) reads before it
# stops and says "at least".
STORAGE_FOLDER_STATS_LIMIT = env.int("STORAGE_FOLDER_STATS_LIMIT", default=100_000)

INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=14)

# Share links: how long one may live, the most a drop folder accepts per file,
# and how long each signed URL handed out through one lives (at most 5
# minutes, so that revoking a link ends it almost at once).
SHARE_MAX_DAYS = env.int("SHARE_MAX_DAYS", default=90)
SHARE_MAX_UPLOAD_BYTES = env.int("SHARE_MAX_UPLOAD_BYTES", default=5 * 1024**3)
SHARE_URL_TTL_SECONDS = min(env.int("SHARE_URL_TTL_SECONDS", default=300), 300)
SHARE_PASSWORD_FAILURES = env.int("SHARE_PASSWORD_FAILURES", default=5)  # per link and client address
SHARE_PASSWORD_WINDOW_SECONDS = env.int("SHARE_PASSWORD_WINDOW_SECONDS", default=15 * 60)
# One access-log row per signed URL handed out and per object deleted; off
# only to measure what the log costs.
ACCESS_LOG_ENABLED = env.bool("ACCESS_LOG_ENABLED", default=True)

# --- I18n -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Logging ----------------------------------------------------------------

LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = logging_config(level=LOG_LEVEL, as_json=LOG_FORMAT == "json")
