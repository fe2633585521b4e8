"""The quarterly board report in a real browser: an officer opens the draft (charts drawn, the
asset map, the exceptions), the action plan beside it, downloads the PDF (its first page saved as
a PNG in test-results/), and issues the report; axe-core finds no serious accessibility problem.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_serious_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PDF_TIMEOUT_MS = 60_000


@pytest.fixture
def default_data(transactional_db):
    """`northstar load_default_data`, as `./scripts/serve` runs it."""
    from northstar.core.services import load_default_data

    assert list(load_default_data())


@pytest.fixture
def red_action(default_data):
    from northstar.actions.models import Action, Rag, Status, Workstream

    return Action.objects.create(
        workstream=Workstream.objects.get(name="The Launchpad pilot"),
        title="Open the Launchpad pilot's second cohort",
        status=Status.IN_PROGRESS,
        rag=Rag.RED,
        rag_reason="The venue fell through",
        due_date=date(2030, 3, 31),
    )


def first_page_png(pdf: bytes, path) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    document[0].render(scale=1.5).to_pil().save(path)
    document.close()


def test_an_officer_reads_the_draft_and_the_plan_then_issues_the_report(
    page, sign_in, officer, red_action, output_dir
):
    from northstar.reports import services
    from northstar.reports.models import Report

    quarter = services.current_quarter()
    page.goto("/reports/")
    assert "/accounts/login/" in page.url  # the public sees no report

    sign_in(page, officer)
    page.goto("/reports/")
    page.get_by_role("button", name=f"Draft for {quarter.short_label}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(quarter.label)
    charts = page.locator("[data-chart-spec]")
    assert charts.count() >= 4
    for index in range(charts.count()):  # every chart drawn by vega-embed, none failed
        expect(charts.nth(index)).to_have_attribute("data-chart-ready", "true")
    expect(page.locator(".ns-report-map svg path.ns-map-points").first).to_be_attached()
    exceptions = page.locator("#section-actions")
    expect(exceptions).to_contain_text("Open the Launchpad pilot's second cohort")
    expect(exceptions).to_contain_text("The venue fell through")
    page.screenshot(path=output_dir / "draft-report.png", full_page=True)
    assert_no_serious_violations(page, output_dir)

    # Building the PDF takes seconds (WeasyPrint lays out every page), more on a busy machine.
    pdf_url = page.get_by_role("button", name="Download PDF").get_attribute("href")
    pdf = page.request.get(pdf_url, timeout=PDF_TIMEOUT_MS)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    first_page_png(pdf.body(), output_dir / "report-page-1.png")
    assert (output_dir / "report-page-1.png").stat().st_size > 10_000

    # The plan view: the same red action, where officers manage it.
    page.goto("/actions/")
    expect(page.get_by_role("heading", name="Action plan", level=1)).to_be_visible()
    expect(page.locator("#theme-2 .rag-counts")).to_contain_text("Red: 1")
    expect(page.get_by_role("link", name=red_action.title)).to_be_visible()
    page.screenshot(path=output_dir / "action-plan.png", full_page=True)

    # Issue it: the confirmation, then the frozen report.
    page.goto(f"/reports/draft/?quarter={quarter.code}")
    page.get_by_role("button", name="Issue this report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Issue the report for")
    page.get_by_role("button", name="Issue this report").click()
    expect(page.locator("#report-status")).to_contain_text("Issued", timeout=PDF_TIMEOUT_MS)
    report = Report.objects.get()
    expect(page.locator("#report-integrity")).to_contain_text(report.pdf_sha256)
    issued_pdf = page.request.get(f"/reports/{report.pk}/pdf/")
    assert issued_pdf.body() == bytes(report.pdf)
    first_page_png(issued_pdf.body(), output_dir / "issued-page-1.png")
    page.screenshot(path=output_dir / "issued-report.png", full_page=True)


@pytest.mark.parametrize("context_options", [{"viewport": {"width": 320, "height": 640}}])
def test_the_draft_works_at_320_pixels(page, sign_in, officer, default_data, context_options):
    sign_in(page, officer)
    page.goto("/reports/draft/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 330, f"the page scrolls sideways ({width} px wide)"
