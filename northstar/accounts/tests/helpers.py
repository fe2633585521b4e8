"""Shared by the security tests: a client per role, assets to act on, the security log."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from northstar.accounts.roles import Role
from northstar.accounts.tests.factories import UserFactory

ANONYMOUS = "anonymous"
ROLES = [ANONYMOUS, *Role.values]  # anonymous, admin, officer, programme_manager, assessor, ...
# Roles whose users hold each permission (docs/SECURITY.md has the same matrix).
WRITERS = {Role.ADMIN, Role.OFFICER}
SEE_RETIRED = {Role.ADMIN, Role.OFFICER, Role.BOARD_MEMBER}
SEE_HISTORY = {Role.ADMIN, Role.OFFICER, Role.BOARD_MEMBER}
STAFF = {Role.ADMIN, Role.OFFICER}
DELETERS = {Role.ADMIN}


def client_for(role: str) -> tuple[Client, object | None]:
    """A test client signed in with a new user in `role`, or an anonymous one."""
    client = Client()
    if role == ANONYMOUS:
        return client, None
    user = UserFactory(role=role)
    client.force_login(user)
    return client, user


def make_asset(*, retired: bool = False, number: int | None = None, name: str | None = None):
    """An asset in a real LCR borough and theme (needs the `lcr` fixture), so forms accept it."""
    from northstar.assets.models import Theme
    from northstar.assets.tests.factories import AssetFactory
    from northstar.places.models import Place

    kwargs = {
        "theme": Theme.objects.get(code="ai_emerging_tech"),
        "place": Place.objects.get(slug="liverpool"),
    }
    if number is not None:
        kwargs["number"] = number
    if name is not None:
        kwargs["name"] = name
    if retired:
        kwargs.update(retired_at=timezone.now(), retired_reason="Closed in 2023")
    return AssetFactory(**kwargs)


def asset_post_data(asset=None, **changes) -> dict:
    """The page form's fields for `asset` (or a new asset), with `changes` applied."""
    data = {
        "number": 9001,
        "name": "Northstar test laboratory",
        "display_name": "",
        "theme": "ai_emerging_tech",
        "status": "existing",
        "asset_type": "research_facility",
        "borough": "liverpool",
        "latitude": "53.40840",
        "longitude": "-2.99160",
        "location_precision": "area",
        "organisation_kind": "university",
        "notes": "",
    }
    if asset is not None:
        from northstar.assets.services import asset_form_data

        data.update({k: "" if v is None else v for k, v in asset_form_data(asset).items()})
    data.update(changes)
    return data


def security_messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "northstar.security"]
