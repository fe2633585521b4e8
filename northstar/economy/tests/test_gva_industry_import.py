"""ONS regional GVA(B) by industry (ITL2 Table 2c, ITL3 Table 3c, gzip CSV with one column per
year and figures such as "12,219"), and reading numbers as publishers write them."""

import gzip
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.importers.common import parse_amount, parse_number
from northstar.economy.importers.gva import industry_code_of
from northstar.economy.models import Statistic
from northstar.economy.tests.fixtures.publisher_files import (
    INDUSTRY_HEADER,
    INDUSTRY_ROWS,
    ITL3_INDUSTRY_ROWS,
    itl_places,
    write_csv,
)
from northstar.ingest.framework import RowProblem, get_importer, run_import
from northstar.ingest.models import Import, ImportStatus

MEASURE = "gva_by_industry_current_prices_gbp_million"
DATA = settings.NORTHSTAR_DATA_DIR / "ons_gva"
WORKBOOK = DATA / "regionalgrossdomesticproductgdpallitlregions.xlsx"
ITL2 = DATA / "itl2_gva_by_industry_current_prices.csv.gz"
ITL3 = DATA / "itl3_gva_by_industry_current_prices.csv.gz"


def needs(*paths):
    absent = [str(p) for p in paths if not p.exists()]
    return pytest.mark.skipif(bool(absent), reason=f"{', '.join(absent)} not present")


def gva(code: str, year: int, industry: str) -> Decimal | None:
    return Statistic.objects.get(
        measure__code=MEASURE, place__code=code, year=year, industry_code=industry
    ).value


def itl_places_from_the_workbook(workbook) -> None:
    """The ITL areas as importing the regional GDP workbook creates them (without its figures)."""
    from northstar.economy.importers.common import place_ids_for

    place_ids_for(get_importer("ons-gva-itl-xlsx").prepare(workbook).rows)


@pytest.fixture
def places(db):
    itl_places()


# --- The real files ----------------------------------------------------------------------------


@needs(WORKBOOK, ITL2)
def test_the_real_itl2_file_imports_and_merseyside_matches_the_publisher(db):
    run_import("ons-gva-itl-xlsx", WORKBOOK)  # the ITL areas, and Table 1 to compare with
    outcome = run_import("ons-gva-industry-itl2", ITL2)
    assert outcome.rows_read == 3936  # 41 areas × 96 industries
    assert (
        outcome.rows_loaded == 3936 * 24 == Statistic.objects.filter(measure__code=MEASURE).count()
    )
    # Picked by hand from the file (TLD7 Merseyside rows, column 2021).
    assert gva("TLD7", 2021, "Total") == Decimal("35345")  # "35,345", as Table 1 of the workbook
    assert gva("TLD7", 2020, "Total") == Decimal("32847")
    assert gva("TLD7", 2021, "C") == Decimal("4280")  # published as C (10-33), "4,280"
    assert gva("TLD7", 2021, "M") == Decimal("1897")
    assert gva("TLD7", 2021, "72") == Decimal("155")
    merseyside_2021 = Statistic.objects.of(MEASURE).filter(place__code="TLD7", year=2021)
    assert merseyside_2021.count() == 96
    assert merseyside_2021.get(industry_code="72").industry_name == (
        "Scientific research and development"
    )
    # Every area's all-industry total equals Table 1's GVA(B) for every year.
    totals = set(
        Statistic.objects.of(MEASURE)
        .filter(industry_code="Total")
        .values_list("place", "year", "value")
    )
    table_1 = set(
        Statistic.objects.of("gva_balanced_current_prices_gbp_million")
        .filter(place__level="itl2")
        .values_list("place", "year", "value")
    )
    assert totals == table_1

    before = set(
        Statistic.objects.of(MEASURE).values_list("place", "year", "industry_code", "value")
    )
    run_import("ons-gva-industry-itl2", ITL2)
    after = set(
        Statistic.objects.of(MEASURE).values_list("place", "year", "industry_code", "value")
    )
    assert after == before and len(after) == 3936 * 24


@needs(WORKBOOK, ITL3)
def test_the_real_itl3_file_imports_and_merseyside_boroughs_match_the_publisher(db):
    itl_places_from_the_workbook(WORKBOOK)
    outcome = run_import("ons-gva-industry-itl3", ITL3)
    assert outcome.rows_read == 11456  # 179 areas × 64 industries
    assert outcome.rows_loaded == 11456 * 24
    assert gva("TLD71", 2021, "Total") == Decimal("10887")  # East Merseyside
    assert gva("TLD71", 2021, "C") == Decimal("2335")
    assert gva("TLD74", 2021, "M") == Decimal("727")  # Wirral
    assert gva("TLD33", 2021, "49-51") < 0  # published negative GVA, kept as published


