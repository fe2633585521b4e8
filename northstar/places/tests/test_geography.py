"""The ITL hierarchy and local authorities from the ONS boundary files, and the importers' refusals."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from northstar.core.errors import FileRejected, UserInputError
from northstar.ingest.framework import all_importers, run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import CodeScheme, Place, PlaceCode, PlaceLevel
from northstar.places.services import (
    DEFAULT_PLACE_FILE,
    ITL1_NAMES,
    BoundaryIndex,
    link_lads_to_itl3,
    load_place,
    place_for_point,
    resolve_place,
)

BOUNDARIES = settings.NORTHSTAR_DATA_DIR / "ons_boundaries"
ITL2_FILE = BOUNDARIES / "International_Territorial_Level_2_January_2021_UK_BUC.geojson"
ITL3_FILE = BOUNDARIES / "International_Territorial_Level_3_January_2021_UK_BUC.geojson"
LAD_FILE = BOUNDARIES / "Local_Authority_Districts_May_2021_UK_BUC.geojson"
needs_files = pytest.mark.skipif(
    not all(f.exists() for f in (ITL2_FILE, ITL3_FILE, LAD_FILE)),
    reason=f"ONS ITL2/ITL3/LAD boundary files not found under {BOUNDARIES} (set NORTHSTAR_DATA_DIR)",
)
LCR_ITL3 = {
    "E06000006": "TLD71",  # Halton
    "E08000011": "TLD71",  # Knowsley
    "E08000013": "TLD71",  # St Helens
    "E08000012": "TLD72",  # Liverpool
    "E08000014": "TLD73",  # Sefton
    "E08000015": "TLD74",  # Wirral
}
WGS84 = "urn:ogc:def:crs:OGC:1.3:CRS84"


def load_real_geography() -> None:
    for dataset, path in (
        ("ons-itl2-boundaries", ITL2_FILE),
        ("ons-itl3-boundaries", ITL3_FILE),
        ("ons-lad-boundaries", LAD_FILE),
    ):
        run_import(dataset, path)


def snapshot() -> tuple[list, list]:
    places = list(Place.objects.order_by("code").values())
    aliases = list(PlaceCode.objects.order_by("scheme", "code").values("scheme", "code", "place"))
    return places, aliases


@needs_files
def test_the_hierarchy_from_the_real_files(db):
    load_place(DEFAULT_PLACE_FILE)
    load_real_geography()
    counts = {level: Place.objects.filter(level=level).count() for level in PlaceLevel.values}
    assert (counts["itl1"], counts["itl2"], counts["itl3"], counts["lad"]) == (12, 41, 179, 374)

    region = Place.objects.get(code="E47000004")
    boroughs = Place.objects.boroughs_of(region).select_related("itl3__parent")
    # The six boroughs keep their combined authority as parent, and their names from the place file.
    assert {b.code: b.itl3.code for b in boroughs} == LCR_ITL3
    assert {b.itl3.parent.code for b in boroughs} == {"TLD7"}
    assert Place.objects.get(code="E08000013").name == "St Helens"
    assert resolve_place("St. Helens", CodeScheme.NAME).code == "E08000013"
    assert set(Place.objects.get(code="TLD71").lads.values_list("name", flat=True)) == {
        "Halton",
        "Knowsley",
        "St Helens",
    }
    # TLD7 Merseyside is exactly the six boroughs.
    assert set(
        Place.objects.filter(level=PlaceLevel.LAD, itl3__parent__code="TLD7").values_list(
            "code", flat=True
        )
    ) == set(LCR_ITL3)
    halton = Place.objects.get(code="E06000006")
    assert [p.code for p in halton.hierarchy()] == [
        "E06000006",
        "E47000004",
        "TLD71",
        "TLD7",
        "TLD",
        "UK",
    ]
    assert Place.objects.get(code="TLD").name == "North West"
    assert Place.objects.get(code="TLD71").name == "East Merseyside"
    assert Place.objects.get(code="TLD71").boundary_year == 2021
    # Every LAD has an ITL3 whose code begins with its ITL2's; NUTS 2016 codes line up.
    assert not Place.objects.filter(level=PlaceLevel.LAD, itl3__isnull=True).exists()
    assert resolve_place("UKD72", CodeScheme.NUTS2016).code == "TLD72"
    assert PlaceCode.objects.get(scheme=CodeScheme.NUTS2016, code="UKD7").place.code == "TLD7"
    assert PlaceCode.objects.get(scheme=CodeScheme.NUTS2016, code="UKD").place.code == "TLD"
    # Boundaries are WGS84 and the points are the publisher's centroids.
    liverpool = Place.objects.get(code="E08000012")
    assert (liverpool.centroid_latitude, liverpool.centroid_longitude) == (
        Decimal("53.40830"),
        Decimal("-2.91364"),
    )
    assert place_for_point("53.4084", "-2.9916", PlaceLevel.LAD) == liverpool  # Pier Head
    assert place_for_point("53.4084", "-2.9916", PlaceLevel.ITL2).code == "TLD7"
    assert place_for_point("53.55", "-3.60", PlaceLevel.LAD) is None  # Liverpool Bay


@needs_files
def test_importing_the_real_files_again_changes_nothing(db):
    load_real_geography()
    before = snapshot()
    load_real_geography()
    assert snapshot() == before
    assert Import.objects.filter(status=ImportStatus.SUCCEEDED).count() == 6


def test_import_present_loads_geography_first_in_order():
    datasets = [i.dataset for i in all_importers()]
    geography = [
        "ons-itl2-boundaries",
        "ons-itl3-boundaries",
        "ons-lad-boundaries",
        "postcode-districts-lad",
        "ons-postcodes",
    ]
    assert [d for d in datasets if d in geography] == geography
    assert datasets.index("ons-postcodes") < datasets.index("ons-gva-itl")


# --- Small made-up files: Merseyside as boxes --------------------------------------------------


def box(west, south, east, north) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def area(code_key, code, name, lat, lon, geometry) -> dict:
    return {
        "type": "Feature",
        "properties": {code_key: code, code_key[:-2] + "NM": name, "LAT": lat, "LONG": lon},
        "geometry": geometry,
    }


def geojson(tmp_path: Path, name: str, features: list, crs: str = WGS84) -> Path:
    path = tmp_path / name
    collection = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": crs}}}
    path.write_text(json.dumps({**collection, "features": features}), encoding="utf-8")
    return path


def itl2_features():
    return [
        area("ITL221CD", "TLD7", "Merseyside", 53.45, -2.85, box(-3.2, 53.25, -2.5, 53.7)),
        area("ITL221CD", "TLD6", "Cheshire", 53.15, -2.6, box(-3.2, 53.0, -2.0, 53.25)),
    ]


def itl3_features():
    return [
        area("ITL321CD", "TLD71", "East Merseyside", 53.45, -2.7, box(-2.85, 53.25, -2.5, 53.7)),
        area("ITL321CD", "TLD72", "Liverpool", 53.45, -3.0, box(-3.2, 53.25, -2.85, 53.7)),
    ]


def lad_features():
    return [
        area("LAD21CD", "E08000012", "Liverpool", 53.4, -2.92, box(-3.0, 53.35, -2.85, 53.45)),
        area("LAD21CD", "E06000006", "Halton", 53.34, -2.7, box(-2.85, 53.3, -2.6, 53.38)),
        # Its centroid is off the ITL3 boxes' coast: the nearest ITL3 is TLD72.
        area("LAD21CD", "E08000015", "Wirral", 53.37, -3.25, box(-3.3, 53.3, -3.21, 53.42)),
    ]


def load_made_up(tmp_path):
    run_import("ons-itl2-boundaries", geojson(tmp_path, "itl2.geojson", itl2_features()))
    run_import("ons-itl3-boundaries", geojson(tmp_path, "itl3.geojson", itl3_features()))
    run_import("ons-lad-boundaries", geojson(tmp_path, "lad.geojson", lad_features()))


def test_made_up_boundaries_build_the_hierarchy_and_coastal_lads_take_the_nearest_itl3(
    db, tmp_path
):
    load_made_up(tmp_path)
    itl3 = dict(Place.objects.filter(level=PlaceLevel.LAD).values_list("code", "itl3__code"))
    assert itl3 == {"E08000012": "TLD72", "E06000006": "TLD71", "E08000015": "TLD72"}
    assert link_lads_to_itl3().by_nearest == [("E08000015", "TLD72")]
    assert Place.objects.get(code="TLD6").parent.code == "TLD"
    assert Place.objects.get(code="TLD").parent.code == "UK"
    index = BoundaryIndex.for_level(PlaceLevel.ITL3)
    assert index.locate(53.5, -2.6).code == "TLD71"
    assert index.locate(53.5, -2.85).code == "TLD71"  # on the shared border: the first by code
    assert index.locate(53.5, -3.3) is None
    assert index.locate(53.5, -3.3, nearest_within=0.2).code == "TLD72"


def test_the_itl3_boundaries_link_lads_loaded_before_them(db, tmp_path):
    run_import("ons-itl2-boundaries", geojson(tmp_path, "itl2.geojson", itl2_features()))
    run_import("ons-lad-boundaries", geojson(tmp_path, "lad.geojson", lad_features()))
    assert not Place.objects.filter(itl3__isnull=False).exists()
    run_import("ons-itl3-boundaries", geojson(tmp_path, "itl3.geojson", itl3_features()))
    assert Place.objects.get(code="E06000006").itl3.code == "TLD71"


GVA_HEADER = "itl_level,itl_code,region_name,year,measure,value\n"
GVA_ROWS = [
    "UK,UK,United Kingdom,2021,gva_balanced_current_prices_gbp_million,2035623\n",
    "ITL1,TLD,North West (England),2021,gva_balanced_current_prices_gbp_million,198930\n",
    "ITL2,TLD7,Merseyside (NUTS2),2021,gva_balanced_current_prices_gbp_million,35345\n",
    "ITL3,TLD71,East Merseyside,2021,gva_balanced_current_prices_gbp_million,9000\n",
    "ITL1,TLH,East,2021,gva_balanced_current_prices_gbp_million,180000\n",
]


@pytest.mark.parametrize("gva_first", [True, False])
def test_the_gva_tables_and_the_boundaries_agree_whichever_loads_first(db, tmp_path, gva_first):
    gva = tmp_path / "gva.csv"
    gva.write_text(GVA_HEADER + "".join(GVA_ROWS), encoding="utf-8")
    if gva_first:
        run_import("ons-gva-itl", gva)
    load_made_up(tmp_path)
    if not gva_first:
        run_import("ons-gva-itl", gva)
    places = {p.code: p for p in Place.objects.select_related("parent")}
    assert places["TLD"].name == "North West"  # the ONS name, not the GVA table's label
    assert places["TLD7"].name == "Merseyside"
    assert places["TLH"].name == "East of England"
    assert (places["TLD71"].parent.code, places["TLD7"].parent.code) == ("TLD7", "TLD")
    assert (places["TLD"].parent.code, places["TLD"].level) == ("UK", PlaceLevel.ITL1)
    assert Place.objects.filter(code="UK").count() == 1
    assert places["TLD7"].statistics.count() == 1


def test_every_itl1_region_has_its_ons_name():
    assert len(ITL1_NAMES) == 12
    assert ITL1_NAMES["TLD"] == "North West" and ITL1_NAMES["TLH"] == "East of England"


# --- Refusals: a clear message, and nothing changed ----------------------------------------


def without(feature: dict, key: str) -> dict:
    props = {k: v for k, v in feature["properties"].items() if k != key}
    return {**feature, "properties": props}


def with_props(feature: dict, **changes) -> dict:
    return {**feature, "properties": {**feature["properties"], **changes}}


BAD_ITL3 = [
    ("missing name", lambda f: [f[0], without(f[1], "ITL321NM")], "has no ITL321NM", ""),
    ("missing centroid", lambda f: [f[0], without(f[1], "LAT")], "has no LAT", "LAT"),
    ("missing code", lambda f: [f[0], without(f[1], "ITL321CD")], "has no ITL321CD", "ITL321CD"),
    (
        "unknown code",
        lambda f: [f[0], with_props(f[1], ITL321CD="XX999")],
        "is not an ITL3 code",
        "ITL321CD",
    ),
    (
        "unknown ITL2",
        lambda f: [f[0], with_props(f[1], ITL321CD="TLK91")],
        "TLK9 is not loaded",
        "ITL321CD",
    ),
    (
        "duplicate",
        lambda f: [f[0], with_props(f[1], ITL321CD="TLD71")],
        "appears again (first as feature 1)",
        "ITL321CD",
    ),
    (
        "latitude not a number",
        lambda f: [f[0], with_props(f[1], LAT="north")],
        "is not a number",
        "LAT",
    ),
    (
        "not a polygon",
        lambda f: [f[0], {**f[1], "geometry": {"type": "Point", "coordinates": [-3, 53.4]}}],
        "not a Polygon",
        "",
    ),
    (
        "corrupt coordinates",
        lambda f: [f[0], {**f[1], "geometry": {"type": "Polygon", "coordinates": [[["a"]]]}}],
        "malformed",
        "",
    ),
    (
        "grid metres labelled as WGS84",
        lambda f: [f[0], {**f[1], "geometry": box(330000, 380000, 340000, 400000)}],
        "outside the UK",
        "",
    ),
]


@pytest.mark.parametrize(
    ("label", "spoil", "reason", "column"), BAD_ITL3, ids=[b[0] for b in BAD_ITL3]
)
def test_a_bad_feature_names_its_feature_and_column_and_nothing_changes(
    db, tmp_path, label, spoil, reason, column
):
    load_made_up(tmp_path)
    renamed = [
        with_props(f, ITL321NM=f["properties"]["ITL321NM"] + " (new)") for f in itl3_features()
    ]
    before = snapshot()
    with pytest.raises(FileRejected) as caught:
        run_import("ons-itl3-boundaries", geojson(tmp_path, "bad.geojson", spoil(renamed)))
    [error] = caught.value.errors
    assert (error.line, error.column) == (2, column)
    assert reason in error.reason and "feature 2" in error.reason
    assert snapshot() == before
    rejected = Import.objects.get(status=ImportStatus.REJECTED)
    assert rejected.dataset == "ons-itl3-boundaries"
    assert [(e.line, e.column) for e in rejected.row_errors.all()] == [(2, column)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "is not valid GeoJSON"),
        ('{"type": "Feature"}', "is not a GeoJSON FeatureCollection"),
        ("[1, 2]", "is not a GeoJSON FeatureCollection"),
        (
            '{"type": "FeatureCollection", "features": [{"properties": {"LAD21CD": "E08000012"}}]}',
            "no feature has a ITL2(\\d\\d)CD property",
        ),
        (
            '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
            '"EPSG:99999"}}, "features": []}',
            "unknown coordinate system",
        ),
    ],
)
def test_a_corrupt_file_is_refused_whole_and_nothing_changes(db, tmp_path, content, message):
    load_made_up(tmp_path)
    before = snapshot()
    path = tmp_path / "corrupt.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserInputError) as caught:
        run_import("ons-itl2-boundaries", path)
    assert message in caught.value.message
    assert snapshot() == before
    assert Import.objects.get(status=ImportStatus.REJECTED).message == caught.value.message


def test_an_itl2_code_in_no_itl1_region_is_refused(db, tmp_path):
    features = [
        *itl2_features(),
        area("ITL221CD", "TLZ9", "Atlantis", 53.4, -3.0, box(-3, 53, -2, 54)),
    ]
    with pytest.raises(FileRejected) as caught:
        run_import("ons-itl2-boundaries", geojson(tmp_path, "itl2.geojson", features))
    [error] = caught.value.errors
    assert error.line == 3 and "TLZ is not one" in error.reason
    assert not Place.objects.exists()


def test_a_lad_code_that_is_not_a_lad_is_refused(db, tmp_path):
    features = [
        *lad_features(),
        area("LAD21CD", "E47000004", "LCR", 53.4, -2.9, box(-3, 53, -2, 54)),
    ]
    with pytest.raises(FileRejected) as caught:
        run_import("ons-lad-boundaries", geojson(tmp_path, "lad.geojson", features))
    [error] = caught.value.errors
    assert (error.line, error.column) == (4, "LAD21CD")
    assert "not a local authority district code" in error.reason


def test_british_national_grid_lads_are_reprojected(db, tmp_path):
    # Liverpool Town Hall is at about E 334,300 N 390,500 on the National Grid.
    square = box(333000, 389000, 336000, 392000)
    feature = area("LAD21CD", "E08000012", "Liverpool", 53.4, -2.99, square)
    run_import("ons-lad-boundaries", geojson(tmp_path, "lad.geojson", [feature], "EPSG:27700"))
    liverpool = Place.objects.get(code="E08000012")
    assert place_for_point(53.4076, -2.9917, PlaceLevel.LAD) == liverpool
    ring = json.loads(liverpool.boundary_geojson)["coordinates"][0]
    assert all(-3.02 < x < -2.96 and 53.39 < y < 53.43 for x, y in ring)
