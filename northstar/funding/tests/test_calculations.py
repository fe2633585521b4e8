"""The pure calculations, against examples worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from northstar.core.errors import UserInputError
from northstar.funding import calculations as calc
from northstar.funding.calculations import ParticipationRow as Row
from northstar.organisations.models import SizeClass


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2021, 4, 1), "2021-22"),
        (dt.date(2022, 3, 31), "2021-22"),
        (dt.date(2021, 3, 31), "2020-21"),
        (dt.date(2021, 12, 31), "2021-22"),
        (dt.date(2022, 1, 1), "2021-22"),
        (dt.date(2000, 2, 29), "1999-00"),
        (dt.date(2009, 4, 1), "2009-10"),
    ],
)
def test_financial_year_of(day, expected):
    assert calc.financial_year_of(day) == expected


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_day_lies_within_the_bounds_of_its_financial_year(day):
    first, last = calc.financial_year_bounds(calc.financial_year_start(day))
    assert first <= day <= last
    assert (first.month, first.day, last.month, last.day) == (4, 1, 3, 31)


@pytest.mark.parametrize("text", ["2021-22", "2021/22", "2021-2022", "FY2021-22", " 2021 - 22 "])
def test_parse_financial_year(text):
    assert calc.parse_financial_year(text) == 2021


@pytest.mark.parametrize("text", ["2021", "2021-23", "2021-2021", "21-22", "last year", ""])
def test_a_financial_year_that_is_not_one_is_refused(text):
    with pytest.raises(UserInputError):
        calc.parse_financial_year(text)


def test_parse_financial_year_across_the_century():
    assert calc.parse_financial_year("1999-00") == 1999


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(UserInputError, match="starts"):
        calc.check_year_range(2021, 2017)
    calc.check_year_range(2017, 2017)


def test_share_of_rounds_half_up_to_one_place():
    assert calc.share_of(1, 3) == Decimal("33.3")
    assert calc.share_of(2, 3) == Decimal("66.7")
    assert calc.share_of(1, 8) == Decimal("12.5")
    assert calc.share_of(1, 16) == Decimal("6.3")  # 6.25 → 6.3
    assert calc.share_of(5, 0) is None


def test_format_pounds():
    assert calc.format_pounds(12_345_678) == "£123,456.78"
    assert calc.format_pounds(5) == "£0.05"
    assert calc.format_pounds(-500) == "-£5.00"
    assert calc.pounds(76_500_050) == Decimal("765000.50")


def test_size_group_puts_smes_without_a_band_apart():
    assert calc.size_group(SizeClass.MICRO, True) == SizeClass.MICRO
    assert calc.size_group(SizeClass.UNKNOWN, True) == calc.SME_UNSPECIFIED
    assert calc.size_group(SizeClass.UNKNOWN, False) == SizeClass.UNKNOWN
    assert calc.size_group(SizeClass.LARGE, False) == SizeClass.LARGE


def test_size_table_adds_the_sme_subtotal_without_counting_it_twice():
    # Micro 2 × £100 + £300; small none; medium £600; an SME without band £100; large £1,000.
    lines = calc.size_table(
        {
            SizeClass.MICRO: (2, 40_000),
            SizeClass.MEDIUM: (1, 60_000),
            calc.SME_UNSPECIFIED: (1, 10_000),
            SizeClass.LARGE: (1, 100_000),
        }
    )
    got = [
        (line.key, line.participations, line.award_pence, line.share, line.kind) for line in lines
    ]
    # Total £2,100: micro 400/2100 = 19.05 %, medium 28.57 %, SME-unbanded 4.76 %, SME total
    # 1,100/2,100 = 52.38 %, large 47.62 %.
    assert got == [
        (SizeClass.MICRO, 2, 40_000, Decimal("19.0"), "group"),
        (SizeClass.SMALL, 0, 0, Decimal("0.0"), "group"),
        (SizeClass.MEDIUM, 1, 60_000, Decimal("28.6"), "group"),
        (calc.SME_UNSPECIFIED, 1, 10_000, Decimal("4.8"), "group"),
        (calc.SME_TOTAL, 4, 110_000, Decimal("52.4"), "subtotal"),
        (SizeClass.LARGE, 1, 100_000, Decimal("47.6"), "group"),
        (SizeClass.ACADEMIC, 0, 0, Decimal("0.0"), "group"),
        (SizeClass.PUBLIC_OTHER, 0, 0, Decimal("0.0"), "group"),
        ("total", 5, 210_000, Decimal("100.0"), "total"),
    ]


def test_size_table_refuses_a_group_it_does_not_know():
    with pytest.raises(ValueError, match="unknown size groups"):
        calc.size_table({"enormous": (1, 1)})


def test_table_orders_by_award_and_totals():
    lines = calc.table(
        [
            calc.GroupTotal("a", "Smart", 3, 200),
            calc.GroupTotal("b", "CR&D", 1, 600),
            calc.GroupTotal("c", "Another", 1, 200),
        ]
    )
    assert [(line.label, line.share) for line in lines] == [
        ("CR&D", Decimal("60.0")),
        ("Another", Decimal("20.0")),
        ("Smart", Decimal("20.0")),
        ("Total", Decimal("100.0")),
    ]
    assert (lines[-1].participations, lines[-1].award_pence) == (5, 1000)


def test_year_table_shows_every_year_of_the_range():
    lines = calc.year_table({2018: (2, 300), 2020: (1, 100)}, 2017, 2021)
    assert [(line.label, line.award_pence) for line in lines] == [
        ("2017-18", 0),
        ("2018-19", 300),
        ("2019-20", 0),
        ("2020-21", 100),
        ("2021-22", 0),
        ("Total", 400),
    ]
    # Without a range: from the first year with any to the last.
    assert [line.label for line in calc.year_table({2019: (1, 1), 2021: (1, 1)})] == [
        "2019-20",
        "2020-21",
        "2021-22",
        "Total",
    ]
    assert [line.label for line in calc.year_table({})] == ["Total"]


ROWS = [
    Row(100, 2017, place="Liverpool", size_class=SizeClass.MICRO, is_sme=True),
    Row(200, 2018, place="Liverpool", size_class=SizeClass.LARGE),
    Row(400, 2018, place="Wirral", size_class=SizeClass.MICRO, is_sme=True, withdrawn=True),
    Row(800, 2021, place="Wirral", size_class=SizeClass.SMALL, is_sme=True),
    Row(1600, 2022, place="Leeds", size_class=SizeClass.SMALL, is_sme=True),
]


def test_aggregate_leaves_out_the_withdrawn_and_the_years_outside_the_range():
    by_place = calc.aggregate(ROWS, lambda r: r.place, first=2017, last=2021)
    assert by_place == {"Liverpool": (2, 300), "Wirral": (1, 800)}
    with_withdrawn = calc.aggregate(ROWS, lambda r: r.place, include_withdrawn=True, first=2018)
    assert with_withdrawn == {"Liverpool": (1, 200), "Wirral": (2, 1200), "Leeds": (1, 1600)}
    by_size = calc.aggregate(ROWS, lambda r: calc.size_group(r.size_class, r.is_sme))
    assert by_size == {
        SizeClass.MICRO: (1, 100),
        SizeClass.LARGE: (1, 200),
        SizeClass.SMALL: (2, 2400),
    }
    sme = next(line for line in calc.size_table(by_size) if line.key == calc.SME_TOTAL)
    assert (sme.participations, sme.award_pence) == (3, 2500)
