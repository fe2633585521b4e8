"""The indicator operations: load the default indicators, derive observations from the ingested
statistics, record an observation (checked), and summarise an indicator for a place (its series,
required path, forecast and status). Pages, the API, the importer and the CLI all call these.

Derived indicators (DERIVATIONS) use one documented formula each:
    value = numerator ÷ denominator × factor
for every place and year where the ingested Statistic table has both (all-industry totals, not
suppressed, denominator > 0). A financial-year numerator is divided by the calendar-year
denominator of the year the financial year starts in (mid-year population).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max

from northstar.core.errors import UserInputError
from northstar.economy.measures import MEASURES, part_period
from northstar.economy.models import PeriodKind as StatisticPeriodKind
from northstar.economy.models import Statistic
from northstar.places.models import Place

from . import calculations as calc
from .models import (
    Baseline,
    Comparator,
    Frequency,
    Indicator,
    LogicModelElement,
    Observation,
    ObservationStatus,
    Origin,
    PeriodKind,
    Target,
    UnitKind,
    period_label,
)

DEFAULT_FILE = Path(__file__).parent / "default_data" / "indicators.json"
EARLIEST_YEAR = 1990
SIX_PLACES = Decimal("0.000001")
# A value given with its numerator and denominator must agree with them to this relative margin
# (published figures are rounded).
RATIO_TOLERANCE = Decimal("0.005")


# --- derivations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    key: str
    numerator: str  # a measure code (northstar/economy/measures.py)
    denominator: str
    factor: Decimal
    formula: str  # shown on the indicator's page
    note: str = ""

    @property
    def numerator_name(self) -> str:
        return MEASURES[self.numerator]["name"]

    @property
    def denominator_name(self) -> str:
        return MEASURES[self.denominator]["name"]

    def in_part(self, year: int) -> bool:
        """Whether either input's source covers the year only in part (economy.measures)."""
        return bool(part_period(self.numerator, year) or part_period(self.denominator, year))


DERIVATIONS: dict[str, Derivation] = {
    d.key: d
    for d in [
        Derivation(
            "berd_pct_gva",
            "berd_gbp_million",
            "gva_balanced_current_prices_gbp_million",
            Decimal(100),
            "BERD (£ million, berd_gbp_million) ÷ GVA(B) at current basic prices (£ million, "
            "gva_balanced_current_prices_gbp_million) × 100, same place and calendar year.",
            "BERD in £ million is published for the UK (2014 onwards) and for ITL1 regions (2022) "
            "only; ITL2 areas such as Merseyside have BERD per 100,000 residents for 2022–2024, "
            "and regional GVA in these files ends in 2021, so no ITL2 or ITL1 year overlaps. "
            "The North Star itself (total R&D, not only business R&D) is a separate indicator.",
        ),
        Derivation(
            "gva_per_head",
            "gva_balanced_current_prices_gbp_million",
            "total_resident_population",
            Decimal(1_000_000),
            "GVA(B) at current basic prices (£ million) × 1,000,000 ÷ mid-year resident "
            "population, same place and calendar year: £ per head.",
        ),
        Derivation(
            "iuk_funding_per_head",
            "innovate_uk_funding_gbp",
            "total_resident_population",
            Decimal(1),
            "Innovate UK funding awarded (£, financial year April–March) ÷ mid-year resident "
            "population of the calendar year the financial year starts in: £ per head.",
        ),
    ]
}


@dataclass
class DeriveResult:
    indicator: Indicator
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    places: int = 0
    years: tuple[int, int] | None = None

    def __str__(self) -> str:
        span = f" ({self.years[0]}–{self.years[1]})" if self.years else ""
        withdrawn = (
            f" {self.withdrawn} withdrawn (a period the source covers only in part)."
            if self.withdrawn
            else ""
        )
        return (
            f"{self.indicator.code}: {self.created} new, {self.revised} revised, "
            f"{self.unchanged} unchanged observations for {self.places} places{span}.{withdrawn}"
        )


def derivation_of(indicator: Indicator) -> Derivation | None:
    return DERIVATIONS.get(indicator.derivation) if indicator.derivation else None


def _statistic_values(measure: str) -> dict[tuple[int, int], tuple[Decimal, str, int]]:
    """(place id, year) → (value, period kind, import id) for a measure's all-industry totals."""
    rows = (
        Statistic.objects.of(measure)
        .totals()
        .filter(value__isnull=False)
        .values_list("place_id", "year", "value", "period_kind", "source_import_id")
    )
    return {(p, y): (v, k, i) for p, y, v, k, i in rows}


