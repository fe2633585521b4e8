"""Nesta BEIS-indicator aggregates: Innovate UK and UKRI funding, Eurostat BERD, by NUTS and LEP."""

import csv
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.importers.nesta import NESTA_NUTS3_CORRESPONDENCE
from northstar.economy.models import PeriodKind, Statistic
from northstar.ingest.framework import RowProblem, get_importer, run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import CodeScheme, Place, PlaceCode
from northstar.places.services import ensure_itl_place

DATA = settings.NORTHSTAR_DATA_DIR / "nesta_beis_indicators"
GVA_LONG = settings.NORTHSTAR_DATA_DIR / "ons_gva" / "itl_gva_gdp_population_long.csv"
IUK2 = DATA / "gbp_innovate_uk_funding.nuts2.csv"
IUK3 = DATA / "gbp_innovate_uk_funding.nuts3.csv"
UKRI2 = DATA / "total_ukri_funding.nuts2.csv"
UKRI3 = DATA / "total_ukri_funding.nuts3.csv"
UKRI_LEP = DATA / "total_ukri_funding.lep.csv"
EUROSTAT = DATA / "eurostat_berd_data.nuts2.csv"
IUK = "innovate_uk_funding_gbp"
UKRI = "ukri_mean_project_funding_gbp"


def needs(*paths: Path):
    missing = [str(p) for p in paths if not p.exists()]
    return pytest.mark.skipif(
        bool(missing), reason=f"{', '.join(missing)} not present (set NORTHSTAR_DATA_DIR)"
    )


def value(code: str, year: int, measure: str) -> Decimal | None:
    return Statistic.objects.get(place__code=code, year=year, measure__code=measure).value


def table() -> set[tuple]:
    return set(
        Statistic.objects.values_list(
            "measure__code", "place__code", "period_kind", "year", "value"
        )
    )


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


@pytest.fixture
def merseyside(db):
    for code, name in [
        ("TLD", "North West"),
        ("TLD6", "Cheshire"),
        ("TLD7", "Merseyside"),
        ("TLD71", "East Merseyside"),
        ("TLD72", "Liverpool"),
        ("TLN0", "Northern Ireland"),
        ("TLN0A", "Derry City and Strabane"),
    ]:
        ensure_itl_place(code, name)


def timed(dataset: str, path: Path):
    started = time.perf_counter()
    outcome = run_import(dataset, path)
    print(f"{dataset}: {outcome.rows_read} read, {outcome.rows_loaded} loaded, "
          f"{time.perf_counter() - started:.2f}s")  # fmt: skip
    assert outcome.record.status == ImportStatus.SUCCEEDED
    return outcome


# --- The real files ---------------------------------------------------------------------------


@needs(IUK2, IUK3)
def test_innovate_uk_funding_for_merseyside_matches_the_file(all_itl_places):
    timed("nesta-innovate-uk-funding-nuts2", IUK2)
    timed("nesta-innovate-uk-funding-nuts3", IUK3)
    # Picked by hand from the files: UKD7 2018 and UKD72 (Liverpool) 2018.
    assert value("TLD7", 2018, IUK) == Decimal("9418898")
    assert value("TLD72", 2018, IUK) == Decimal("3690043")
    assert value("TLD7", 2010, IUK) is not None  # NUTS 2010 UKD7 is already Merseyside + Halton
    stored = Statistic.objects.get(place__code="TLD7", year=2018)
    assert stored.period_kind == PeriodKind.FINANCIAL_YEAR  # competition year 2018/19
    # A total: Merseyside is the sum of its four NUTS3 areas in every year, give or take the
    # rounding of each published figure to the pound (at most 0.5 on each of five figures).
    for year in range(2010, 2021):
        parts = Statistic.objects.filter(
            measure__code=IUK, place__parent__code="TLD7", year=year
        ).values_list("value", flat=True)
        assert parts  # an area with no award that year has no row
        assert abs(sum(parts) - value("TLD7", year, IUK)) <= Decimal("2.5")
    # Superseded codes are skipped, not turned into places; Nesta's UKN10…UKN16 are UKN0A…UKN0G.
    assert not Place.objects.filter(code__in=["TLI1", "TLI2", "TLM2", "TLM3"]).exists()
    assert Statistic.objects.filter(measure__code=IUK, place__code="TLN0A").exists()


