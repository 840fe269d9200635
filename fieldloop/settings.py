"""Fieldloop settings: one module, driven by environment variables.

DATABASE_URL unset -> SQLite (WAL) under FIELDLOOP_DATA_DIR; set -> that database
(PostgreSQL through psycopg 3 in production).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("FIELDLOOP_ALLOW_DEV_SECRET", True):
        raise RuntimeError("SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production-0123456789"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "django_tasks_db",
    "fieldloop.core",
    "fieldloop.org",
    "fieldloop.formtemplates",
    "fieldloop.customers",
    "fieldloop.notifications",
    "fieldloop.activities",
    "fieldloop.schedules",
    "fieldloop.tracking",
    "fieldloop.attendance",
    "fieldloop.sales",
    "fieldloop.targets",
    "fieldloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: served before the rest, compressed ahead of time
    "django.middleware.gzip.GZipMiddleware",  # pages (with Django's BREACH mitigation); static is WhiteNoise's
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fieldloop.org.middleware.EmployeeContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "fieldloop.core.input_guard.InputGuardMiddleware",
    "fieldloop.api.MethodNotAllowedMiddleware",
    "fieldloop.core.middleware.ServiceErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fieldloop.urls"
WSGI_APPLICATION = "fieldloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fieldloop.org.context_processors.navigation",
                "fieldloop.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATA_DIR = Path(os.environ.get("FIELDLOOP_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
    if "postgresql" in DATABASES["default"]["ENGINE"] and env_bool("PG_PREPARED_STATEMENTS", True):
        # The statements a hot route runs at every request (the phones' location batches, the API token's lookup:
        # `core.db.prepared_cursor`) are prepared on a connection once they have run this many times there, and
        # planned once. Django's own statements are never prepared. PG_PREPARED_STATEMENTS=0 for a pooler that
        # cannot keep a connection's prepared statements (PgBouncer in transaction mode before 1.21).
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "fieldloop.sqlite3"),
            # kept open between requests, as on PostgreSQL: opening one (its PRAGMAs) and closing it (the last
            # connection's WAL checkpoint) cost more than a small write request's own work
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security ----------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "fieldloop.org.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): an account, or an address, is locked after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # an account from one address (see org/lockout.py)
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "50"))  # one address, all accounts
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use the socket's address).
FIELDLOOP_TRUSTED_PROXIES = int(os.environ.get("FIELDLOOP_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "fieldloop.org.lockout.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fieldloop.org.auth_views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("HTTPS", False)
SECURE_HSTS_SECONDS = 31536000 if env_bool("HTTPS", False) else 0
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],  # no inline styles: injected markup cannot restyle a page
    "img-src": [CSP.SELF, "data:", "blob:", *os.environ.get("MAP_TILE_HOSTS", "").split()],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "fieldloop_language"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# What the pages load from npm packages, the icon subset and the one stylesheet are built into ASSETS_DIR by
# scripts/build_assets.py (`make install`): collectstatic then hashes and compresses a few hundred KB, not
# node_modules' dist folders.
ASSETS_DIR = BASE_DIR / "build" / "static"
STATICFILES_DIRS = [BASE_DIR / "static", ASSETS_DIR]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "fieldloop.core.staticfiles.VendorTolerantStaticFilesStorage"
            if env_bool("FIELDLOOP_MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
# With the manifest storage: collectstatic keeps and compresses (gzip and brotli) the hashed copies only, which
# WhiteNoise serves with a ten-year `immutable` cache; source maps (django-ninja's API docs ship megabytes of
# them) are for developer tools and are not compressed.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

# --- Background tasks -----------------------------------------------------------
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Product settings -----------------------------------------------------------
# Map tiles, e.g. "https://tiles.example.com/{z}/{x}/{y}.png"; without them every map draws the offline
# outlines of China's provinces and cities. A Chinese provider's tiles are in GCJ-02: MAP_TILE_CRS=gcj02
# (positions are converted in the browser when drawn, never stored shifted).
FIELDLOOP_MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
FIELDLOOP_MAP_TILE_CRS = os.environ.get("MAP_TILE_CRS", "wgs84")
# Location points older than this many months (counting the current one) are dropped with their monthly
# partition (`manage.py tracking_partitions`, run daily); partitions are created this many months ahead.
FIELDLOOP_TRACKING_RETENTION_MONTHS = int(os.environ.get("FIELDLOOP_TRACKING_RETENTION_MONTHS", "13"))
FIELDLOOP_TRACKING_MONTHS_AHEAD = 3
FIELDLOOP_API_PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
