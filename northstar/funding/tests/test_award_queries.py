"""The faster queries give the same figures as the plain ones, on SQLite and PostgreSQL.

For an area partly described by the publisher's names (an ITL1 region whose ITL3 areas are not
all linked to their local authorities; an ITL3 area with none linked), `award_table` by
programme, competition or sector and `participant_summary` read the scope in disjoint parts (the
participants placed in its local authorities from the totals by place; those only the published
names add from the participations, each through one covering index) instead of one query with
`place IN (…) OR region_name = …` over the participations — the query they ran before, which
`exact_rows=True` still runs. Fixture file written by us in the published layout (fixtures.py).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext

from northstar.funding.models import DATASET, Participation
from northstar.funding.services import (
    Breakdown,
    FundingQuery,
    award_table,
    participant_summary,
    participations,
    place_scope,
)
from northstar.ingest.framework import run_import
from northstar.places.models import Place, PlaceLevel
from northstar.places.services import ensure_itl_place

from . import fixtures as fx

QUERIES = [
    {"first_year": 2017, "last_year": 2021},
    {"include_withdrawn": True},
    {"first_year": 2019},
    {},
]


@pytest.fixture
def loaded(lcr, tmp_path):
    run_import(DATASET, fx.write_xlsx(tmp_path / "iuk.xlsx"))
    return lcr


@pytest.fixture
def manchester(lcr):
    """A local authority outside the city region, known before the import: its participants
    are placed in it, and the North West's published region names them too."""
    return Place.objects.create(
        code="E08000003",
        slug="manchester",
        name="Manchester",
        level=PlaceLevel.LAD,
        boundary_year=2023,
    )


@pytest.fixture
def areas(loaded):
    """Places of every kind of scope: by local authorities only, by local authorities and the
    published region, by the published names only."""
    north_west = ensure_itl_place("TLD", "North West")
    merseyside = ensure_itl_place("TLD7", "Merseyside")
    Place.objects.filter(pk=merseyside.pk).update(parent=north_west)
    sefton_itl3 = ensure_itl_place("TLD73", "Sefton")  # no local authority linked
    yorkshire = ensure_itl_place("TLE", "Yorkshire and The Humber")  # nothing linked at all
    wirral = Place.objects.get(code="E08000015")
    return {
        "lcr": loaded,
        "wirral": wirral,
        "north west": north_west,
        "sefton itl3": sefton_itl3,
        "yorkshire": yorkshire,
        "everyone": None,
    }


def test_the_areas_cover_each_kind_of_scope(areas):
    north_west = place_scope(areas["north west"])
    assert north_west.lad_ids and north_west.region_names  # both parts
    sefton = place_scope(areas["sefton itl3"])
    assert not sefton.lad_ids and sefton.local_authority_keys
    yorkshire = place_scope(areas["yorkshire"])
    assert yorkshire.local_authority_keys and yorkshire.region_names


@pytest.mark.parametrize("by", Breakdown.CHOICES)
@pytest.mark.parametrize("area", ["lcr", "wirral", "north west", "sefton itl3", "yorkshire"])
def test_tables_equal_those_summed_from_the_participations(areas, area, by):
    for filters in QUERIES:
        query = FundingQuery(place=areas[area], **filters)
        fast = award_table(query, by)
        plain = award_table(query, by, exact_rows=True)  # the one query over participations
        assert fast.lines == plain.lines, (area, filters)
        assert fast.sources == plain.sources


@pytest.mark.parametrize(
    "area", ["lcr", "wirral", "north west", "sefton itl3", "yorkshire", "everyone"]
)
def test_the_summary_equals_one_plain_aggregate(areas, area):
    for filters in QUERIES:
        query = FundingQuery(place=areas[area], **filters)
        plain = (
            participations(query)
            .order_by()
            .aggregate(
                n=Count("id"),
                award=Sum("award_offered_pence"),
                organisations=Count("organisation", distinct=True),
                projects=Count("project", distinct=True),
                leads=Count("id", filter=Q(is_lead=True)),
                smes=Count("id", filter=Q(is_sme=True)),
                sme_award=Sum("award_offered_pence", filter=Q(is_sme=True)),
            )
        )
        got = participant_summary(query)
        assert (
            got.participations,
            got.award_pence,
            got.organisations,
            got.projects,
            got.lead_participations,
            got.sme_participations,
            got.sme_award_pence,
        ) == (
            plain["n"],
            plain["award"] or 0,
            plain["organisations"],
            plain["projects"],
            plain["leads"],
            plain["smes"],
            plain["sme_award"] or 0,
        ), (area, filters)


