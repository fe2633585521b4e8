"""The asset list with JavaScript switched off: filters, pagination and the CSV download."""

from __future__ import annotations

import csv
import math
import re

import pytest
from playwright.sync_api import expect

from northstar.assets.models import Asset, AssetFilters, Theme
from northstar.assets.views import PAGE_SIZE

pytestmark = pytest.mark.browser

REGISTER_SIZE = 107  # fixed by the issue
THEME = "infection_health"


@pytest.fixture
def context_options() -> dict:
    return {"java_script_enabled": False, "accept_downloads": True}


def numbers_on_page(page) -> list[int]:
    return [int(n) for n in page.locator("#asset-table tbody tr td:first-child").all_inner_texts()]


def walk_pages(page, total: int) -> list[int]:
    """Every asset number listed, following "Next" from the first page to the last."""
    pages = math.ceil(total / PAGE_SIZE)
    numbers = []
    for n in range(1, pages + 1):
        expect(page.locator(".govuk-pagination__item--current")).to_have_text(str(n))
        expect(page.locator("#asset-table caption")).to_have_text(f"Assets, page {n} of {pages}")
        on_page = numbers_on_page(page)
        assert len(on_page) == min(PAGE_SIZE, total - (n - 1) * PAGE_SIZE)
        numbers += on_page
        if n < pages:
            page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    return numbers


def expected_numbers(**filters) -> list[int]:
    qs = Asset.objects.active().filtered(AssetFilters(**filters)).order_by("number")
    return list(qs.values_list("number", flat=True))


def test_list_filters_pages_and_downloads_without_javascript(page, register, output_dir):
    everything = expected_numbers()
    assert len(everything) == REGISTER_SIZE

    page.goto("/assets/")
    expect(page.locator("body.js-enabled")).to_have_count(0)  # the page's own script did not run
    expect(page.locator("#result-count strong")).to_have_text(str(REGISTER_SIZE))
    expect(page.locator(".govuk-pagination__list a")).to_have_text(["1", "2", "3", "4", "5"])
    page.screenshot(path=output_dir / "1-page-1.png", full_page=True)
    assert walk_pages(page, REGISTER_SIZE) == everything  # 25 + 25 + 25 + 25 + 7
    page.screenshot(path=output_dir / "2-page-5.png", full_page=True)
    page.get_by_role("link", name="Page 2", exact=True).click()
    assert numbers_on_page(page) == everything[PAGE_SIZE : 2 * PAGE_SIZE]

    # Filtering is an ordinary form submission; the filter then rides along every page link.
    theme = Theme.objects.get(code=THEME)
    wanted = expected_numbers(theme=THEME)
    assert PAGE_SIZE < len(wanted) < REGISTER_SIZE
    page.get_by_label("Theme").select_option(THEME)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(rf"/assets/\?(.+&)?theme={THEME}(&|$)"))
    assert "page=" not in page.url
    expect(page.get_by_label("Theme")).to_have_value(THEME)
    expect(page.locator("#result-count")).to_contain_text(
        f"{len(wanted)} assets match your filters"
    )
    expect(page.locator("#asset-table tbody tr td:nth-child(3)")).to_have_text(
        [theme.name] * PAGE_SIZE
    )
    page.screenshot(path=output_dir / "3-filtered.png", full_page=True)
    assert walk_pages(page, len(wanted)) == wanted
    assert f"theme={THEME}" in page.url

    # The CSV link gives exactly the filtered rows: all pages, nothing else.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download CSV")).click()
    download = download_info.value
    assert download.suggested_filename == "assets.csv"
    target = output_dir / "assets.csv"
    download.save_as(target)
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["number"]) for row in rows] == wanted
    assert {row["theme"] for row in rows} == {THEME}
