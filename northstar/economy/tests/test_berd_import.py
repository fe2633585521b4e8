"""BERD importers: SMC DR52 (SON 2025/2026 editions and the SON 2023 v1 layout) and ITL1 2022."""

import csv
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.models import Statistic
from northstar.ingest.framework import run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import CodeScheme, Place, PlaceCode
from northstar.places.services import ensure_itl_place

DATA = settings.NORTHSTAR_DATA_DIR
SON26 = DATA / "ons_berd" / "dr52_business_rd_full_dataset_son26.csv"
SON25 = DATA / "ons_berd" / "dr52_business_rd_itl2_full_dataset_v3.csv"
V1 = DATA / "ons_berd" / "dr52_business_rd_itl2_full_dataset_v1.csv"
ITL1 = DATA / "ons_berd" / "business_rd_by_itl1_2022_growthdiagnostics.json"
GVA_LONG = DATA / "ons_gva" / "itl_gva_gdp_population_long.csv"
EUROSTAT = DATA / "nesta_beis_indicators" / "eurostat_berd_data.nuts2.csv"


def needs(*paths: Path):
    missing = [str(p) for p in paths if not p.exists()]
    return pytest.mark.skipif(
        bool(missing), reason=f"{', '.join(missing)} not present (set NORTHSTAR_DATA_DIR)"
    )


PER_100K = "berd_per_100k_population_gbp_million"


def value(code: str, year: int, measure: str) -> Decimal | None:
    return Statistic.objects.get(place__code=code, year=year, measure__code=measure).value


def table() -> set[tuple]:
    return set(Statistic.objects.values_list("measure__code", "place__code", "year", "value"))


@pytest.fixture
def itl_places(db):
    """A few ITL places, as the GVA or geography importers would have made them."""
    for code, name in [
        ("UK", "United Kingdom"),
        ("TLD", "North West"),
        ("TLD6", "Cheshire"),
        ("TLD7", "Merseyside"),
        ("TLC", "North East"),
        ("TLC2", "Northumberland, and Tyne and Wear"),
        ("TLM", "Scotland"),
        ("TLM7", "Eastern Scotland"),
        ("TLG", "West Midlands"),
        ("TLG3", "West Midlands"),
    ]:
        ensure_itl_place(code, name)


@pytest.fixture
def all_itl_places(db):
    """Every ITL 2021 place, named as ONS's regional accounts name them."""
    if not GVA_LONG.exists():
        pytest.skip(f"{GVA_LONG} not present: it lists the ITL places (set NORTHSTAR_DATA_DIR)")
    with GVA_LONG.open(encoding="utf-8-sig", newline="") as f:
        areas = {
            (r["itl_code"], r["region_name"])
            for r in csv.DictReader(f)
            if r["itl_code"] == "UK" or r["itl_level"] in ("ITL1", "ITL2", "ITL3")
        }
    for code, name in sorted(areas, key=lambda a: (a[0] != "UK", len(a[0]), a[0])):
        ensure_itl_place(code, name)


DR52_HEADER = (
    "measure_code,measure_title,chart_type,area_code,area_type,area_name,primary_split_type,"
    "primary_split_value,time_period,value,unit\n"
)


def dr52_trend(year, value, unit="billions of £", code="K02000001"):
    return (
        f"dr52,BERD,trend,{code},country,United Kingdom,time_period,{year},{year},{value},{unit}\n"
    )


def dr52_itl2(name, year, value, unit="millions of £"):
    return f'dr52,BERD,geography,NA,ITL2,"{name}",area_name,"{name}",{year},{value},{unit}\n'


def write_csv(tmp_path: Path, lines: list[str], header: str = DR52_HEADER, name="dr52.csv"):
    path = tmp_path / name
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


# --- The real files ---------------------------------------------------------------------------


