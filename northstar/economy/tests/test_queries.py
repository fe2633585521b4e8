"""How the economy pages read the statistics table: through an index, on both databases, and in
a number of queries that does not grow with the areas or measures loaded."""

from __future__ import annotations

import gc
import re
from decimal import Decimal

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from northstar.economy import services
from northstar.economy.models import Measure, PeriodKind, Statistic
from northstar.economy.tests.factories import small_world, stat
from northstar.places.models import Place, PlaceLevel


@pytest.fixture
def world(lcr):
    return small_world()


def test_statistic_has_no_index_of_its_own_on_measure_or_place(db):
    """Dropped (migration 0002): the unique constraint and the (place, measure) index lead with
    those columns, so every lookup by either still has an index."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Statistic._meta.db_table)
    indexed = [c["columns"] for c in found.values() if c["index"] or c["unique"]]
    single = [
        c["columns"]
        for c in found.values()
        if c["index"] and not c["unique"] and not c["primary_key"] and len(c["columns"]) == 1
    ]
    assert ["measure_id"] not in single and ["place_id"] not in single
    assert ["source_import_id"] in single  # replacing a dataset's values finds them by it
    assert ["measure_id", "place_id", "period_kind", "year", "industry_code"] in indexed
    assert ["place_id", "measure_id"] in indexed and ["measure_id", "year"] in indexed


def _plan(queryset) -> str:
    """The database's plan of the queryset, with PostgreSQL told to avoid a sequential scan
    whenever any index could serve (so that the plan shows whether one can)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # this test's transaction only
    return queryset.explain()


STATISTIC_INDEXES = ("economy_sta_", "economy_statistic_", "sqlite_autoindex_economy_statistic")


def _reads_statistics_through_an_index(plan: str, queryset) -> bool:
    if connection.vendor == "postgresql":
        return "Seq Scan on economy_statistic" not in plan and "economy_statistic" in plan
    # SQLite: SEARCH … USING [COVERING] INDEX is a lookup; SCAN is a pass over the whole table
    # (or a whole index). In a subquery the statistics table appears under its alias (U0),
    # which may also name another table (the places of a level): the query's SQL tells which.
    searched = any(
        "SEARCH" in line and any(name in line for name in STATISTIC_INDEXES)
        for line in plan.splitlines()
    )
    names = ["economy_statistic", *re.findall(r'"economy_statistic" (U\d+)', str(queryset.query))]
    scanned = re.search(rf"SCAN ({'|'.join(names)})\b", plan)
    return searched and not scanned


def _page_queries():
    place = Place.objects.get(code="TLD7")
    has_values = Statistic.objects.filter(measure=models.OuterRef("pk"))
    return {
        # compare, the summaries' ranks: measures at every area of a level (by the measures'
        # ids and the level's areas as a subquery, as services._read_cells asks)
        "every area of a level": Statistic.objects.filter(
            measure_id__in=list(
                Measure.objects.filter(code__in=[services.GVA, services.POPULATION]).values_list(
                    "pk", flat=True
                )
            ),
            industry_code="",
            place_id__in=Place.objects.filter(level=PlaceLevel.ITL2).values("pk"),
        ),
        # series, summaries: one measure for a few places
        "a few places": Statistic.objects.of(services.GVA).filter(
            industry_code="", place_id__in=[place.pk]
        ),
        # sector structure: the industries of one place
        "industries of a place": Statistic.objects.of(services.BRES_SECTION)
        .exclude(industry_code="")
        .filter(place=place),
        # which measures are loaded
        "measures with figures": Measure.objects.filter(models.Exists(has_values)),
        # deleting a place checks that no statistic names it
        "statistics of a place": Statistic.objects.filter(place=place),
    }


@pytest.mark.parametrize(
    "name",
    [
        "every area of a level",
        "a few places",
        "industries of a place",
        "measures with figures",
        "statistics of a place",
    ],
)
def test_the_pages_queries_read_statistics_through_an_index(world, name):
    queryset = _page_queries()[name]
    plan = _plan(queryset)
    assert _reads_statistics_through_an_index(plan, queryset), plan


def test_is_loaded_asks_for_one_index_entry_per_measure(world):
    """Not a join with LIMIT 1: PostgreSQL planned that as a scan of the table (0–200 ms)."""
    with CaptureQueriesContext(connection) as queries:
        assert services.is_loaded(services.GVA)
        assert not services.is_loaded(services.UKRI)
    assert len(queries) == 2
    assert all("EXISTS" in q["sql"] for q in queries.captured_queries)
    assert services.loaded_measure_codes([services.GVA, services.UKRI, "no_such_code"]) == {
        services.GVA
    }


