"""The funding analysis over the fixture file, against totals worked out by hand.

The file is a fixture written by us in the published layout (no copy of the real Innovate UK
workbook is available here); see fixtures.py for the participants. Liverpool City Region
participants in projects starting 2017-18 to 2021-22, withdrawn left out (hand-worked):

    Mersey Medtech (micro) 100,000 + 30,000 · St Helens Glass (small) 50,000 ·
    Wirral Coatings (medium) 120,000.50 + Sefton Sensors (medium) 75,000 ·
    Sefton Software ("SME") 25,000 · University of Liverpool (academic) 250,000 +
    LSTM (academic) 90,000 · Knowsley Council (public) 20,000 · Anon Org (no size) 5,000
    = £765,000.50 over 10 participations. Withdrawn: Halton Hydrogen 40,000 (micro, 2020-21),
    Wirral Wind 35,000 (small, 2021-22). Outside the years: Liverpool Quantum 500,000 (2023-24).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from northstar.core.errors import UserInputError
from northstar.funding import calculations as calc
from northstar.funding.models import DATASET, Participation
from northstar.funding.services import (
    BY_AREA,
    Breakdown,
    FundingQuery,
    award_table,
    find_place,
    participations,
    place_scope,
)
from northstar.ingest.framework import run_import
from northstar.organisations.models import SizeClass
from northstar.places.models import Place, PlaceLevel
from northstar.places.services import ensure_itl_place

from . import fixtures as fx

LCR_RANGE = {"first_year": 2017, "last_year": 2021}


@pytest.fixture
def loaded(lcr, tmp_path):
    return run_import(DATASET, fx.write_xlsx(tmp_path / "iuk.xlsx")).record


def amounts(table) -> dict[str, tuple[int, int]]:
    return {line.key: (line.participations, line.award_pence) for line in table.lines}


def test_lcr_by_enterprise_size_with_the_sme_total(loaded, lcr):
    table = award_table(FundingQuery(place=lcr, **LCR_RANGE), Breakdown.ENTERPRISE_SIZE)
    assert amounts(table) == {
        SizeClass.MICRO: (2, 13_000_000),
        SizeClass.SMALL: (1, 5_000_000),
        SizeClass.MEDIUM: (2, 19_500_050),
        calc.SME_UNSPECIFIED: (1, 2_500_000),
        calc.SME_TOTAL: (6, 40_000_050),
        SizeClass.LARGE: (0, 0),
        SizeClass.ACADEMIC: (2, 34_000_000),
        SizeClass.PUBLIC_OTHER: (1, 2_000_000),
        SizeClass.UNKNOWN: (1, 500_000),
        "total": (10, 76_500_050),
    }
    shares = {line.key: line.share for line in table.lines}
    # 340,000 / 765,000.50 = 44.44 %; SME 400,000.50 / 765,000.50 = 52.29 %.
    assert shares[SizeClass.ACADEMIC] == Decimal("44.4")
    assert shares[calc.SME_TOTAL] == Decimal("52.3")
    assert [s.file_name for s in table.sources] == ["iuk.xlsx"]
    assert table.sources[0].sha256 == loaded.sha256


def test_withdrawn_participants_are_included_only_when_asked(loaded, lcr):
    query = FundingQuery(place=lcr, include_withdrawn=True, **LCR_RANGE)
    got = amounts(award_table(query, Breakdown.ENTERPRISE_SIZE))
    assert got[SizeClass.MICRO] == (3, 17_000_000)
    assert got[SizeClass.SMALL] == (2, 8_500_000)
    assert got["total"] == (12, 84_000_050)


def test_lcr_by_programme_financial_year_competition_and_sector(loaded, lcr):
    query = FundingQuery(place=lcr, **LCR_RANGE)
    by_programme = award_table(query, Breakdown.PROGRAMME)
    assert [(line.label, line.award_pence) for line in by_programme.lines] == [
        ("Collaborative R&D", 47_000_050),
        ("Smart", 20_000_000),
        ("Industrial Strategy Challenge Fund", 9_500_000),
        ("Total", 76_500_050),
    ]
    by_year = award_table(query, Breakdown.FINANCIAL_YEAR)
    assert [(line.label, line.award_pence) for line in by_year.lines] == [
        ("2017-18", 9_500_000),
        ("2018-19", 12_000_050),
        ("2019-20", 35_000_000),
        ("2020-21", 7_500_000),
        ("2021-22", 12_500_000),
        ("Total", 76_500_050),
    ]
    by_competition = award_table(query, Breakdown.COMPETITION)
    assert (
        by_competition.lines[0].label == "1810_CRD_HEALTH — Health tech collaborative R&D round 1"
    )
    assert by_competition.total.award_pence == 76_500_050
    by_sector = {
        line.label: line.award_pence for line in award_table(query, Breakdown.SECTOR).lines
    }
    assert by_sector == {
        "Health and Life Sciences": 47_000_050,
        "Open": 20_000_000,
        "Energy": 9_500_000,
        "Total": 76_500_050,
    }


def test_by_local_authority_over_all_years(loaded, lcr):
    lines = award_table(FundingQuery(place=lcr), Breakdown.LOCAL_AUTHORITY).lines
    # Liverpool: 100,000 + 250,000 + 30,000 + 90,000 + 500,000 + 5,000 (withdrawn left out).
    assert [(line.label, line.award_pence) for line in lines] == [
        ("Liverpool", 97_500_000),
        ("Wirral", 12_000_050),
        ("Sefton", 10_000_000),
        ("St Helens", 5_000_000),
        ("Knowsley", 2_000_000),
        ("Total", 126_500_050),
    ]


def test_everyone_everywhere(loaded):
    table = award_table(FundingQuery(), Breakdown.ENTERPRISE_SIZE)
    # Every participant but the two withdrawn (see fixtures.py): £1,715,000.50 over 15.
    assert amounts(table)["total"] == (15, 171_500_050)
    assert amounts(table)[SizeClass.LARGE] == (2, 36_000_000)
    unplaced = award_table(FundingQuery(), Breakdown.LOCAL_AUTHORITY)
    labels = [line.label for line in unplaced.lines]
    assert "Leeds (as published; not placed)" in labels
    assert "Not given (as published; not placed)" in labels  # Chester Catalysts


def test_a_borough_is_a_place_too(loaded):
    wirral = Place.objects.get(code="E08000015")
    assert amounts(award_table(FundingQuery(place=wirral), Breakdown.ENTERPRISE_SIZE))["total"] == (
        1,
        12_000_050,
    )


def test_an_itl_area_the_city_region_is_the_same_as_counts_its_boroughs(loaded, lcr):
    merseyside = ensure_itl_place("TLD7", "Merseyside")
    scope = place_scope(merseyside)
    assert scope.lad_ids == frozenset(Place.objects.boroughs_of(lcr).values_list("pk", flat=True))
    assert "Liverpool City Region" in scope.how
    by_itl = award_table(FundingQuery(place=merseyside, **LCR_RANGE), Breakdown.ENTERPRISE_SIZE)
    by_lcr = award_table(FundingQuery(place=lcr, **LCR_RANGE), Breakdown.ENTERPRISE_SIZE)
    assert amounts(by_itl) == amounts(by_lcr)


def test_an_itl3_area_by_its_linked_local_authorities_or_else_by_the_published_name(loaded, lcr):
    liverpool_itl3 = ensure_itl_place("TLD72", "Liverpool")
    sefton_itl3 = ensure_itl_place("TLD73", "Sefton")
    # No local authority linked to either yet: the publisher's 'Address Local Authority' decides.
    assert place_scope(sefton_itl3).lad_ids == frozenset()
    sefton = amounts(award_table(FundingQuery(place=sefton_itl3), Breakdown.ENTERPRISE_SIZE))
    assert sefton["total"] == (2, 10_000_000)
    # 'E08000012' names Liverpool by code, not by name: by name alone it is missed …
    by_name = amounts(award_table(FundingQuery(place=liverpool_itl3), Breakdown.ENTERPRISE_SIZE))
    assert by_name["total"] == (5, 47_500_000)
    # … and with the LAD linked to its ITL3 it is found.
    Place.objects.filter(code="E08000012").update(itl3=liverpool_itl3)
    linked = amounts(award_table(FundingQuery(place=liverpool_itl3), Breakdown.ENTERPRISE_SIZE))
    assert linked["total"] == (6, 97_500_000)


def test_an_itl1_region_also_takes_the_published_region(loaded, lcr):
    north_west = ensure_itl_place("TLD", "North West")
    merseyside = ensure_itl_place("TLD7", "Merseyside")
    merseyside.parent = north_west
    merseyside.save()
    scope = place_scope(north_west)
    assert len(scope.lad_ids) == 6
    # Every fixture participant but Leeds Robotics is in the North West; two withdrawn.
    total = amounts(award_table(FundingQuery(place=north_west), Breakdown.ENTERPRISE_SIZE))["total"]
    assert total == (14, 165_500_050)


def test_an_itl1_region_whose_itl3_areas_are_all_linked_needs_no_published_names(loaded, lcr):
    north_west = ensure_itl_place("TLD", "North West")
    merseyside = ensure_itl_place("TLD7", "Merseyside")
    Place.objects.filter(pk=merseyside.pk).update(parent=north_west)
    east = ensure_itl_place("TLD71", "East Merseyside")
    liverpool = ensure_itl_place("TLD72", "Liverpool")
    Place.objects.filter(code__in=["E06000006", "E08000011", "E08000013"]).update(itl3=east)
    assert place_scope(north_west).region_names  # TLD72 has no local authority yet
    Place.objects.filter(code__in=["E08000012", "E08000014", "E08000015"]).update(itl3=liverpool)
    scope = place_scope(north_west)
    assert scope.region_names == frozenset()
    assert len(scope.lad_ids) == 6
    # Only the six boroughs now (Manchester and Cheshire East are not places Northstar holds).
    lcr_total = amounts(award_table(FundingQuery(place=lcr), Breakdown.PROGRAMME))["total"]
    nw_total = amounts(award_table(FundingQuery(place=north_west), Breakdown.PROGRAMME))["total"]
    assert nw_total == lcr_total


def test_the_database_totals_equal_the_pure_aggregation_of_the_same_rows(loaded, lcr):
    rows = [
        calc.ParticipationRow(
            award_pence=p.award_offered_pence,
            financial_year_start=p.financial_year_start,
            withdrawn=p.withdrawn,
            size_class=p.enterprise_size,
            is_sme=p.is_sme,
            place=p.place.code if p.place else "",
            programme=p.programme.title,
        )
        for p in Participation.objects.select_related("place", "programme")
    ]
    boroughs = set(Place.objects.boroughs_of(lcr).values_list("code", flat=True))
    for include_withdrawn in (False, True):
        expected = calc.aggregate(
            [r for r in rows if r.place in boroughs],
            lambda r: r.programme,
            include_withdrawn=include_withdrawn,
            first=2018,
            last=2021,
        )
        query = FundingQuery(
            place=lcr, first_year=2018, last_year=2021, include_withdrawn=include_withdrawn
        )
        table = award_table(query, Breakdown.PROGRAMME)
        got = {
            line.label: (line.participations, line.award_pence)
            for line in table.lines
            if line.kind == "group"
        }
        assert got == expected


def test_participations_queryset_matches_the_table(loaded, lcr):
    query = FundingQuery(place=lcr, **LCR_RANGE)
    assert participations(query).count() == 10


def test_filters_are_stated_in_words(loaded, lcr):
    table = award_table(FundingQuery(place=lcr, **LCR_RANGE), Breakdown.ENTERPRISE_SIZE)
    filters = "\n".join(table.filters())
    assert "Liverpool City Region" in filters
    assert "2017-18 to 2021-22" in filters
    assert "Withdrawn participants: excluded" in filters


def test_find_place_by_slug_code_or_name(lcr):
    assert find_place("liverpool-city-region") == lcr
    assert find_place("E08000012").name == "Liverpool"
    assert find_place("st helens").code == "E08000013"
    ensure_itl_place("TLD72", "Liverpool")
    assert find_place("Liverpool").code == "E08000012"  # the slug 'liverpool' comes first
    ensure_itl_place("TLD71", "Mersey Belt")
    ensure_itl_place("TLD74", "Mersey Belt")
    with pytest.raises(UserInputError, match="more than one place"):
        find_place("Mersey Belt")
    with pytest.raises(UserInputError, match="No place called"):
        find_place("Atlantis")


def test_bad_queries_are_refused(db):
    with pytest.raises(UserInputError, match="Cannot group by"):
        award_table(FundingQuery(), "colour")
    with pytest.raises(UserInputError, match="starts"):
        FundingQuery(first_year=2021, last_year=2017)


def test_participant_data_loaded(lcr, tmp_path):
    from northstar.funding.services import participant_data_loaded

    assert not participant_data_loaded()
    run_import(DATASET, fx.write_csv(tmp_path / "iuk.csv"))
    assert participant_data_loaded()


def test_with_no_data_the_table_is_empty_and_says_so(lcr):
    table = award_table(FundingQuery(place=lcr), Breakdown.PROGRAMME)
    assert [line.kind for line in table.lines] == ["total"]
    assert table.total.award_pence == 0
    assert table.sources == []
    assert Place.objects.filter(level=PlaceLevel.LAD).count() == 6


@pytest.mark.parametrize("by", Breakdown.CHOICES)
def test_the_totals_give_the_same_tables_as_the_participations(loaded, lcr, by):
    from northstar.funding.models import ParticipationTotal

    summed = ParticipationTotal.objects.aggregate(
        n=Sum("participations"), award=Sum("award_offered_pence")
    )
    assert summed == {
        "n": Participation.objects.count(),
        "award": Participation.objects.aggregate(a=Sum("award_offered_pence"))["a"],
    }
    merseyside = ensure_itl_place("TLD7", "Merseyside")
    wirral = Place.objects.get(code="E08000015")
    sefton_itl3 = ensure_itl_place("TLD73", "Sefton")  # no authorities linked: published names
    north_west = ensure_itl_place("TLD", "North West")  # also the published region
    for place in (lcr, merseyside, wirral, None, sefton_itl3, north_west):
        for first, last, withdrawn in (
            (2017, 2021, False),
            (None, None, True),
            (2019, None, False),
        ):
            if place in (sefton_itl3, north_west) and by not in BY_AREA:
                continue  # by programme etc. of such an area: only the participations know
            query = FundingQuery(
                place=place, first_year=first, last_year=last, include_withdrawn=withdrawn
            )
            fast = award_table(query, by, exact_rows=False)
            exact = award_table(query, by, exact_rows=True)
            assert fast.lines == exact.lines, (place, first, last, withdrawn)
            assert fast.sources == exact.sources


def test_queries_that_need_the_published_names_use_the_participations(loaded):
    sefton = ensure_itl_place("TLD73", "Sefton")
    with pytest.raises(ValueError, match="needs the participations"):
        award_table(FundingQuery(place=sefton), Breakdown.PROGRAMME, exact_rows=False)


def test_tables_are_summed_from_the_totals_where_they_can_be(loaded, lcr):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        award_table(FundingQuery(place=lcr, **LCR_RANGE), Breakdown.PROGRAMME)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "funding_participationtotal" in sql
    assert 'funding_participation"' not in sql.replace("funding_participationtotal", "")
