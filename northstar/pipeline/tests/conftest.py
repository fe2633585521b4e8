import pytest
from django.contrib.auth.models import Group, Permission

from northstar.accounts.roles import Role
from northstar.pipeline.permissions import PIPELINE_WRITE


@pytest.fixture(autouse=True)
def pipeline_urls(settings):
    settings.ROOT_URLCONF = "northstar.pipeline.tests.urls"


def grant_pipeline_to_officers() -> None:
    """Until northstar/accounts/roles.py gives officers PIPELINE_WRITE: the same grant, to the
    officer group (a no-op once roles.py has it)."""
    group = Group.objects.get(name=Role.OFFICER)
    for code in PIPELINE_WRITE:
        app_label, codename = code.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


@pytest.fixture
def pipeline_officer(officer):
    grant_pipeline_to_officers()
    return type(officer).objects.get(pk=officer.pk)  # fresh permission cache
