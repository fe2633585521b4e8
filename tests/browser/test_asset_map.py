"""The map page in headless Chromium: markers, filtering, counts, popups, no boundaries, small screens."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from northstar.assets.models import Asset, AssetFilters, Theme
from northstar.places.models import Place
from northstar.places.services import default_place

pytestmark = pytest.mark.browser

MARKERS = "#asset-map path.ns-marker"
BOUNDARIES = "#asset-map path.ns-boundary"
REGISTER_SIZE = 107  # fixed by the issue: the default register has 107 assets
THEME = "materials_chemistry"


def marker_classes(page) -> list[set[str]]:
    return [
        set(classes.split())
        for classes in page.eval_on_selector_all(
            MARKERS, "els => els.map(e => e.className.baseVal)"
        )
    ]


def table_rows(page, table_id: str) -> dict[str, int]:
    rows = page.eval_on_selector_all(
        f"#{table_id} tbody tr",
        "rows => rows.map(r => [r.querySelector('th').textContent, r.querySelector('td').textContent])",
    )
    return {label.strip(): int(count) for label, count in rows}


def visible_legend_themes(page) -> list[str]:
    return page.eval_on_selector_all(
        "#map-legend li[data-theme]",
        "items => items.filter(i => i.checkVisibility()).map(i => i.dataset.theme)",
    )


def expected_theme_counts(**filters) -> dict[str, int]:
    qs = Asset.objects.active().filtered(AssetFilters(**filters))
    return {row["theme__name"]: row["count"] for row in qs.counts_by_theme()}


def expected_borough_counts(**filters) -> dict[str, int]:
    """By each asset's borough label: the name the list page, the filter and the popups use."""
    qs = Asset.objects.active().filtered(AssetFilters(**filters)).select_related("place")
    return dict(Counter(asset.borough_label for asset in qs))


def boroughs_with_boundaries() -> int:
    """How many boundaries the map should draw (none when the data folder lacks the files)."""
    return Place.objects.boroughs_of(default_place()).with_boundary().count()


