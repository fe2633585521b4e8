import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.utils import timezone

from .roles import Role, ensure_roles

log = logging.getLogger("northstar.security")

# Roles that may use the Django admin (it still checks each model permission).
STAFF_ROLES = {Role.ADMIN, Role.OFFICER}


def create_user(username: str, password: str, *, role: str, email: str = ""):
    """Create an account in one role. Admins are superusers; officers may use the admin site."""
    ensure_roles()
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    user.is_staff = role in STAFF_ROLES
    user.is_superuser = role == Role.ADMIN
    user.save()
    user.groups.add(Group.objects.get(name=role))
    log.info("account created user=%s role=%s", user.get_username(), role)
    return user


def end_sessions(user=None) -> int:
    """End the signed-in sessions of one account, or of everyone when `user` is None (ASVS 7.4.5).

    Works with the database session store (Django's default, and Northstar's)."""
    sessions = Session.objects.filter(expire_date__gt=timezone.now())
    if user is None:
        ended, _ = sessions.delete()
    else:
        ids = [
            s.pk
            for s in sessions.iterator()
            if s.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        ended, _ = Session.objects.filter(pk__in=ids).delete()
    log.info("sessions ended user=%s count=%s", user.get_username() if user else "*", ended)
    return ended
