"""Security events go to the `northstar.security` log (ASVS 16.3: log authentication events)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("northstar.security")


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "?") if request is not None else "?"


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    log.warning("login failed username=%r from=%s", credentials.get("username"), _address(request))


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    import time

    from .middleware import LAST_SEEN_KEY, LOGIN_AT_KEY

    # Django has already given the session a new key (cycle_key) to stop session fixation.
    request.session[LOGIN_AT_KEY] = request.session[LAST_SEEN_KEY] = int(time.time())
    log.info("login user=%s from=%s", user.get_username(), _address(request))


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    name = user.get_username() if user else "?"
    log.info("logout user=%s from=%s", name, _address(request))