def expect_map_of(page, count: int) -> None:
    """Wait until the map has drawn `count` markers and says so."""
    expect(page.locator(MARKERS)).to_have_count(count)
    expect(page.locator("#asset-map")).to_have_attribute("data-marker-count", str(count))
    expect(page.locator("#asset-map")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#map-count")).to_have_text(str(count))


def wait_for_markers_in_frame(page) -> None:
    """Wait until every marker lies within the map's frame (after any zoom animation)."""
    page.wait_for_function(
        """() => {
            const frame = document.getElementById("asset-map").getBoundingClientRect();
            const markers = [...document.querySelectorAll("#asset-map path.ns-marker")];
            return markers.length > 0 && markers.every((m) => {
                const r = m.getBoundingClientRect();
                return r.left >= frame.left && r.right <= frame.right
                    && r.top >= frame.top && r.bottom <= frame.bottom;
            });
        }"""
    )


def test_map_shows_every_asset_then_one_theme(page, register, output_dir):
    theme = Theme.objects.get(code=THEME)
    in_theme = Asset.objects.active().filter(theme=theme).count()
    assert 0 < in_theme < REGISTER_SIZE

    page.goto("/map/")
    expect_map_of(page, REGISTER_SIZE)
    assert Asset.objects.active().count() == REGISTER_SIZE
    if boroughs_with_boundaries():
        expect(page.locator(BOUNDARIES)).to_have_count(boroughs_with_boundaries())
        expect(page.locator("#no-boundaries")).to_have_count(0)
        expect(page.locator(".ns-boundary-label").first).to_be_visible()
    wait_for_markers_in_frame(page)
    themes = set(Theme.objects.values_list("code", flat=True))
    for classes in marker_classes(page):
        assert len(classes & {f"ns-marker--{code}" for code in themes}) == 1, classes
        assert classes & {"ns-marker--existing", "ns-marker--pipeline"}, classes
    assert table_rows(page, "theme-counts") == expected_theme_counts()
    assert table_rows(page, "borough-counts") == expected_borough_counts()
    assert sorted(visible_legend_themes(page)) == sorted(themes)
    page.screenshot(path=output_dir / "1-all-assets.png", full_page=True)

    page.get_by_label("Theme").select_option(THEME)

    expect_map_of(page, in_theme)
    assert all(f"ns-marker--{THEME}" in classes for classes in marker_classes(page))
    assert table_rows(page, "theme-counts") == {theme.name: in_theme}
    assert table_rows(page, "borough-counts") == expected_borough_counts(theme=THEME)
    assert visible_legend_themes(page) == [THEME]
    expect(page.locator("#map-legend")).to_contain_text("Pipeline")  # the symbol keys stay
    # The filter is in the address, so the view can be shared, and the list link follows it.
    expect(page).to_have_url(re.compile(rf"/map/\?theme={THEME}$"))
    expect(page.get_by_role("link", name="See them as a list")).to_have_attribute(
        "href", f"/assets/?theme={THEME}"
    )
    page.screenshot(path=output_dir / "2-one-theme.png", full_page=True)

    page.reload()
    expect_map_of(page, in_theme)
    expect(page.get_by_label("Theme")).to_have_value(THEME)

    # A marker's popup names the asset and links to its page. The last marker is drawn on top.
    page.locator(MARKERS).last.click()
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_be_visible()
    number, title = re.fullmatch(r"(\d+)\. (.+)", link.inner_text().strip()).groups()
    asset = Asset.objects.get(number=int(number))
    assert asset.theme == theme
    assert asset.title == title
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    page.locator("#asset-map").screenshot(path=output_dir / "3-popup.png")
    link.click()
    expect(page).to_have_url(re.compile(rf"/assets/{asset.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(asset.title)


def test_map_filtered_from_the_address(page, register, output_dir):
    filters = {"theme": "net_zero_maritime", "status": "existing"}
    expected = expected_theme_counts(**filters)
    count = sum(expected.values())
    assert count > 0

    page.goto("/map/?theme=net_zero_maritime&status=existing")

    expect(page.get_by_label("Theme")).to_have_value("net_zero_maritime")
    expect(page.get_by_label("Status")).to_have_value("existing")
    expect_map_of(page, count)
    assert {
        c for classes in marker_classes(page) for c in classes if c.startswith("ns-marker--")
    } == {
        "ns-marker--net_zero_maritime",
        "ns-marker--existing",
    }
    assert table_rows(page, "theme-counts") == expected
    assert visible_legend_themes(page) == ["net_zero_maritime"]
    page.screenshot(path=output_dir / "filtered-from-url.png", full_page=True)

    # Clearing the filter brings every asset back.
    page.get_by_label("Theme").select_option("")
    page.get_by_label("Status").select_option("")
    expect_map_of(page, REGISTER_SIZE)
    expect(page).to_have_url(re.compile(r"/map/$"))


@pytest.fixture
def register_without_boundaries(db, settings, tmp_path):
    """The default place and register loaded with an empty data folder: no boundary files."""
    from northstar.assets.services import load_default_register, load_themes
    from northstar.places.services import DEFAULT_PLACE_FILE, load_place

    settings.NORTHSTAR_DATA_DIR = tmp_path
    load_themes()
    assert load_place(DEFAULT_PLACE_FILE).boundaries_loaded == 0
    load_default_register()
    assert boroughs_with_boundaries() == 0


def test_map_without_boundaries(page, register_without_boundaries, output_dir):
    page.goto("/map/")

    expect_map_of(page, REGISTER_SIZE)
    expect(page.locator(BOUNDARIES)).to_have_count(0)
    expect(page.locator("#no-boundaries")).to_contain_text("Borough boundaries are not loaded")
    wait_for_markers_in_frame(page)  # framed on the markers instead
    page.screenshot(path=output_dir / "no-boundaries.png", full_page=True)


SMALL_SCREEN = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("context_options", [SMALL_SCREEN], ids=["320px"])
def test_map_on_a_small_screen(page, register, output_dir):
    page.goto("/map/")
    expect_map_of(page, REGISTER_SIZE)

    def assert_fits() -> None:
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
        )
        assert max(widths) <= 320, f"the page scrolls sideways: {widths}"
        box = page.locator("#asset-map").bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 320
        assert box["width"] >= 250
        assert box["height"] >= 250

    assert_fits()
    wait_for_markers_in_frame(page)
    if boroughs_with_boundaries():
        expect(page.locator(".ns-boundary-label").first).to_be_hidden()  # no room for names
    page.screenshot(path=output_dir / "320px.png", full_page=True)

    page.get_by_label("Theme").select_option(THEME)
    expect_map_of(page, Asset.objects.active().filter(theme__code=THEME).count())
    assert_fits()
    # A tap opens a popup that fits in the frame.
    page.locator(MARKERS).last.tap()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_have_css("opacity", "1")
    frame, box = page.locator("#asset-map").bounding_box(), popup.bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
    assert_fits()
    page.screenshot(path=output_dir / "320px-one-theme-popup.png")
