"""Fixtures shared by every app's tests."""

import pytest

from northstar.accounts.roles import Role
from northstar.accounts.tests.factories import UserFactory


@pytest.fixture
def lcr(db):
    """The default place, its boroughs and boundaries (when the data folder has them), and themes."""
    from northstar.assets.services import load_themes
    from northstar.places.services import DEFAULT_PLACE_FILE, load_place

    load_themes()
    return load_place(DEFAULT_PLACE_FILE).place


@pytest.fixture
def register(lcr):
    """The 107-asset default register, loaded as a fresh installation loads it."""
    from northstar.assets.models import Asset
    from northstar.assets.services import load_default_register

    load_default_register()
    return Asset.objects.all()


def _user_with_role(role: str):
    return UserFactory(role=role)


@pytest.fixture
def admin_user_(db):
    return _user_with_role(Role.ADMIN)


@pytest.fixture
def officer(db):
    return _user_with_role(Role.OFFICER)


@pytest.fixture
def programme_manager(db):
    return _user_with_role(Role.PROGRAMME_MANAGER)


@pytest.fixture
def assessor(db):
    return _user_with_role(Role.ASSESSOR)


@pytest.fixture
def board_member(db):
    return _user_with_role(Role.BOARD_MEMBER)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client
