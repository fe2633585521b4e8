"""The test suite: fast hashing, plain static storage, a throwaway database (DATABASE_URL picks one)."""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# django-axes stays on, as in production. Only Client.login(), which calls authenticate() without
# a request, is let past it; the sign-in page and the admin's are throttled as in production.
AUTHENTICATION_BACKENDS = [
    "northstar.accounts.tests.backends.AxesBackendAllowingClientLogin",
    "django.contrib.auth.backends.ModelBackend",
]
# Serve static files from the app folders, not from STATIC_ROOT (which `collectstatic` may be
# rewriting at the same moment, e.g. during a benchmark).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None  # nothing is collected in tests; WhiteNoise then scans no folder
# Other apps' tests never start import processes; the ingest tests choose their own mode.
NORTHSTAR_IMPORT_JOBS = "inline"
