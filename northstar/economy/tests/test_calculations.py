"""The economy calculations, each against an example worked by hand (in the comments)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from northstar.economy import calculations as calc

D = Decimal


def close(value, expected: str, places: int = 6) -> bool:
    return value is not None and abs(value - D(expected)) < D(10) ** -places


# --- per head and per £m GVA -------------------------------------------------------------------


def test_per_head_scales_the_unit_then_divides_by_population():
    # Merseyside 2021 as published: GVA £35,345m, population 1,551,722.
    # 35,345,000,000 / 1,551,722: 1,551,722 × 22,777 = 35,343,571,994, remainder 1,428,006,
    # and 1,428,006 / 1,551,722 = 0.92027…, so £22,777.92 per head.
    result = calc.per_head(D(35345), 1551722, scale=calc.MILLION)
    assert close(result, "22777.920274", 5)


def test_per_head_of_a_plain_amount():
    assert calc.per_head(D(3_000_000), D(1_500_000)) == D(2)  # £3m among 1.5m people: £2 each


@pytest.mark.parametrize(
    ("value", "population"),
    [(D(100), 0), (D(100), D(-5)), (None, D(10)), (D(100), None), (None, None)],
)
def test_per_head_is_none_without_a_positive_population_or_a_value(value, population):
    assert calc.per_head(value, population) is None


def test_per_million_gva():
    # £5,000,000 of funding in an area with GVA of £40,000m: 5,000,000 / 40,000 = £125 per £1m.
    assert calc.per_million_gva(D(5_000_000), D(40_000)) == D(125)
    # A value in £ million is scaled first: £2m / £40,000m = £50 per £1m.
    assert calc.per_million_gva(D(2), D(40_000), scale=calc.MILLION) == D(50)
    assert calc.per_million_gva(D(5), D(0)) is None
    assert calc.per_million_gva(None, D(40_000)) is None


def test_index_to_reference():
    # GVA per head £22,500 against the UK's £30,000: 75 (UK = 100).
    assert calc.index_to_reference(D(22_500), D(30_000)) == D(75)
    assert calc.index_to_reference(D(1), D(0)) is None


def test_floats_are_refused():
    with pytest.raises(TypeError):
        calc.per_head(1.5, 10)


# --- growth ------------------------------------------------------------------------------------


def test_annual_growth_and_gaps():
    # 100 → 110 is +10%; 2021 is missing, so 2022 has no year before it: None, not 2-year growth.
    growth = calc.annual_growth({2019: D(100), 2020: D(110), 2022: D(121)})
    assert growth == {2019: None, 2020: D(10), 2022: None}


def test_annual_growth_after_an_unknown_or_zero_year():
    growth = calc.annual_growth({2019: None, 2020: D(50), 2021: D(0), 2022: D(10)})
    assert growth == {2019: None, 2020: None, 2021: D(-100), 2022: None}


def test_cagr():
    # 100 → 121 over 2 years: 1.21 ** 0.5 = 1.1, so 10% a year.
    assert close(calc.cagr(D(100), D(121), 2), "10")
    # Doubling in 10 years: 2 ** 0.1 = 1.0717734625…, so 7.177346…% a year.
    assert close(calc.cagr(D(100), D(200), 10), "7.177346", 5)
    # Halving in one year: −50%.
    assert close(calc.cagr(D(100), D(50), 1), "-50")


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [(D(0), D(5), 2), (D(5), D(0), 2), (None, D(5), 2), (D(5), None, 2), (D(5), D(6), 0)],
)
def test_cagr_is_none_when_undefined(start, end, years):
    assert calc.cagr(start, end, years) is None


def test_cagr_between_years_of_a_series():
    series = {2011: D(100), 2016: D(150), 2021: D(200)}
    assert close(calc.cagr_between(series, 2011, 2021), "7.177346", 5)
    assert calc.cagr_between(series, 2010, 2021) is None  # a missing year


# --- ranks ----------------------------------------------------------------------------------


def test_ranks_highest_first_with_ties_sharing_the_best_position():
    # 20, 20, 10, 5 → 1, 1, 3, 4 (competition ranking); the unknown value is not ranked or counted.
    result = calc.ranks({"b": D(20), "c": D(20), "a": D(10), "d": D(5), "e": None})
    assert result == {
        "b": calc.Rank(1, 4, True),
        "c": calc.Rank(1, 4, True),
        "a": calc.Rank(3, 4, False),
        "d": calc.Rank(4, 4, False),
    }
    assert str(result["b"]) == "=1 of 4"
    assert str(result["d"]) == "4 of 4"


def test_rank_of_one_key():
    values = {"TLD7": D(3), "TLD6": D(9), "TLC1": D(1)}
    assert calc.rank_of("TLD7", values) == calc.Rank(2, 3)
    assert calc.rank_of("TLZ9", values) is None
    assert calc.ranks({}) == {}


@given(
    st.dictionaries(
        st.integers(0, 30),
        st.none() | st.integers(-5, 5).map(D) | st.decimals(-10, 10, places=2),
        max_size=30,
    ),
    st.integers(0, 31),
)
def test_rank_of_one_key_is_its_rank_among_all(values, key):
    assert calc.rank_of(key, values) == calc.ranks(values).get(key)


def test_median():
    assert calc.median([D(5), D(1), D(3)]) == D(3)
    assert calc.median([D(4), None, D(1), D(3), D(2)]) == D("2.5")
    assert calc.median([None]) is None


# --- shares and location quotients ------------------------------------------------------------


def test_shares_in_percent():
    assert calc.shares({"A": D(1), "B": D(3), "C": None}) == {"A": D(25), "B": D(75), "C": None}
    assert calc.shares({"A": D(0)}) == {"A": None}  # nothing to share


def test_location_quotient_worked_example():
    # Manufacturing: 200 of the region's 1,000 jobs (20%); 2,000 of the UK's 20,000 (10%).
    # LQ = (200 / 1,000) / (2,000 / 20,000) = 0.2 / 0.1 = 2: twice as concentrated as the UK.
    assert calc.location_quotient(D(200), D(1000), D(2000), D(20000)) == D(2)
    assert calc.location_quotient(D(200), D(0), D(2000), D(20000)) is None
    assert calc.location_quotient(D(200), D(1000), D(0), D(20000)) is None
    assert calc.location_quotient(None, D(1000), D(2000), D(20000)) is None


def test_location_quotients_of_every_industry_use_the_sums_as_totals():
    # Region: C 200, Q 800 (total 1,000). UK: C 2,000, Q 18,000 (total 20,000).
    # C: 0.2 / 0.1 = 2. Q: 0.8 / 0.9 = 0.888…
    lq = calc.location_quotients({"C": D(200), "Q": D(800)}, {"C": D(2000), "Q": D(18000)})
    assert lq["C"] == D(2)
    assert close(lq["Q"], "0.888889")
    # An industry the UK figures lack has no LQ.
    assert calc.location_quotients({"X": D(5)}, {"C": D(10)}) == {"X": None}
