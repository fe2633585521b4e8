"""The Innovate UK participant page in headless Chromium, over the fixture file (written by us
in the published layout; no copy of the real workbook is available here): the filters work as a
plain GET form, the chart is drawn as SVG with a bar per group of the table beside it, with no
JavaScript errors and no serious accessibility violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from northstar.economy.views import VEGA_FILES, charts_available
from northstar.funding.models import DATASET
from northstar.funding.tests import fixtures as fx
from northstar.ingest.framework import run_import

pytestmark = pytest.mark.browser

URL = "/funding/participants/?place=liverpool-city-region&from=2017-18&to=2021-22"


@pytest.fixture
def loaded(lcr, tmp_path):
    if not charts_available():
        pytest.skip(
            f"Vega is not among the static files ({', '.join(VEGA_FILES)}): run "
            "`npm install && npm run build`"
        )
    return run_import(DATASET, fx.write_xlsx(tmp_path / "iuk.xlsx")).record


def drawn_chart(page):
    element = page.locator("#participants-chart-spec-chart")
    expect(element).to_have_attribute("data-chart-ready", "true")
    expect(element.locator("svg")).to_have_count(1)
    return element


def group_rows(page):
    return page.locator('#table-participants tbody tr[data-kind="group"]')


def test_changing_the_breakdown_redraws_the_chart_and_the_table(page, loaded, output_dir):
    page.goto(URL)
    chart = drawn_chart(page)
    # By enterprise size: a bar per size group of the table (the SME subtotal and total are not
    # bars).
    groups = group_rows(page).count()
    assert groups >= 6
    expect(chart.locator("g.mark-rect.role-mark path")).to_have_count(groups)
    assert "award offered by enterprise size" in chart.locator("svg").get_attribute("aria-label")
    expect(page.locator('#table-participants tr[data-kind="subtotal"]')).to_contain_text(
        "SME total"
    )
    page.screenshot(path=output_dir / "by-size.png", full_page=True)

    page.get_by_label("Group by").select_option("programme")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**by=programme**")
    chart = drawn_chart(page)
    expect(chart.locator("g.mark-rect.role-mark path")).to_have_count(3)
    expect(group_rows(page)).to_have_count(3)
    expect(group_rows(page).first).to_contain_text("Collaborative R&D")
    expect(page.locator('#table-participants tr[data-kind="total"]')).to_contain_text("765,000.50")
    # The form keeps the filters, and the command line says the same.
    expect(page.get_by_label("From financial year")).to_have_value("2017-18")
    expect(page.locator("#command")).to_have_text(
        "northstar funding --place liverpool-city-region --from 2017-18 --to 2021-22 --by programme"
    )
    page.screenshot(path=output_dir / "by-programme.png", full_page=True)


def test_ticking_withdrawn_participants_adds_them(page, loaded):
    page.goto(URL)
    drawn_chart(page)
    page.get_by_label("Include participants who withdrew from their project").check()
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**include_withdrawn=1**")
    expect(page.locator('#table-participants tr[data-kind="total"]')).to_contain_text("840,000.50")


def test_bad_filters_show_an_error_summary_that_leads_to_the_field(page, loaded):
    page.goto("/funding/participants/?from=2021-22&to=2017-18")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link").first.click()
    expect(page.locator("#to")).to_be_focused()


def test_the_page_has_no_serious_accessibility_violations(page, loaded, output_dir):
    from tests.browser.axe import assert_no_serious_violations

    page.goto(f"{URL}&by=competition")
    drawn_chart(page)
    assert_no_serious_violations(page, output_dir)


def test_a_competitions_participants_from_its_line(page, loaded, output_dir):
    from tests.browser.axe import assert_no_serious_violations

    page.goto(f"{URL}&by=competition")
    drawn_chart(page)
    page.get_by_role("link", name="1810_CRD_HEALTH — Health tech collaborative R&D round 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1810_CRD_HEALTH")
    expect(page.locator("#table-participations tbody tr")).to_have_count(3)
    expect(page.locator("#competition-award")).to_have_text("£470,000.50")
    assert_no_serious_violations(page, output_dir)


def test_the_page_with_errors_has_no_serious_accessibility_violations(page, loaded, output_dir):
    from tests.browser.axe import assert_no_serious_violations

    page.goto("/funding/participants/?place=atlantis&from=soon")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_serious_violations(page, output_dir)


@pytest.mark.parametrize("context_options", [{"viewport": {"width": 320, "height": 640}}])
def test_the_page_at_320_pixels(page, loaded, output_dir):
    page.goto(f"{URL}&by=competition")
    drawn_chart(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=output_dir / "participants-320.png", full_page=True)
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
