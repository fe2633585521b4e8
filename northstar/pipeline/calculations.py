"""Pure calculations of the pipeline: leverage ratios and totals. No database access.

Leverage ratio: the secured funding a project has from anyone other than the Combined Authority,
per pound of secured CA funding: (secured non-CA funding) / (secured CA funding). Funding not yet
secured, and amounts not known, count in neither part. With no secured CA funding the ratio is
undefined (None), never 0 or infinity.

Overall leverage: the same ratio over the projects that have secured CA funding (projects the CA
does not fund do not inflate the CA's leverage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CA = "ca"
RATIO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Funding:
    kind: str  # FundingKind value: "ca", "public", "private", "other"
    amount: Decimal | None
    secured: bool


@dataclass(frozen=True)
class Leverage:
    ca: Decimal  # secured CA funding
    other: Decimal  # secured funding from everyone else
    ratio: Decimal | None  # other per £ of CA funding, 2 places; None without CA funding


def leverage(funding: Iterable[Funding]) -> Leverage:
    ca = Decimal(0)
    other = Decimal(0)
    for f in funding:
        if not f.secured or f.amount is None:
            continue
        if f.kind == CA:
            ca += f.amount
        else:
            other += f.amount
    return Leverage(ca=ca, other=other, ratio=ratio(other, ca))


def ratio(other: Decimal, ca: Decimal) -> Decimal | None:
    if ca <= 0:
        return None
    return (other / ca).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def overall_leverage(projects: Iterable[Iterable[Funding]]) -> Leverage:
    """Leverage over the projects with secured CA funding (see the module's docstring)."""
    ca = Decimal(0)
    other = Decimal(0)
    for funding in projects:
        one = leverage(funding)
        if one.ratio is None:
            continue
        ca += one.ca
        other += one.other
    return Leverage(ca=ca, other=other, ratio=ratio(other, ca))


@dataclass
class Total:
    """Projects in one group: how many, the sum of the values that are known, and how many
    projects have no known value (so a total is never mistaken for a complete one)."""

    key: str
    label: str
    count: int = 0
    known_value: Decimal = Decimal(0)
    unknown_count: int = 0

    @property
    def is_complete(self) -> bool:
        return self.unknown_count == 0


def totals(
    rows: Iterable[tuple[str, str, Decimal | None]], order: list[tuple[str, str]] | None = None
) -> list[Total]:
    """Group (key, label, value-or-None) rows; groups in `order` first (each shown even when
    empty), then the others in label order."""
    groups: dict[str, Total] = {}
    for key, label in order or []:
        groups[key] = Total(key=key, label=label)
    for key, label, value in rows:
        total = groups.setdefault(key, Total(key=key, label=label))
        total.count += 1
        if value is None:
            total.unknown_count += 1
        else:
            total.known_value += value
    ordered = list(groups.values())
    fixed = len(order or [])
    return ordered[:fixed] + sorted(ordered[fixed:], key=lambda t: t.label)


def grand_total(groups: Iterable[Total]) -> Total:
    result = Total(key="all", label="All projects")
    for g in groups:
        result.count += g.count
        result.known_value += g.known_value
        result.unknown_count += g.unknown_count
    return result
