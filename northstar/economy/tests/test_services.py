"""The economy services on small invented data (factories.small_world), worked by hand."""

from decimal import Decimal

import pytest

from northstar.core.errors import UserInputError
from northstar.economy import services
from northstar.economy.measures import MEASURES
from northstar.economy.models import Measure, PeriodKind
from northstar.economy.tests.factories import MeasureFactory, small_world, stat
from northstar.ingest.framework import all_importers
from northstar.places.models import Place

D = Decimal


@pytest.fixture
def world(lcr):
    return small_world()


def row_for(table, key, value):
    return next(r for r in table.rows if r[key] == value)


# --- places ------------------------------------------------------------------------------------


def test_the_default_place_resolves_to_its_statistical_area_and_says_so(world, lcr):
    assert services.find_place("") == lcr
    area = services.area_of(lcr)
    assert area.area.code == "TLD7"
    assert area.explanation == (
        "Figures for Liverpool City Region are those of Merseyside (ITL2 region TLD7): "
        "Merseyside = the six Liverpool City Region boroughs (Halton, Knowsley, Liverpool, "
        "Sefton, St Helens, Wirral)."
    )


def test_places_by_slug_or_code_and_unknown_places(world, lcr):
    assert services.find_place("liverpool-city-region") == lcr
    assert services.find_place("tld7").code == "TLD7"
    with pytest.raises(UserInputError, match="No place 'atlantis'"):
        services.find_place("atlantis")


def test_no_default_place_is_a_readable_error(db):
    with pytest.raises(UserInputError, match="load_default_data"):
        services.find_place("")


def test_a_place_whose_statistical_area_is_not_loaded_says_so(lcr):
    assert services.area_of(lcr).area == lcr
    assert "TLD7" in services.area_of(lcr).explanation
    assert "not loaded yet" in services.area_of(lcr).explanation


# --- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "per", "message"),
    [
        ("total_resident_population", "head", "only amounts of money"),
        ("gva_balanced_current_prices_gbp_million", "gva", "other than GVA itself"),
        ("bres_employment", "", "broken down by industry"),
        ("no_such_measure", "", "is not a measure"),
        ("innovate_uk_funding_gbp", "weekly", "not a normalisation"),
        ("ukri_mean_project_funding_gbp", "head", "only amounts of money"),
    ],
)
def test_metrics_that_make_no_sense_are_refused(db, code, per, message):
    with pytest.raises(UserInputError, match=message):
        services.metric(code, per)


def test_metric_units(db):
    assert services.metric(services.GVA, "head").unit == "£ per head"
    assert services.metric(services.IUK, "gva").unit == "£ per £1m of GVA"
    assert services.metric(services.BERD_EUR, "head").unit == "€ per head"
    assert services.metric(services.GVA).unit == "£ million"


# --- series ------------------------------------------------------------------------------------


def test_gva_per_head_series_with_sources_and_filters(world, lcr):
    result = services.series(lcr, services.metric(services.GVA, "head"))
    values = {year: v.value for year, v in result.points}
    # 35,000 × 1,000,000 / 1,500,000 = 23,333.33…; 33,000 / 1.5 = 22,000; 30,000 / 1.5 = 20,000
    assert values[2020] == D(22000)
    assert values[2019] == D(20000)
    assert abs(values[2021] - D("23333.333333")) < D("0.000001")
    assert [s.file_name for s in result.sources] == ["itl_gva_test.csv", "itl_gva_test.csv"]
    assert {s.measure for s in result.sources} == {services.GVA, services.POPULATION}
    filters = dict(result.filters)
    assert filters["Area"] == "Merseyside (ITL2 region TLD7)"
    assert filters["Periods"] == "calendar years 2019 to 2021"
    assert "resident population of the same year" in filters["Per head of population"]


def test_a_missing_denominator_gives_no_figure_and_says_why(world):
    tees = Place.objects.get(code="TLC1")
    result = services.series(tees, services.metric(services.IUK, "head"))
    values = {year: v for year, v in result.points}
    assert values[2019].value == D(5)  # £6,000,000 / 1,200,000
    assert values[2020].value is None
    assert values[2020].note == "no population figure for 2020"
    table = result.as_table()
    assert table.csv_rows()[0] == [
        "Financial year",
        "Innovate UK funding awarded per head (£ per head)",
        "Note",
    ]
    assert table.csv_rows()[1:] == [
        ["2019-20", "5.00", ""],
        ["2020-21 (part year)", "n/a", "no population figure for 2020"],
    ]
    # The source (Innovate UK's file of 1 August 2020) covers only part of 2020-21: said so.
    assert "only" in dict(result.filters)["Part year"]