def derived_values(derivation: Derivation) -> list[dict]:
    """Every (place, year) the ingested statistics allow, with numerator, denominator and value.
    A year that either input's source covers only in part is left out (economy.measures)."""
    numerators = _statistic_values(derivation.numerator)
    denominators = _statistic_values(derivation.denominator)
    out = []
    for (place_id, year), (num, kind, import_id) in sorted(numerators.items()):
        if derivation.in_part(year):
            continue
        den = denominators.get((place_id, year))
        if den is None or den[0] <= 0:
            continue
        value = (num * derivation.factor / den[0]).quantize(SIX_PLACES)
        out.append(
            {
                "place_id": place_id,
                "year": year,
                "period_kind": PeriodKind.FINANCIAL_YEAR
                if kind == StatisticPeriodKind.FINANCIAL_YEAR
                else PeriodKind.CALENDAR_YEAR,
                "numerator": num,
                "denominator": den[0],
                "value": value,
                "source_import_id": import_id,
            }
        )
    return out


def coverage(derivation: Derivation, place: Place) -> dict:
    """The years each input has for a place (and its statistical area), to say plainly on the
    page when no year has both."""
    places = _places_of(place)

    def years(measure: str) -> list[int]:
        return sorted(
            set(
                Statistic.objects.of(measure)
                .totals()
                .filter(place__in=places, value__isnull=False)
                .values_list("year", flat=True)
            )
        )

    num, den = years(derivation.numerator), years(derivation.denominator)
    return {
        "numerator_years": _span(num),
        "denominator_years": _span(den),
        "overlap": _span(sorted(set(num) & set(den))),
        "has_overlap": bool(set(num) & set(den)),
    }


def _span(years: list[int]) -> str:
    if not years:
        return "none"
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


@transaction.atomic
def derive_observations(indicator: Indicator) -> DeriveResult:
    """Recompute a derived indicator's observations from the ingested statistics. A value that
    changed becomes a new revision (the old one is kept, no longer current); an unchanged one is
    left alone. Idempotent."""
    derivation = derivation_of(indicator)
    if derivation is None:
        raise UserInputError(f"{indicator.name} is not derived from statistics.")
    result = DeriveResult(indicator)
    values = derived_values(derivation)
    current = {
        (o.place_id, o.period_kind, o.year): o
        for o in indicator.observations.current().totals().filter(quarter=0)
    }
    to_create, to_retire = [], []
    # A derived figure of a period its source covers only in part stops being current (one
    # derived before that was known); the revision stays in the history.
    for o in current.values():
        if o.origin == Origin.DERIVED and derivation.in_part(o.year):
            to_retire.append(o.pk)
            result.withdrawn += 1
    for row in values:
        existing = current.get((row["place_id"], row["period_kind"], row["year"]))
        if existing is not None and existing.value == row["value"]:
            result.unchanged += 1
            continue
        revision = 1
        if existing is not None:
            to_retire.append(existing.pk)
            revision = existing.revision + 1
            result.revised += 1
        else:
            result.created += 1
        to_create.append(
            Observation(
                indicator=indicator,
                place_id=row["place_id"],
                period_kind=row["period_kind"],
                year=row["year"],
                value=row["value"],
                numerator=row["numerator"],
                denominator=row["denominator"],
                status=ObservationStatus.FINAL,
                origin=Origin.DERIVED,
                source=derivation.formula[:300],
                source_import_id=row["source_import_id"],
                revision=revision,
                supersedes_id=existing.pk if existing is not None else None,
            )
        )
    Observation.objects.filter(pk__in=to_retire).update(is_current=False)
    Observation.objects.bulk_create(to_create, batch_size=1000)
    result.places = len({r["place_id"] for r in values})
    if values:
        result.years = (min(r["year"] for r in values), max(r["year"] for r in values))
    return result


def derive_all() -> list[DeriveResult]:
    return [derive_observations(i) for i in Indicator.objects.exclude(derivation="")]


# --- default data ------------------------------------------------------------------------------


def _place(code: str) -> Place:
    from northstar.places.services import ensure_itl_place, ensure_uk

    if code == "UK":
        return ensure_uk()
    if code == "TLB":
        return ensure_itl_place("TLB", "England")
    place = Place.objects.filter(code=code).first()
    if place is None:
        raise UserInputError(f"The default indicators name an unknown place {code!r}.")
    return place


