"""Pure calculations: financial-year quarters, targets against actuals, cost per output, and
finding double counting. No database access."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
QUARTER_PATTERN = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s+Q([1-4])\s*$", re.IGNORECASE)


def quarter_start(day: date) -> date:
    """The first day of the financial-year quarter holding `day` (Q1 is April–June)."""
    month = ((day.month - 1) // 3) * 3 + 1
    return date(day.year, month, 1)


def financial_year_of(start: date) -> int:
    """The year a financial year starts in: 2025-01-01 is in 2024-25, so 2024."""
    return start.year if start.month >= 4 else start.year - 1


def quarter_number(start: date) -> int:
    return ((start.month - 4) % 12) // 3 + 1


def quarter_label(start: date) -> str:
    """2024-04-01 → '2024-25 Q1'."""
    fy = financial_year_of(start)
    return f"{fy}-{(fy + 1) % 100:02d} Q{quarter_number(start)}"


def quarter_months(start: date) -> str:
    """2024-04-01 → 'Apr–Jun 2024'; 2025-01-01 → 'Jan–Mar 2025'."""
    first = (start.month - 4) % 12
    return f"{MONTHS[first]}–{MONTHS[first + 2]} {start.year}"


def parse_quarter(text: str) -> date:
    """'2024-25 Q1' → 2024-04-01. Raises ValueError with a readable reason."""
    match = QUARTER_PATTERN.match(text or "")
    if not match:
        raise ValueError(f"'{text}' is not a quarter; write it like 2024-25 Q1")
    fy, next_two, q = int(match[1]), int(match[2]), int(match[3])
    if (fy + 1) % 100 != next_two:
        raise ValueError(f"'{text}': {fy}-{next_two:02d} is not a financial year")
    month = 4 + (q - 1) * 3
    return date(fy + (month > 12), (month - 1) % 12 + 1, 1)


def quarters_between(first: date, last: date) -> list[date]:
    """Every quarter from the one holding `first` to the one holding `last`, inclusive."""
    out, current, end = [], quarter_start(first), quarter_start(last)
    while current <= end:
        out.append(current)
        month = current.month + 3
        current = date(current.year + (month > 12), (month - 1) % 12 + 1, 1)
    return out


@dataclass(frozen=True)
class QuarterPoint:
    quarter: date
    target: Decimal | None  # cumulative target to the end of the quarter; None without a profile
    actual: Decimal  # cumulative verified actual to the end of the quarter


def cumulative_by_quarter(
    targets: dict[date, Decimal], actuals: dict[date, Decimal]
) -> list[QuarterPoint]:
    """Cumulative target and actual at the end of each quarter that has either."""
    quarters = sorted(set(targets) | set(actuals))
    points, target_sum, actual_sum = [], Decimal(0), Decimal(0)
    for q in quarters:
        target_sum += targets.get(q, Decimal(0))
        actual_sum += actuals.get(q, Decimal(0))
        points.append(QuarterPoint(q, target_sum if targets else None, actual_sum))
    return points


def profile_difference(whole_life: Decimal | None, quarters: Iterable[Decimal]) -> Decimal | None:
    """How far a quarterly profile adds up from the whole-life target: positive over, negative
    short, zero when it matches; None when there is no whole-life target or no profile."""
    quarters = list(quarters)
    if whole_life is None or not quarters:
        return None
    return sum(quarters, Decimal(0)) - whole_life


def cost_per_output(spend: Decimal | None, quantity: Decimal | None) -> Decimal | None:
    """£ spent per unit delivered, to the penny; None when either is unknown or nothing delivered."""
    if spend is None or not quantity:
        return None
    return (spend / quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def percentage(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def unique_count(keys: Iterable[Hashable | None]) -> int:
    """How many distinct keys (None ignored): the same business in two programmes counts once."""
    return len({k for k in keys if k is not None})


def duplicates(items: Iterable[tuple[Hashable, int]]) -> dict[Hashable, list[int]]:
    """Keys claimed more than once, each with the ids claiming it: items are (key, id)."""
    seen: dict[Hashable, list[int]] = defaultdict(list)
    for key, ident in items:
        seen[key].append(ident)
    return {key: ids for key, ids in seen.items() if len(ids) > 1}


def count_bands(maximum: int, bands: int = 4) -> list[tuple[int, int]]:
    """Whole-number ranges of equal width covering 1..maximum, for shading counts on a map (zero
    is a band of its own, outside these): maximum 10 in 4 bands → (1, 3), (4, 6), (7, 9), (10, 10)."""
    if maximum <= 0:
        return []
    width = -(-maximum // bands)  # ceiling division
    ranges = []
    low = 1
    while low <= maximum:
        high = min(low + width - 1, maximum)
        ranges.append((low, high))
        low = high + 1
    return ranges


def band_of(count: int, ranges: list[tuple[int, int]]) -> int:
    """0 for zero, else the 1-based index of the range holding `count`."""
    for index, (low, high) in enumerate(ranges, start=1):
        if low <= count <= high:
            return index
    return 0