@needs(UKRI2, UKRI3, EUROSTAT)
def test_ukri_means_and_eurostat_berd_for_merseyside(all_itl_places):
    timed("nesta-ukri-funding-nuts2", UKRI2)
    timed("nesta-ukri-funding-nuts3", UKRI3)
    timed("nesta-eurostat-berd-nuts2", EUROSTAT)
    assert value("TLD7", 2019, UKRI) == Decimal("599958.76")
    assert value("TLD72", 2014, UKRI) == Decimal("208803.76")
    assert value("TLD7", 2018, "berd_eur") == Decimal("511134000")
    # UKD5 (NUTS 2006 Merseyside, without Halton) is not TLD7: no TLD7 figure before 2010.
    assert not Statistic.objects.filter(measure__code=UKRI, place__code="TLD7", year__lt=2010)


@needs(UKRI_LEP)
def test_lep_rows_load_only_for_leps_a_place_stands_for(lcr):
    outcome = timed("nesta-ukri-funding-lep", UKRI_LEP)
    assert (outcome.rows_read, outcome.rows_loaded) == (537, 0)
    PlaceCode.objects.create(place=lcr, scheme=CodeScheme.LEP, code="E37000022")
    outcome = run_import("nesta-ukri-funding-lep", UKRI_LEP)
    assert outcome.rows_loaded == 14  # 2006–2019
    assert value(lcr.code, 2019, UKRI) == Decimal("293490.09")


@needs(IUK2)
def test_importing_the_same_file_again_changes_nothing(all_itl_places):
    run_import("nesta-innovate-uk-funding-nuts2", IUK2)
    before = table()
    run_import("nesta-innovate-uk-funding-nuts2", IUK2)
    assert table() == before
    assert Statistic.objects.count() == len(before)
    assert Import.objects.filter(status=ImportStatus.SUCCEEDED).count() == 2


# --- Hand-made files --------------------------------------------------------------------------

IUK_HEADER = "year,nuts_id,nuts_year_spec,gbp_innovate_uk_funding\n"
GOOD = ["2018,UKD7,2016,9418898\n", "2018,UKD72,2016,3690043\n"]


def write_csv(tmp_path: Path, lines: list[str], header: str = IUK_HEADER) -> Path:
    path = tmp_path / "nesta.csv"
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


def test_superseded_codes_are_skipped_and_the_ni_correspondence_applies(merseyside, tmp_path):
    path = write_csv(
        tmp_path,
        [
            "2010,UKD72,2010,2\n",
            "2007,UKD52,2006,3\n",  # NUTS 2006 Liverpool: another boundary set
            "2011,UKI11,2010,4\n",
            "2016,UKK21,2016,5\n",
            "2017,UKN10,2016,6\n",  # Nesta's spelling of UKN0A
        ],
        header="year,nuts_id,nuts_year_spec,gbp_innovate_uk_funding\n",
    )
    outcome = run_import("nesta-innovate-uk-funding-nuts3", path)
    assert (outcome.rows_read, outcome.rows_loaded) == (5, 2)
    assert value("TLD72", 2010, IUK) == Decimal("2")
    assert value("TLN0A", 2017, IUK) == Decimal("6")
    assert NESTA_NUTS3_CORRESPONDENCE["UKN16"] == "UKN0G"


@pytest.mark.parametrize(
    ("bad_line", "column", "reason"),
    [
        ("2018,UKD71,2016,lots\n", "gbp_innovate_uk_funding", "not a number"),
        ("2018,UKD71,2016,-250\n", "gbp_innovate_uk_funding", "negative"),
        ("1066,UKD71,2016,250\n", "year", "outside"),
        ("2999,UKD71,2016,250\n", "year", "outside"),
        ("2o18,UKD71,2016,250\n", "year", "not a year"),
        ("2018,UKD79,2016,250\n", "nuts_id", "not a known ITL3 place"),
        ("2018,UKM99,2016,250\n", "nuts_id", "not a known ITL3 place"),
        ("2018,UKZ99,2016,250\n", "nuts_id", "not a NUTS3 code"),
        ("2018,Liverpool,2016,250\n", "nuts_id", "not a NUTS3 code"),
        ("2018,UKD7,2016,250\n", "nuts_id", "not a NUTS3 code"),
        ("2018,UKD71,2011,250\n", "nuts_year_spec", "boundary version"),
        ("2018,UKD72,2013,250\n", "nuts_id", "second, different value"),
    ],
)
def test_a_bad_row_names_its_line_and_column_and_nothing_is_written(
    merseyside, tmp_path, bad_line, column, reason
):
    lines = ["2018,UKD71,2016,1181559\n", "2018,UKD72,2016,3690043\n", bad_line]
    with pytest.raises(FileRejected) as caught:
        run_import("nesta-innovate-uk-funding-nuts3", write_csv(tmp_path, lines))
    [error] = caught.value.errors
    assert (error.line, error.column) == (4, column)
    assert reason in error.reason
    assert not Statistic.objects.exists()
    rejected = Import.objects.get()
    assert rejected.status == ImportStatus.REJECTED
    assert [(e.line, e.column) for e in rejected.row_errors.all()] == [(4, column)]


