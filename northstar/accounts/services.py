from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .roles import Role, ensure_roles

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
    return user
