"""The ONS regional GDP workbook (Tables 1, 5 and 6), read as ONS publishes it, and how it and
the long CSV made from it share the same figures."""

import datetime
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.models import Statistic
from northstar.economy.tests.fixtures.publisher_files import (
    AREAS,
    FIRST_DATA_ROW,
    TABLES,
    YEARS,
    figure,
    gdp_long_csv,
    gdp_workbook,
)
from northstar.ingest.framework import RowProblem, get_importer, run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import Place, PlaceCode, PlaceLevel

GVA = "gva_balanced_current_prices_gbp_million"
GDP = "gdp_current_market_prices_gbp_million"
POPULATION = "total_resident_population"
WORKBOOK = (
    settings.NORTHSTAR_DATA_DIR / "ons_gva" / "regionalgrossdomesticproductgdpallitlregions.xlsx"
)
LONG_CSV = settings.NORTHSTAR_DATA_DIR / "ons_gva" / "itl_gva_gdp_population_long.csv"
needs_workbook = pytest.mark.skipif(
    not WORKBOOK.exists(), reason=f"{WORKBOOK} not present (set NORTHSTAR_DATA_DIR)"
)
needs_both = pytest.mark.skipif(
    not (WORKBOOK.exists() and LONG_CSV.exists()),
    reason=f"{WORKBOOK} or {LONG_CSV} not present (set NORTHSTAR_DATA_DIR)",
)


def value(code: str, year: int, measure: str) -> Decimal | None:
    return Statistic.objects.get(place__code=code, year=year, measure__code=measure).value


def stored() -> set[tuple]:
    return set(
        Statistic.objects.values_list("measure__code", "place__code", "year", "value", "suppressed")
    )


def prepared(dataset: str, path) -> set[tuple]:
    """What an importer would write, without writing it."""
    result = get_importer(dataset).prepare(path)
    assert result.errors == []
    return {(r.measure, r.place_code, r.year, r.value, r.suppressed) for r in result.rows}


# --- The real workbook -------------------------------------------------------------------------


@needs_workbook
def test_the_real_workbook_imports_and_merseyside_matches_the_publisher(db):
    outcome = run_import("ons-gva-itl-xlsx", WORKBOOK)
    assert outcome.record.status == ImportStatus.SUCCEEDED
    # 236 rows in each of Tables 1, 5 and 6; Extra-Regio and the UK less Extra-Regio are not places.
    assert outcome.rows_read == 3 * 236
    assert outcome.rows_loaded == 3 * 234 * 24 == Statistic.objects.count()
    # Picked by hand from the workbook: TLD7 is row 36 of Tables 1, 5 and 6 (column AA = 2021).
    assert value("TLD7", 2021, GVA) == Decimal("35345")
    assert value("TLD7", 2020, GVA) == Decimal("32847")
    assert value("TLD7", 2021, GDP) == Decimal("40479")
    assert value("TLD7", 2021, POPULATION) == Decimal("1551722")
    assert value("UK", 2021, GVA) == Decimal("2040499")  # Table 1 row 3
    assert value("TLC11", 1998, GVA) == Decimal("3345")  # Table 1 row 7, column D
    merseyside = Place.objects.get(code="TLD7")
    assert (merseyside.level, merseyside.parent.code, merseyside.parent.parent.code) == (
        PlaceLevel.ITL2,
        "TLD",
        "UK",
    )
    assert Place.objects.filter(level=PlaceLevel.ITL2).count() == 41
    assert Place.objects.filter(level=PlaceLevel.ITL3).count() == 179
    assert not Place.objects.filter(code__in=["TLZ", "UKX"]).exists()
    # The ITL2 names become 'name' aliases, for files that name areas without codes (BRES).
    assert PlaceCode.objects.filter(scheme="name", place__level=PlaceLevel.ITL2).count() == 41

    # Importing it again changes nothing.
    before = stored()
    again = run_import("ons-gva-itl-xlsx", WORKBOOK)
    assert stored() == before
    assert Statistic.objects.count() == len(before)
    assert set(Statistic.objects.values_list("source_import", flat=True)) == {again.record.pk}


@needs_both
def test_every_figure_of_the_workbook_equals_the_long_csv_made_from_it(db):
    from_workbook = prepared("ons-gva-itl-xlsx", WORKBOOK)
    from_csv = prepared("ons-gva-itl", LONG_CSV)
    assert len(from_workbook) == 3 * 234 * 24
    assert from_workbook == from_csv


@needs_both
def test_the_workbook_and_the_long_csv_replace_each_other_without_duplicates(db):
    run_import("ons-gva-itl-xlsx", WORKBOOK)
    first = stored()
    csv = run_import("ons-gva-itl", LONG_CSV)
    assert stored() == first
    assert set(Statistic.objects.values_list("source_import", flat=True)) == {csv.record.pk}