@needs(SON26)
def test_son26_merseyside_and_the_uk_match_the_publisher(all_itl_places):
    started = time.perf_counter()
    outcome = run_import("ons-berd-dr52", SON26)
    print(f"ons-berd-dr52 (son26): {time.perf_counter() - started:.2f}s")
    assert outcome.record.status == ImportStatus.SUCCEEDED
    assert outcome.rows_read == 52
    # Picked by hand from the file: Merseyside 2024 = 29.059 "millions of £" per 100,000 people.
    assert value("TLD7", 2024, PER_100K) == Decimal("29.059")
    assert value("TLD6", 2024, PER_100K) == Decimal("202.114")
    # The UK trend is in billions: 55.615 billion = 55,615 million.
    assert value("UK", 2024, "berd_gbp_million") == Decimal("55615")
    assert value("UK", 2014, "berd_gbp_million") == Decimal("40867")
    # Every ITL2 area is named in the file once, and each matched a place.
    assert Statistic.objects.filter(measure__code=PER_100K, year=2024).count() == 41
    alias = PlaceCode.objects.get(scheme=CodeScheme.GSS, code="K02000001")
    assert alias.place.code == "UK"


@needs(SON26, SON25)
def test_the_two_editions_coexist_and_the_newer_wins_in_either_order(all_itl_places):
    run_import("ons-berd-dr52", SON25)
    run_import("ons-berd-dr52", SON26)
    newest_last = table()
    # Revised years: SON 2026's figure, not SON 2025's (41.049 billion for 2014).
    assert value("UK", 2014, "berd_gbp_million") == Decimal("40867")
    assert value("UK", 2023, "berd_gbp_million") == Decimal("54354")
    # Figures only SON 2025 has stay: Merseyside 2023, Northern Ireland 2022.
    assert value("TLD7", 2023, PER_100K) == Decimal("34.675")
    assert value("TLN0", 2022, PER_100K) == Decimal("50.907")
    assert value("TLD7", 2024, PER_100K) == Decimal("29.059")

    Statistic.objects.all().delete()
    Import.objects.all().delete()
    run_import("ons-berd-dr52", SON26)
    run_import("ons-berd-dr52", SON25)
    assert table() == newest_last

    # Importing either file again changes nothing.
    run_import("ons-berd-dr52", SON26)
    run_import("ons-berd-dr52", SON25)
    assert table() == newest_last
    assert Statistic.objects.count() == len(newest_last)


@needs(ITL1)
def test_itl1_2022_north_west_matches_the_publisher(db):
    started = time.perf_counter()
    outcome = run_import("ons-berd-itl1-2022", ITL1)
    print(f"ons-berd-itl1-2022: {time.perf_counter() - started:.2f}s")
    assert outcome.rows_loaded == 12
    assert value("TLD", 2022, "berd_gbp_million") == Decimal("4831")  # NORTH WEST (ENGLAND)
    assert value("TLH", 2022, "berd_gbp_million") == Decimal("10690")  # EAST OF ENGLAND
    assert set(Place.objects.filter(statistics__isnull=False).values_list("code", flat=True)) == {
        "TLC",
        "TLD",
        "TLE",
        "TLF",
        "TLG",
        "TLH",
        "TLI",
        "TLJ",
        "TLK",
        "TLL",
        "TLM",
        "TLN",
    }
    before = table()
    run_import("ons-berd-itl1-2022", ITL1)
    assert table() == before


@needs(V1)
def test_v1_is_stored_as_euros_at_2018_prices_on_itl2021_areas(all_itl_places):
    started = time.perf_counter()
    outcome = run_import("ons-berd-dr52-v1", V1)
    print(f"ons-berd-dr52-v1: {time.perf_counter() - started:.2f}s")
    measure = "berd_eur_2018_prices"
    assert value("TLD7", 2018, measure) == Decimal("511134000")
    assert value("TLD7", 2010, measure) == Decimal("264012941.176471")
    # Not ITL 2021 areas: South Western Scotland, and Eastern Scotland before 2014.
    assert not Statistic.objects.filter(place__code="TLM7", year__lt=2014).exists()
    assert value("TLM7", 2014, measure) == Decimal("599527911.646586")
    # 481 rows: 12 national ratios, 11 South Western Scotland, 7 Eastern Scotland before 2014
    # and 4 repeats of Eastern Scotland 2014-2017 are not loaded.
    assert outcome.rows_read == 481
    assert outcome.rows_loaded == 481 - 12 - 11 - 7 - 4
    assert not Statistic.objects.filter(place__code="UK").exists()


