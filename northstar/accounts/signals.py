"""Security events go to the `northstar.security` log (ASVS 16.3.1: log authentication events).

Values a user typed (a username, a path) are logged with %r so that a newline or a control
character cannot forge a log line (ASVS 16.4.1). Passwords are never logged.
"""

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .middleware import LAST_SEEN_KEY, LOGIN_AT_KEY
from .network import client_address

log = logging.getLogger("northstar.security")


def _address(request) -> str:
    return client_address(request)


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    log.warning("login failed username=%r from=%s", credentials.get("username"), _address(request))


@receiver(user_locked_out)
def log_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log.warning(
        "login locked out after repeated failures username=%r from=%s", username, _address(request)
    )


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    # Django has already given the session a new key (cycle_key) to stop session fixation.
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = request.session[LAST_SEEN_KEY] = int(time.time())
    log.info("login user=%s from=%s", user.get_username(), _address(request))


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    name = user.get_username() if user else "?"
    log.info("logout user=%s from=%s", name, _address(request))