# --- The layout, from small workbooks written here ---------------------------------------------


def test_a_workbook_in_the_published_layout_is_read_below_its_notes_rows(db, tmp_path):
    path = gdp_workbook(
        tmp_path / "gdp.xlsx",
        cells={"Table 1!F7": "[c]", "Table 5!E7": "33,012", "Table 1!D7": 33000.0},
    )
    outcome = run_import("ons-gva-itl-xlsx", path)
    # Six data rows per table (titles, notes, blank rows and the source line are not rows).
    assert outcome.rows_read == 3 * 6
    assert outcome.rows_loaded == 3 * 4 * len(YEARS)
    assert value("TLD7", 2021, POPULATION) == figure("Table 6", "TLD7", 2021)
    assert value("TLD71", 2020, GDP) == figure("Table 5", "TLD71", 2020)
    assert value("TLD7", 2019, GVA) == Decimal("33000")
    assert value("TLD7", 2020, GDP) == Decimal("33012")
    suppressed = Statistic.objects.get(place__code="TLD7", year=2021, measure__code=GVA)
    assert suppressed.value is None and suppressed.suppressed
    assert Place.objects.get(code="TLD71").parent.code == "TLD7"


def test_an_upload_saved_without_the_xlsx_extension_is_still_read(db, tmp_path):
    path = gdp_workbook(tmp_path / "gdp.xlsx").rename(tmp_path / "upload-7f3a")
    assert run_import("ons-gva-itl-xlsx", path).rows_loaded == 3 * 4 * len(YEARS)


def rejected_cells(path) -> list[tuple[int, str, str]]:
    """Import a bad workbook; check nothing was written; return its (row, cell, reason)s."""
    with pytest.raises(FileRejected) as caught:
        run_import("ons-gva-itl-xlsx", path)
    assert not Statistic.objects.exists()
    assert not Place.objects.exists()
    record = Import.objects.get()
    assert record.status == ImportStatus.REJECTED
    assert [(e.line, e.column) for e in record.row_errors.all()] == sorted(
        (e.line, e.column) for e in caught.value.errors
    )
    return [(e.line, e.column, e.reason) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("cell", "bad", "reason"),
    [
        ("Table 1!F7", "lots", "2021: 'lots' is not a number"),
        ("Table 5!D8", -5, "2019: -5 is negative; this measure cannot be below zero"),
        ("Table 6!E6", datetime.datetime(2021, 1, 1), "is not a number"),
        ("Table 6!E6", True, "2020: True is not a number"),
        ("Table 1!D5", None, "2019: the cell is empty"),
        ("Table 1!D5", 10**20, "too large"),
        ("Table 1!B7", "XX99", "area code 'XX99' is not a known place"),
        ("Table 1!A7", "ITL9", "'ITL9' is not an ITL level"),
        ("Table 1!A7", "ITL3", "'TLD7' is not an ITL3 code"),
        ("Table 5!B10", "UK", "UK appears twice in Table 5 (rows 5 and 10)"),
    ],
)
def test_a_bad_cell_is_named_by_sheet_row_and_column_and_nothing_is_written(
    db, tmp_path, cell, bad, reason
):
    path = gdp_workbook(tmp_path / "gdp.xlsx", cells={cell: bad})
    [(line, column, why)] = rejected_cells(path)
    assert (line, column) == (int(cell.rsplit("!", 1)[1][1:]), cell)
    assert reason in why


def test_every_bad_cell_of_a_row_is_listed(db, tmp_path):
    path = gdp_workbook(
        tmp_path / "gdp.xlsx", cells={"Table 1!D7": "n/a!", "Table 1!F7": -1, "Table 6!E8": "x y"}
    )
    errors = rejected_cells(path)
    assert [(line, column) for line, column, _ in errors] == [
        (7, "Table 1!D7"),
        (7, "Table 1!F7"),
        (8, "Table 6!E8"),
    ]
    assert Import.objects.get().rows_rejected == 2  # rows 7 and 8


