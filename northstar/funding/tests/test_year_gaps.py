"""Distinct records over a range of financial years from the gaps between their years."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from northstar.funding.calculations import YearGap, count_within, year_gaps, year_gaps_of_pairs


def test_the_gaps_of_a_worked_example():
    # A: 2017, 2019 → (-, 2017), (2017, 2019), (2019, -)
    # B: 2019       → (-, 2019), (2019, -)
    # C: 2020, 2021 → (-, 2020), (2020, 2021), (2021, -)
    gaps = year_gaps([[2019, 2017], [2019, 2019], [2020, 2021], []])
    assert gaps == [
        YearGap(None, 2017, 1),
        YearGap(None, 2019, 1),
        YearGap(None, 2020, 1),
        YearGap(2017, 2019, 1),
        YearGap(2019, None, 2),
        YearGap(2020, 2021, 1),
        YearGap(2021, None, 1),
    ]
    assert count_within(gaps, None, None) == 3
    assert count_within(gaps, 2018, 2018) == 0  # inside A's gap, before B and C
    assert count_within(gaps, 2017, 2017) == 1  # A
    assert count_within(gaps, 2018, 2019) == 2  # A and B
    assert count_within(gaps, 2020, None) == 1  # C
    assert count_within(gaps, None, 2019) == 2  # A and B
    assert count_within(gaps, 2022, None) == 0
    assert count_within([], 2017, 2021) == 0


years = st.integers(min_value=2005, max_value=2025)


@given(
    records=st.lists(st.lists(years, max_size=6), max_size=25),
    first=st.none() | years,
    span=st.integers(min_value=0, max_value=20),
    open_end=st.booleans(),
)
def test_the_count_is_the_records_with_a_year_in_the_range(records, first, span, open_end):
    last = None if open_end else (first or 2005) + span
    expected = sum(
        1
        for record in records
        if any((first is None or y >= first) and (last is None or y <= last) for y in record)
    )
    assert count_within(year_gaps(records), first, last) == expected


@given(records=st.lists(st.lists(years, max_size=6), max_size=25))
def test_the_frame_version_gives_the_same_gaps(records):
    pairs = pl.DataFrame(
        [(key, year) for key, record in enumerate(records) for year in record],
        schema={"key": pl.Int64, "year": pl.Int64},
        orient="row",
    )
    assert year_gaps_of_pairs(pairs) == year_gaps(records)
