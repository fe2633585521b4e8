"""ONS BRES (via Nomis) by ITL2 area: employment by SIC 2007 division (areas by NUTS 2016 code)
and by section (areas by name only)."""

from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.models import Statistic
from northstar.economy.tests.fixtures.publisher_files import (
    BRES_DIVISION_HEADER,
    BRES_DIVISION_ROWS,
    BRES_SECTION_HEADER,
    BRES_SECTION_ROWS,
    itl_places,
    write_csv,
)
from northstar.ingest.framework import RowProblem, get_importer, run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import PlaceCode

DIVISIONS = "bres_employment"
SECTIONS = "bres_employment_by_section"
DATA = settings.NORTHSTAR_DATA_DIR
WORKBOOK = DATA / "ons_gva" / "regionalgrossdomesticproductgdpallitlregions.xlsx"
DIVISION_FILE = DATA / "ons_bres" / "itl2_bres_employment_2digit_sic_2015_2021.csv.gz"
SECTION_FILE = DATA / "ons_bres" / "itl2_bres_jobs_sic_sections.csv"
needs_files = pytest.mark.skipif(
    not all(p.exists() for p in (WORKBOOK, DIVISION_FILE, SECTION_FILE)),
    reason=f"{WORKBOOK}, {DIVISION_FILE} or {SECTION_FILE} not present (set NORTHSTAR_DATA_DIR)",
)


def jobs(measure: str, code: str, year: int, industry: str) -> Decimal | None:
    return Statistic.objects.get(
        measure__code=measure, place__code=code, year=year, industry_code=industry
    ).value


def stored(measure: str) -> set[tuple]:
    return set(
        Statistic.objects.of(measure).values_list("place__code", "year", "industry_code", "value")
    )


def itl_places_from_the_workbook(workbook) -> None:
    """The ITL areas as importing the regional GDP workbook creates them (without its figures)."""
    from northstar.economy.importers.common import place_ids_for

    place_ids_for(get_importer("ons-gva-itl-xlsx").prepare(workbook).rows)


@pytest.fixture
def places(db):
    itl_places()


# --- The real files ----------------------------------------------------------------------------


@needs_files
def test_the_real_files_import_and_merseyside_matches_the_publisher(db):
    itl_places_from_the_workbook(WORKBOOK)  # the 41 ITL2 areas
    divisions = run_import("ons-bres-itl2-division", DIVISION_FILE)
    sections = run_import("ons-bres-itl2-section", SECTION_FILE)
    # 40 areas (Great Britain) × 88 divisions × 7 years; × 19 sections × 7 years.
    assert (divisions.rows_read, divisions.rows_loaded) == (24640, 24640)
    assert (sections.rows_read, sections.rows_loaded) == (5320, 5320)
    assert Statistic.objects.of(DIVISIONS).count() == 24640
    # Picked by hand from the files: Merseyside (UKD7) 2021.
    assert jobs(DIVISIONS, "TLD7", 2021, "29") == Decimal("8000")  # motor vehicles
    assert jobs(DIVISIONS, "TLD7", 2021, "01") == Decimal("1000")
    assert jobs(DIVISIONS, "TLD7", 2021, "05") == Decimal("0")
    assert jobs(SECTIONS, "TLD7", 2021, "C") == Decimal("43065")  # Manufacturing, 'C (10-33)'
    assert jobs(SECTIONS, "TLD7", 2021, "Q") == Decimal("77300")  # health and social work
    assert jobs(SECTIONS, "TLD7", 2021, "A") == Decimal("495")
    # Named differently from ITL 2021: 'West Wales' (TLL1 'West Wales and The Valleys') and
    # 'Northumberland and Tyne and Wear' (TLC2 'Northumberland, and Tyne and Wear').
    assert Statistic.objects.of(SECTIONS).filter(place__code="TLL1").count() == 19 * 7
    assert Statistic.objects.of(SECTIONS).filter(place__code="TLC2").count() == 19 * 7
    assert PlaceCode.objects.get(scheme="name", code="West Wales").place.code == "TLL1"
    motor = Statistic.objects.of(DIVISIONS).get(place__code="TLD7", year=2021, industry_code="29")
    assert motor.industry_name == "Manufacture of motor vehicles, trailers and semi-trailers"

    before = (stored(DIVISIONS), stored(SECTIONS))
    run_import("ons-bres-itl2-division", DIVISION_FILE)
    run_import("ons-bres-itl2-section", SECTION_FILE)
    assert (stored(DIVISIONS), stored(SECTIONS)) == before
    assert Statistic.objects.of(SECTIONS).count() == 5320


# --- Small files in the published layout -------------------------------------------------------


