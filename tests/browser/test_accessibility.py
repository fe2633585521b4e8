"""axe-core over the main pages: no violation of impact serious or critical.

axe-core comes from node_modules (`npm install`; it is a devDependency in package.json).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from northstar.assets.models import Asset
from tests.browser.axe import assert_no_serious_violations

pytestmark = pytest.mark.browser


def first_asset_path() -> str:
    return f"/assets/{Asset.objects.order_by('number').first().pk}/"


PAGES = {
    "home": lambda: "/",
    "asset-list": lambda: "/assets/",
    "map": lambda: "/map/",
    "asset-detail": first_asset_path,
    "login": lambda: "/accounts/login/",
}


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(page, register, output_dir, name):
    page.goto(PAGES[name]())
    if name == "map":
        expect(page.locator("#asset-map")).to_have_attribute("data-marker-count", "107")
    page.screenshot(path=output_dir / f"{name}.png", full_page=True)

    assert_no_serious_violations(page, output_dir)


def test_no_serious_accessibility_violations_on_a_form_with_errors(
    page, register, officer, sign_in, output_dir
):
    sign_in(page, officer)
    page.goto(f"{first_asset_path()}edit/")
    page.get_by_label("Latitude", exact=True).fill("abc")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.screenshot(path=output_dir / "asset-edit-errors.png", full_page=True)

    assert_no_serious_violations(page, output_dir)


def test_the_overview_with_the_north_star_and_key_figures_is_accessible(page, register, output_dir):
    from northstar.economy.tests.factories import small_world
    from northstar.indicators.services import load_default_indicators

    small_world()
    list(load_default_indicators())
    page.goto("/")
    expect(page.locator("#north-star")).to_contain_text("Target: 5 % of GVA by 2030.")
    expect(page.locator("#key-figures .govuk-summary-list__row")).to_have_count(3)
    page.screenshot(path=output_dir / "home-with-figures.png", full_page=True)

    assert_no_serious_violations(page, output_dir)
