"""Roles are groups with exactly the permissions of docs/SECURITY.md."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from northstar.accounts.roles import ROLE_PERMISSIONS, Role, ensure_roles, user_roles
from northstar.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ASSET_PERMS = [
    "assets.view_asset",
    "assets.add_asset",
    "assets.change_asset",
    "assets.delete_asset",
    "assets.retire_asset",
    "assets.import_assets",
    "assets.view_retired_asset",
    "assets.view_asset_history",
]
# role → the asset permissions it holds (the permission matrix in docs/SECURITY.md)
EXPECTED = {
    Role.ADMIN: set(ASSET_PERMS),
    Role.OFFICER: set(ASSET_PERMS) - {"assets.delete_asset"},
    Role.PROGRAMME_MANAGER: {"assets.view_asset"},
    Role.ASSESSOR: set(),
    Role.BOARD_MEMBER: {
        "assets.view_asset",
        "assets.view_retired_asset",
        "assets.view_asset_history",
    },
}


def test_every_role_is_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize("role", Role.values)
def test_role_permissions(role):
    user = UserFactory(role=role)
    held = {p for p in ASSET_PERMS if user.has_perm(p)}
    assert held == EXPECTED[role]
    assert user_roles(user) == [role]
    assert user.is_staff == (role in {Role.ADMIN, Role.OFFICER})
    assert user.is_superuser == (role == Role.ADMIN)


def test_only_admins_manage_accounts_and_groups():
    for role in Role.values:
        user = UserFactory(role=role)
        may = user.has_perm("auth.change_user") or user.has_perm("auth.change_group")
        assert may == (role == Role.ADMIN)


def test_ensure_roles_is_idempotent_and_repairs_drift():
    officer = Group.objects.get(name=Role.OFFICER)
    officer.permissions.add(Permission.objects.get(codename="delete_asset"))
    ensure_roles()
    ensure_roles()
    assert not officer.permissions.filter(codename="delete_asset").exists()
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)


def test_anonymous_has_no_role():
    from django.contrib.auth.models import AnonymousUser

    assert user_roles(AnonymousUser()) == []
    assert not any(AnonymousUser().has_perm(p) for p in ASSET_PERMS)


def test_role_permissions_name_real_permissions():
    for codes in ROLE_PERMISSIONS.values():
        for code in codes:
            if code != "*":
                app_label, codename = code.split(".")
                assert Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).exists(), code
