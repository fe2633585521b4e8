"""Pure calculations of the board report: financial-year quarters, figures as text, the
snapshot's canonical form and hash, and what changed between two snapshots. No database here.

Quarters are quarters of the financial year (April to March), stored as their first day, as the
programmes app stores them (northstar/programmes/calculations.py): 2026-10-01 is Q3 2026-27,
"Q3 2026-27 (October to December 2026)", code "2026-27-Q3" (in URLs and on the command line).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from northstar.programmes import calculations as programme_calc

QUARTER_CODE = re.compile(
    r"^\s*([0-9]{4})\s*[-/]\s*([0-9]{2})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE | re.ASCII
)
MONTH_NAMES = list(calendar.month_name)  # "", "January", …


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of the financial year, by its first day."""

    start: date

    def __post_init__(self):
        if self.start != programme_calc.quarter_start(self.start) or self.start.day != 1:
            raise ValueError(f"{self.start} is not the first day of a quarter")

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(programme_calc.quarter_start(day))

    @property
    def end(self) -> date:
        return self.following.start - timedelta(days=1)

    @property
    def following(self) -> Quarter:
        month = self.start.month + 3
        return Quarter(date(self.start.year + (month > 12), (month - 1) % 12 + 1, 1))

    @property
    def preceding(self) -> Quarter:
        month = self.start.month - 3
        return Quarter(date(self.start.year - (month < 1), (month - 1) % 12 + 1, 1))

    @property
    def financial_year(self) -> int:
        return programme_calc.financial_year_of(self.start)

    @property
    def number(self) -> int:
        return programme_calc.quarter_number(self.start)

    @property
    def financial_year_label(self) -> str:
        fy = self.financial_year
        return f"{fy}-{(fy + 1) % 100:02d}"

    @property
    def code(self) -> str:
        """'2026-27-Q3': in URLs and on the command line."""
        return f"{self.financial_year_label}-Q{self.number}"

    @property
    def short_label(self) -> str:
        """'Q3 2026-27'."""
        return f"Q{self.number} {self.financial_year_label}"

    @property
    def months(self) -> str:
        """'October to December 2026'; 'January to March 2027'."""
        last = self.end
        return f"{MONTH_NAMES[self.start.month]} to {MONTH_NAMES[last.month]} {last.year}"

    @property
    def label(self) -> str:
        """'Q3 2026-27 (October to December 2026)'."""
        return f"{self.short_label} ({self.months})"

    def __str__(self) -> str:
        return self.label


def parse_quarter(text: str) -> Quarter:
    """'2026-27-Q3', '2026-27 Q3' or '2026/27 q3' → Q3 2026-27. ValueError with a reason."""
    match = QUARTER_CODE.match(text or "")
    if not match:
        raise ValueError(
            f"{text!r} is not a quarter: write the financial year and the quarter, e.g. 2026-27-Q3 "
            "(Q1 is April to June)."
        )
    first, second, number = int(match[1]), int(match[2]), int(match[3])
    if (first + 1) % 100 != second:
        raise ValueError(
            f"{text!r}: {first}-{second:02d} is not a financial year "
            f"(the year after {first} is {first + 1}, so {first}-{(first + 1) % 100:02d})."
        )
    month = 4 + (number - 1) * 3
    return Quarter(date(first + (month > 12), (month - 1) % 12 + 1, 1))


def recent_quarters(today: date, count: int = 8) -> list[Quarter]:
    """The quarter holding `today` and the `count` − 1 before it, newest first."""
    out = [Quarter.of(today)]
    while len(out) < count:
        out.append(out[-1].preceding)
    return out


# --- programme delivery to the end of a quarter ------------------------------------------------


@dataclass(frozen=True)
class ToDate:
    target: Decimal | None  # cumulative profiled target to the end of the quarter
    actual: Decimal  # cumulative verified actual (of quarterly claims) to the end of the quarter
    in_quarter: Decimal  # verified in the quarter itself


def to_end_of(points: list[programme_calc.QuarterPoint], quarter: date) -> ToDate:
    """From a programme output's cumulative series (one point per quarter with a target or an
    actual): where it stood at the end of `quarter`, and what was verified in the quarter."""
    before = [p for p in points if p.quarter <= quarter]
    earlier = [p for p in points if p.quarter < quarter]
    actual = before[-1].actual if before else Decimal(0)
    previous = earlier[-1].actual if earlier else Decimal(0)
    target = before[-1].target if before else None
    return ToDate(target=target, actual=actual, in_quarter=actual - previous)


# --- figures as text ---------------------------------------------------------------------------