def test_divisions_are_found_by_nuts_2016_code(places, tmp_path):
    rows = [*BRES_DIVISION_ROWS, [2021, "Merseyside", "UKD7", "01 : Crop", "1", "250.0"]]
    rows[3] = [2021, "West Wales", "UKL1", "02 : Forestry and logging", "02", "[c]"]
    path = write_csv(tmp_path / "bres.csv.gz", BRES_DIVISION_HEADER, rows, gz=True)
    outcome = run_import("ons-bres-itl2-division", path)
    assert outcome.rows_loaded == 5
    assert jobs(DIVISIONS, "TLD7", 2021, "29") == Decimal("7000")
    assert jobs(DIVISIONS, "TLD7", 2020, "72") == Decimal("1100")
    assert jobs(DIVISIONS, "TLD7", 2021, "01") == Decimal("250")  # a dropped leading zero
    gap = Statistic.objects.get(place__code="TLL1", industry_code="02")
    assert gap.value is None and gap.suppressed
    assert (
        Statistic.objects.get(industry_code="29").industry_name == "Manufacture of motor vehicles"
    )
    # The names the file gives its codes become aliases for files that have only names.
    assert PlaceCode.objects.get(scheme="name", code="West Wales").place.code == "TLL1"
    run_import("ons-bres-itl2-division", path)
    assert Statistic.objects.count() == 5


def test_sections_are_found_by_name_whatever_the_case_and_punctuation(places, tmp_path):
    path = write_csv(tmp_path / "sections.csv", BRES_SECTION_HEADER, BRES_SECTION_ROWS)
    run_import("ons-bres-itl2-section", path)
    assert jobs(SECTIONS, "TLD7", 2021, "C") == Decimal("41000")
    assert jobs(SECTIONS, "TLD7", 2021, "P") == Decimal("33000")  # 'MERSEYSIDE'
    assert jobs(SECTIONS, "TLC2", 2021, "C") == Decimal("52000")
    assert jobs(SECTIONS, "TLL1", 2021, "C") == Decimal("60000")  # 'West Wales'
    assert Statistic.objects.get(industry_code="P").industry_name == "Education"