# --- Small files in the published layout -------------------------------------------------------


def test_figures_are_read_as_published(places, tmp_path):
    path = write_csv(tmp_path / "itl2.csv.gz", INDUSTRY_HEADER, INDUSTRY_ROWS, gz=True)
    outcome = run_import("ons-gva-industry-itl2", path)
    assert (outcome.rows_read, outcome.rows_loaded) == (5, 15)
    assert gva("TLD7", 2019, "Total") == Decimal("33000")
    assert gva("TLD7", 2021, "C") == Decimal("4200")
    assert gva("TLD7", 2021, "CA") == Decimal("720")
    assert gva("TLD7", 2020, "50-51") == Decimal("-8")
    suppressed = Statistic.objects.get(place__code="TLD7", year=2021, industry_code="50-51")
    assert suppressed.value is None and suppressed.suppressed
    # Importing it again, even uncompressed, changes nothing.
    plain = write_csv(tmp_path / "itl2.csv", INDUSTRY_HEADER, INDUSTRY_ROWS)
    before = set(Statistic.objects.values_list("place", "year", "industry_code", "value"))
    run_import("ons-gva-industry-itl2", plain)
    assert set(Statistic.objects.values_list("place", "year", "industry_code", "value")) == before
    assert Statistic.objects.count() == 15


def test_itl3_areas_come_from_the_itl3_file(places, tmp_path):
    path = write_csv(tmp_path / "itl3.csv.gz", INDUSTRY_HEADER, ITL3_INDUSTRY_ROWS, gz=True)
    run_import("ons-gva-industry-itl3", path)
    assert gva("TLD71", 2020, "AB") == Decimal("21")
    assert Statistic.objects.get(place__code="TLD71", year=2021, industry_code="AB").suppressed


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({4: "lots"}, "2019", "'lots' is not a number"),
        ({5: ""}, "2020", "the cell is empty"),
        ({6: "1e30"}, "2021", "too large"),
        ({0: "XX99"}, "ITL region code", "'XX99' is not a known place"),
        ({0: "TLD71"}, "ITL region code", "'TLD71' is not an ITL2 area"),
        ({2: ""}, "SIC07 code", "the SIC07 code is empty"),
        ({2: "72"}, "SIC07 code", "a second row for TLD7 72 (the first is line 5)"),
    ],
)
def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_written(
    places, tmp_path, cells, column, reason
):
    bad = ["TLD7", "Merseyside", "41", "Construction of buildings", "1,100", "1,200", "1,300"]
    for index, text in cells.items():
        bad[index] = text
    path = write_csv(tmp_path / "itl2.csv.gz", INDUSTRY_HEADER, [*INDUSTRY_ROWS, bad], gz=True)
    with pytest.raises(FileRejected) as caught:
        run_import("ons-gva-industry-itl2", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (7, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()
    record = Import.objects.get()
    assert record.status == ImportStatus.REJECTED
    assert [(e.line, e.column) for e in record.row_errors.all()] == [(7, column)]


def test_every_bad_cell_of_a_row_is_listed(places, tmp_path):
    bad = ["TLD7", "Merseyside", "41", "Construction of buildings", "x1", "2,2,2", "-3"]
    path = write_csv(tmp_path / "itl2.csv", INDUSTRY_HEADER, [bad, [*bad[:6], "9", "10"]])
    with pytest.raises(FileRejected) as caught:
        run_import("ons-gva-industry-itl2", path)
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (2, "2019"),
        (2, "2020"),
        (3, ""),
    ]
    assert "more cells than the header" in caught.value.errors[-1].reason


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([*INDUSTRY_HEADER[:2], *INDUSTRY_HEADER[3:]], "lacks the column(s) SIC07 code"),
        ([*INDUSTRY_HEADER[:4], "2019", "2020", "3021"], "'3021' is not a year"),
        ([*INDUSTRY_HEADER[:4], "2019", "2020", "2019"], "The year 2019 heads two columns"),
        (INDUSTRY_HEADER[:4], "no year columns"),
    ],
)
def test_a_file_not_in_the_published_layout_is_refused_whole(places, tmp_path, header, message):
    path = write_csv(tmp_path / "itl2.csv.gz", header, INDUSTRY_ROWS, gz=True)
    with pytest.raises(UserInputError) as caught:
        run_import("ons-gva-industry-itl2", path)
    assert message in caught.value.message
    assert not Statistic.objects.exists()


def test_damaged_files_are_refused_readably(places, tmp_path):
    whole = gzip.compress(
        ("\n".join(",".join(r) for r in [INDUSTRY_HEADER, *INDUSTRY_ROWS * 50])).encode()
    )
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        ",".join(INDUSTRY_HEADER).encode()
        + "\nTLD7,Merseyside,Total,Caf\xe9,1,2,3\n".encode("latin-1")
    )
    for path, message in [(truncated, "not a readable gzip-compressed CSV"), (latin1, "not UTF-8")]:
        with pytest.raises(UserInputError, match=message):
            run_import("ons-gva-industry-itl2", path)
    assert not Statistic.objects.exists()


