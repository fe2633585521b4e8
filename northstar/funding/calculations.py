"""Pure calculations for the Innovate UK funding analysis: financial years, grouping, shares.

No database here: the services hand these functions plain rows or per-group totals, and the
tests check them against hand-worked examples. Money is integer pence throughout.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from northstar.core.errors import UserInputError
from northstar.organisations.models import SME_CLASSES, SizeClass

# ------------------------------------------------------------------------------------------
# Financial years: April to March. A year is named by its first calendar year's number:
# 2021 is the financial year 2021-22 (1 April 2021 to 31 March 2022).
# ------------------------------------------------------------------------------------------


def financial_year_start(day: dt.date) -> int:
    """The first calendar year of the financial year `day` falls in (2022-03-31 → 2021)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start: int) -> str:
    """2021 → '2021-22'; 1999 → '1999-00'."""
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_of(day: dt.date) -> str:
    """'2021-22' for any day from 2021-04-01 to 2022-03-31."""
    return financial_year_label(financial_year_start(day))


def financial_year_bounds(start: int) -> tuple[dt.date, dt.date]:
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


FY_RE = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$", re.IGNORECASE)


def parse_financial_year(text: str) -> int:
    """'2021-22', '2021/22', '2021-2022' or 'FY2021-22' → 2021. Anything else is refused."""
    match = FY_RE.match((text or "").strip())
    if match is None:
        raise UserInputError(
            f"{text!r} is not a financial year; write it as 2021-22 (April 2021 to March 2022)."
        )
    first, second = int(match.group(1)), match.group(2)
    expected = first + 1
    if int(second) != (expected if len(second) == 4 else expected % 100):
        raise UserInputError(
            f"{text!r} is not a financial year: the second year must follow the first "
            f"({financial_year_label(first)})."
        )
    return first


def check_year_range(first: int | None, last: int | None) -> None:
    if first is not None and last is not None and first > last:
        raise UserInputError(
            f"The range starts ({financial_year_label(first)}) after it ends "
            f"({financial_year_label(last)})."
        )


# ------------------------------------------------------------------------------------------
# Enterprise size groups: the size classes, plus participants published only as an "SME".
# ------------------------------------------------------------------------------------------

SME_UNSPECIFIED = "sme_unspecified"
SME_TOTAL = "sme_total"
SIZE_GROUP_LABELS: dict[str, str] = {
    SizeClass.MICRO: "Micro",
    SizeClass.SMALL: "Small",
    SizeClass.MEDIUM: "Medium",
    SME_UNSPECIFIED: "SME (size band not given)",
    SME_TOTAL: "SME total (micro + small + medium)",
    SizeClass.LARGE: "Large",
    SizeClass.ACADEMIC: "Academic & research",
    SizeClass.PUBLIC_OTHER: "Public sector, charity or other",
    SizeClass.UNKNOWN: "Size not given",
}
# Always shown (zero if none); the others only when some participant is in them.
ALWAYS_SHOWN = (
    SizeClass.MICRO,
    SizeClass.SMALL,
    SizeClass.MEDIUM,
    SizeClass.LARGE,
    SizeClass.ACADEMIC,
    SizeClass.PUBLIC_OTHER,
)


def size_group(size_class: str, is_sme: bool) -> str:
    """The group a participant is counted in: its size class, or 'SME, band not given'."""
    if is_sme and size_class not in SME_CLASSES:
        return SME_UNSPECIFIED
    return str(size_class)


# ------------------------------------------------------------------------------------------
# Tables: per-group totals in, lines with shares and a total out.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupTotal:
    key: str
    label: str
    participations: int
    award_pence: int


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    participations: int
    award_pence: int
    share: Decimal | None  # percent of the total award, one decimal place
    kind: str = "group"  # "group", "subtotal" (counted in the total already) or "total"


