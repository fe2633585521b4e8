"""The indicator dashboard and an indicator page in headless Chromium: the Vega-Lite chart draws
its series (observations as a line with a point each, the required path, the target), with no
network and no JavaScript errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from northstar.economy.views import VEGA_FILES, charts_available
from northstar.indicators import services
from northstar.indicators.models import Indicator
from tests.browser.axe import assert_no_serious_violations

pytestmark = pytest.mark.browser
EVIDENCE = "https://www.ons.gov.uk/economy/example"


@pytest.fixture
def tracker(lcr):
    if not charts_available():
        pytest.skip(
            f"Vega is not among the static files ({', '.join(VEGA_FILES)}): run `npm install && npm run build`"
        )
    list(services.load_default_indicators())
    rd = Indicator.objects.get(code="rd-pct-gva")
    for period, value in [("2021", "1.2"), ("2022", "1.35")]:
        services.record_observation(
            services.ObservationIn(
                indicator=rd, place=lcr, period=period, value=value, evidence_url=EVIDENCE
            )
        )
    return lcr


def test_dashboard_shows_headline_indicators_with_status_tags(page, tracker, output_dir):
    page.goto("/indicators/")
    rows = page.locator("#table-headline tbody tr")
    expect(rows).to_have_count(6)
    rd = page.locator('tr[data-indicator="rd-pct-gva"]')
    expect(rd.locator(".govuk-tag")).to_have_count(1)
    expect(rd.locator("svg.ns-sparkline polyline")).to_have_count(1)
    page.screenshot(path=output_dir / "dashboard.png", full_page=True)


def test_indicator_chart_draws_observations_path_target_and_forecast(page, tracker, output_dir):
    page.goto("/indicators/")
    page.get_by_role("link", name="R&D expenditure as a percentage of GVA").click()
    element = page.locator("#indicator-chart-spec-chart")
    expect(element).to_have_attribute("data-chart-ready", "true")
    # Observed line (2020–2022) with three points, required path (dashed), trend line.
    expect(element.locator("g.mark-line.role-mark path")).to_have_count(3)
    expect(element.locator("g.mark-symbol.role-mark path")).to_have_count(3 + 1)  # + target
    expect(element.locator("g.mark-area.role-mark path")).to_have_count(1)  # forecast band
    legend = element.locator("g.role-legend")
    for name in ("Observed", "Required path", "Target", "Forecast"):
        expect(legend).to_contain_text(name)
    page.screenshot(path=output_dir / "indicator.png", full_page=True)


@pytest.fixture
def breakdown(tracker):
    """R&D split by enterprise size for 2022, so the page has a breakdown chart too."""
    rd = Indicator.objects.get(code="rd-pct-gva")
    for category, value in [("SME", "0.9"), ("Large", "1.6")]:
        services.record_observation(
            services.ObservationIn(
                indicator=rd,
                place=tracker,
                period="2022",
                value=value,
                evidence_url=EVIDENCE,
                dimension="enterprise_size",
                category=category,
            )
        )
    return tracker


def test_breakdown_chart_draws_a_line_per_category(page, breakdown, output_dir):
    page.goto("/indicators/rd-pct-gva/")
    element = page.locator("#breakdown-1-chart-spec-chart")
    expect(element).to_have_attribute("data-chart-ready", "true")
    # Total (2020–2022) and the two sizes (2022): a symbol for each point.
    expect(element.locator("g.mark-symbol.role-mark path")).to_have_count(3 + 2)
    legend = element.locator("g.role-legend")
    for name in ("Total", "SME", "Large"):
        expect(legend).to_contain_text(name)
    element.screenshot(path=output_dir / "breakdown.png")


@pytest.mark.parametrize(
    "url", ["/indicators/", "/indicators/rd-pct-gva/", "/indicators/logic-model/"]
)
def test_no_serious_accessibility_violations(page, breakdown, output_dir, url):
    page.goto(url)
    for chart in page.locator("[data-chart-spec]").all():
        expect(chart).to_have_attribute("data-chart-ready", "true")
    assert_no_serious_violations(page, output_dir)
