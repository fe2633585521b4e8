import json

import pytest
from django.conf import settings

from northstar.core.errors import UserInputError
from northstar.places.models import Place, PlaceLevel
from northstar.places.services import DEFAULT_PLACE_FILE, load_place, read_boundary_features

LCR_BOROUGHS = {
    "E06000006": "Halton",
    "E08000011": "Knowsley",
    "E08000012": "Liverpool",
    "E08000013": "St Helens",
    "E08000014": "Sefton",
    "E08000015": "Wirral",
}
BOUNDARIES = settings.NORTHSTAR_DATA_DIR / "ons_boundaries"
needs_boundaries = pytest.mark.skipif(
    not (BOUNDARIES / "lcr_and_neighbours_lad21_buc_wgs84.geojson").exists(),
    reason=f"ONS boundary files not found under {BOUNDARIES} (set NORTHSTAR_DATA_DIR)",
)


def test_default_place_is_the_city_region_and_its_six_boroughs(db, tmp_path):
    result = load_place(DEFAULT_PLACE_FILE, data_dir=tmp_path)
    region = result.place
    assert (region.code, region.level) == ("E47000004", PlaceLevel.COMBINED_AUTHORITY)
    boroughs = Place.objects.boroughs_of(region)
    assert {p.code: p.name for p in boroughs} == LCR_BOROUGHS
    assert all(p.centroid_latitude is not None for p in boroughs)


def test_missing_boundary_files_give_a_clear_message_and_points_only(db, tmp_path):
    result = load_place(DEFAULT_PLACE_FILE, data_dir=tmp_path)
    assert result.boundaries_loaded == 0
    assert "No boundary file found" in result.boundary_message
    assert "points only" in result.boundary_message
    assert not Place.objects.with_boundary().exists()


@needs_boundaries
def test_boundaries_load_from_the_ons_file_and_loading_again_changes_nothing(db):
    first = load_place(DEFAULT_PLACE_FILE)
    assert first.boundaries_loaded == 6
    halton = Place.objects.get(code="E06000006")
    geometry = json.loads(halton.boundary_geojson)
    assert geometry["type"] in {"Polygon", "MultiPolygon"}
    before = list(Place.objects.order_by("code").values())
    load_place(DEFAULT_PLACE_FILE)
    assert list(Place.objects.order_by("code").values()) == before


@needs_boundaries
def test_british_national_grid_boundaries_are_reprojected_to_wgs84():
    features = read_boundary_features(
        BOUNDARIES / "Local_Authority_Districts_May_2021_UK_BUC.geojson", "LAD21CD"
    )
    liverpool = features["E08000012"]
    ring = (
        liverpool["coordinates"][0]
        if liverpool["type"] == "Polygon"
        else liverpool["coordinates"][0][0]
    )
    lons = [x for x, _ in ring]
    lats = [y for _, y in ring]
    # Liverpool lies around 53.4 N, 2.9 W: metres of the National Grid would be in the 100,000s.
    assert 53.3 < min(lats) < max(lats) < 53.5
    assert -3.05 < min(lons) < max(lons) < -2.8


def test_another_place_loads_from_its_own_definition(db, tmp_path):
    definition = {
        "slug": "greater-manchester",
        "code": "E47000001",
        "name": "Greater Manchester",
        "level": "combined_authority",
        "boundary_year": 2021,
        "members": [
            {"code": "E08000003", "name": "Manchester"},
            {"code": "E08000007", "name": "Stockport"},
        ],
    }
    path = tmp_path / "gm.json"
    path.write_text(json.dumps(definition))
    result = load_place(path, data_dir=tmp_path)
    assert result.place.name == "Greater Manchester"
    assert [p.slug for p in Place.objects.boroughs_of(result.place)] == ["manchester", "stockport"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"code": "X"}', "lacks required keys"),
        (
            '{"code": "X", "name": "X", "level": "galaxy", "boundary_year": 2021, "members": []}',
            "unknown level",
        ),
    ],
)
def test_a_bad_place_file_is_a_readable_error(db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UserInputError, match=message):
        load_place(path, data_dir=tmp_path)
    assert not Place.objects.exists()
