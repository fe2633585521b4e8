"""Fixtures of the indicator tests."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from northstar.indicators import services

DATA = Path(settings.NORTHSTAR_DATA_DIR)
GVA_LONG = DATA / "ons_gva" / "itl_gva_gdp_population_long.csv"
BERD_SON26 = DATA / "ons_berd" / "dr52_business_rd_full_dataset_son26.csv"
BERD_ITL1 = DATA / "ons_berd" / "business_rd_by_itl1_2022_growthdiagnostics.json"
IUK_NUTS2 = DATA / "nesta_beis_indicators" / "gbp_innovate_uk_funding.nuts2.csv"

OBSERVATION_PERMISSIONS = ["add_observation", "change_observation", "view_observation"]


def needs(*paths: Path):
    missing = [str(p) for p in paths if not p.exists()]
    return pytest.mark.skipif(
        bool(missing), reason=f"{', '.join(missing)} not present (set NORTHSTAR_DATA_DIR)"
    )


@pytest.fixture
def indicators(lcr):
    """The default indicators, as `northstar load_default_data` loads them."""
    messages = list(services.load_default_indicators())
    assert messages
    return lcr


def grant_observation_permissions(user) -> None:
    """What the officer role is to hold (see the report: roles.py lines to add)."""
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="indicators", codename__in=OBSERVATION_PERMISSIONS
        )
    )


@pytest.fixture
def recording_officer(officer):
    grant_observation_permissions(officer)
    return officer
