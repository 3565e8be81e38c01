"""Margin Lab settings: one file, typed environment variables, SQLite by default.

`DJANGO_ENV=production` switches on the strict settings (secrets from the
environment, secure cookies, HSTS); everything else works out of the box for
`make run` and `make test`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The {name} environment variable is required when DJANGO_ENV=production."
        )
    return value


DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env_required("ALLOWED_HOSTS")
    DEBUG = False
else:
    # A fixed development key is fine: it never signs anything outside this machine.
    SECRET_KEY = env_str(
        "SECRET_KEY", "dev-only-insecure-key-margin-lab-0123456789-abcdefghijklmnop"
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DEBUG = env_bool("DEBUG", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    # The database queue's table and its db_worker command; installed in every
    # environment so migrations do not depend on TASKS_BACKEND.
    "django_tasks_db",
    "config",
    "accounts",
    "learn",
    "calculators",
    "sandbox",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # At log-in, sets the language cookie to the learner's stored language (docs/i18n.md).
    "accounts.middleware.LearnerLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "notifications.context_processors.unread_count",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# --- Database -----------------------------------------------------------------
# SQLite by default (a file under var/). WAL lets readers run while one writer
# writes; IMMEDIATE takes the write lock at BEGIN so two writers never deadlock
# upgrading a read lock mid-transaction ("database is locked" surprises); the
# timeout makes a writer wait for the lock instead of failing. One definition for
# the default file and for any sqlite:// DATABASE_URL.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _default_database = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    _default_database = {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}
if _default_database["ENGINE"] == "django.db.backends.sqlite3":
    # Options in the URL (?cached_statements=...) may add to these, never weaken them.
    _default_database["OPTIONS"] = {**_default_database.get("OPTIONS", {}), **SQLITE_OPTIONS}
DATABASES = {"default": _default_database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits and anything shared between workers) -------------------
# Local memory counts per process: production with more than one worker needs
# CACHE_URL, or each worker grants its own quota of password guesses.
CACHE_URL = env_str("CACHE_URL") or env_str("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "marginlab",
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Hourly price extremes (sandbox.market): thousands of small entries, kept apart
        # so they never push rate-limit counters out of the default cache's 300 entries.
        "prices": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "prices",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
    }

# --- Auth ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Log-in throttling: failures counted per (username, client address) so one
# attacker hammering an account cannot lock its owner out from elsewhere.
LOGIN_RATE_LIMIT = env_int("LOGIN_RATE_LIMIT", 5)
LOGIN_RATE_WINDOW_SECONDS = env_int("LOGIN_RATE_WINDOW_SECONDS", 15 * 60)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en"
# Each language is named in itself in the switcher (docs/i18n.md), so these names are
# deliberately not translated: a Polish reader looks for "Polski", not "polski (Polish)".
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates on pages use the named formats of config/formats/<locale>/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
# The anonymous learner's choice (the switcher) lives in this cookie for a year; a
# signed-in learner's choice is also stored on them (accounts.LearnerPreferences).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # WhiteNoise warns when STATIC_ROOT is missing; in development the finders serve files.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Email (console by default; SMTP settings from the environment) --------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Margin Lab <noreply@marginlab.invalid>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A mail server that hangs must not hold a task worker (or, with the immediate
# backend, a request) forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Links in e-mails are absolute; pages use paths.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Background tasks (Django's tasks API: the django-tasks backport on 5.2) ------
# "immediate" runs a task in the same process right after it is enqueued (the
# notification service enqueues after commit), so `make run` needs nothing else.
# "database" queues it in the database for `manage.py db_worker` (docs/deployment.md).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, got {TASKS_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}

# --- Security -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline scripts anywhere: htmx is a static file and its behaviour lives in hx-*
# attributes. SVG charts use presentation attributes, so no inline styles either.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers check health over plain http and do not follow redirects.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
    if env_bool("BEHIND_TLS_PROXY", False):
        # Only trust X-Forwarded-Proto when a proxy we run sets it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Margin Lab ---------------------------------------------------------------
MARKET_SEED = env_int("MARKET_SEED", 20241)
# Routes a bare "hello" view for bench/calculators.py's baseline; never on in a deployment.
BENCH_HELLO = env_bool("BENCH_HELLO", False)

# --- Margin quiz (SPEC §4; learn/quiz/) ------------------------------------------
# Pages state these numbers by reading them from here, never by restating them.
QUIZ_QUESTIONS_PER_ATTEMPT = env_int("QUIZ_QUESTIONS_PER_ATTEMPT", 12)
# Correct answers needed to pass; the default is all of them.
QUIZ_PASS_MARK = env_int("QUIZ_PASS_MARK", QUIZ_QUESTIONS_PER_ATTEMPT)
QUIZ_ATTEMPT_MINUTES = env_int("QUIZ_ATTEMPT_MINUTES", 30)
QUIZ_COOLDOWN_MINUTES = env_int("QUIZ_COOLDOWN_MINUTES", 5)
# Starts and submissions per learner per window (cache-backed, config/ratelimit.py).
QUIZ_RATE_LIMIT = env_int("QUIZ_RATE_LIMIT", 10)
QUIZ_RATE_WINDOW_SECONDS = env_int("QUIZ_RATE_WINDOW_SECONDS", 10 * 60)
