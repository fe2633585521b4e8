"""Session idle and absolute timeouts, and logging of denied access."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

from .network import client_address

log = logging.getLogger("northstar.security")
LAST_SEEN_KEY = "northstar_last_seen"
LOGIN_AT_KEY = "northstar_login_at"
# Refresh the idle clock at most once a minute, so a page view does not always write the session.
# (The idle timeout can therefore end a session up to a minute early, never late.)
LAST_SEEN_GRANULARITY = 60


class SessionTimeoutMiddleware:
    """Ends a signed-in session after NORTHSTAR_SESSION_IDLE_SECONDS without a request (idle
    timeout, ASVS 7.3.1) or SESSION_COOKIE_AGE after login (absolute timeout, ASVS 7.3.2),
    whichever comes first. Both are checked on the server from the session's own timestamps,
    which the login signal sets; the session is flushed, not just forgotten by the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN_KEY, now)
            login_at = session.setdefault(LOGIN_AT_KEY, now)
            if now - last_seen > settings.NORTHSTAR_SESSION_IDLE_SECONDS:
                self._end(request, "idle", "you had not used it for a while")
            elif now - login_at > settings.SESSION_COOKIE_AGE:
                self._end(request, "absolute", "it had reached its maximum length")
            elif now - last_seen >= LAST_SEEN_GRANULARITY or LAST_SEEN_KEY not in session:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, kind: str, why: str) -> None:
        log.info(
            "session %s timeout user=%s from=%s",
            kind,
            request.user.get_username(),
            client_address(request),
        )
        logout(request)  # flushes the session and sets request.user to AnonymousUser
        messages.info(
            request,
            f"You were signed out because {why}. Sign in again to continue.",
            fail_silently=True,
        )


class DeniedAccessLogMiddleware:
    """Logs every 401/403 so that probing shows up in the security log (ASVS 16.3.2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            log.warning(
                "access denied status=%s user=%s method=%s path=%r from=%s",
                response.status_code,
                user.get_username() if user and user.is_authenticated else "anonymous",
                request.method,
                request.path,
                client_address(request),
            )
        return response
