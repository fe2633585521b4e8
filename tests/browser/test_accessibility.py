"""axe-core over the main pages: no violation of impact serious or critical.

axe-core comes from node_modules (`npm install`; it is a devDependency in package.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from northstar.assets.models import Asset

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def run_axe(page) -> list[dict]:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run `npm install`")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}")
            lines.append(f"        {node['html'][:300]}")
    return "\n".join(lines)


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


def assert_no_serious_violations(page, output_dir) -> None:
    violations = run_axe(page)
    (output_dir / "axe-violations.json").write_text(json.dumps(violations, indent=2))
    if violations:
        print(describe(violations))  # shown with -s, or under "Captured stdout" on failure
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "axe-core found serious or critical problems:\n" + describe(blocking)