def test_a_failure_while_writing_leaves_nothing_behind(places, tmp_path, monkeypatch):
    from northstar.economy.importers import common

    real = common.insert_statistics

    def dies_after_writing(*args):
        assert real(*args) == 15 and Statistic.objects.count() == 15
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(common, "insert_statistics", dies_after_writing)
    path = write_csv(tmp_path / "itl2.csv.gz", INDUSTRY_HEADER, INDUSTRY_ROWS, gz=True)
    with pytest.raises(KeyboardInterrupt):
        run_import("ons-gva-industry-itl2", path)
    assert not Statistic.objects.exists()
    assert not Import.objects.filter(status=ImportStatus.SUCCEEDED).exists()


@pytest.mark.parametrize(
    ("published", "stored"),
    [
        ("Total", "Total"),
        ("A-E", "A-E"),
        ("A (1-3)", "A"),
        ("C (10-33)", "C"),
        ("CA (10-12)", "CA"),
        ("CD-CF (19-21)", "CD-CF"),
        ("CI (26)", "CI"),
        ("10", "10"),
        ("11-12", "11-12"),
        ("68IMP", "68IMP"),
        ("  G-T ", "G-T"),
    ],
)
def test_industry_codes_are_stored_as_published_with_sections_as_letters(published, stored):
    assert industry_code_of(published) == stored


# --- Numbers as publishers write them ----------------------------------------------------------


@given(st.one_of(st.text(), st.integers(), st.floats(), st.decimals(), st.none(), st.booleans()))
def test_parse_number_returns_a_number_or_a_gap_or_a_row_problem(text):
    try:
        value, suppressed = parse_number(text, "2021", allow_negative=True)
    except RowProblem as problem:
        assert problem.column == "2021" and problem.reason
        return
    assert (value is None) == suppressed
    assert value is None or value.is_finite()


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_parse_amount_of_any_text_is_a_storable_number_or_a_row_problem(text):
    try:
        value, _ = parse_amount(text, "COUNT")
    except RowProblem:
        return
    assert value is None or (0 <= value < Decimal(10) ** 18)


@given(st.integers(min_value=-(10**17), max_value=10**17), st.booleans())
def test_whole_numbers_with_thousands_separators_round_trip(number, separated):
    text = f"{number:,}" if separated else str(number)
    assert parse_number(text, "x", allow_negative=True) == (Decimal(number), False)


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=3, allow_nan=False))
def test_decimals_with_thousands_separators_round_trip(number):
    assert parse_number(f"{number:,}", "x", allow_negative=True) == (number, False)
    assert parse_amount(f" {abs(number):,} ", "x") == (abs(number), False)


def test_any_row_of_strings_parses_or_is_a_row_problem(places):
    importer = get_importer("ons-gva-industry-itl2")
    importer._years_of(INDUSTRY_HEADER)
    lines = iter(range(2, 10**6))
    texts = st.one_of(
        st.text(max_size=12),
        st.none(),
        st.sampled_from(["TLD7", "TLD71", "UKD7", "C (10-33)", "72", "[c]", "1,234", "-5", ".."]),
    )

    @hypothesis_settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.fixed_dictionaries({column: texts for column in INDUSTRY_HEADER}))
    def parse(raw):
        try:
            rows = importer.parse(next(lines), raw)
        except RowProblem as problem:
            assert problem.column in ("", *INDUSTRY_HEADER)
            return
        assert [r.year for r in rows] == [2019, 2020, 2021]
        assert {r.place_code for r in rows} == {"TLD7"}

    parse()


# --- The vectorised check of the whole file and the row-by-row parser agree -------------------

