"""Settings for the Hub, read from the environment.

With no variables set the *embedded default* runs: SQLite in var/, the in-memory channel layer, tasks run
immediately, e-mail to the console. DATABASE_URL and REDIS_URL switch to the production stack; DEBUG off
(the default once DATABASE_URL is set) turns on the production security settings and requires SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not DATABASE_URL and not REDIS_URL

# Development settings only on the embedded default: naming any real service means production unless DEBUG says so.
DEBUG = env_bool("DEBUG", default=EMBEDDED)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production). "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-embedded-default-for-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_tasks",
    "django_tasks_db",
    "hub",
    "common",
    "audit",
    "accounts",
    "sectors",
    "messaging",
    "messaging.board",
    "messaging.bulletins",
    "messaging.bridge",
    "messaging.checkins",
    "messaging.police_reports",
    "notifications",
    "messaging.feeds",
    "dashboard",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages: Cache-Control: private, no-store (unless the view set its own).
    "common.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Officers, moderators, sector leads and staff set up two-factor authentication before anything else.
    "accounts.mfa.RequireMFAMiddleware",
]

ROOT_URLCONF = "hub.urls"
ASGI_APPLICATION = "hub.asgi.application"

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
                "hub.context_processors.navigation",
                "common.context_processors.nav_urls",
            ],
        },
    },
]

# Databases ------------------------------------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # daphne runs each request's sync code on a thread pool; persistent per-thread connections would pile
        # up past PostgreSQL's max_connections. A psycopg pool per process caps them (DB_POOL_SIZE each).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # With a pool, Django 5.2 turns CONN_HEALTH_CHECKS into the pool's `check` (ConnectionPool.check_connection):
        # every connection handed out is tried first, so one PostgreSQL dropped (a restart, a failover,
        # pg_terminate_backend) is replaced instead of failing the next request or worker query with a 500.
        # (Django 5.2 passes `check=` itself: naming "check" in OPTIONS["pool"] would be a TypeError.)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1, "max_size": int(os.environ.get("DB_POOL_SIZE", "8")), "timeout": 20,
        }
        # Parameters bound by the server, so that psycopg prepares a statement the second time a connection
        # runs it: PostgreSQL then neither parses nor plans it again (pages spend more on planning their small
        # queries than on running them: the inbox 34 -> 20 ms, a big forum 27 -> 18). Queries whose best plan
        # depends on their values ask for their own plans (common.db.planned_for_these_values).
        if env_bool("DB_SERVER_SIDE_BINDING", default=True):
            DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
            DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(os.environ.get("DB_PREPARE_THRESHOLD", "2"))
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "hub.sqlite3",
            # A file, not memory, so a live daphne process in the browser tests sees the test data
            # (TEST_SQLITE_NAME lets two suites run side by side).
            "TEST": {"NAME": VAR_DIR / os.environ.get("TEST_SQLITE_NAME", "test.sqlite3")},
            # WAL and a busy timeout let daphne's threads and a management command share the file.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache ----------------------------------------------------------------------------------
if REDIS_URL:
    # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that channels-redis's queue layer
    # blocks in BZPOPMIN waiting for messages: idle consumers raced it and died. Allow longer.
    _redis_host = {"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}
    _channel_prefix = os.environ.get("CHANNELS_PREFIX", "hub")
    # CHANNEL_LAYER=pubsub (default): a group message crosses Redis once per daphne process, which fans it out
    # to its own sockets; =queue: one Redis queue entry per socket, popped one by one. bench/live_fanout.py
    # measured both (README, Performance); live.js replays from the database whatever a socket misses.
    CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
    if CHANNEL_LAYER == "queue":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [_redis_host], "prefix": _channel_prefix,
                           "capacity": int(os.environ.get("CHANNEL_CAPACITY", "20000"))},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [_redis_host], "prefix": _channel_prefix},
            }
        }
    CACHES = {
        "default": {
            "BACKEND": "common.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hub-cache",
        }
    }
else:
    # Every live message of the process goes through one channel (the live stream's): room for bursts of
    # notices (a lead's mass decisions), not the default 100.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10_000}}}
    # Claimed one-time form tokens and socket places are written once and must outlive the churn of rate-limit
    # counters: LocMemCache's default of 300 entries would evict them within minutes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 200_000}}}

# How often each server process asks the database where the live stream stands (messaging/bulletins/stream.py):
# the longest a bulletin whose push was lost (Redis down, a publisher killed after commit) waits for its sockets.
LIVE_STREAM_POLL_SECONDS = float(os.environ.get("LIVE_STREAM_POLL_SECONDS", "2"))

# How many copies of a bulletin's e-mail fan-out are queued: they share the work, so up to that many workers
# send at once (make worker runs WORKERS, default 2).
EMAIL_FANOUT_TASKS = int(os.environ.get("EMAIL_FANOUT_TASKS", os.environ.get("WORKERS", "2")))

# Bridge calls: how many representatives a sector lead may name (each with a deputy), how long before a call
# its accepted invitees are reminded, and how long an RSVP link in an e-mail stays valid after the call ends.
BRIDGE_REPRESENTATIVES_PER_SECTOR = int(os.environ.get("BRIDGE_REPRESENTATIVES_PER_SECTOR", "3"))
BRIDGE_REMINDER_MINUTES = 15
BRIDGE_RSVP_LINK_GRACE_HOURS = 1

# Background tasks: run at once by default; a database queue served by `manage.py db_worker` in production.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "db" if DATABASE_URL else "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "db": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# E-mail ---------------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# The file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes each message here.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "The Hub <hub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Authentication -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Confirming who you are (before changing the password, e-mail or second factor) is by password or second factor.
# Not by a code e-mailed to the address, which allauth offers from 65.22: it proves no more than the password does,
# and a role holder's session that has yet to confirm its second factor must be offered only second factors.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[The Hub] "
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_FORMS = {  # allauth's forms saying "E-mail" (accounts/forms.py)
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.AccountSignupForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "add_email": "accounts.forms.AddEmailForm",
}
ACCOUNT_RATE_LIMITS = {
    # allauth's own limits, stated so the test and the README can name them.
    "login_failed": "5/5m/key,20/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Second factors: an authenticator app (TOTP) or passkeys (WebAuthn), recovery codes as the fallback. A passkey
# also signs in on its own: allauth then demands user verification (the device's PIN or biometric), so that is
# two factors in one. WebAuthn needs a secure context: https, or http://localhost in development (not
# 127.0.0.1: an IP address cannot be a WebAuthn relying party).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
ACCOUNT_ADAPTER = "accounts.adapter.HubAccountAdapter"
MFA_ADAPTER = "accounts.mfa.HubMFAAdapter"

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Internationalisation -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (reports' attachments): outside the static tree, never served by URL, only through views that
# check permissions. MEDIA_URL is deliberately unset.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security: production settings whenever DEBUG is off --------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The portal needs none of these powerful browser features; deny them to every frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth",
                    "display-capture", "fullscreen", "accelerometer", "gyroscope", "magnetometer"]
}
# Changing one's password signs out every other session (Django's session hash); "Sessions" in the user
# menu (allauth.usersessions) lists them and signs out the others on request. Activity tracking stays off: it
# would write to the database on every request.
USERSESSIONS_TRACK_ACTIVITY = False
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer's health probe speaks plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): our own files only; no inline script or style anywhere. Bootstrap's
# icons are data: SVGs in its CSS; 'self' in connect-src covers the site's own ws:/wss: socket.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO" if not DEBUG else "WARNING")},
}

# Per-user limits on what members write (django-ratelimit, counted in the cache), beside allauth's login limits.
# "<count>/<period>" with period s, m, h or d; override with e.g. RATE_LIMIT_POST=60/h.
RATE_LIMITS = {
    name: os.environ.get(f"RATE_LIMIT_{name.upper()}", default)
    for name, default in {"thread": "10/h", "post": "60/h", "report": "20/h", "apply": "10/h"}.items()
}