def plain(value: Decimal | float | int | None) -> str | None:
    """A number as a string that keeps its exact value (Decimals in the snapshot are strings)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def number(value: Decimal | float | int | None, places: int = 0, missing: str = "—") -> str:
    """12345.678 → '12,346' (places 0); '12,345.68' (places 2)."""
    if value is None:
        return missing
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


def significant(value: Decimal | float | None, missing: str = "—") -> str:
    """A figure as a reader wants it: no trailing zeros, at most 2 decimal places below 100,
    whole numbers from 100 (1.1, 22,778, 0.35)."""
    if value is None:
        return missing
    v = Decimal(str(value))
    places = 0 if abs(v) >= 100 else 2
    text = number(v, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Decimal | float | int | None, missing: str = "—") -> str:
    """£ amounts for a board paper: £2.0bn, £273.7m, £4,240,000 → £4.2m, £95,000."""
    if value is None:
        return missing
    v = Decimal(str(value))
    sign = "-" if v < 0 else ""
    v = abs(v)
    if v >= 1_000_000_000:
        return f"{sign}£{number(v / 1_000_000_000, 1)}bn"
    if v >= 1_000_000:
        return f"{sign}£{number(v / 1_000_000, 1)}m"
    return f"{sign}£{number(v, 0)}"


def percent(value: Decimal | float | None, places: int = 0, missing: str = "—") -> str:
    return missing if value is None else f"{number(value, places)}%"


def long_date(day: date | None) -> str:
    """2026-11-22 → '22 November 2026'."""
    return f"{day.day} {MONTH_NAMES[day.month]} {day.year}" if day else "—"


# --- the snapshot's canonical form -------------------------------------------------------------


def canonical_json(snapshot: dict[str, Any]) -> bytes:
    """The one byte form of a snapshot: keys sorted, no spaces, UTF-8. Raises TypeError for a
    value that is not plain JSON (a Decimal, a date, a model), so nothing unplain is stored."""
    return json.dumps(
        snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


NOT_CONTENT = ("generated_at", "generated_on", "status", "issue")


def content_hash(snapshot: dict[str, Any]) -> str:
    """The hash of what a snapshot says, leaving out when it was made and how it was issued:
    two drafts built from the same data have the same content hash."""
    content = {k: v for k, v in snapshot.items() if k not in NOT_CONTENT}
    return sha256_hex(canonical_json(content))


# --- what changed between two snapshots --------------------------------------------------------


def _key_figures(snapshot: dict) -> dict[str, dict]:
    out = {}
    for section in snapshot.get("sections", []):
        for figure in section.get("key_figures", []):
            out[figure["key"]] = {**figure, "section": section["title"]}
    return out


def diff_snapshots(previous: dict, current: dict) -> dict[str, list[dict]]:
    """What changed from an issued report's snapshot to a newer one: key figures changed, added
    or gone; indicators whose status changed; actions whose RAG rating changed; exceptions
    (red or overdue actions) that are new, and those no longer exceptions."""
    before, after = _key_figures(previous), _key_figures(current)
    figures = []
    for key, figure in after.items():
        old = before.get(key)
        if old is None:
            figures.append(
                {
                    "section": figure["section"],
                    "label": figure["label"],
                    "before": None,
                    "after": figure["value"],
                }
            )
        elif old["value"] != figure["value"]:
            figures.append(
                {
                    "section": figure["section"],
                    "label": figure["label"],
                    "before": old["value"],
                    "after": figure["value"],
                }
            )
    for key, figure in before.items():
        if key not in after:
            figures.append(
                {
                    "section": figure["section"],
                    "label": figure["label"],
                    "before": figure["value"],
                    "after": None,
                }
            )

    def section(snapshot: dict, key: str) -> dict:
        return next((s for s in snapshot.get("sections", []) if s["key"] == key), {})

    old_status = {i["code"]: i for i in section(previous, "indicators").get("statuses", [])}
    statuses = [
        {
            "indicator": i["name"],
            "before": old_status[i["code"]]["status_label"],
            "after": i["status_label"],
        }
        for i in section(current, "indicators").get("statuses", [])
        if i["code"] in old_status and old_status[i["code"]]["status"] != i["status"]
    ]
    old_rag = {a["id"]: a for a in section(previous, "actions").get("ratings", [])}
    rag = [
        {"action": a["title"], "before": old_rag[a["id"]]["rag_label"], "after": a["rag_label"]}
        for a in section(current, "actions").get("ratings", [])
        if a["id"] in old_rag and old_rag[a["id"]]["rag"] != a["rag"]
    ]
    old_exceptions = {e["id"]: e for e in section(previous, "actions").get("exceptions", [])}
    new_exceptions = section(current, "actions").get("exceptions", [])
    current_ids = {e["id"] for e in new_exceptions}
    return {
        "figures": figures,
        "statuses": statuses,
        "rag": rag,
        "new_exceptions": [
            {"action": e["title"], "why": e["why"]}
            for e in new_exceptions
            if e["id"] not in old_exceptions
        ],
        "resolved_exceptions": [
            {"action": e["title"], "why": e["why"]}
            for i, e in old_exceptions.items()
            if i not in current_ids
        ],
    }


def has_changes(changes: dict[str, list]) -> bool:
    return any(
        changes.get(k)
        for k in ("figures", "statuses", "rag", "new_exceptions", "resolved_exceptions")
    )