def test_a_suppressed_figure_is_shown_as_such(world):
    stat(services.GVA, "TLD7", 2018, None, suppressed=True)
    result = services.series(Place.objects.get(code="TLD7"), services.metric(services.GVA))
    first_year, first = result.points[0]
    assert (first_year, first.value, first.note) == (2018, None, "suppressed by the publisher")


def test_a_measure_not_loaded(lcr):
    result = services.series(lcr, services.metric(services.IUK))
    assert not result.loaded
    table = result.as_table()
    assert table.is_empty
    assert table.missing_measures == [services.IUK]
    assert "northstar import nesta-innovate-uk-funding-nuts2" in services.import_hint(services.IUK)


def test_every_import_command_names_a_registered_importer_and_its_file():
    importers = {i.dataset: i for i in all_importers()}
    for code, commands in services.IMPORT_COMMANDS.items():
        for dataset, path in commands:
            assert dataset in importers, f"{code}: no importer {dataset}"
            assert path in importers[dataset].default_files, f"{code}: {path}"


# --- GVA summary -------------------------------------------------------------------------------


def test_gva_summary_growth_per_head_index_and_rank(world, lcr):
    summary = services.gva_summary(lcr)
    table = summary.table
    last = row_for(table, "year", "2021")
    assert last["gva"] == D(35000)
    # (35,000 − 33,000) / 33,000 = 6.06%; UK per head 2,100,000m / 70m = £30,000
    assert abs(last["growth"] - D("6.060606")) < D("0.000001")
    assert last["uk_per_head"] == D(30000)
    assert abs(last["index"] - D("77.777778")) < D("0.000001")
    assert last["rank"] == "3 of 3"  # 40,000 (TLD6), 25,000 (TLC1), 23,333 (TLD7)
    assert table.csv_rows()[-1] == ["2021", "35000", "6.1", "23333", "30000", "77.8", "3 of 3"]
    headlines = {h.label: h for h in summary.headlines}
    assert headlines["GVA, 2021"].value == "£35,000m"
    assert headlines["GVA per head, 2021"].value == "£23,333"
    # CAGR 2019–2021: (35,000 / 30,000) ** 0.5 = 1.0801…, so 8.0% a year
    assert headlines["GVA growth a year, 2019–2021"].value == "8.0%"
    assert {p["series"] for p in summary.chart_points} == {"Merseyside", "United Kingdom"}


# --- comparison --------------------------------------------------------------------------------


def test_compare_ranks_every_area_and_highlights_the_place(world, lcr):
    result = services.compare(services.metric(services.IUK, "gva"), "itl2", None, lcr)
    # The latest year the source covers in whole: 2020-21 holds awards to 1 August 2020 only.
    assert result.year == 2019
    assert "Part year" not in dict(result.filters)
    assert result.year_options == [(2020, "2020-21 (part year)"), (2019, "2019-20")]
    part = services.compare(services.metric(services.IUK, "gva"), "itl2", 2020, lcr)
    assert part.period == "2020-21 (part year)"
    assert dict(part.filters)["Part year"].startswith("2020-21: awards offered up to 1 August")
    result = services.compare(services.metric(services.IUK, "gva"), "itl2", 2019, lcr)
    assert result.period == "2019-20"
    # per £1m GVA 2019: TLC1 6,000,000 / 30,000 = 200; TLD7 3,000,000 / 30,000 = 100; TLD6 25
    rows = [(r.place.code, r.value.value, str(r.rank), r.highlighted) for r in result.rows]
    assert rows == [
        ("TLC1", D(200), "1 of 3", False),
        ("TLD7", D(100), "2 of 3", True),
        ("TLD6", D(25), "3 of 3", False),
    ]
    assert [s.file_name for s in result.sources] == ["itl_gva_test.csv", "iuk_test.csv"]
    assert result.as_table().csv_rows()[2] == ["2 of 3", "TLD7", "Merseyside", "100.0"]


def test_compare_at_itl3_highlights_the_areas_inside_the_place(world, lcr):
    stat(services.GVA, "TLD71", 2021, 9000)
    result = services.compare(services.metric(services.GVA), "itl3", None, lcr)
    assert [(r.place.code, r.highlighted) for r in result.rows] == [("TLD71", True)]


def test_compare_ties_and_areas_without_a_figure(world):
    stat(services.GVA, "TLC2", 2021, 35_000)  # the same as TLD7
    result = services.compare(services.metric(services.GVA), "itl2", 2021)
    ranks = {r.place.code: str(r.rank) if r.rank else None for r in result.rows}
    assert ranks == {"TLD6": "1 of 4", "TLD7": "=2 of 4", "TLC2": "=2 of 4", "TLC1": "4 of 4"}
    # An area without a figure that year is listed last, unranked.
    stat(services.GVA, "TLC3", 2020, 1)
    result = services.compare(services.metric(services.GVA), "itl2", 2021)
    assert (result.rows[-1].place.code, result.rows[-1].rank) == ("TLC3", None)


