"""Settings for Safeguard, read from the environment only (django-environ).

Every variable is listed in README.md. Defaults run the demo on a laptop with no services: SQLite in ``var/``,
Celery on kombu's filesystem transport, e-mail printed to the console. Production sets ``DEBUG=false``,
``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` (Postgres) and ``REDIS_URL``; the app refuses to start with
DEBUG off and the demo secret key.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SAFEGUARD_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# Like healthchecks, DEBUG defaults to on so the demo needs no configuration; production turns it off.
DEBUG = env.bool("DEBUG", default=True)
DEMO_SECRET_KEY = "demo-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (the demo key is public).")
# Django's own deploy check (security.W009) asks for 50 characters; a shorter key would only warn, so refuse it.
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "safeguard.accounts.admin_site.AdminConfig",  # django.contrib.admin behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "safeguard.accounts",
    "safeguard.audit",
    "safeguard.jobs",
    "safeguard.directory",
    "aup",
    "consent",
    "incidents",
    "reports",
    "exports",
    "interop",
    "onboarding",
    "sso",
    "cases",
    "achievements",
    "notifications",
]

MIDDLEWARE = [
    # /healthz answers first: before host checks, the HTTPS redirect, sessions and the staff gate (safeguard/health.py).
    "safeguard.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "safeguard.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safeguard.middleware.NoStoreForSignedInMiddleware",
    "safeguard.accounts.middleware.SessionTimeoutMiddleware",
    "safeguard.accounts.middleware.UserLanguageMiddleware",
    "safeguard.middleware.QueryLanguageMiddleware",
    "aup.middleware.StaffAgreementGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"

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
                "safeguard.accounts.context_processors.navigation",
            ],
            # The platform's own filters and tags ({% load safeguard %}); the project package is not an app.
            "libraries": {"safeguard": "safeguard.templatetags.safeguard_tags"},
            # Dates in the reader's order: {{ day|date:"j F Y" }} reads month-first in American English (issue 13).
            "builtins": ["safeguard.templatetags.local_dates"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'safeguard.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server, worker and beat share one SQLite file: wait for locks rather than fail.
    # IMMEDIATE transactions take the write lock at BEGIN, so a transaction that reads then writes waits for the
    # lock instead of failing with "database is locked" when another process wrote in between.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# Keep each process's database connection open between requests for this many seconds (0: a new connection per
# request, Django's default). A new Postgres connection costs a server process and its catalogue caches -- about
# 5 ms of CPU on every request. Health checks replace a connection the server closed (a restart, a failover) before
# a request uses it. A `conn_max_age` in DATABASE_URL takes precedence.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
if DATABASES["default"]["CONN_MAX_AGE"] is None or DATABASES["default"]["CONN_MAX_AGE"] < 0:
    raise ImproperlyConfigured("DATABASE_CONN_MAX_AGE must be 0 (close after each request) or a number of seconds.")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

# Sessions: an idle timeout and an absolute limit from sign-in, both enforced by
# safeguard.accounts.middleware.SessionTimeoutMiddleware. The session's expiry (in its store and in the cookie) is
# refreshed at most once a minute rather than on every request: see that middleware for why 30 minutes still holds.
# The session store is chosen with the cache, below.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
if SESSION_COOKIE_AGE < 5 * 60:
    # The middleware refreshes the stored expiry once a minute: a shorter idle timeout would end sessions early.
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT must be at least 300 seconds.")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Parent invitations: a single-use link that expires (hours).
INVITATION_VALID_HOURS = env.int("INVITATION_VALID_HOURS", default=72)

# django-axes: lock a username from one IP address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English")), ("tr", _("Turkish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end libraries come from npm (package.json; `npm ci --ignore-scripts`, run by scripts/_venv.sh and the
# Dockerfile) and are served from node_modules. Without them the signing pages work; the optional drawing pad is hidden.
SIGNATURE_PAD_DIR = BASE_DIR / "node_modules" / "signature_pad" / "dist"
SIGNATURE_PAD_AVAILABLE = (SIGNATURE_PAD_DIR / "signature_pad.umd.min.js").exists()
if SIGNATURE_PAD_AVAILABLE:
    STATICFILES_DIRS.append(("vendor/signature_pad", SIGNATURE_PAD_DIR))
# Uploaded files (scans, attachments) are private: never under STATIC_ROOT, served only through permission checks.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Scheduled roster syncs (interop): a school's "folder" source must lie under ROSTER_SYNC_DIR/<school slug>/.
ROSTER_SYNC_DIR = Path(env.str("ROSTER_SYNC_DIR", default=str(VAR_DIR / "roster-drop")))

# Digital seals on signed PDFs (safeguard/sealing.py, docs/signing.md). Unset: PDFs are not sealed.
SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default="")
SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="")
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_PREVIOUS_CERTIFICATES = env.list("SIGNING_PREVIOUS_CERTIFICATES", default=[])
ROSTER_SYNC_TIMEOUT = env.int("ROSTER_SYNC_TIMEOUT", default=30)  # seconds, per connection and read (HTTPS, SFTP)
ROSTER_SYNC_ALLOW_LOCAL_HTTP = False  # tests only: plain http:// to 127.0.0.1 (a server the test runs)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, keeping its Redis client between calls (safeguard/cache.py: a page's fixed cost).
            "BACKEND": "safeguard.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Sessions are read from here on every page: an unreachable Redis must fail a request, not hang it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
            # Installations (or a benchmark) sharing one Redis keep apart by prefix; never flushed by us.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# With Redis, sessions are read from the cache and written to both the cache and the database ("cached_db", made to
# fall back to the database while Redis is unreachable: safeguard/accounts/sessions.py): a
# page costs no session query, and sessions survive a Redis restart (read back from the database). Signing out
# deletes the session from both, so it ends in every worker. Without Redis the cache is each process's own memory,
# where a signed-out session could live on in another worker: sessions stay in the database only.
SESSION_ENGINE = "safeguard.accounts.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

# Celery: Redis when configured, otherwise a broker in files that needs no server (the demo).
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Give up connecting after 2 s, so a save never hangs on a Redis host that drops packets (the outbox keeps
    # the work; safeguard.jobs).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# The name authenticator apps show for our codes (django-otp).
OTP_TOTP_ISSUER = "Safeguard"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Safeguard <no-reply@safeguard.test>")
# Seconds an SMTP connection may block a worker (Django's default is to wait for ever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=EMAIL_CONFIG.get("EMAIL_TIMEOUT") or 10)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Production hardening; `manage.py check --deploy` passes with DEBUG=false and these defaults.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts only from our own static files -- no inline script or handler.
# Inline styles stay allowed: templates position body-map marks and size progress bars with style attributes, and
# the print and signing pages carry <style> blocks shared with their PDFs. Images may be data: URLs (drawn
# signatures are stored as PNG data URLs; Bootstrap draws its icons with SVG data URLs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=["security.W021"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every reset at INFO; failures and lockouts are WARNING and still shown.
        "axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")},
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
