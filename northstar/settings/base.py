"""Settings shared by every environment. Values that differ per machine come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent  # the `northstar` package
REPO_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves its own Swagger UI files instead of fetching them from a CDN
    "simple_history",
    "axes",
    "northstar.core",
    "northstar.accounts",
    "northstar.places",
    "northstar.ingest",
    "northstar.assets",
    "northstar.organisations",
    "northstar.economy",
    "northstar.indicators",
    "northstar.pipeline",
    "northstar.programmes",
    "northstar.actions",
    "northstar.funding",
    "northstar.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "northstar.core.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # after messages: it tells a user whose session timed out why they were signed out
    "northstar.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "northstar.accounts.middleware.DeniedAccessLogMiddleware",
    # axes must be last: it turns lockouts into responses
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "northstar.urls"
WSGI_APPLICATION = "northstar.wsgi.application"

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
                "northstar.core.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{REPO_DIR / 'var' / 'northstar.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers go on while an import writes; a wait rather than "database is locked".
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login (OWASP ASVS 5.0 level 2 where Django allows; see docs/SECURITY.md) ---
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Optional: a larger list of common or breached passwords (one a line, plain or .gz) to refuse,
# instead of Django's list of about 20,000 (ASVS 6.2.4, 6.2.12).
NORTHSTAR_PASSWORD_LIST_FILE = os.environ.get("NORTHSTAR_PASSWORD_LIST_FILE", "")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 6.2.1: at least 8 characters, 15 strongly recommended (and NIST SP 800-63B's minimum
    # for a password used on its own). No composition rules (ASVS 6.2.5).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {
        "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
        "OPTIONS": (
            {"password_list_path": NORTHSTAR_PASSWORD_LIST_FILE}
            if NORTHSTAR_PASSWORD_LIST_FILE
            else {}
        ),
    },
    # ASVS 6.2.11: the service's own words (docs/SECURITY.md lists them).
    {"NAME": "northstar.accounts.validators.ContextWordsValidator"},
    # ASVS 6.2.9: passphrases of 64+ characters are allowed; 256 is the cap.
    {"NAME": "northstar.accounts.validators.MaximumLengthValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Absolute session lifetime (ASVS 7.3.2) and idle timeout (ASVS 7.3.1), in seconds. Both are
# enforced on the server by northstar.accounts.middleware.SessionTimeoutMiddleware.
SESSION_COOKIE_AGE = int(os.environ.get("NORTHSTAR_SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))
NORTHSTAR_SESSION_IDLE_SECONDS = int(os.environ.get("NORTHSTAR_SESSION_IDLE_SECONDS", "1800"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# How many reverse proxies in front of the service append to X-Forwarded-For; 0 (the default)
# trusts only REMOTE_ADDR. Used for throttling and the security log (northstar.accounts.network).
NORTHSTAR_TRUSTED_PROXIES = int(os.environ.get("NORTHSTAR_TRUSTED_PROXIES", "0"))

# Failed-login throttling (django-axes, ASVS 6.3.1): after NORTHSTAR_LOGIN_FAILURE_LIMIT failures
# a username is refused from that address, even with the right password, for
# NORTHSTAR_LOGIN_LOCKOUT_MINUTES. Locking the pair, not the account, means nobody can lock a
# colleague out from elsewhere.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("NORTHSTAR_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("NORTHSTAR_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "northstar.accounts.network.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = REPO_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = REPO_DIR / "var" / "media"

# --- Northstar ---
# Where the publishers' data files live; never committed. Point it at your own downloads.
NORTHSTAR_DATA_DIR = Path(
    os.environ.get("NORTHSTAR_DATA_DIR", str(REPO_DIR.parent / "shared" / "data"))
).resolve()
# The place the service is about (a Place slug); another city region loads its own places.
NORTHSTAR_DEFAULT_PLACE = os.environ.get("NORTHSTAR_DEFAULT_PLACE", "liverpool-city-region")
NORTHSTAR_SERVICE_NAME = os.environ.get(
    "NORTHSTAR_SERVICE_NAME", "Liverpool City Region Innovation Observatory"
)
NORTHSTAR_ORGANISATION_NAME = os.environ.get(
    "NORTHSTAR_ORGANISATION_NAME", "Liverpool City Region Combined Authority"
)
# Optional background tile layer for maps, e.g. an OpenStreetMap-compatible URL template.
# Empty: the map draws the boundaries only and needs no tile server.
NORTHSTAR_MAP_TILE_URL = os.environ.get("NORTHSTAR_MAP_TILE_URL", "")
NORTHSTAR_MAP_TILE_ATTRIBUTION = os.environ.get("NORTHSTAR_MAP_TILE_ATTRIBUTION", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # ISO 8601 timestamps in UTC, e.g. 2025-01-31T14:05:09.123Z (ASVS 16.2.2)
        "plain": {
            "class": "northstar.accounts.log.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "northstar.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Background imports of uploaded files (northstar/ingest/jobs.py): "subprocess" (a detached
# `northstar run_import_job` process), "thread" or "inline" (inside the request; tests only).
NORTHSTAR_IMPORT_JOBS = os.environ.get("NORTHSTAR_IMPORT_JOBS", "subprocess")
NORTHSTAR_IMPORT_MAX_UPLOAD_MB = float(os.environ.get("NORTHSTAR_IMPORT_MAX_UPLOAD_MB", "200"))
NORTHSTAR_IMPORT_JOB_LOG_DIR = Path(
    os.environ.get("NORTHSTAR_IMPORT_JOB_LOG_DIR", str(REPO_DIR / "var" / "import-jobs"))
)
NORTHSTAR_IMPORT_JOB_LOST_MINUTES = 2
NORTHSTAR_IMPORT_JOB_MAX_HOURS = 12
