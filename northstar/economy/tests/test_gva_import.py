"""The ONS regional GDP long CSV, read from the real file, and the import framework's guarantees."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.models import Statistic
from northstar.ingest.framework import run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import Place, PlaceLevel

GVA_LONG = settings.NORTHSTAR_DATA_DIR / "ons_gva" / "itl_gva_gdp_population_long.csv"
needs_file = pytest.mark.skipif(
    not GVA_LONG.exists(), reason=f"{GVA_LONG} not present (set NORTHSTAR_DATA_DIR)"
)
HEADER = "itl_level,itl_code,region_name,year,measure,value\n"
GOOD = [
    "UK,UK,United Kingdom,2021,gva_balanced_current_prices_gbp_million,2035623\n",
    "ITL1,TLD,North West,2021,gva_balanced_current_prices_gbp_million,198930\n",
    "ITL2,TLD7,Merseyside,2021,gva_balanced_current_prices_gbp_million,35345\n",
]


def write(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "gva.csv"
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


def value(code: str, year: int, measure: str) -> Decimal:
    return Statistic.objects.get(place__code=code, year=year, measure__code=measure).value


@needs_file
def test_the_real_file_imports_and_merseyside_matches_the_publisher(db):
    outcome = run_import("ons-gva-itl", GVA_LONG)
    assert outcome.record.status == ImportStatus.SUCCEEDED
    assert outcome.rows_read == 16992
    # Checked by hand against the ONS workbook (Tables 1, 5 and 6): TLD7 Merseyside, 2021.
    assert value("TLD7", 2021, "gva_balanced_current_prices_gbp_million") == Decimal("35345")
    assert value("TLD7", 2021, "gdp_current_market_prices_gbp_million") == Decimal("40479")
    assert value("TLD7", 2021, "total_resident_population") == Decimal("1551722")
    merseyside = Place.objects.get(code="TLD7")
    assert (merseyside.level, merseyside.parent.code, merseyside.parent.parent.code) == (
        PlaceLevel.ITL2,
        "TLD",
        "UK",
    )
    assert Place.objects.get(code="TLD71").parent == merseyside
    assert Place.objects.filter(level=PlaceLevel.ITL2).count() == 41


@needs_file
def test_importing_the_same_file_again_changes_nothing(db):
    run_import("ons-gva-itl", GVA_LONG)
    before = set(Statistic.objects.values_list("measure__code", "place__code", "year", "value"))
    run_import("ons-gva-itl", GVA_LONG)
    after = set(Statistic.objects.values_list("measure__code", "place__code", "year", "value"))
    assert after == before
    assert Statistic.objects.count() == len(before)


@pytest.mark.parametrize(
    ("bad_line", "column", "reason"),
    [
        (
            "ITL2,TLD7,Merseyside,2021,gva_balanced_current_prices_gbp_million,lots\n",
            "value",
            "not a number",
        ),
        (
            "ITL2,TLD7,Merseyside,2021,gva_balanced_current_prices_gbp_million,-5\n",
            "value",
            "negative",
        ),
        (
            "ITL2,TLD7,Merseyside,20x1,gva_balanced_current_prices_gbp_million,5\n",
            "year",
            "not a year",
        ),
        (
            "ITL2,TLD7,Merseyside,3021,gva_balanced_current_prices_gbp_million,5\n",
            "year",
            "outside",
        ),
        (
            "ITL2,XX99,Atlantis,2021,gva_balanced_current_prices_gbp_million,5\n",
            "itl_code",
            "not a known place",
        ),
        ("ITL2,TLD7,Merseyside,2021,happiness,5\n", "measure", "unknown measure"),
        (
            "ITL9,TLD7,Merseyside,2021,gva_balanced_current_prices_gbp_million,5\n",
            "itl_level",
            "not an ITL level",
        ),
    ],
)
def test_a_bad_row_names_its_line_and_column_and_nothing_is_written(
    db, tmp_path, bad_line, column, reason
):
    path = write(tmp_path, [*GOOD, bad_line])
    with pytest.raises(FileRejected) as caught:
        run_import("ons-gva-itl", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (5, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()
    assert not Place.objects.filter(code__in=["UK", "TLD", "TLD7"]).exists()
    rejected = Import.objects.get()
    assert rejected.status == ImportStatus.REJECTED
    assert [(e.line, e.column) for e in rejected.row_errors.all()] == [(5, column)]


def test_thousands_separators_and_suppressed_cells_are_read_as_published(db, tmp_path):
    path = write(
        tmp_path,
        [
            *GOOD[:2],
            'ITL2,TLD7,Merseyside,2020,gva_balanced_current_prices_gbp_million,"33,012"\n',
            "ITL2,TLD7,Merseyside,2019,gva_balanced_current_prices_gbp_million,[c]\n",
        ],
    )
    run_import("ons-gva-itl", path)
    assert value("TLD7", 2020, "gva_balanced_current_prices_gbp_million") == Decimal("33012")
    suppressed = Statistic.objects.get(place__code="TLD7", year=2019)
    assert suppressed.value is None and suppressed.suppressed


def test_a_missing_column_is_refused_before_any_row(db, tmp_path):
    path = write(
        tmp_path,
        ["UK,UK,United Kingdom,2021,5\n"],
        header="itl_level,itl_code,region_name,year,value\n",
    )
    with pytest.raises(UserInputError, match="lacks the column"):
        run_import("ons-gva-itl", path)
    assert not Statistic.objects.exists()


def test_a_failure_while_writing_leaves_nothing_behind(db, tmp_path, monkeypatch):
    """An import killed part-way through writing rolls back: no places, no values, no success."""
    from northstar.economy.importers import common

    real = common.insert_statistics

    def dies_after_writing(keyed):
        assert real(keyed) == keyed.height > 0 and Statistic.objects.count() == keyed.height
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(common, "insert_statistics", dies_after_writing)
    with pytest.raises(KeyboardInterrupt):
        run_import("ons-gva-itl", write(tmp_path, GOOD))
    assert not Statistic.objects.exists()
    assert not Place.objects.exists()
    assert not Import.objects.filter(status=ImportStatus.SUCCEEDED).exists()