def test_compare_refuses_a_year_without_figures_and_a_bad_level(world):
    with pytest.raises(UserInputError, match="2001"):
        services.compare(services.metric(services.GVA), "itl2", 2001)
    with pytest.raises(UserInputError, match="not a level"):
        services.compare(services.metric(services.GVA), "lad")


# --- funding -----------------------------------------------------------------------------------


def test_funding_summary_per_head_per_gva_and_ranks(world, lcr):
    summary = services.funding_summary(lcr, services.IUK)
    assert summary.normalised
    csv = summary.table.csv_rows()
    assert csv[0] == [
        "Financial year",
        "Funding (£)",
        "Funding: rank",
        "Per head (£ per head)",
        "Per head: rank",
        "Per £1m of GVA (£ per £1m of GVA)",
        "Per £1m of GVA: rank",
        "Per head: median of ITL2 regions (£ per head)",
    ]
    # 2019-20: TLD7 £3m (2nd of 6m, 3m, 1m); per head 2.00 (2nd of 5, 2, 1); per £1m GVA 100
    # (2nd of 200, 100, 25); median per head of 5, 2, 1 = 2.
    assert csv[1] == ["2019-20", "3000000", "2 of 3", "2.00", "2 of 3", "100.0", "2 of 3", "2.00"]
    # 2020-21: TLD7 £1.5m / 1.5m = £1; TLD6 £2; TLC1 has no 2020 population: not ranked (n = 2).
    # Per £1m GVA: 1,500,000 / 33,000 = 45.45; TLD6 2,000,000 / 39,000 = 51.28; TLC1 600,000 /
    # 29,000 = 20.69.
    assert csv[2] == [
        "2020-21 (part year)",
        *("1500000", "2 of 3", "1.00", "2 of 2", "45.5", "2 of 3", "1.50"),
    ]
    # The headlines are of the latest year the source covers in whole, not the part year.
    headlines = [(h.label, h.value, h.detail) for h in summary.headlines]
    assert headlines == [
        ("Innovate UK funding awarded, 2019-20", "£3,000,000", "rank 2 of 3 ITL2 regions"),
        ("Innovate UK funding awarded per head, 2019-20", "£2.00", "rank 2 of 3 ITL2 regions"),
        (
            "Innovate UK funding awarded per £1m of GVA, 2019-20",
            "£100.0",
            "rank 2 of 3 ITL2 regions",
        ),
    ]
    assert [p["year"] for p in summary.chart_points if p["series"] == "Merseyside"] == [
        "2019-20",
        "2020-21 (part year)",
    ]
    filters = dict(summary.table.filters)
    assert filters["Part year"] == (
        "2020-21: awards offered up to 1 August 2020 only (the date of the Innovate UK file "
        "Nesta aggregated)"
    )
    assert "mid-year of the year the financial year starts" in filters["Per head"]
    assert any("only part of 2020-21" in n for n in summary.table.notes)


def test_a_mean_per_project_is_shown_as_published_never_per_head(world, lcr):
    assert services.ukri_code() == services.UKRI  # nothing loaded: the total, "not loaded yet"
    stat(services.UKRI_MEAN, "TLD7", 2019, 250_000)
    stat(services.UKRI_MEAN, "TLD6", 2019, 500_000)
    assert services.ukri_code() == services.UKRI_MEAN
    summary = services.funding_summary(lcr, services.UKRI_MEAN)
    assert not summary.normalised
    assert summary.table.csv_rows() == [
        ["Year", "Funding (£ per project)", "Funding: rank"],
        ["2019", "250000", "2 of 2"],
    ]
    assert any("not a total" in n for n in summary.table.notes)


# --- business R&D ------------------------------------------------------------------------------


def test_berd_per_head_from_the_published_rate_per_100000(world, lcr):
    summary = services.berd_summary(lcr)
    # £29.059m per 100,000 residents = 29,059,000 / 100,000 = £290.59 per head; TLD6 £2,021.14;
    # TLC1 £100: TLD7 is 2nd of 3 and the median.
    assert summary.table.csv_rows()[1] == ["2024", "290.59", "2 of 3", "290.59"]
    assert summary.headlines[0].value == "£290.59"
    assert summary.euro_table.is_empty
    assert summary.euro_table.missing_measures == [services.BERD_EUR]


# --- sector structure --------------------------------------------------------------------------


