"""The economy pages' Vega-Lite charts in headless Chromium: drawn as SVG with one mark per
figure of the table beside them, with no network, no JavaScript errors, and no serious
accessibility violations; usable at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from northstar.economy.tests.factories import small_world
from northstar.economy.views import VEGA_FILES, charts_available
from tests.browser.axe import assert_no_serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def world(lcr):
    if not charts_available():
        pytest.skip(
            f"Vega is not among the static files ({', '.join(VEGA_FILES)}): run "
            "`npm install && npm run build`"
        )
    return small_world()


def chart(page, chart_id: str):
    element = page.locator(f"#{chart_id}-chart")
    expect(element).to_have_attribute("data-chart-ready", "true")
    return element


def test_gva_per_head_chart_draws_a_line_and_a_point_per_figure(page, world, output_dir):
    page.goto("/economy/")
    element = chart(page, "gva-chart-spec")
    svg = element.locator("svg")
    expect(svg).to_have_count(1)
    # Two series (Merseyside, the UK), each a line through three years (2019–2021).
    expect(element.locator("g.mark-line.role-mark path")).to_have_count(2)
    expect(element.locator("g.mark-symbol.role-mark path")).to_have_count(6)
    assert "GVA per head" in svg.get_attribute("aria-label")
    # The legend names both series, which differ by dash and shape as well as colour.
    expect(element.locator("g.role-legend")).to_contain_text("Merseyside")
    expect(element.locator("g.role-legend")).to_contain_text("United Kingdom")
    page.screenshot(path=output_dir / "economy.png", full_page=True)


def test_compare_chart_draws_a_bar_per_ranked_area(page, world, output_dir):
    page.goto("/economy/compare/?measure=innovate_uk_funding_gbp&per=head&level=itl2&year=2019")
    element = chart(page, "compare-chart-spec")
    expect(element.locator("g.mark-rect.role-mark path")).to_have_count(3)  # TLC1, TLD7, TLD6
    rows = page.locator("#table-compare tbody tr")
    expect(rows).to_have_count(3)
    page.screenshot(path=output_dir / "compare.png", full_page=True)


def test_sector_chart_marks_the_uk_share(page, world):
    page.goto("/economy/")
    element = chart(page, "sectors-chart-spec")
    expect(element.locator("g.mark-rect.role-mark path")).to_have_count(2)  # C and Q
    expect(element.locator("g.mark-rule.role-mark line")).to_have_count(1)


def test_economy_page_has_no_serious_accessibility_violations(page, world, output_dir):
    page.goto("/economy/")
    chart(page, "gva-chart-spec")
    assert_no_serious_violations(page, output_dir)


@pytest.mark.parametrize("context_options", [{"viewport": {"width": 320, "height": 640}}])
def test_economy_page_at_320_pixels(page, world, output_dir):
    page.goto("/economy/")
    chart(page, "gva-chart-spec")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=output_dir / "economy-320.png", full_page=True)
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
