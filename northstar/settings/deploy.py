"""Production: served by gunicorn behind HTTPS. `northstar check --deploy` must be clean."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a random string of 50+ characters.")

# Off only for the local one-command demo, which serves plain HTTP on 127.0.0.1.
NORTHSTAR_HTTPS = env_bool("NORTHSTAR_HTTPS", True)
SECURE_SSL_REDIRECT = NORTHSTAR_HTTPS
SESSION_COOKIE_SECURE = NORTHSTAR_HTTPS
CSRF_COOKIE_SECURE = NORTHSTAR_HTTPS
if NORTHSTAR_HTTPS:
    # ASVS 3.3.1, 3.3.3: the browser keeps a __Host- cookie only if it is Secure, has Path=/ and
    # no Domain, so no other host or plain-HTTP page can set or overwrite it. (Not over plain
    # HTTP: there the browser would drop the cookies and nobody could sign in.)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = 31536000 if NORTHSTAR_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = NORTHSTAR_HTTPS
SECURE_HSTS_PRELOAD = NORTHSTAR_HTTPS
# Trust the proxy's word that the request came over HTTPS only when a proxy is there to say it
# (and to strip the header from clients); the plain-HTTP demo has none.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NORTHSTAR_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