@needs(V1, EUROSTAT)
def test_v1_values_are_the_eurostat_nominal_values_deflated_to_2018(all_itl_places):
    """The reason v1 is not stored as nominal euros: v1 × (one factor per year) = Eurostat."""
    with EUROSTAT.open(newline="") as f:
        nominal = {
            (r["nuts_id"], int(r["year"])): Decimal(r["eurostat_berd_data"])
            for r in csv.DictReader(f)
        }
    run_import("ons-berd-dr52-v1", V1)
    for year, factor in [(2018, Decimal(1)), (2010, Decimal("0.85"))]:
        for code in ("TLD7", "TLD6", "TLD3"):
            deflated = value(code, year, "berd_eur_2018_prices")
            assert (deflated * factor).quantize(Decimal(1)) == nominal[("UK" + code[2:], year)]


# --- Hand-made files: rules and refusals ------------------------------------------------------


def test_uk_billions_become_millions_and_itl2_names_match_loosely(itl_places, tmp_path):
    path = write_csv(
        tmp_path,
        [
            dr52_trend(2024, "55.615"),
            dr52_itl2("Merseyside", 2024, "29.059"),
            dr52_itl2("NORTHUMBERLAND AND TYNE & WEAR", 2024, "33.315"),
            dr52_itl2("West Midlands", 2024, "40.868"),
            dr52_itl2("Cheshire", 2024, "NA"),
        ],
    )
    outcome = run_import("ons-berd-dr52", path)
    assert outcome.rows_loaded == 5
    assert value("UK", 2024, "berd_gbp_million") == Decimal("55615")
    assert value("TLC2", 2024, PER_100K) == Decimal("33.315")
    assert value("TLG3", 2024, PER_100K) == Decimal("40.868")  # the ITL2, not ITL1 TLG
    cheshire = Statistic.objects.get(place__code="TLD6")
    assert cheshire.value is None and cheshire.suppressed


def test_a_name_alias_teaches_another_spelling(itl_places, tmp_path):
    PlaceCode.objects.create(
        place=Place.objects.get(code="TLD7"), scheme=CodeScheme.NAME, code="Mersey-side (LCR)"
    )
    run_import("ons-berd-dr52", write_csv(tmp_path, [dr52_itl2("mersey side lcr", 2024, "1")]))
    assert value("TLD7", 2024, PER_100K) == Decimal("1")


def test_a_small_newer_edition_wins_only_where_it_has_figures(itl_places, tmp_path):
    older = write_csv(
        tmp_path,
        [
            dr52_trend(2022, "51.553"),
            dr52_trend(2023, "49.973"),
            dr52_itl2("Merseyside", 2023, "34.675"),
        ],
        name="son25.csv",
    )
    newer = write_csv(
        tmp_path,
        [
            dr52_trend(2023, "54.354"),
            dr52_trend(2024, "55.615"),
            dr52_itl2("Merseyside", 2024, "29.059"),
        ],
        name="son26.csv",
    )
    run_import("ons-berd-dr52", newer)
    run_import("ons-berd-dr52", older)
    assert value("UK", 2022, "berd_gbp_million") == Decimal("51553")  # only the older has it
    assert value("UK", 2023, "berd_gbp_million") == Decimal("54354")  # both: the newer wins
    assert value("TLD7", 2023, PER_100K) == Decimal("34.675")
    assert value("TLD7", 2024, PER_100K) == Decimal("29.059")
    assert Statistic.objects.count() == 5