def load_default_indicators(path: Path = DEFAULT_FILE, place: Place | None = None) -> Iterator[str]:
    """Load the headline indicators with their published baselines, targets and comparators,
    and the logic model, for the default place; then derive what the ingested statistics allow.
    Idempotent: what exists (and any edits made since) is kept; only what is missing is added."""
    from northstar.places.services import default_place

    place = place or default_place()
    if place is None:
        yield "Indicators: no default place loaded, so none were added."
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    with transaction.atomic():
        for order, item in enumerate(data["indicators"]):
            _indicator, new = _load_indicator(item, data["source"], place, order)
            created += new
        _load_logic_model(data.get("logic_model", []), place)
    yield f"Indicators: {created} added, {len(data['indicators']) - created} already present."
    for result in derive_all():
        yield f"Derived {result}"


def _load_indicator(item: dict, source: str, place: Place, order: int) -> tuple[Indicator, bool]:
    fields = {
        k: item[k]
        for k in (
            "name",
            "definition",
            "unit",
            "unit_kind",
            "numerator_label",
            "denominator_label",
            "direction",
            "frequency",
            "period_kind",
            "path_kind",
            "forecast_model",
            "owner",
            "headline",
            "order",
        )
        if k in item
    }
    fields["factor"] = Decimal(item.get("factor", "1"))
    fields["derivation"] = item.get("derivation", "")
    fields["source"] = item.get("source", source)
    indicator, new = Indicator.objects.get_or_create(code=item["code"], defaults=fields)
    if baseline := item.get("baseline"):
        Baseline.objects.get_or_create(
            indicator=indicator,
            place=place,
            defaults={
                "value": Decimal(baseline["value"]),
                "year": baseline.get("year"),
                "period_label": baseline.get("period_label", ""),
                "source": baseline.get("source", source),
                "note": baseline.get("note", ""),
            },
        )
    if target := item.get("target"):
        Target.objects.get_or_create(
            indicator=indicator,
            place=place,
            year=target["year"],
            defaults={"value": Decimal(target["value"]), "basis": target["basis"]},
        )
    for obs in item.get("observations", []):
        exists = indicator.observations.filter(
            place=place, year=obs["year"], dimension="", category="", quarter=0
        ).exists()
        if not exists:
            Observation.objects.create(
                indicator=indicator,
                place=place,
                period_kind=indicator.period_kind,
                year=obs["year"],
                value=Decimal(obs["value"]),
                status=obs.get("status", ObservationStatus.FINAL),
                origin=Origin.PUBLISHED,
                source=obs.get("source", source),
                note=obs.get("note", ""),
            )
    for comp in item.get("comparators", []):
        Comparator.objects.get_or_create(
            indicator=indicator,
            label=comp["label"],
            defaults={
                "place": _place(comp["place"]) if comp.get("place") else None,
                "value": Decimal(comp["value"]),
                "year": comp.get("year"),
                "period_label": comp.get("period_label", ""),
                "source": comp.get("source", source),
                "note": comp.get("note", ""),
            },
        )
    return indicator, new


def _load_logic_model(items: list[dict], place: Place) -> None:
    """The partnership's chain, and any programme's (an item's "programme" names it by slug,
    name or short name; one not in the programmes list is kept as a text label). A chain that
    exists already is the officers' version and is kept."""
    chains: dict[str, list[tuple[int, dict]]] = {}
    for order, item in enumerate(items):
        chains.setdefault(" ".join(item.get("programme", "").split()), []).append((order, item))
    by_key: dict[str, LogicModelElement] = {}
    for text, chain in chains.items():
        programme, label = programme_for_logic_model(text)
        if chain_elements(place, programme, label).exists():
            continue
        for order, item in chain:
            element = LogicModelElement.objects.create(
                place=place,
                programme=programme,
                programme_label=label,
                stage=item["stage"],
                text=item["text"],
                order=order,
            )
            element.indicators.set(Indicator.objects.filter(code__in=item.get("indicators", [])))
            for key in item.get("after", []):
                if key in by_key:
                    by_key[key].leads_to.add(element)
            by_key[item["key"]] = element


# --- recording an observation ------------------------------------------------------------------


