"""Fixtures of the organisation tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from northstar.accounts.roles import ROLE_PERMISSIONS, Role
from northstar.accounts.tests.factories import UserFactory
from northstar.organisations.services import RecordIn, link_records

PERMISSION = "organisations.change_organisation"


@pytest.fixture
def reviewer(db):
    """An officer who may use the organisation pages. Officers get the permission from
    accounts/roles.py; until that line is there, it is granted to this user directly (remove the
    fallback once ROLE_PERMISSIONS[Role.OFFICER] lists it)."""
    user = UserFactory(role=Role.OFFICER)
    if PERMISSION not in ROLE_PERMISSIONS[Role.OFFICER]:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="organisations", codename="change_organisation"
            )
        )
    return user


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def link():
    """link_records with (key, name[, company number]) tuples."""

    def _link(dataset: str, *rows, **kwargs):
        records = [RecordIn(str(r[0]), r[1], *(r[2:] if len(r) > 2 else ())) for r in rows]
        return link_records(dataset, records, **kwargs)

    return _link