def test_an_officers_alias_teaches_the_section_importer_a_new_spelling(places, tmp_path):
    from northstar.places.models import Place

    PlaceCode.objects.create(
        place=Place.objects.get(code="TLD7"), scheme="name", code="Liverpool City Region (ITL2)"
    )
    rows = [[2021, "Liverpool City Region (ITL2)", "Education", "33000.0", "P (85)"]]
    run_import("ons-bres-itl2-section", write_csv(tmp_path / "s.csv", BRES_SECTION_HEADER, rows))
    assert jobs(SECTIONS, "TLD7", 2021, "P") == Decimal("33000")


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({2: "ZZ99"}, "GEOGRAPHY_CODE", "'ZZ99' is not a known place"),
        ({2: "UKD"}, "GEOGRAPHY_CODE", "'UKD' is not an ITL2 (NUTS 2) area"),
        ({4: "04"}, "INDUSTRY_CODE", "'04' is not a SIC 2007 division"),
        ({4: "C"}, "INDUSTRY_CODE", "'C' is not a SIC 2007 division"),
        ({5: "-20.0"}, "COUNT", "negative"),
        ({5: "12.5"}, "COUNT", "not a whole number of jobs"),
        ({5: "many"}, "COUNT", "'many' is not a number"),
        ({5: ""}, "COUNT", "the cell is empty"),
        ({0: "3021"}, "DATE", "3021 is outside the years"),
        ({0: "1997"}, "DATE", "1997 is outside the years"),
        ({0: "21/22"}, "DATE", "not a year"),
        (
            {0: "2020", 4: "72"},
            "INDUSTRY_CODE",
            "a second count for TLD7 2020 72 (the first is line 4)",
        ),
    ],
)
def test_a_bad_division_row_is_named_by_line_and_column_and_nothing_is_written(
    places, tmp_path, changes, column, reason
):
    bad = [2021, "Merseyside", "UKD7", "30 : Other transport", "30", "2500.0"]
    for index, text in changes.items():
        bad[index] = text
    rows = [*BRES_DIVISION_ROWS, bad]
    path = write_csv(tmp_path / "bres.csv.gz", BRES_DIVISION_HEADER, rows, gz=True)
    with pytest.raises(FileRejected) as caught:
        run_import("ons-bres-itl2-division", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (6, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()
    assert not PlaceCode.objects.exists()
    record = Import.objects.get()
    assert record.status == ImportStatus.REJECTED
    assert [(e.line, e.column, e.reason) for e in record.row_errors.all()] == [
        (6, column, error.reason)
    ]


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({1: "Atlantis"}, "GEOGRAPHY_NAME", "'Atlantis' is not the name of a known ITL2 place"),
        ({1: ""}, "GEOGRAPHY_NAME", "is not the name of a known ITL2 place"),
        ({4: "Z (100)"}, "SIC_SECTION_CODE", "'Z (100)' is not a SIC 2007 section"),
        ({4: "10-12"}, "SIC_SECTION_CODE", "is not a SIC 2007 section"),
        ({3: "-1"}, "COUNT", "negative"),
        ({0: "2999"}, "DATE", "2999 is outside the years"),
    ],
)
def test_a_bad_section_row_names_the_unknown_thing(places, tmp_path, changes, column, reason):
    bad = [2021, "Merseyside", "Construction", "20000.0", "F (41-43)"]
    for index, text in changes.items():
        bad[index] = text
    path = write_csv(tmp_path / "s.csv", BRES_SECTION_HEADER, [*BRES_SECTION_ROWS, bad])
    with pytest.raises(FileRejected) as caught:
        run_import("ons-bres-itl2-section", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (6, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()


def test_without_the_itl2_areas_every_row_says_what_to_import_first(db, tmp_path):
    path = write_csv(tmp_path / "s.csv", BRES_SECTION_HEADER, BRES_SECTION_ROWS)
    with pytest.raises(FileRejected) as caught:
        run_import("ons-bres-itl2-section", path)
    assert len(caught.value.errors) == len(BRES_SECTION_ROWS)
    assert "import the ITL places first" in caught.value.errors[0].reason
    path = write_csv(tmp_path / "d.csv", BRES_DIVISION_HEADER, BRES_DIVISION_ROWS)
    with pytest.raises(FileRejected) as caught:
        run_import("ons-bres-itl2-division", path)
    assert "ons-gva-itl-xlsx: import it first" in caught.value.errors[0].reason


@pytest.mark.parametrize(
    ("dataset", "header", "missing"),
    [
        ("ons-bres-itl2-division", BRES_DIVISION_HEADER, "GEOGRAPHY_CODE"),
        ("ons-bres-itl2-division", BRES_DIVISION_HEADER, "COUNT"),
        ("ons-bres-itl2-section", BRES_SECTION_HEADER, "GEOGRAPHY_NAME"),
        ("ons-bres-itl2-section", BRES_SECTION_HEADER, "SIC_SECTION_CODE"),
    ],
)
def test_a_missing_column_is_refused_before_any_row(places, tmp_path, dataset, header, missing):
    index = header.index(missing)
    rows = BRES_DIVISION_ROWS if "division" in dataset else BRES_SECTION_ROWS
    path = write_csv(
        tmp_path / "f.csv",
        [h for h in header if h != missing],
        [[c for i, c in enumerate(r) if i != index] for r in rows],
    )
    with pytest.raises(UserInputError, match=f"lacks the column\\(s\\) {missing}"):
        run_import(dataset, path)
    assert not Statistic.objects.exists()


def test_a_failure_while_writing_leaves_nothing_behind(places, tmp_path, monkeypatch):
    """Killed after writing the figures and the aliases: the transaction takes both back."""
    from northstar.economy.importers import bres

    real = bres.ensure_name_aliases

    def dies_after_writing(*args):
        assert real(*args) > 0 and Statistic.objects.exists()
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(bres, "ensure_name_aliases", dies_after_writing)
    path = write_csv(tmp_path / "s.csv", BRES_SECTION_HEADER, BRES_SECTION_ROWS)
    with pytest.raises(KeyboardInterrupt):
        run_import("ons-bres-itl2-section", path)
    assert not Statistic.objects.exists()
    assert not PlaceCode.objects.exists()
    assert not Import.objects.filter(status=ImportStatus.SUCCEEDED).exists()


# --- Row parsing never fails except with a RowProblem -----------------------------------------


@pytest.mark.parametrize(
    ("dataset", "header"),
    [
        ("ons-bres-itl2-division", BRES_DIVISION_HEADER),
        ("ons-bres-itl2-section", BRES_SECTION_HEADER),
    ],
)
def test_any_row_parses_or_is_a_row_problem(places, dataset, header):
    importer = get_importer(dataset)
    lines = iter(range(2, 10**6))
    texts = st.one_of(
        st.text(max_size=12),
        st.none(),
        st.sampled_from(["2021", "2015.0", "UKD7", "UKL1", "29", "1", "C (10-33)", "Merseyside"]),
        st.sampled_from(["west wales", "5000.0", "1,234", "[c]", "*", "-5", "0.5", "1e3"]),
    )

    @hypothesis_settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.fixed_dictionaries({column: texts for column in header}))
    def parse(raw):
        try:
            row = importer.parse(next(lines), raw)
        except RowProblem as problem:
            assert problem.column in ("", *header)
            return
        assert row.place_code in {"TLD7", "TLL1"}
        assert row.value is None or (row.value >= 0 and row.value == int(row.value))

    parse()


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=2008, max_value=2024))
def test_a_valid_count_round_trips(count, year):
    importer = get_importer("ons-bres-itl2-section")
    importer.ready = True
    importer.places = lambda name, column: "TLD7"
    row = importer.parse(
        2,
        {
            "DATE": str(year),
            "GEOGRAPHY_NAME": "Merseyside",
            "SIC_SECTION_NAME": "Education",
            "COUNT": f"{count}.0",
            "SIC_SECTION_CODE": "P (85)",
        },
    )
    assert (row.year, row.value, row.industry_code, row.suppressed) == (year, count, "P", False)