def share_of(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, to one decimal place (half up); None if whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _total_line(groups: list[GroupTotal], label: str = "Total") -> Line:
    award = sum(g.award_pence for g in groups)
    count = sum(g.participations for g in groups)
    return Line("total", label, count, award, share_of(award, award), "total")


def table(groups: Iterable[GroupTotal], *, by_award: bool = True) -> list[Line]:
    """Lines in order of award (largest first, then label) or as given, and a total line."""
    groups = list(groups)
    if by_award:
        groups.sort(key=lambda g: (-g.award_pence, g.label))
    whole = sum(g.award_pence for g in groups)
    lines = [
        Line(g.key, g.label, g.participations, g.award_pence, share_of(g.award_pence, whole))
        for g in groups
    ]
    return [*lines, _total_line(groups)]


def size_table(totals: Mapping[str, tuple[int, int]]) -> list[Line]:
    """By enterprise size, with the SME subtotal. `totals`: size group → (participations, pence).

    The SME total (micro + small + medium + SMEs whose band is not given) is a subtotal line:
    it is not added again in the total.
    """
    unknown = set(totals) - set(SIZE_GROUP_LABELS)
    if unknown:
        raise ValueError(f"unknown size groups {sorted(unknown)}")
    groups = {
        key: GroupTotal(key, label, *totals.get(key, (0, 0)))
        for key, label in SIZE_GROUP_LABELS.items()
        if key != SME_TOTAL
    }
    whole = sum(g.award_pence for g in groups.values())

    def line(g: GroupTotal, kind: str = "group") -> Line:
        return Line(
            g.key, g.label, g.participations, g.award_pence, share_of(g.award_pence, whole), kind
        )

    sme_parts = [groups[k] for k in (*SME_CLASSES, SME_UNSPECIFIED)]
    sme = GroupTotal(
        SME_TOTAL,
        SIZE_GROUP_LABELS[SME_TOTAL],
        sum(g.participations for g in sme_parts),
        sum(g.award_pence for g in sme_parts),
    )
    shown = lambda key: key in ALWAYS_SHOWN or groups[key].participations > 0  # noqa: E731
    lines = [line(groups[k]) for k in (*SME_CLASSES, SME_UNSPECIFIED) if shown(k)]
    lines.append(line(sme, "subtotal"))
    lines += [
        line(groups[k])
        for k in (SizeClass.LARGE, SizeClass.ACADEMIC, SizeClass.PUBLIC_OTHER, SizeClass.UNKNOWN)
        if shown(k)
    ]
    return [*lines, _total_line(list(groups.values()))]


def year_table(
    totals: Mapping[int, tuple[int, int]], first: int | None = None, last: int | None = None
) -> list[Line]:
    """By financial year, every year from `first` to `last` shown (zero if none); without a
    range, from the earliest to the latest year that has any."""
    if first is None:
        first = min(totals, default=None)
    if last is None:
        last = max(totals, default=None)
    if first is None or last is None:
        return [_total_line([])]
    groups = [
        GroupTotal(str(year), financial_year_label(year), *totals.get(year, (0, 0)))
        for year in range(first, last + 1)
    ]
    return table(groups, by_award=False)


# ------------------------------------------------------------------------------------------
# The same totals over plain rows (what the database computes for the services).
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationRow:
    award_pence: int
    financial_year_start: int
    withdrawn: bool = False
    size_class: str = SizeClass.UNKNOWN
    is_sme: bool = False
    place: str = ""
    programme: str = ""
    competition: str = ""
    sector: str = ""


def aggregate(
    rows: Iterable[ParticipationRow],
    key: Callable[[ParticipationRow], object],
    *,
    include_withdrawn: bool = False,
    first: int | None = None,
    last: int | None = None,
) -> dict[object, tuple[int, int]]:
    """Participations and award by `key`, over the rows in the year range; withdrawn
    participants are left out unless asked for."""
    totals: dict[object, tuple[int, int]] = {}
    for row in rows:
        if row.withdrawn and not include_withdrawn:
            continue
        if first is not None and row.financial_year_start < first:
            continue
        if last is not None and row.financial_year_start > last:
            continue
        k = key(row)
        count, award = totals.get(k, (0, 0))
        totals[k] = (count + 1, award + row.award_pence)
    return totals


# ------------------------------------------------------------------------------------------
# Money as text.
# ------------------------------------------------------------------------------------------


def pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def format_pounds(pence: int) -> str:
    """12345678 → '£123,456.78'; -500 → '-£5.00'."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{pounds(abs(pence)):,.2f}"


# ------------------------------------------------------------------------------------------
# Distinct organisations (or projects) over a range of financial years, from the gaps between
# each one's years. An organisation has a participation in the years first..last unless that
# range falls inside one of its gaps: before its first year, between two of its years, or after
# its last. So the count in a range is the number of organisations less the gaps that hold the
# range; and gaps come in few kinds (pairs of years), so a table of a few hundred counted kinds
# of gap answers any range without reading the participations.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearGap:
    """Years with no participation, strictly between `after` and `before` (None: open)."""

    after: int | None  # the last year with one before the gap; None: the gap opens the record
    before: int | None  # the first year with one after it; None: the gap closes the record
    count: int  # how many organisations (or projects) have this gap


def year_gaps(years_of_each: Iterable[Iterable[int]]) -> list[YearGap]:
    """The counted kinds of gap of records, each given by the years it has (a record with no
    year is not counted)."""
    counts: dict[tuple[int | None, int | None], int] = {}
    for years in years_of_each:
        ordered = sorted(set(years))
        if not ordered:
            continue
        for after, before in zip([None, *ordered], [*ordered, None], strict=True):
            counts[after, before] = counts.get((after, before), 0) + 1
    return [YearGap(a, b, n) for (a, b), n in sorted(counts.items(), key=_gap_order)]


def _gap_order(item) -> tuple:
    (after, before), _ = item
    return (after is not None, after or 0, before is None, before or 0)


def count_within(gaps: Iterable[YearGap], first: int | None, last: int | None) -> int:
    """How many records have a year in first..last (inclusive; None: unbounded)."""
    check_year_range(first, last)
    gaps = list(gaps)
    records = sum(g.count for g in gaps if g.after is None)  # each record has one opening gap
    holding = sum(
        g.count
        for g in gaps
        if (g.after is None or (first is not None and g.after < first))
        and (g.before is None or (last is not None and g.before > last))
    )
    return records - holding


def year_gaps_of_pairs(pairs) -> list[YearGap]:
    """year_gaps of a Polars frame of distinct (key, year) pairs, for the hundreds of thousands
    of an import (a record's years are the years of its pairs)."""
    import polars as pl

    ordered = pairs.unique().sort("key", "year")
    inner = ordered.select(
        pl.col("year").shift(1).over("key").alias("after"), pl.col("year").alias("before")
    )
    closing = (
        ordered.group_by("key")
        .agg(pl.col("year").max().alias("after"))
        .select("after", pl.lit(None, dtype=ordered.schema["year"]).alias("before"))
    )
    counted = pl.concat([inner, closing]).group_by("after", "before").len()
    counts = {(a, b): n for a, b, n in counted.iter_rows()}
    return [YearGap(a, b, n) for (a, b), n in sorted(counts.items(), key=_gap_order)]