@pytest.mark.parametrize("by", Breakdown.CHOICES)
def test_participants_placed_outside_the_areas_authorities_but_in_its_region(
    manchester, tmp_path, by
):
    run_import(DATASET, fx.write_xlsx(tmp_path / "iuk.xlsx"))
    north_west = ensure_itl_place("TLD", "North West")
    merseyside = ensure_itl_place("TLD7", "Merseyside")
    Place.objects.filter(pk=merseyside.pk).update(parent=north_west)
    scope = place_scope(north_west)
    assert manchester.pk not in scope.lad_ids and scope.region_names
    placed = Participation.objects.filter(place=manchester)
    assert placed.exists()  # Manchester Devices
    for filters in QUERIES:
        query = FundingQuery(place=north_west, **filters)
        fast, plain = award_table(query, by), award_table(query, by, exact_rows=True)
        assert fast.lines == plain.lines, filters
    every = participant_summary(FundingQuery(place=north_west, include_withdrawn=True))
    # Every fixture participant but Leeds Robotics is in the North West (see test_services.py).
    assert (
        every.participations
        == Participation.objects.exclude(region_name="Yorkshire and The Humber").count()
    )


def test_the_north_west_by_programme_reads_no_participation_by_place_or_region(areas):
    """The benchmark's slow query: its parts are one index range each, with no OR between a
    place and a published name, and the files come from the totals by area."""
    query = FundingQuery(place=areas["north west"], first_year=2017, last_year=2021)
    with CaptureQueriesContext(connection) as captured:
        table = award_table(query, Breakdown.PROGRAMME)
    assert table.total.participations > 0
    on_participations = [
        q["sql"] for q in captured.captured_queries if 'FROM "funding_participation" ' in q["sql"]
    ]
    assert len(on_participations) == 1  # the participants only the published region adds
    (sql,) = on_participations
    assert '"region_name" IN' in sql
    assert " OR " not in sql.split("WHERE", 1)[1].replace("IS NULL", "")
    assert "COUNT(*)" in sql  # no `id`: the covering index answers
    totals = [
        q["sql"] for q in captured.captured_queries if "funding_participationtotal" in q["sql"]
    ]
    assert len(totals) == 1


def test_summary_of_a_place_by_its_local_authorities_is_one_query(areas):
    query = FundingQuery(place=areas["lcr"], first_year=2017, last_year=2021)
    with CaptureQueriesContext(connection) as captured:
        participant_summary(query)
    on_participations = [
        q["sql"] for q in captured.captured_queries if 'FROM "funding_participation" ' in q["sql"]
    ]
    assert len(on_participations) == 1
    assert "COUNT(DISTINCT" in on_participations[0]


def test_every_participants_distinct_counts_come_from_the_year_gaps(loaded):
    """For every participant, distinct organisations and projects in any range of years are
    counted from the gaps between their years (models.DistinctYearGap), not by reading every
    participation: the same figures as counting them, for every range and both withdrawal
    choices."""
    years = sorted(set(Participation.objects.values_list("financial_year_start", flat=True)))
    bounds = [None, *range(years[0] - 1, years[-1] + 2)]
    for include_withdrawn in (False, True):
        for first in bounds:
            for last in bounds:
                if first is not None and last is not None and first > last:
                    continue
                query = FundingQuery(
                    first_year=first, last_year=last, include_withdrawn=include_withdrawn
                )
                plain = participations(query).aggregate(
                    organisations=Count("organisation", distinct=True),
                    projects=Count("project", distinct=True),
                )
                with CaptureQueriesContext(connection) as queries:
                    got = participant_summary(query)
                assert (got.organisations, got.projects) == (
                    plain["organisations"],
                    plain["projects"],
                ), (first, last, include_withdrawn)
                assert not any("COUNT(DISTINCT" in q["sql"] for q in queries)


def test_data_imported_before_the_lead_counts_is_summed_from_the_participations(loaded):
    """Totals written before they counted leads (lead_participations empty), or no year gaps:
    every participant's summary reads the participations instead, with the same figures."""
    from northstar.funding.models import DistinctYearGap, ParticipationNationalTotal

    query = FundingQuery(first_year=2017, last_year=2021)
    from_totals = participant_summary(query)
    ParticipationNationalTotal.objects.update(lead_participations=None)
    with CaptureQueriesContext(connection) as queries:
        from_participations = participant_summary(query)
    assert any('FROM "funding_participation"' in q["sql"] for q in queries)
    DistinctYearGap.objects.all().delete()
    without_gaps = participant_summary(query)
    assert from_totals == from_participations == without_gaps
    assert from_totals.lead_participations > 0