class ObservationRefused(UserInputError):
    """An observation that cannot be recorded; `errors` maps each field to its reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            "The observation was not recorded. Nothing was changed.",
            details=[f"{f}: {m}" if f != "__all__" else m for f, ms in errors.items() for m in ms],
        )


@dataclass
class ObservationIn:
    """An observation as a person or a file gives it: text, checked by check_observation."""

    indicator: Indicator
    place: Place | None
    period: str
    value: str | Decimal | None
    numerator: str | Decimal | None = None
    denominator: str | Decimal | None = None
    status: str = ObservationStatus.FINAL
    evidence_url: str = ""
    dimension: str = ""
    category: str = ""
    revision: bool = False
    note: str = ""


@dataclass
class CheckedObservation:
    indicator: Indicator
    place: Place
    period_kind: str
    year: int
    quarter: int
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    status: str
    evidence_url: str
    dimension: str
    category: str
    revision: bool
    note: str
    supersedes: Observation | None = None

    @property
    def key(self) -> tuple:
        return (
            self.indicator.pk,
            self.place.pk,
            self.period_kind,
            self.year,
            self.quarter,
            self.dimension,
            self.category,
        )


CURRENCY = re.compile(r"[£$€¥]")
FINANCIAL_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
QUARTER = re.compile(r"^(\d{4})\s*[- ]?\s*Q([1-4])$", re.IGNORECASE)
NUMBER = re.compile(r"^[+-]?(\d+(,\d{3})*|\d*)(\.\d+)?$")


def parse_period(text: str, indicator: Indicator) -> tuple[str, int, int]:
    """'2021', '2021-22' (financial year) or '2021 Q3', checked against the indicator's
    frequency and period kind: → (period kind, year, quarter). Raises ValueError with a reason."""
    text = (text or "").strip()
    this_year = date.today().year
    if not text:
        raise ValueError("Enter the period, e.g. 2021.")
    if m := QUARTER.match(text):
        kind, year, quarter = PeriodKind.QUARTER, int(m.group(1)), int(m.group(2))
    elif m := FINANCIAL_YEAR.match(text):
        year, end = int(m.group(1)), int(m.group(2))
        if end % 100 != (year + 1) % 100:
            raise ValueError(
                f"{text!r} is not a financial year: write it as {year}-{(year + 1) % 100:02d}."
            )
        kind, quarter = PeriodKind.FINANCIAL_YEAR, 0
    elif text.isascii() and text.isdigit() and len(text) == 4:
        kind, year, quarter = PeriodKind.CALENDAR_YEAR, int(text), 0
    else:
        raise ValueError(
            f"{text!r} is not a period: write a year (2021), a financial year (2021-22) or a quarter (2021 Q3)."
        )
    if not EARLIEST_YEAR <= year <= this_year:
        raise ValueError(
            f"{year} is outside the years an observation can describe ({EARLIEST_YEAR}–{this_year})."
        )
    expected = indicator.period_kind
    if indicator.frequency == Frequency.QUARTERLY:
        expected = PeriodKind.QUARTER
    if kind != expected:
        example = {
            PeriodKind.CALENDAR_YEAR: "a calendar year such as 2021",
            PeriodKind.FINANCIAL_YEAR: "a financial year such as 2021-22",
            PeriodKind.QUARTER: "a quarter such as 2021 Q3",
        }[expected]
        raise ValueError(
            f"{text!r} is a {PeriodKind(kind).label.lower()}, but {indicator.name} is "
            f"{Frequency(indicator.frequency).label.lower()} by {PeriodKind(expected).label.lower()}: give {example}."
        )
    return kind, year, quarter


def parse_value(text, indicator: Indicator, what: str = "value") -> Decimal:
    """A number in the indicator's unit; raises ValueError with a reason."""
    if isinstance(text, Decimal | int | float) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        cleaned = str(text or "").strip()
        if not cleaned:
            raise ValueError(f"Enter the {what}.")
        if CURRENCY.search(cleaned) and not (
            indicator.unit_kind == UnitKind.MONEY and what == "value"
        ):
            raise ValueError(
                f"{cleaned!r} is money, but {indicator.name} is measured in {indicator.unit}: "
                "give the number only, in that unit."
            )
        cleaned = CURRENCY.sub("", cleaned).strip()
        if cleaned.endswith("%"):
            if indicator.unit_kind != UnitKind.PERCENT or what != "value":
                raise ValueError(
                    f"{cleaned!r} is a percentage, but the {what} is in {indicator.unit if what == 'value' else 'its own unit'}."
                )
            cleaned = cleaned[:-1].strip()
        if not NUMBER.match(cleaned) or cleaned in {"", "+", "-", "."}:
            raise ValueError(f"{text!r} is not a number.")
        value = Decimal(cleaned.replace(",", ""))
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number.")
    if value < 0:
        raise ValueError(f"The {what} cannot be negative ({value}).")
    if what == "value" and indicator.unit_kind == UnitKind.PERCENT and value > 100:
        raise ValueError(
            f"{value} is not a percentage: {indicator.name} is in {indicator.unit}, between 0 and 100."
        )
    if abs(value) >= Decimal(10) ** 14:
        raise ValueError(f"{value} is too large.")
    return value


