"""Fixtures of the action plan's tests."""

from datetime import date

import pytest

from northstar.accounts.tests.factories import UserFactory
from northstar.actions import services
from northstar.actions.models import Action, Rag, Status, Workstream


@pytest.fixture
def themes(db):
    services.load_default_themes()
    return Workstream.objects.all()


@pytest.fixture
def owner(db):
    """A signed-in user with no role at all, named as an action's owner."""
    return UserFactory(role="assessor")


@pytest.fixture
def action(themes, owner):
    return Action.objects.create(
        workstream=Workstream.objects.get(name="The Launchpad pilot"),
        title="Run the Launchpad pilot's first cohort",
        owner=owner,
        start_date=date(2024, 4, 1),
        due_date=date(2025, 3, 31),
        status=Status.IN_PROGRESS,
        rag=Rag.GREEN,
    )
