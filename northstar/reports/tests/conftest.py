"""Fixtures of the board report's tests: the default data as `./scripts/serve` loads it, a fixed
"now" (22 November 2026, in Q3 2026-27), and reading a PDF's text."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from northstar.reports.calculations import Quarter

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=LONDON)
Q3 = Quarter(date(2026, 10, 1))  # Q3 2026-27, holding NOW


@pytest.fixture
def default_data(db):
    """`northstar load_default_data`: the city region and its boroughs (with boundaries when the
    data folder has them), themes, the 107-asset register, indicators, programmes, the pipeline
    and the action plan's themes; and the roles."""
    from northstar.core.services import load_default_data

    messages = list(load_default_data())
    assert messages
    from northstar.places.services import default_place

    return default_place()


def pdf_text(content: bytes) -> str:
    """Every page's text, pages joined by form feeds, whitespace runs made single spaces."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\f".join(" ".join(page.extract_text().split()) for page in reader.pages)