def check_observation(data: ObservationIn, *, need_evidence: bool = True) -> CheckedObservation:
    """Check an observation without writing anything: raises ObservationRefused listing every
    problem (unit, period, duplicate, non-numeric, evidence)."""
    errors: dict[str, list[str]] = {}
    indicator = data.indicator

    def refuse(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    if data.place is None:
        refuse("place", "Choose the place the value describes.")
    kind = year = quarter = None
    try:
        kind, year, quarter = parse_period(data.period, indicator)
    except ValueError as exc:
        refuse("period", str(exc))
    numerator = denominator = value = None
    for name in ("numerator", "denominator"):
        raw = getattr(data, name)
        if raw not in (None, ""):
            try:
                parsed = parse_value(raw, indicator, name)
            except ValueError as exc:
                refuse(name, str(exc))
                continue
            if name == "numerator":
                numerator = parsed
            else:
                denominator = parsed
    if (data.numerator not in (None, "")) != (data.denominator not in (None, "")):
        refuse(
            "denominator" if data.denominator in (None, "") else "numerator",
            "Give both the numerator and the denominator, or neither.",
        )
    if denominator is not None and denominator == 0:
        refuse("denominator", "The denominator cannot be zero.")
    if data.value in (None, "") and numerator is not None and denominator:
        value = (numerator * indicator.factor / denominator).quantize(SIX_PLACES)
    else:
        try:
            value = parse_value(data.value, indicator)
        except ValueError as exc:
            refuse("value", str(exc))
    if value is not None and numerator is not None and denominator:
        expected = numerator * indicator.factor / denominator
        if abs(value - expected) > max(abs(expected) * RATIO_TOLERANCE, Decimal("0.000001")):
            refuse(
                "value",
                f"{value} does not match numerator ÷ denominator × {indicator.factor.normalize():f} "
                f"= {expected.quantize(Decimal('0.0001'))}.",
            )
    if data.status not in ObservationStatus.values:
        refuse("status", f"{data.status!r} is not a status: use provisional or final.")
    url = (data.evidence_url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            refuse("evidence_url", f"{url!r} is not a web address (http:// or https://).")
    elif need_evidence:
        refuse(
            "evidence_url", "Give a link to the evidence (the publication the value comes from)."
        )
    dimension, category = (data.dimension or "").strip(), (data.category or "").strip()
    if bool(dimension) != bool(category):
        refuse(
            "category" if dimension else "dimension",
            "Give both the breakdown and its category (e.g. borough and Halton), or neither.",
        )
    supersedes = None
    if not errors:
        supersedes = (
            Observation.objects.current()
            .filter(
                indicator=indicator,
                place=data.place,
                period_kind=kind,
                year=year,
                quarter=quarter,
                dimension=dimension,
                category=category,
            )
            .first()
        )
        if supersedes is not None and not data.revision:
            where = f" ({dimension} = {category})" if dimension else ""
            refuse(
                "__all__",
                f"{indicator.name} already has a value for {data.place.name}{where} in "
                f"{period_label(kind, year, quarter)}: {supersedes.value.normalize():f} "
                f"(revision {supersedes.revision}). To correct it, record a revision.",
            )
    if errors:
        raise ObservationRefused(errors)
    return CheckedObservation(
        indicator,
        data.place,
        kind,
        year,
        quarter,
        value,
        numerator,
        denominator,
        data.status,
        url,
        dimension,
        category,
        data.revision,
        data.note or "",
        supersedes,
    )


def save_observation(
    checked: CheckedObservation, *, user=None, origin: str = Origin.MANUAL, source_import=None
) -> Observation:
    """Write a checked observation; a revision supersedes the current one (kept, not current)."""
    with transaction.atomic():
        previous = None
        if checked.supersedes is not None:
            previous = Observation.objects.select_for_update().get(pk=checked.supersedes.pk)
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        last = (
            Observation.objects.filter(
                indicator=checked.indicator,
                place=checked.place,
                period_kind=checked.period_kind,
                year=checked.year,
                quarter=checked.quarter,
                dimension=checked.dimension,
                category=checked.category,
            ).aggregate(n=Max("revision"))["n"]
            or 0
        )
        return Observation.objects.create(
            indicator=checked.indicator,
            place=checked.place,
            period_kind=checked.period_kind,
            year=checked.year,
            quarter=checked.quarter,
            value=checked.value,
            numerator=checked.numerator,
            denominator=checked.denominator,
            dimension=checked.dimension,
            category=checked.category,
            status=checked.status,
            origin=origin,
            source_import=source_import,
            evidence_url=checked.evidence_url,
            entered_by=user if getattr(user, "is_authenticated", False) else None,
            note=checked.note,
            revision=last + 1,
            supersedes=previous,
        )


def record_observation(data: ObservationIn, *, user=None) -> Observation:
    """Check and record one observation entered by an officer (form or API)."""
    return save_observation(check_observation(data), user=user, origin=Origin.MANUAL)


# --- summaries ---------------------------------------------------------------------------------


def _places_of(place: Place) -> list[Place]:
    """The place, and the statistical area whose published figures describe it (LCR → TLD7)."""
    area = place.statistical_area
    return [place] if area.pk == place.pk else [place, area]


def series(
    indicator: Indicator, place: Place, *, dimension: str = "", category: str = ""
) -> list[Observation]:
    """The current observations of a place in time order; where the place itself has none for a
    period, its statistical area's (derived) value stands in."""
    places = _places_of(place)
    by_period: dict[tuple, Observation] = {}
    rows = (
        indicator.observations.current()
        .filter(place__in=places, dimension=dimension, category=category)
        .select_related("place")
        .order_by("year", "quarter")
    )
    for obs in rows:
        key = (obs.period_kind, obs.year, obs.quarter)
        if key not in by_period or obs.place_id == place.pk:
            by_period[key] = obs
    return sorted(by_period.values(), key=lambda o: o.time)


@dataclass
class Summary:
    indicator: Indicator
    place: Place
    observations: list[Observation]
    baseline: Baseline | None
    target: Target | None
    assessment: calc.Assessment
    path: list[calc.PathPoint] = field(default_factory=list)
    forecast: calc.Forecast | None = None
    comparators: list[Comparator] = field(default_factory=list)
    error: str = ""

    @property
    def latest(self) -> Observation | None:
        return self.observations[-1] if self.observations else None

    @property
    def status(self) -> str:
        return str(self.assessment.status)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.assessment.status][0]

    @property
    def status_colour(self) -> str:
        return STATUS_LABELS[self.assessment.status][1]


STATUS_LABELS = {
    calc.Status.ON_TRACK: ("On track", "green"),
    calc.Status.AT_RISK: ("At risk", "yellow"),
    calc.Status.OFF_TRACK: ("Off track", "red"),
    calc.Status.MET: ("Met", "blue"),
    calc.Status.NO_DATA: ("No data", "grey"),
    calc.Status.NO_TARGET: ("No target", "grey"),
    calc.Status.BASELINE_ONLY: ("Baseline only", "grey"),
}


def _point(year, value) -> calc.Point:
    return calc.Point(float(year), float(value))


def summarise(indicator: Indicator, place: Place, *, with_forecast: bool = True) -> Summary:
    """Everything the pages and the API show about an indicator for a place."""
    observations = series(indicator, place)
    baseline = indicator.baselines.filter(place=place).first()
    target = indicator.targets.filter(place=place).order_by("-year").first()
    points = [_point(o.time, o.value) for o in observations]
    base_point = _point(baseline.year, baseline.value) if baseline and baseline.year else None
    target_point = _point(target.year, target.value) if target else None
    kind = calc.PathKind(indicator.path_kind)
    error = ""
    try:
        assessment = calc.assess(
            points,
            base_point,
            target_point,
            kind,
            calc.Direction(indicator.direction),
            calc.StatusRule(at_risk_tolerance=float(indicator.at_risk_tolerance)),
            forecast_model=indicator.forecast_model,
            latest_label=observations[-1].period_label if observations else "",
        )
    except calc.CalculationError as exc:
        error = str(exc)
        assessment = calc.Assessment(
            calc.Status.NO_DATA, f"Cannot be assessed: {exc}", None, None, None, None
        )
    path = []
    if target_point is not None and (base_point or points):
        start = base_point or points[0]
        try:
            path = calc.required_path(start, target_point, kind)
        except calc.CalculationError as exc:
            error = error or str(exc)
    fc = None
    if with_forecast and len(points) >= 2:
        until = target.year if target else int(points[-1].year) + 5
        try:
            fc = calc.forecast(points, until, model=indicator.forecast_model)
        except calc.CalculationError as exc:
            error = error or str(exc)
    return Summary(
        indicator,
        place,
        observations,
        baseline,
        target,
        assessment,
        path,
        fc,
        list(indicator.comparators.select_related("place")),
        error,
    )


def dashboard(place: Place) -> list[Summary]:
    return [summarise(i, place, with_forecast=False) for i in Indicator.objects.all()]


def comparison(indicator: Indicator, place: Place) -> list[dict]:
    """The latest current total of every place with observations of the indicator, highest
    first (lowest first when lower is better); the place and its statistical area marked."""
    own = {p.pk for p in _places_of(place)}
    latest: dict[int, Observation] = {}
    for obs in (
        indicator.observations.current()
        .totals()
        .select_related("place")
        .order_by("year", "quarter")
    ):
        latest[obs.place_id] = obs
    rows = [
        {"place": o.place, "observation": o, "highlighted": o.place_id in own}
        for o in latest.values()
    ]
    reverse = indicator.direction == "higher"
    rows.sort(key=lambda r: (r["observation"].year, r["observation"].value), reverse=reverse)
    # Most recent year first, then by value within it.
    rows.sort(key=lambda r: r["observation"].year, reverse=True)
    return rows


def history(indicator: Indicator, place: Place) -> list[Observation]:
    """Every revision of the place's observations, newest period first."""
    return list(
        indicator.observations.filter(place__in=_places_of(place))
        .select_related("place", "entered_by", "source_import")
        .order_by("-year", "-quarter", "dimension", "category", "-revision")
    )


def disaggregations(indicator: Indicator, place: Place) -> list[Observation]:
    return list(
        indicator.observations.current()
        .filter(place__in=_places_of(place))
        .exclude(dimension="")
        .order_by("dimension", "category", "year", "quarter")
    )


# --- aggregating a ratio indicator across places and periods ------------------------------------


@dataclass
class AggregateResult:
    """A ratio indicator over several places and years: Σ numerators ÷ Σ denominators × factor."""

    indicator: Indicator
    places: list[Place]
    years: list[int]
    numerator: Decimal
    denominator: Decimal
    value: Decimal
    observations: list[Observation]
    mean_of_ratios: Decimal  # shown only to contrast with the correct value

    @property
    def factor(self) -> Decimal:
        return self.indicator.factor

    @property
    def period(self) -> str:
        labels = sorted({o.period_label for o in self.observations})
        return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"

    @property
    def formula(self) -> str:
        i = self.indicator
        places = f"{len(self.places)} place{'s' if len(self.places) != 1 else ''}"
        return (
            f"({i.numerator_label}: {_plain(self.numerator)}) ÷ ({i.denominator_label}: "
            f"{_plain(self.denominator)}) × {_plain(i.factor)} = "
            f"{_plain(self.value.quantize(Decimal('0.01')))} {i.unit}, each summed over "
            f"{places}, {self.period}"
        )


def _plain(number: Decimal) -> str:
    return f"{number.normalize():,f}"


def aggregate(
    indicator: Indicator,
    places,
    years,
    *,
    dimension: str = "",
    category: str = "",
) -> AggregateResult:
    """A ratio indicator for several places and years together: the current whole-year
    observations' numerators summed, divided by their denominators summed, times the factor;
    never the mean of the ratios. Refused (UserInputError) for an indicator that is not a ratio,
    and when any place and year needed has no observation or one without its numerator and
    denominator (each named)."""
    places = list(dict.fromkeys(places))
    years = sorted(set(int(y) for y in years))
    if not indicator.is_ratio:
        raise UserInputError(
            f"{indicator.name} is not a ratio indicator (it has no numerator and denominator), "
            "so it cannot be aggregated across places or periods."
        )
    if not places:
        raise UserInputError("Choose at least one place to aggregate.")
    if not years:
        raise UserInputError("Choose at least one year to aggregate.")
    found: dict[tuple[int, int], Observation] = {}
    for obs in (
        indicator.observations.current()
        .filter(place__in=places, year__in=years, quarter=0, dimension=dimension, category=category)
        .select_related("place")
    ):
        key = (obs.place_id, obs.year)
        # Should a year hold two kinds of period, the indicator's own kind wins.
        if key not in found or obs.period_kind == indicator.period_kind:
            found[key] = obs
    problems = []
    chosen = []
    for place in places:
        for year in years:
            obs = found.get((place.pk, year))
            if obs is None:
                problems.append(f"{place.name} ({place.code}), {year}: no observation.")
            elif obs.numerator is None or obs.denominator is None:
                problems.append(
                    f"{place.name} ({place.code}), {obs.period_label}: the value "
                    f"{obs.value.normalize():f} was recorded without its numerator "
                    f"({indicator.numerator_label}) and denominator ({indicator.denominator_label})."
                )
            else:
                chosen.append(obs)
    if problems:
        raise UserInputError(
            f"{indicator.name} cannot be aggregated: every place and year needs its numerator "
            "and denominator.",
            details=problems,
        )
    pairs = [(o.numerator, o.denominator) for o in chosen]
    try:
        value = calc.ratio_of_sums(pairs, indicator.factor).quantize(SIX_PLACES)
        mean = calc.mean_of_ratios(pairs, indicator.factor).quantize(SIX_PLACES)
    except calc.CalculationError as exc:
        raise UserInputError(f"{indicator.name} cannot be aggregated: {exc}") from None
    return AggregateResult(
        indicator,
        places,
        years,
        sum((n for n, _ in pairs), Decimal(0)),
        sum((d for _, d in pairs), Decimal(0)),
        value,
        chosen,
        mean,
    )


def parts_of(place: Place) -> list[Place]:
    """The places that make up a place: a city region's boroughs, the UK's ITL1 regions…"""
    return list(Place.objects.filter(parent=place).order_by("name"))


def parts_together(indicator: Indicator, place: Place) -> AggregateResult | None:
    """The place's parts (e.g. its boroughs) aggregated for the latest year in which every part
    has a numerator and denominator; None when there is no such year (or not a ratio)."""
    if not indicator.is_ratio:
        return None
    parts = parts_of(place)
    if not parts:
        return None
    years: dict[int, set[int]] = {}
    for place_id, year in (
        indicator.observations.current()
        .totals()
        .filter(place__in=parts, quarter=0, numerator__isnull=False, denominator__isnull=False)
        .values_list("place_id", "year")
    ):
        years.setdefault(year, set()).add(place_id)
    complete = [y for y, ids in years.items() if len(ids) == len(parts)]
    if not complete:
        return None
    try:
        return aggregate(indicator, parts, [max(complete)])
    except UserInputError:
        return None


def programme_for_logic_model(text: str, programmes=None):
    """(programme, label) for a programme named in text: the programme with that slug, name or
    short name (ignoring case), else no programme and the text as the label. Empty = the
    partnership. `programmes` limits the search (e.g. to those a user may see)."""
    from django.db.models import Q

    from northstar.programmes.models import Programme

    text = " ".join((text or "").split())
    if not text:
        return None, ""
    qs = programmes if programmes is not None else Programme.objects.all()
    for match in (Q(slug=text), Q(name__iexact=text), Q(short_name__iexact=text)):
        found = list(qs.filter(match)[:2])
        if len(found) == 1:
            return found[0], ""
    return None, text[:200]


def chain_elements(place: Place, programme=None, label: str = ""):
    elements = LogicModelElement.objects.filter(place=place)
    if programme is not None:
        return elements.filter(programme=programme)
    return elements.filter(programme__isnull=True, programme_label__iexact=label)


def logic_model(
    place: Place, programme=None, label: str = ""
) -> list[tuple[str, str, list[LogicModelElement]]]:
    """The chain for a place: the partnership's (no programme, no label), a programme's, or a
    programme's named only in text (label): [(stage, stage label, elements)]."""
    from .models import Stage

    elements = (
        chain_elements(place, programme, label)
        .select_related("programme")
        .prefetch_related("indicators", "leads_to")
        .order_by("order", "id")
    )
    return [(s.value, s.label, [e for e in elements if e.stage == s.value]) for s in Stage]


@dataclass(frozen=True)
class LogicModelChains:
    """The chains a place has besides the partnership's: linked programmes, and text labels."""

    programmes: list
    labels: list[str]


def logic_model_chains(place: Place, programmes) -> LogicModelChains:
    """Whose logic models the place has, among `programmes` (those the user may see)."""
    elements = LogicModelElement.objects.filter(place=place)
    linked = programmes.filter(
        pk__in=elements.filter(programme__isnull=False).values("programme")
    ).order_by("name")
    labels: dict[str, str] = {}
    for label in (
        elements.filter(programme__isnull=True)
        .exclude(programme_label="")
        .values_list("programme_label", flat=True)
    ):
        labels.setdefault(label.casefold(), label)
    return LogicModelChains(
        programmes=list(linked), labels=sorted(labels.values(), key=str.casefold)
    )


def get_indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise UserInputError(f"There is no indicator {code!r}.")
    return indicator


def place_by_code(code: str | None) -> Place | None:
    from northstar.places.services import default_place

    if code:
        return Place.objects.filter(code=code).first()
    return default_place()


def parse_decimal_or_none(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, TypeError):
        return None
