"""Quarters, cumulative targets and actuals, cost per output and double counting, worked by hand."""

from datetime import date
from decimal import Decimal

import pytest

from northstar.programmes import calculations as calc


@pytest.mark.parametrize(
    "day, start, label, months",
    [
        (date(2024, 4, 1), date(2024, 4, 1), "2024-25 Q1", "Apr–Jun 2024"),
        (date(2024, 6, 30), date(2024, 4, 1), "2024-25 Q1", "Apr–Jun 2024"),
        (date(2024, 12, 25), date(2024, 10, 1), "2024-25 Q3", "Oct–Dec 2024"),
        (date(2025, 2, 14), date(2025, 1, 1), "2024-25 Q4", "Jan–Mar 2025"),
        (date(1999, 10, 1), date(1999, 10, 1), "1999-00 Q3", "Oct–Dec 1999"),
    ],
)
def test_quarters(day, start, label, months):
    assert calc.quarter_start(day) == start
    assert calc.quarter_label(start) == label
    assert calc.quarter_months(start) == months
    assert calc.parse_quarter(label) == start


@pytest.mark.parametrize("text", ["2024 Q1", "2024-26 Q1", "2024-25 Q5", "", "Q1 2024-25"])
def test_parse_quarter_refuses(text):
    with pytest.raises(ValueError):
        calc.parse_quarter(text)


def test_quarters_between_crosses_the_year():
    assert calc.quarters_between(date(2024, 11, 5), date(2025, 5, 1)) == [
        date(2024, 10, 1),
        date(2025, 1, 1),
        date(2025, 4, 1),
    ]


def test_cumulative_by_quarter():
    q1, q2, q3 = date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)
    points = calc.cumulative_by_quarter(
        {q1: Decimal(5), q2: Decimal(5), q3: Decimal(10)}, {q2: Decimal(3), q3: Decimal(4)}
    )
    assert [(p.quarter, p.target, p.actual) for p in points] == [
        (q1, 5, 0),
        (q2, 10, 3),
        (q3, 20, 7),
    ]
    assert calc.cumulative_by_quarter({}, {q1: Decimal(2)})[0].target is None


def test_cost_per_output_and_percentage():
    assert calc.cost_per_output(Decimal("1620000"), Decimal(20)) == Decimal("81000.00")
    assert calc.cost_per_output(Decimal("100"), Decimal(3)) == Decimal("33.33")
    assert calc.cost_per_output(None, Decimal(3)) is None
    assert calc.cost_per_output(Decimal(5), Decimal(0)) is None
    assert calc.percentage(Decimal(45), Decimal(90)) == Decimal("50.0")
    assert calc.percentage(Decimal(1), None) is None


def test_unique_count_and_duplicates():
    assert calc.unique_count([1, 2, 1, None, 3, 3]) == 3
    found = calc.duplicates(
        [(("org1", "jobs"), 10), (("org2", "jobs"), 11), (("org1", "jobs"), 12)]
    )
    assert found == {("org1", "jobs"): [10, 12]}


@pytest.mark.parametrize(
    "maximum, ranges",
    [
        (0, []),
        (1, [(1, 1)]),
        (2, [(1, 1), (2, 2)]),
        (10, [(1, 3), (4, 6), (7, 9), (10, 10)]),
        (12, [(1, 3), (4, 6), (7, 9), (10, 12)]),
    ],
)
def test_count_bands_cover_one_to_the_maximum(maximum, ranges):
    assert calc.count_bands(maximum) == ranges


def test_band_of_is_zero_for_none_else_its_range():
    ranges = [(1, 3), (4, 6), (7, 9), (10, 10)]
    assert [calc.band_of(n, ranges) for n in (0, 1, 3, 4, 9, 10)] == [0, 1, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("whole_life", "quarters", "expected"),
    [
        (Decimal(10), [Decimal(3), Decimal(4)], Decimal(-3)),  # 7 of 10: 3 short
        (Decimal(10), [Decimal("2.5"), Decimal("7.5")], Decimal(0)),  # adds up
        (Decimal(5), [Decimal(4), Decimal(3)], Decimal(2)),  # 7 against 5: 2 over
        (Decimal(0), [Decimal(1)], Decimal(1)),  # a zero target is a target
        (None, [Decimal(1)], None),  # no whole-life target: nothing to compare
        (Decimal(10), [], None),  # no profile
    ],
)
def test_profile_difference(whole_life, quarters, expected):
    assert calc.profile_difference(whole_life, quarters) == expected
