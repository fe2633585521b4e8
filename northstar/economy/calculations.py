"""Pure calculations on published statistics: ratios, growth, ranks, shares, location quotients.

Every function takes and returns `Decimal` (never floats) and knows nothing of the database.
"Not known" is `None`: a missing input, or a denominator of zero (a ratio to nothing has no
meaning), gives `None` rather than an exception, so that one gap in a table of forty areas
leaves one empty cell, not a broken page. Percentages are returned as percentages (12.5 means
12.5%), ratios as plain ratios (an LQ of 1.2 means 20% more concentrated than the UK).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import TypeVar

Number = Decimal | int
K = TypeVar("K", bound=Hashable)

HUNDRED = Decimal(100)
ONE = Decimal(1)
MILLION = Decimal(1_000_000)


def _d(value: Number | None) -> Decimal | None:
    if type(value) is Decimal:  # nearly always (a page works out thousands): no more checks
        return value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected a Decimal or an int, not {type(value).__name__}")
    return Decimal(value)


def ratio(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """numerator / denominator; None if either is unknown or the denominator is zero."""
    n, d = _d(numerator), _d(denominator)
    if n is None or d is None or d == 0:
        return None
    return n / d


def per_head(
    value: Number | None, population: Number | None, *, scale: Number = 1
) -> Decimal | None:
    """A total per resident: value × scale / population.

    `scale` turns the value's unit into the unit wanted per head: a GVA in £ million per head in
    £ is per_head(gva, population, scale=MILLION). A population of zero or below, or an unknown
    one, gives None (no meaningful figure per head).
    """
    p = _d(population)
    if p is not None and p <= 0:
        return None
    v = _d(value)
    if v is None:
        return None
    return ratio(v * _d(scale), p)


def per_million_gva(
    value_gbp: Number | None, gva_gbp_million: Number | None, *, scale: Number = 1
) -> Decimal | None:
    """Pounds of `value` per £1 million of GVA: value × scale / GVA (GVA in £ million).

    A value already in £ million is converted with scale=MILLION. GVA of zero or below → None.
    """
    g = _d(gva_gbp_million)
    if g is not None and g <= 0:
        return None
    v = _d(value_gbp)
    if v is None:
        return None
    return ratio(v * _d(scale), g)


def index_to_reference(value: Number | None, reference: Number | None) -> Decimal | None:
    """value as an index where the reference = 100 (e.g. GVA per head with UK = 100)."""
    r = ratio(value, reference)
    return None if r is None else r * HUNDRED


def percent_change(start: Number | None, end: Number | None) -> Decimal | None:
    """(end − start) / start × 100; None if either is unknown or start is zero."""
    s, e = _d(start), _d(end)
    if s is None or e is None or s == 0:
        return None
    return (e - s) / s * HUNDRED


def annual_growth(series: Mapping[int, Number | None]) -> dict[int, Decimal | None]:
    """Percent change on the year before, for each year of the series.

    A year whose previous year is missing from the series (a gap) or unknown gets None: growth
    is never taken across a gap.
    """
    return {year: percent_change(series.get(year - 1), series[year]) for year in sorted(series)}


def cagr(start: Number | None, end: Number | None, years: int) -> Decimal | None:
    """Compound annual growth rate in percent: ((end / start) ** (1 / years) − 1) × 100.

    `years` is the number of years between the two values (2011 → 2021 is 10). None if a value
    is unknown, either value is zero or below (no real root), or `years` is not positive.
    """
    s, e = _d(start), _d(end)
    if s is None or e is None or s <= 0 or e <= 0 or years <= 0:
        return None
    with localcontext() as context:
        context.prec = 28
        growth = (e / s) ** (ONE / Decimal(years)) - ONE
    return growth * HUNDRED


def cagr_between(
    series: Mapping[int, Number | None], start_year: int, end_year: int
) -> Decimal | None:
    """CAGR of a yearly series between two of its years (None if either year is missing)."""
    return cagr(series.get(start_year), series.get(end_year), end_year - start_year)


@dataclass(frozen=True, slots=True)
class Rank:
    """A place's position among its peers: 1 = the highest value; `n` = peers with a value.

    Ties share the best position of the tie and the next value skips ("1, 2, 2, 4"); `tied` is
    True when another peer has the same value.
    """

    position: int
    n: int
    tied: bool = False

    def __str__(self) -> str:
        return f"{'=' if self.tied else ''}{self.position} of {self.n}"


def ranks(values: Mapping[K, Number | None]) -> dict[K, Rank]:
    """The rank of every key with a known value (1 = highest; standard competition ranking).

    Keys whose value is None are not ranked and not counted in n.
    """
    known = {k: _d(v) for k, v in values.items() if v is not None}
    n = len(known)
    ordered = sorted(known.values(), reverse=True)
    first_position: dict[Decimal, int] = {}
    count: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
        count[value] = count.get(value, 0) + 1
    return {k: Rank(first_position[v], n, count[v] > 1) for k, v in known.items()}


def rank_of(key: K, values: Mapping[K, Number | None]) -> Rank | None:
    """The rank of one key among all of `values` (as `ranks` gives it, in one pass without
    sorting: a page ranks its area in every year); None if its value is unknown."""
    mine = _d(values.get(key))
    if mine is None:
        return None
    n = higher = same = 0
    for value in values.values():
        if value is None:
            continue
        known = _d(value)
        n += 1
        if known > mine:
            higher += 1
        elif known == mine:
            same += 1
    return Rank(higher + 1, n, same > 1)


def median(values: Iterable[Number | None]) -> Decimal | None:
    """The median of the known values (the mean of the middle two for an even count)."""
    known = sorted(_d(v) for v in values if v is not None)
    if not known:
        return None
    middle = len(known) // 2
    if len(known) % 2:
        return known[middle]
    return (known[middle - 1] + known[middle]) / 2


def total(values: Iterable[Number | None]) -> Decimal | None:
    """The sum of the known values; None if none is known."""
    known = [_d(v) for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def shares(counts: Mapping[K, Number | None]) -> dict[K, Decimal | None]:
    """Each part's share of the sum of the known parts, in percent (unknown parts → None)."""
    whole = total(counts.values())
    return {k: (None if v is None else index_to_reference(v, whole)) for k, v in counts.items()}


def location_quotient(
    e_ir: Number | None, e_r: Number | None, e_iuk: Number | None, e_uk: Number | None
) -> Decimal | None:
    """LQ = (e_ir / e_r) / (e_iUK / e_UK).

    e_ir: employment in industry i in the region; e_r: all employment in the region;
    e_iUK, e_UK: the same for the UK. 1 = the region has the UK's share of industry i; above 1 =
    more concentrated there. None if anything is unknown or a denominator is zero.
    """
    return ratio(ratio(e_ir, e_r), ratio(e_iuk, e_uk))


def location_quotients(
    region: Mapping[K, Number | None], national: Mapping[K, Number | None]
) -> dict[K, Decimal | None]:
    """The LQ of every industry of `region`, the totals being the sums of the known parts."""
    e_r = total(region.values())
    e_uk = total(national.values())
    return {
        industry: location_quotient(e_ir, e_r, national.get(industry), e_uk)
        for industry, e_ir in region.items()
    }