@pytest.mark.parametrize(
    ("bad_line", "column", "reason"),
    [
        (dr52_itl2("Merseyside", 2024, "lots"), "value", "not a number"),
        (dr52_itl2("Merseyside", 2024, "-3.2"), "value", "negative"),
        (dr52_itl2("Merseyside", 3024, "3.2"), "time_period", "outside"),
        (dr52_itl2("Merseyside", 1066, "3.2"), "time_period", "outside"),
        (dr52_itl2("Merseyside", "20x4", "3.2"), "time_period", "not a year"),
        (dr52_itl2("Atlantis", 2024, "3.2"), "area_name", "not the name of a known ITL2"),
        (dr52_itl2("Merseyside", 2024, "3.2", unit="billions of £"), "unit", "millions of £"),
        (dr52_trend(2024, "55.6", unit="millions of £"), "unit", "billions of £"),
        (dr52_trend(2024, "55.6", code="E92000001"), "area_code", "United Kingdom"),
        (dr52_itl2("Merseyside", 2024, "30.1"), "value", "second, different value"),
        ("dr99,x,trend,K02000001,country,UK,time_period,2024,2024,1,billions of £\n", "measure_code", "dr52"),
        ("dr52,x,map,K02000001,country,UK,time_period,2024,2024,1,billions of £\n", "chart_type", "trend or geography"),
    ],
)  # fmt: skip
def test_a_bad_row_names_its_line_and_column_and_nothing_is_written(
    itl_places, tmp_path, bad_line, column, reason
):
    path = write_csv(
        tmp_path, [dr52_trend(2024, "55.615"), dr52_itl2("Merseyside", 2024, "29.059"), bad_line]
    )
    with pytest.raises(FileRejected) as caught:
        run_import("ons-berd-dr52", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (4, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()
    rejected = Import.objects.get()
    assert rejected.status == ImportStatus.REJECTED
    assert [(e.line, e.column) for e in rejected.row_errors.all()] == [(4, column)]


def test_a_missing_column_is_refused_before_any_row(itl_places, tmp_path):
    path = write_csv(
        tmp_path,
        ["dr52,x,trend,K02000001,country,UK,time_period,2024,2024,1\n"],
        header=DR52_HEADER.replace(",unit", ""),
    )
    with pytest.raises(UserInputError, match="lacks the column"):
        run_import("ons-berd-dr52", path)
    assert not Statistic.objects.exists()


def test_names_cannot_be_matched_before_the_itl_places_exist(db, tmp_path):
    path = write_csv(tmp_path, [dr52_itl2("Merseyside", 2024, "29.059")])
    with pytest.raises(FileRejected) as caught:
        run_import("ons-berd-dr52", path)
    assert "import the ITL places first" in caught.value.errors[0].reason


V1_HEADER = (
    "Ind_code,Ind_name,Area_type,Area_code,Area_name,Time_period,SEB,Age,Sex,Category_type,"
    "Category,Value,Sample_size,LCI,UCI,SE,Unit,Value_note\n"
)


def v1_row(area_type, name, year, value, unit="Euros"):
    return (
        f'DR52,BERD,{area_type},NA,"{name}",{year},NA,NA,NA,NA,NA,{value},NA,NA,NA,NA,{unit},NA\n'
    )


def test_v1_skips_ratios_and_superseded_areas_and_reads_identical_repeats_once(
    itl_places, tmp_path
):
    path = write_csv(
        tmp_path,
        [
            v1_row("National", "United Kingdom", 2018, "1.32497719605148"),
            v1_row("ITL2", "Merseyside", 2018, "511134000"),
            v1_row("ITL2", "South Western Scotland", 2016, "373954356.435644"),
            v1_row("ITL2", "Eastern Scotland", 2013, "526687230.142566"),
            v1_row("ITL2", "Eastern Scotland", 2016, "707567841.584158"),
            v1_row("ITL2", "Eastern Scotland", 2016, "707567841.584158"),
        ],
        header=V1_HEADER,
    )
    outcome = run_import("ons-berd-dr52-v1", path)
    assert (outcome.rows_read, outcome.rows_loaded) == (6, 2)
    assert value("TLM7", 2016, "berd_eur_2018_prices") == Decimal("707567841.584158")


@pytest.mark.parametrize(
    ("bad_line", "column", "reason"),
    [
        (v1_row("ITL2", "Merseyside", 2017, "lots"), "Value", "not a number"),
        (v1_row("ITL2", "Merseyside", 2017, "-1"), "Value", "negative"),
        (v1_row("ITL2", "Merseyside", 2999, "1"), "Time_period", "outside"),
        (v1_row("ITL2", "Narnia", 2017, "1"), "Area_name", "not the name"),
        (v1_row("ITL2", "Merseyside", 2017, "1", unit="Pounds"), "Unit", "Euros"),
        (v1_row("LAD", "Merseyside", 2017, "1"), "Area_type", "National or ITL2"),
        (v1_row("ITL2", "Merseyside", 2018, "2"), "Value", "second, different value"),
    ],
)
def test_a_bad_v1_row_is_refused_with_its_line_and_column(
    itl_places, tmp_path, bad_line, column, reason
):
    path = write_csv(
        tmp_path, [v1_row("ITL2", "Merseyside", 2018, "511134000"), bad_line], V1_HEADER
    )
    with pytest.raises(FileRejected) as caught:
        run_import("ons-berd-dr52-v1", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (3, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()


def write_json(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "itl1.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_itl1_names_in_any_case_and_the_places_are_created_if_missing(db, tmp_path):
    path = write_json(
        tmp_path,
        json.dumps(
            [
                {"name": "NORTH WEST (ENGLAND)", "value": 4831},
                {"name": "East of England", "value": 10690.5},
                {"name": "Wales", "value": "959"},
            ],
            indent=1,
        ),
    )
    run_import("ons-berd-itl1-2022", path)
    assert value("TLD", 2022, "berd_gbp_million") == Decimal("4831")
    assert value("TLH", 2022, "berd_gbp_million") == Decimal("10690.5")
    north_west = Place.objects.get(code="TLD")
    assert (north_west.name, north_west.parent.code) == ("North West", "UK")


@pytest.mark.parametrize(
    ("item", "column", "reason"),
    [
        ('{"name": "ATLANTIS", "value": 1}', "name", "not the name of an ITL1 region"),
        ('{"name": "WALES", "value": "lots"}', "value", "not a number"),
        ('{"name": "WALES", "value": -5}', "value", "negative"),
        ('{"name": "WALES", "value": true}', "value", "not a number"),
        ('{"name": "WALES"}', "value", "no 'value'"),
        ('{"name": "NORTH WEST (ENGLAND)", "value": 1}', "name", "second, different value"),
    ],
)
def test_a_bad_itl1_item_is_refused_with_the_line_it_is_on(db, tmp_path, item, column, reason):
    text = (
        '[\n  {"name": "NORTH WEST (ENGLAND)", "value": 4831},\n  {"name": "SCOTLAND",\n   "value": 2731},\n  '
        + item
        + "\n]\n"
    )
    with pytest.raises(FileRejected) as caught:
        run_import("ons-berd-itl1-2022", write_json(tmp_path, text))
    [error] = caught.value.errors
    assert (error.line, error.column) == (5, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()
    assert not Place.objects.exists()


@pytest.mark.parametrize("text", ["{not json", '{"name": "WALES", "value": 1}'])
def test_a_file_that_is_not_a_json_list_is_refused(db, tmp_path, text):
    with pytest.raises(UserInputError):
        run_import("ons-berd-itl1-2022", write_json(tmp_path, text))
    assert not Statistic.objects.exists()
