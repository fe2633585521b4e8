"""The pipeline page's Vega-Lite timeline in headless Chromium: one bar per project with dates,
with no network and no JavaScript errors; an officer changes a stage through the page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from northstar.economy.views import VEGA_FILES, charts_available

pytestmark = pytest.mark.browser


@pytest.fixture
def projects(lcr):
    if not charts_available():
        pytest.skip(
            f"Vega is not among the static files ({', '.join(VEGA_FILES)}): run "
            "`npm install && npm run build`"
        )
    from northstar.pipeline.models import PipelineProject, Stage
    from northstar.pipeline.services import load_default_pipeline

    load_default_pipeline()  # no dates: not on the timeline
    PipelineProject.objects.create(
        name="Dated project one",
        slug="dated-one",
        stage=Stage.UNDER_WAY,
        total_value=Decimal("1000000"),
        start_date=datetime.date(2022, 4, 1),
        end_date=datetime.date(2025, 3, 31),
    )
    PipelineProject.objects.create(
        name="Dated project two",
        slug="dated-two",
        stage=Stage.BUSINESS_CASE,
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )


def test_timeline_chart_draws_a_bar_per_dated_project(page, projects, output_dir):
    page.goto("/pipeline/")
    element = page.locator("#timeline-spec-chart")
    expect(element).to_have_attribute("data-chart-ready", "true")
    expect(element.locator("svg")).to_have_count(1)
    expect(element.locator("g.mark-rect.role-mark path")).to_have_count(2)
    expect(element.locator("g.role-legend")).to_contain_text("Under way")
    expect(page.locator("#table-timeline tbody tr")).to_have_count(2)
    page.screenshot(path=output_dir / "pipeline.png", full_page=True)


def test_officer_changes_a_stage_through_the_page(page, projects, officer, sign_in):
    sign_in(page, officer)
    page.goto("/pipeline/dated-two/")
    page.get_by_role("link", name="Change stage").click()
    page.get_by_role("button", name="Change stage").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Stage")
    page.get_by_label("Stage").select_option("approved")
    page.get_by_label("Why").fill("Board approval")
    page.get_by_role("button", name="Change stage").click()
    expect(page.locator("#stage-history")).to_contain_text("Board approval")
    expect(page.locator("#stage-history")).to_contain_text("Business case")