def test_every_bad_row_is_listed(merseyside, tmp_path):
    lines = ["2018,UKD7,2016,x1\n", "2018,UKD6,2016,1\n", "1800,UKD6,2016,1\n"]
    with pytest.raises(FileRejected) as caught:
        run_import("nesta-innovate-uk-funding-nuts2", write_csv(tmp_path, lines))
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (2, "gbp_innovate_uk_funding"),
        (4, "year"),
    ]


def test_a_missing_column_is_refused_before_any_row(merseyside, tmp_path):
    path = write_csv(
        tmp_path, ["2018,UKD7,9418898\n"], header="year,nuts_id,gbp_innovate_uk_funding\n"
    )
    with pytest.raises(UserInputError, match=r"lacks the column.*nuts_year_spec"):
        run_import("nesta-innovate-uk-funding-nuts2", path)
    assert not Statistic.objects.exists()


def test_without_itl_places_the_file_is_refused_with_the_way_out(db, tmp_path):
    with pytest.raises(UserInputError, match="import the ITL places first"):
        run_import("nesta-innovate-uk-funding-nuts2", write_csv(tmp_path, GOOD[:1]))


def test_a_lep_code_must_look_like_one(lcr, tmp_path):
    path = write_csv(
        tmp_path,
        ["2019,E37000022,2017,293490.09\n", "2019,LCR,2017,1\n"],
        header="year,lep_id,lep_year_spec,total_ukri_funding\n",
    )
    with pytest.raises(FileRejected) as caught:
        run_import("nesta-ukri-funding-lep", path)
    [error] = caught.value.errors
    assert (error.line, error.column) == (3, "lep_id")


def test_a_figure_another_dataset_holds_is_refused_readably(merseyside, lcr, tmp_path):
    """Two datasets may not both claim one figure: the second import says which, writes nothing."""
    PlaceCode.objects.create(
        place=Place.objects.get(code="TLD7"), scheme=CodeScheme.LEP, code="E37000022"
    )
    run_import(
        "nesta-ukri-funding-nuts2",
        write_csv(
            tmp_path,
            ["2019,UKD7,2016,599958.76\n"],
            "year,nuts_id,nuts_year_spec,total_ukri_funding\n",
        ),
    )
    path = write_csv(
        tmp_path,
        ["2019,E37000022,2017,293490.09\n"],
        "year,lep_id,lep_year_spec,total_ukri_funding\n",
    )
    with pytest.raises(UserInputError, match="already held by another dataset"):
        run_import("nesta-ukri-funding-lep", path)
    assert value("TLD7", 2019, UKRI) == Decimal("599958.76")
    assert Import.objects.filter(status=ImportStatus.REJECTED).count() == 1


# --- A fuzz of the row parser -----------------------------------------------------------------

texts = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**6), 10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["UKD7", "UKD72", "UKN10", "UKI1", "UKZ9", "2016", "2010", "..", "[c]", ""]),
)


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(year=texts, code=texts, spec=texts, amount=texts)
def test_the_row_parser_returns_a_figure_or_a_row_problem_never_anything_else(
    merseyside, year, code, spec, amount
):
    importer = get_importer("nesta-innovate-uk-funding-nuts2")
    importer.start()
    raw = {"year": year, "nuts_id": code, "nuts_year_spec": spec, "gbp_innovate_uk_funding": amount}
    try:
        row = importer.parse(2, raw)
    except RowProblem as problem:
        assert problem.column in raw
        assert problem.reason
        return
    if row is None:  # a documented superseded code
        return
    assert row.place_code in {"TLD6", "TLD7", "TLN0"}
    assert 2000 <= row.year <= date.today().year
    assert row.value is None or (0 <= row.value < 10**18 and row.value.is_finite())
    assert row.period_kind == PeriodKind.FINANCIAL_YEAR
    assert row.measure == IUK
