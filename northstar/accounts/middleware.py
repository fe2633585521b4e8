"""Session idle timeout and logging of denied access."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout

log = logging.getLogger("northstar.security")
LAST_SEEN_KEY = "northstar_last_seen"
LOGIN_AT_KEY = "northstar_login_at"
# Refresh the idle clock at most once a minute, so a page view does not always write the session.
LAST_SEEN_GRANULARITY = 60


class SessionTimeoutMiddleware:
    """Ends a signed-in session after NORTHSTAR_SESSION_IDLE_SECONDS without a request (idle
    timeout) or SESSION_COOKIE_AGE after login (absolute timeout), whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            login_at = request.session.setdefault(LOGIN_AT_KEY, now)
            if now - last_seen > settings.NORTHSTAR_SESSION_IDLE_SECONDS:
                log.info("session idle timeout user=%s", user.get_username())
                logout(request)
            elif now - login_at > settings.SESSION_COOKIE_AGE:
                log.info("session absolute timeout user=%s", user.get_username())
                logout(request)
            elif now - last_seen >= LAST_SEEN_GRANULARITY or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class DeniedAccessLogMiddleware:
    """Logs every 401/403 so that probing shows up in the security log (ASVS 16.3.2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            log.warning(
                "access denied status=%s user=%s path=%s from=%s",
                response.status_code,
                user.get_username() if user and user.is_authenticated else "anonymous",
                request.path,
                request.META.get("REMOTE_ADDR", "?"),
            )
        return response
