"""An officer signs in through the login form and edits an asset through the GOV.UK form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from northstar.assets.models import Asset

pytestmark = pytest.mark.browser

NOTHING = "\N{EN DASH}"  # how the History table shows an empty value
NOTE = "Opening hours checked with the site team (browser test)."


def test_officer_edits_an_asset(page, register, officer, sign_in, output_dir):
    asset = Asset.objects.get(number=1)
    detail = f"/assets/{asset.pk}/"

    sign_in(page, officer)
    expect(page.get_by_role("button", name=f"Sign out ({officer.username})")).to_be_visible()

    page.goto(detail)
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{detail}edit/$"))
    expect(page.get_by_label("Name (as printed in the source)")).to_have_value(asset.name)
    page.get_by_label("Notes", exact=True).fill(NOTE)
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(re.compile(rf"{detail}$"))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Success")
    expect(banner).to_contain_text(f"Your changes to {asset} were saved.")
    latest = page.locator("#history tbody tr").first
    expect(latest).to_contain_text(officer.username)
    expect(latest).to_contain_text("Changed")
    expect(latest).to_contain_text(f"notes: {asset.notes or NOTHING} → {NOTE}")
    page.screenshot(path=output_dir / "1-saved.png", full_page=True)
    asset.refresh_from_db()
    assert asset.notes == NOTE
    assert asset.history.first().history_user == officer


def test_edit_form_starts_from_the_current_values(page, register, officer, sign_in):
    asset = Asset.objects.get(number=1)
    sign_in(page, officer)
    page.goto(f"/assets/{asset.pk}/edit/")

    expect(page.get_by_label("Status", exact=True)).to_have_value(asset.status)
    expect(page.get_by_label("Type of asset", exact=True)).to_have_value(asset.asset_type)
    expect(page.get_by_label("Borough or location", exact=True)).to_have_value(asset.place.slug)
    expect(page.get_by_label("Theme", exact=True)).to_have_value(asset.theme.code, timeout=1000)


def test_officer_sees_a_validation_error(page, register, officer, sign_in, output_dir):
    asset = Asset.objects.exclude(latitude=None).order_by("number").first()
    sign_in(page, officer)

    page.goto(f"/assets/{asset.pk}/edit/")
    page.get_by_label("Latitude", exact=True).fill("abc")
    page.get_by_role("button", name="Save changes").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link", name="Latitude: Enter a number.")
    expect(link).to_have_attribute("href", "#id_latitude")
    expect(page.locator(".govuk-form-group--error #id_latitude")).to_have_value("abc")
    expect(page.locator("#id_latitude-error")).to_have_text("Error: Enter a number.")
    expect(page.locator("#id_latitude")).to_have_attribute(
        "aria-describedby", "id_latitude-hint id_latitude-error"
    )
    expect(page).to_have_title(re.compile(r"^Error: Edit "))
    page.screenshot(path=output_dir / "1-error-summary.png", full_page=True)

    link.click()
    expect(page.get_by_label("Latitude", exact=True)).to_be_focused()

    before = asset.latitude
    asset.refresh_from_db()
    assert asset.latitude == before
    assert asset.history.count() == 1  # only the import; nothing was saved
