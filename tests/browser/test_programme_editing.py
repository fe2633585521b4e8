"""An officer creates a programme on the pages (details, a funder), adds a strand, sets a
whole-life target and a quarterly profile in one form, and finds the programme in the portfolio.
Every form page, with and without errors, is checked with axe-core."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# axe-core from node_modules (`npm install`), as in test_programmes_accessibility.py.


@pytest.fixture
def editing_officer(lcr):
    """An officer (who holds the programme permissions by role), and the standard outputs."""
    from northstar.accounts.tests.factories import UserFactory
    from northstar.programmes import services

    services.load_outputs()
    return UserFactory(role="officer")


def assert_accessible(page, output_dir, name: str) -> None:
    page.screenshot(path=output_dir / f"{name}.png", full_page=True)
    assert_no_serious_violations(page, output_dir, f"{name}-axe")


def fill_date(page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=re.compile(rf"^{legend}"))
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_officer_creates_a_programme_with_a_strand_and_a_quarterly_profile(
    page, editing_officer, sign_in, output_dir
):
    from northstar.accounts.tests.factories import UserFactory
    from northstar.programmes.models import OutputTarget, Programme

    manager = UserFactory(role="programme_manager")
    sign_in(page, editing_officer)
    page.goto("/programmes/")
    page.get_by_role("button", name="Add a programme").click()
    expect(page).to_have_url(re.compile(r"/programmes/new/$"))
    assert_accessible(page, output_dir, "1-new-programme")

    # A first try with mistakes: the error summary names each, and nothing is saved.
    page.get_by_label("Short name (optional)").fill("HIF")
    fill_date(page, "Start date", 31, 2, 2025)
    page.get_by_label("Budget in £ (optional)").fill("-5")
    page.get_by_role("button", name="Add programme").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Name: Enter the programme’s name")).to_be_visible()
    expect(
        summary.get_by_role("link", name=re.compile("Start date must be a real date"))
    ).to_have_attribute("href", "#id_start_date_0")
    expect(page).to_have_title(re.compile(r"^Error: Add a programme"))
    assert_accessible(page, output_dir, "2-new-programme-errors")
    assert not Programme.objects.exists()

    page.get_by_label("Name", exact=True).fill("Health Innovation Fund")
    fill_date(page, "Start date", 1, 4, 2025)
    fill_date(page, "End date", 31, 3, 2027)
    page.get_by_label("Budget in £ (optional)").fill("1,250,000")
    page.get_by_label("Funder, row 1").fill("Liverpool City Region Combined Authority")
    page.get_by_label("Amount in £ (optional), row 1").fill("1000000")
    page.get_by_role("button", name="Add programme").click()
    expect(page).to_have_url(re.compile(r"/programmes/hif/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Health Innovation Fund was added to the programmes."
    )
    expect(page.locator("#budget")).to_have_text("£1,250,000")
    expect(page.locator("#last-change")).to_contain_text(
        f"Last changed by {editing_officer.username}"
    )

    page.get_by_role("link", name="Programme managers").click()
    page.get_by_label("Programme manager").select_option(label=manager.username)
    assert_accessible(page, output_dir, "3-managers")
    page.get_by_role("button", name="Add programme manager").click()
    expect(page.locator("#table-managers")).to_contain_text(manager.username)
    page.get_by_role("link", name="Back").click()

    page.get_by_role("link", name="Add a strand").click()
    assert_accessible(page, output_dir, "4-new-strand")
    page.get_by_label("Name", exact=True).fill("Clinical Testbed")
    page.get_by_label("Budget in £ (optional)").fill("400000")
    page.get_by_role("button", name="Add strand").click()
    expect(page.locator("#strands")).to_contain_text("Clinical Testbed (£400,000)")

    page.get_by_role("link", name="Set targets").click()
    expect(page.locator("#no-outputs")).to_be_visible()
    page.get_by_label("Jobs created (FTE)").check()
    page.get_by_label("Businesses given intensive support (businesses)").check()
    page.get_by_role("button", name="Show these outputs").click()
    profile = page.locator("#table-profile tbody tr")
    expect(profile).to_have_count(8)  # 2025-26 Q1 to 2026-27 Q4
    assert_accessible(page, output_dir, "5-targets")

    page.get_by_label("Jobs created: whole-life target").fill("20")
    page.get_by_label("Businesses given intensive support: whole-life target").fill("30")
    for quarter, jobs in (("2025-26 Q1", "2"), ("2025-26 Q2", "4"), ("2025-26 Q3", "-1")):
        page.get_by_label(f"Jobs created, {quarter}", exact=True).fill(jobs)
    page.get_by_role("button", name="Save targets").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Jobs created, 2025-26 Q3: Enter the jobs created target")
    expect(page.get_by_label("Jobs created, 2025-26 Q1", exact=True)).to_have_value("2")
    assert_accessible(page, output_dir, "6-targets-errors")
    assert not OutputTarget.objects.exists()

    page.get_by_label("Jobs created, 2025-26 Q3", exact=True).fill("6")
    page.get_by_label("Jobs created, 2026-27 Q1", exact=True).fill("5")
    page.get_by_role("button", name="Save targets").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Targets saved: 6 changes."
    )
    expect(page.locator("#target-warnings")).to_contain_text(
        "Jobs created: the quarters add up to 17, the whole-life target is 20 (3 short)."
    )
    expect(
        page.locator('#table-whole-life tr[data-output="jobs-created"] [data-profile-sum]')
    ).to_have_text("17")
    assert_accessible(page, output_dir, "7-targets-saved")

    page.goto("/programmes/")
    row = page.locator("#table-programmes tr", has_text="Health Innovation Fund")
    expect(row).to_contain_text("(HIF)")
    expect(row).to_contain_text("£1,250,000")
    row.get_by_role("link", name="Health Innovation Fund").click()
    jobs = page.locator('#table-outputs tr[data-output="jobs-created"]')
    expect(jobs).to_contain_text("20")
    expect(page.locator("#history")).to_contain_text("Targets set (whole programme): 6 changed")
    page.screenshot(path=output_dir / "8-programme.png", full_page=True)

    programme = Programme.objects.get(slug="hif")
    assert programme.budget == Decimal("1250000")
    assert programme.funders.get().amount == Decimal("1000000")
    assert programme.strands.get().name == "Clinical Testbed"
    profile = {
        t.quarter: t.quantity
        for t in programme.targets.filter(output__code="jobs-created").exclude(quarter=None)
    }
    assert profile == {
        date(2025, 4, 1): 2,
        date(2025, 7, 1): 4,
        date(2025, 10, 1): 6,
        date(2026, 4, 1): 5,
    }
    assert programme.history.first().history_user == editing_officer
    assert programme.managers.get().user == manager
