"""An officer's data pages in a real browser: the imports list, the upload form and the review
queue of possible matches; no serious accessibility violation, and the imports table fits its
column even with the publishers' long file names."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from northstar.ingest.models import Import, ImportStatus
from northstar.organisations.models import MatchCandidate
from northstar.organisations.services import RecordIn, link_records
from tests.browser.axe import assert_no_serious_violations

pytestmark = pytest.mark.browser

LONG_NAMES = [
    "itl2_bres_employment_2digit_sic_2015_2021.csv.gz",
    "International_Territorial_Level_3_January_2021_UK_BUC.geojson",
    "regionalgrossdomesticproductgdpallitlregions.xlsx",
]


@pytest.fixture
def imports(db, officer):
    for n, name in enumerate(LONG_NAMES):
        Import.objects.create(
            dataset="ons-bres-itl2-division",
            publisher="Office for National Statistics (Nomis)",
            file_name=name,
            sha256=f"{n}" * 64,
            status=ImportStatus.REJECTED if n == 1 else ImportStatus.SUCCEEDED,
            rows_read=24_640,
            rows_loaded=0 if n == 1 else 24_640,
            rows_rejected=3 if n == 1 else 0,
            created_by=officer if n else None,
        )


@pytest.fixture
def queued(db):
    link_records(
        "innovate-uk-funded-projects",
        [RecordIn(f"p{i}", "University of Liverpool") for i in range(8)],
    )
    link_records("assets", [RecordIn("a1", "Liverpool Hope University")])
    assert MatchCandidate.objects.count() == 1


def test_the_imports_list_fits_its_column_and_is_accessible(
    page, imports, officer, sign_in, output_dir
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, officer)
    page.goto("/data/")
    table = page.locator("#import-table")
    expect(table).to_contain_text("24,640 read")
    expect(table).to_contain_text("3 rejected")
    expect(table).to_contain_text("by the command line")
    widths = table.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert widths[0] <= widths[1], (
        f"the table ({widths[0]} px) overflows its column ({widths[1]} px)"
    )
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 1280
    page.screenshot(path=output_dir / "data-imports.png", full_page=True)
    assert_no_serious_violations(page, output_dir)


def test_the_upload_form_is_accessible(page, officer, sign_in, output_dir):
    sign_in(page, officer)
    page.goto("/data/upload/")
    expect(page.get_by_label("Dataset")).to_be_visible()
    assert_no_serious_violations(page, output_dir)


def test_the_review_queue_groups_records_and_is_accessible(
    page, queued, officer, sign_in, output_dir
):
    sign_in(page, officer)
    page.goto("/data/organisations/review/")
    card = page.locator(".govuk-summary-card").first
    expect(card).to_contain_text("University of Liverpool")
    expect(card).to_contain_text("(8 records)")
    expect(card.get_by_role("button", name="Merge")).to_be_visible()
    page.screenshot(path=output_dir / "review-queue.png", full_page=True)
    assert_no_serious_violations(page, output_dir)