@pytest.mark.parametrize(
    ("cells", "tables", "message"),
    [
        (
            {"Table 1!B4": None},
            None,
            "Table 1: the header row (row 4) lacks the column(s) ITL code",
        ),
        ({"Table 5!F4": "3021"}, None, "Table 5!F4: the column heading '3021' is not a year"),
        ({"Table 5!F4": "Total"}, None, "Table 5!F4: the column heading 'Total' is not a year"),
        ({"Table 6!E4": "2019"}, None, "Table 6!E4: the year 2019 heads two columns"),
        (
            {"Table 1!A4": None, "Table 1!B4": None, "Table 1!C4": None},
            None,
            "Table 1: no header row",
        ),
        ({}, ("Table 1", "Table 5"), "has no sheet 'Table 6'"),
    ],
)
def test_a_workbook_not_in_the_published_layout_is_refused_whole(
    db, tmp_path, cells, tables, message
):
    kwargs = {"tables": tables} if tables else {}
    path = gdp_workbook(tmp_path / "gdp.xlsx", cells=cells, **kwargs)
    with pytest.raises(UserInputError) as caught:
        run_import("ons-gva-itl-xlsx", path)
    assert message in caught.value.message
    assert not Statistic.objects.exists()
    assert not Place.objects.exists()
    assert Import.objects.get().status == ImportStatus.REJECTED


def test_random_bytes_and_a_truncated_workbook_are_refused_readably(db, tmp_path):
    import random

    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(random.Random(7).randbytes(5000))
    whole = gdp_workbook(tmp_path / "gdp.xlsx").read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(whole[: len(whole) // 2])
    not_a_workbook = tmp_path / "other.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("readme.txt", "a zip, but not a workbook")
    damaged_sheet = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(tmp_path / "gdp.xlsx") as good, zipfile.ZipFile(damaged_sheet, "w") as bad:
        for name in good.namelist():
            data = good.read(name)
            bad.writestr(
                name, data[: len(data) // 2] if name.startswith("xl/worksheets/") else data
            )
    for path in (noise, truncated, not_a_workbook, damaged_sheet):
        with pytest.raises(UserInputError, match="is not a readable Excel"):
            run_import("ons-gva-itl-xlsx", path)
    assert not Statistic.objects.exists()
    assert not Place.objects.exists()
    assert Import.objects.filter(status=ImportStatus.REJECTED).count() == 4


def test_the_long_csv_and_the_workbook_share_figures_without_breaking_the_constraint(db, tmp_path):
    """Either may be imported after the other; the last holds the values, never two copies."""
    workbook = gdp_workbook(tmp_path / "gdp.xlsx", cells={"Table 1!D7": 40000})
    long_csv = gdp_long_csv(tmp_path / "gdp.csv")
    run_import("ons-gva-itl", long_csv)
    count = Statistic.objects.count()
    assert value("TLD7", 2019, GVA) == figure("Table 1", "TLD7", 2019)
    run_import("ons-gva-itl-xlsx", workbook)
    assert Statistic.objects.count() == count
    assert value("TLD7", 2019, GVA) == Decimal("40000")
    assert set(Statistic.objects.values_list("source_import__dataset", flat=True)) == {
        "ons-gva-itl-xlsx"
    }
    run_import("ons-gva-itl", long_csv)
    assert Statistic.objects.count() == count
    assert value("TLD7", 2019, GVA) == figure("Table 1", "TLD7", 2019)


def test_the_workbook_runs_after_the_long_csv_when_both_are_present():
    from northstar.ingest.framework import all_importers

    order = [i.dataset for i in all_importers()]
    assert order.index("ons-gva-itl") < order.index("ons-gva-itl-xlsx")


# --- Row parsing never fails except with a RowProblem -----------------------------------------

CELL_VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(min_value=-(10**21), max_value=10**21),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.sampled_from(["[c]", "..", "12,219", "1,234.5", " 7 ", "-0", "1e3", "NaN", "Infinity"]),
)


def test_any_row_of_cells_parses_or_is_a_row_problem(db, tmp_path):
    from northstar.economy.importers.gva import _Table

    importer = get_importer("ons-gva-itl-xlsx")
    header = ("ITL", "ITL code", "Region name", *[str(y) for y in YEARS])
    table = _Table("Table 1", TABLES["Table 1"], 4, header)
    levels = st.sampled_from(["UK", "ITL1", "ITL2", "ITL3", "Other", "ITL9", "", None])
    codes = st.one_of(st.sampled_from([a[1] for a in AREAS]), st.text(max_size=6), st.none())
    lines = iter(range(FIRST_DATA_ROW, 10**6))

    @hypothesis_settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(levels, codes, st.one_of(st.text(max_size=20), st.none()), st.tuples(*[CELL_VALUES] * 3))
    def parse(level, code, name, figures):
        try:
            rows = importer.parse(
                next(lines), {"table": table, "cells": (level, code, name, *figures)}
            )
        except RowProblem as problem:
            assert problem.column.startswith("Table 1!")
            return
        if rows is not None:
            assert [r.year for r in rows] == list(YEARS)
            for r in rows:
                assert r.suppressed == (r.value is None)
                assert r.value is None or (r.value.is_finite() and r.value >= 0)

    parse()
