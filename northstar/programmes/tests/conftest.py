"""Fixtures of the programme tests."""

import io

import pytest

from northstar.accounts.roles import ensure_roles
from northstar.programmes import permissions, services
from northstar.programmes.models import Programme, ProgrammeManager
from northstar.programmes.services import TEMPLATE_COLUMNS


@pytest.fixture(autouse=True)
def role_permissions(monkeypatch):
    """What accounts/roles.py is to give each role (see permissions.py): added to
    ROLE_PERMISSIONS for the test, so every ensure_roles() (each new user) keeps them."""
    from northstar.accounts import roles

    for role, codes in permissions.BY_ROLE.items():
        monkeypatch.setitem(roles.ROLE_PERMISSIONS, role, [*roles.ROLE_PERMISSIONS[role], *codes])


@pytest.fixture
def programmes(db):
    """The default outputs and programmes, as `northstar load_default_data` loads them."""
    from northstar.assets.services import load_themes

    load_themes()
    assert list(services.load_default_programmes())
    ensure_roles()
    return Programme.objects.all()


@pytest.fixture
def poiz(programmes):
    return Programme.objects.get(slug="poiz")


@pytest.fixture
def igap(programmes):
    return Programme.objects.get(slug="igap")


@pytest.fixture
def poiz_manager(programme_manager, poiz):
    ProgrammeManager.objects.create(user=programme_manager, programme=poiz)
    return programme_manager


def workbook(rows: list[dict], columns=None) -> bytes:
    """A return workbook with a header row and one row per dict (missing keys left empty)."""
    from openpyxl import Workbook

    columns = columns or [key for key, _, _ in TEMPLATE_COLUMNS]
    book = Workbook()
    sheet = book.active
    sheet.title = "Claims"
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def claim_row(**changes) -> dict:
    row = {
        "beneficiary_name": "Acme Diagnostics Ltd",
        "company_number": "01234567",
        "postcode": "L3 5TF",
        "size": "small",
        "sector": "Life sciences",
        "output_code": "businesses-intensive",
        "quantity": 1,
        "evidence_reference": "EV-001",
    }
    return {**row, **changes}