def test_sector_structure_shares_and_location_quotients(world, lcr):
    result = services.sector_structure(lcr)
    assert result.year == 2021
    assert result.uk_basis == (
        "the sum over the 2 ITL2 areas in the loaded file (no UK row is published)"
    )
    # TLD7: C 200 of 1,000 = 20%; UK (sum): C 2,000 of 20,000 = 10%; LQ 2. Q: 80% / 90% = 0.89.
    assert result.table.csv_rows() == [
        [
            "Code",
            "SIC 2007 section",
            "Employment",
            "Share of the area's employment (%)",
            "UK share (%)",
            "Location quotient",
        ],
        ["C", "Manufacturing", "200", "20.0", "10.0", "2.00"],
        ["Q", "Human health", "800", "80.0", "90.0", "0.89"],
    ]
    assert result.top.rows == []  # no industry here employs 1,000 people
    assert [s.file_name for s in result.table.sources] == ["bres_test.csv"]


def test_sector_structure_uses_a_uk_row_when_there_is_one(world, lcr):
    for section, count in {"C": 100, "Q": 900}.items():
        stat(services.BRES_SECTION, "UK", 2021, count, industry=section)
    result = services.sector_structure(lcr)
    assert result.uk_basis == "the UK's own published figures"
    assert row_for(result.table, "code", "C")["lq"] == D(2)  # 20% / 10%


def test_sector_structure_top_industries_by_lq(world, lcr):
    stat(services.BRES_SECTION, "TLD7", 2020, 5000, industry="C", industry_name="Manufacturing")
    stat(services.BRES_SECTION, "TLD7", 2020, 5000, industry="Q", industry_name="Human health")
    stat(services.BRES_SECTION, "TLD6", 2020, 1000, industry="C", industry_name="Manufacturing")
    stat(services.BRES_SECTION, "TLD6", 2020, 9000, industry="Q", industry_name="Human health")
    result = services.sector_structure(lcr, year=2020)
    # C: 50% / (6,000 / 20,000 = 30%) = 1.67; Q: 50% / 70% = 0.71
    assert [(r["code"], round(r["lq"], 2)) for r in result.top.rows] == [
        ("C", D("1.67")),
        ("Q", D("0.71")),
    ]
    with pytest.raises(UserInputError, match="2015"):
        services.sector_structure(lcr, year=2015)


# --- tables by id (the CSV downloads) ---------------------------------------------------------


@pytest.mark.parametrize(
    "table_id",
    ["gva", "berd", "berd-eur", "sectors", "top-sectors", "sectors-division", "compare", "series"],
)
def test_every_table_id_builds(world, lcr, table_id):
    table = services.table_by_id(table_id, lcr, {"measure": services.GVA})
    assert table.csv_rows()[0]


def test_funding_table_ids(world, lcr):
    table = services.table_by_id(f"funding-{services.IUK}", lcr, {})
    assert table.rows[0]["amount"] == D(3_000_000)
    with pytest.raises(UserInputError):
        services.table_by_id("funding-gva_balanced_current_prices_gbp_million", lcr, {})
    with pytest.raises(UserInputError, match="No table"):
        services.table_by_id("nonsense", lcr, {})


def test_period_labels():
    assert services.period_label(PeriodKind.FINANCIAL_YEAR, 2019) == "2019-20"
    assert services.period_label(PeriodKind.FINANCIAL_YEAR, 2099) == "2099-00"
    assert services.period_label(PeriodKind.CALENDAR_YEAR, 2021) == "2021"
    assert services.parse_year("2019-20") == 2019
    with pytest.raises(UserInputError):
        services.parse_year("last year")


# --- the stored measures' wording ---------------------------------------------------------------


@pytest.mark.django_db
def test_stored_measures_are_brought_up_to_the_vocabularys_wording_and_others_left_alone():
    worded_earlier = MeasureFactory(code="innovate_uk_funding_gbp", description="Earlier wording.")
    current = MeasureFactory(code="total_resident_population")
    own = Measure.objects.create(code="a-places-own-measure", name="Own", unit="£", source="Us")

    said = list(services.refresh_measures())

    assert said == ["Measures: 1 brought up to this version's wording (innovate_uk_funding_gbp)."]
    worded_earlier.refresh_from_db()
    assert worded_earlier.description == MEASURES["innovate_uk_funding_gbp"]["description"]
    assert (
        Measure.objects.get(pk=current.pk).description
        == MEASURES["total_resident_population"]["description"]
    )
    own.refresh_from_db()
    assert (own.name, own.unit, own.source, own.description) == ("Own", "£", "Us", "")
    assert list(services.refresh_measures()) == []  # nothing left to change
