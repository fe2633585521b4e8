"""Fixtures of the programme tests."""

import io

import pytest

from northstar.accounts.roles import ensure_roles
from northstar.programmes import services
from northstar.programmes.models import Programme, ProgrammeManager
from northstar.programmes.services import TEMPLATE_COLUMNS


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


@pytest.fixture
def outputs(db):
    services.load_outputs()
    from northstar.programmes.models import OutputDefinition

    return {o.code: o for o in OutputDefinition.objects.all()}


@pytest.fixture
def programme(outputs):
    """A programme of two financial years (2024-25 and 2025-26: eight quarters), one strand."""
    from datetime import date

    from northstar.programmes.models import Strand

    made = Programme.objects.create(
        name="Test Innovation Programme",
        short_name="TIP",
        slug="tip",
        start_date=date(2024, 4, 1),
        end_date=date(2026, 3, 31),
    )
    Strand.objects.create(programme=made, name="Incubator", slug="incubator")
    return made


@pytest.fixture
def tip_manager(programme_manager, programme):
    ProgrammeManager.objects.create(user=programme_manager, programme=programme)
    return programme_manager


def details(programme=None, **changes) -> dict:
    """The details form's fields for `programme` (or a new one), with `changes` applied; dates as
    the three GOV.UK boxes."""
    data = {
        "name": "Northstar Test Accelerator",
        "short_name": "NTA",
        "slug": "",
        "summary": "A test programme.",
        "lead": "",
        "theme": "",
        "status": "live",
        "start_date": None,
        "end_date": None,
        "budget": "",
        "spend": "",
        "spend_as_at": None,
        "source": "",
    }
    if programme is not None:
        data.update(
            {
                "name": programme.name,
                "short_name": programme.short_name,
                "summary": programme.summary,
                "lead": programme.lead_organisation.name if programme.lead_organisation else "",
                "theme": programme.theme.code if programme.theme else "",
                "status": programme.status,
                "start_date": programme.start_date,
                "end_date": programme.end_date,
                "budget": "" if programme.budget is None else str(programme.budget),
                "spend": "" if programme.spend is None else str(programme.spend),
                "spend_as_at": programme.spend_as_at,
                "source": programme.source,
            }
        )
        if programme.published:
            data["published"] = "on"
    else:
        data["published"] = "on"
    data.update(changes)
    for name in ("start_date", "end_date", "spend_as_at"):
        value = data.pop(name)
        parts = (
            value
            if isinstance(value, tuple)
            else (value.day, value.month, value.year)
            if value
            else ("", "", "")
        )
        for suffix, part in zip(("day", "month", "year"), parts, strict=True):
            data[f"{name}_{suffix}"] = str(part)
    return {k: v for k, v in data.items() if v is not None}


def funder_rows(rows: list[dict], existing=()) -> dict:
    """The funders table: `existing` contributions first (with their ids), then new rows."""
    data = {
        "funders-TOTAL_FORMS": str(len(rows)),
        "funders-INITIAL_FORMS": str(len(existing)),
        "funders-MIN_NUM_FORMS": "0",
        "funders-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        if i < len(existing):
            data[f"funders-{i}-id"] = str(existing[i].pk)
        for key, value in row.items():
            if value is True:
                data[f"funders-{i}-{key}"] = "on"
            elif value not in (False, None):
                data[f"funders-{i}-{key}"] = str(value)
    return data