# Cells as ONS writes them, and as a damaged or hand-edited file might.
AMOUNT_TEXTS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "12,219",
            "-8",
            "0",
            "-0",
            "1.50",
            "-1,000.25",
            "[c]",
            "..",
            "x",
            "-",
            "",
            " 7 ",
            "\t3,000\t",
            "1,23",
            "12,2190",
            "0,123",
            "0012",
            "1e3",
            "£5",
            "1_000",
            "\u0661\u0662",  # Arabic-Indic digits: Decimal reads them
            "12\u00a0",
            "NaN",
            "-Infinity",
            "999,999,999,999,999,999",
            "1,000,000,000,000,000,000",
            "123456789012345678",
            "-12345678901234567",
            "12345678901234567.5",
        ]
    ),
    st.text(alphabet="0123456789,.- \t£[]cx", max_size=12),
    st.text(max_size=6),
    st.integers(min_value=-(10**19), max_value=10**19).map(lambda n: f"{n:,}"),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: f"{d:,}"),
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.lists(AMOUNT_TEXTS, max_size=25), st.booleans())
def test_parse_amounts_reads_every_cell_as_parse_amount_does(texts, allow_negative):
    import polars as pl

    from northstar.economy.importers.common import parse_amounts

    read = parse_amounts(pl.Series(texts, dtype=pl.String), allow_negative=allow_negative)
    assert read.height == len(texts)
    for text, (value, suppressed, bad) in zip(texts, read.iter_rows(), strict=True):
        try:
            expected, expected_suppressed = parse_amount(
                text, "2021", allow_negative=allow_negative
            )
        except RowProblem:
            assert bad, text
            continue
        assert not bad, text
        assert suppressed == expected_suppressed, text
        assert (value is None) == (expected is None), text
        assert value is None or Decimal(value) == expected, text


def _rows_of(prepared) -> list[tuple]:
    """Prepared figures (a frame or StatisticRows) as comparable tuples, values as Decimals."""
    from northstar.economy.importers.common import statistics_frame

    frame = statistics_frame(prepared.rows)
    return [
        (*row[:7], None if row[7] is None else Decimal(row[7]), row[8]) for row in frame.iter_rows()
    ]


def test_any_file_is_refused_on_the_same_lines_and_read_to_the_same_figures(places, tmp_path):
    """The whole-file check refuses exactly the lines the row-by-row parser refuses, and reads a
    good file to the same figures, in the same order."""
    from northstar.ingest.vectorised import prepare_row_by_row

    importer = get_importer("ons-gva-industry-itl2")
    path = tmp_path / "itl2.csv"
    codes = st.sampled_from(["TLD7", "TLD7", " TLD7 ", "UKD7", "TLD71", "XX99", "", "TLD"])
    industries = st.sampled_from(
        ["Total", "C (10-33)", "CA (10-12)", "72", "50-51", "", "  G-T ", "A" * 21]
    )
    descriptions = st.one_of(
        st.sampled_from(["Manufacturing", "Scientific research\nand development", "x" * 201]),
        st.text(max_size=10),
    )
    row = st.tuples(codes, st.just("Merseyside"), industries, descriptions).flatmap(
        lambda head: st.lists(AMOUNT_TEXTS.map(lambda t: t or ""), min_size=0, max_size=4).map(
            lambda cells: [*head, *cells]  # 3 cells is the header's width; 0-2 or 4 ragged
        )
    )

    @hypothesis_settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.lists(row, min_size=1, max_size=8))
    def same(rows):
        write_csv(path, INDUSTRY_HEADER, rows)
        checked = importer.check(path)
        by_row = prepare_row_by_row(importer, path)
        assert checked.rows_read == by_row.rows_read
        assert checked.bad_lines == sorted({e.line for e in by_row.errors})
        if not checked.bad_lines:
            assert _rows_of(checked) == _rows_of(by_row)

    same()


@needs(WORKBOOK, ITL3)
def test_the_real_itl3_file_reads_to_the_same_figures_either_way(db):
    from northstar.ingest.vectorised import prepare_row_by_row

    itl_places_from_the_workbook(WORKBOOK)
    importer = get_importer("ons-gva-industry-itl3")
    whole = importer.prepare(ITL3)  # the vectorised check
    by_row = prepare_row_by_row(importer, ITL3)
    assert whole.rows_read == by_row.rows_read == 11456
    assert not whole.errors and not by_row.errors
    assert _rows_of(whole) == _rows_of(by_row)
    assert len(_rows_of(whole)) == 11456 * 24


@needs(WORKBOOK, ITL3)
def test_a_bad_cell_deep_in_the_real_itl3_file_is_named_by_line_and_column(db, tmp_path):
    """The vectorised check finds it; the row-by-row parser words it, with its line and
    column; nothing is written."""
    import csv
    import io

    itl_places_from_the_workbook(WORKBOOK)
    text = gzip.decompress(ITL3.read_bytes()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    rows[5000 - 1][header.index("2015")] = "12,34"  # line 5000 of the file
    rows[9000 - 1][header.index("2021")] = ""  # a blank figure on line 9000
    path = write_csv(tmp_path / "itl3.csv.gz", header, rows[1:], gz=True)
    with pytest.raises(FileRejected) as caught:
        run_import("ons-gva-industry-itl3", path)
    assert [(e.line, e.column) for e in caught.value.errors] == [(5000, "2015"), (9000, "2021")]
    assert "'12,34' is not a number" in caught.value.errors[0].reason
    assert caught.value.errors[1].reason == "the cell is empty"
    assert not Statistic.objects.exists()