def _queries_of(client, url: str) -> int:
    client.get(url)  # the first request of a test sets up what later ones reuse
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_compare_page_asks_the_same_few_queries_however_many_areas_and_measures(client, world):
    url = f"/economy/compare/?measure={services.GVA}&per=head&level=itl2"
    before = _queries_of(client, url)
    assert before <= 17  # incl. the years with figures (one query per measure)
    for n, code in enumerate(("TLE1", "TLE2", "TLF1", "TLG1", "TLH1")):
        for year in (2019, 2020, 2021):
            stat(services.GVA, code, year, 1000 + n)
            stat(services.POPULATION, code, year, 100_000 + n)
    for measure in (services.BERD, services.BRES_SECTION):
        stat(measure, "TLD7", 2021, 5)
    assert _queries_of(client, url) == before


@pytest.mark.parametrize("url", ["/economy/", "/funding/"])
def test_a_page_asks_nothing_twice_and_the_same_few_queries_however_many_areas(client, world, url):
    """The page's summaries share one reading: the population of every area, the measures, the
    UK… are each read once, however many tables use them."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert [s for s in statements if statements.count(s) > 1] == []
    before = len(statements)
    for n, code in enumerate(("TLE1", "TLE2", "TLF1")):
        for year in (2019, 2020, 2021):
            stat(services.GVA, code, year, 1000 + n)
            stat(services.POPULATION, code, year, 100_000 + n)
            stat(services.IUK, code, year, 5000 + n, period_kind=PeriodKind.FINANCIAL_YEAR)
    assert _queries_of(client, url) == before


def test_each_request_reads_the_figures_afresh(client, world):
    """Nothing read for one page is kept for the next: figures imported in between are shown."""
    assert "£35,000m" in client.get("/economy/").content.decode()  # GVA, 2021
    Statistic.objects.of(services.GVA).filter(place__code="TLD7", year=2021).update(value=36_000)
    assert "£36,000m" in client.get("/economy/").content.decode()


def test_a_reading_shares_what_it_read_and_ends_with_its_block(world):
    place = Place.objects.get(code="TLD7")
    m = services.metric(services.GVA, services.Per.HEAD)
    with CaptureQueriesContext(connection) as apart:
        services.series(place, m)
        services.series(place, m)
    with CaptureQueriesContext(connection) as together, services.one_reading():
        first = services.series(place, m)
        second = services.series(place, m)
    assert first.points == second.points
    assert len(together) * 2 == len(apart)
    Statistic.objects.of(services.GVA).filter(place=place, year=2021).update(value=36_000)
    assert dict(services.series(place, m).points)[2021].value == Decimal(24_000)  # 36,000m / 1.5m


def test_the_cells_a_page_holds_are_left_alone_by_the_garbage_collector(world):
    """Plain tuples of plain values: after one collection the collector stops tracking them, so
    the thousands a page holds do not bring on its slow full collections."""
    cells = services._cells(services.GVA, level=PlaceLevel.ITL2)
    assert cells
    gc.collect()
    assert not any(gc.is_tracked(cell) for cell in cells.values())


def test_compare_works_out_the_year_shown_as_metric_values_does(world):
    """compare works out only the year shown (and each year's first known figure, for the list
    of years): the same figures, years and sources as working out every year."""
    stat(services.GVA, "TLD6", 2022, 900)  # a year whose only figure has no population
    m = services.metric(services.GVA, services.Per.HEAD)
    every = services.metric_values(m, level=PlaceLevel.ITL2)
    for year in (None, *every.years()):
        result = services.compare(m, PlaceLevel.ITL2, year)
        shown = result.year
        assert result.years == every.known_years()
        assert {r.place.pk: r.value for r in result.rows if r.value is not None} == {
            pid: v for (pid, y), v in every.values.items() if y == shown
        }
        assert result.sources == services.sources_for(every.used_in(shown))
    assert 2022 in every.years() and 2022 not in every.known_years()


def test_a_query_no_index_serves_is_told_apart(world):
    """The check above can fail: a lookup by a column no index leads with is a full scan."""
    queryset = Statistic.objects.filter(industry_name="Manufacturing")
    plan = _plan(queryset)
    assert not _reads_statistics_through_an_index(plan, queryset), plan
