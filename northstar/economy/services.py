"""Economy and funding analysis: the one set of queries that pages, the API and the CLI call.

Everything is worked out from the Statistic table (what the importers loaded) with the pure
functions of `calculations`, and comes back as typed results that carry their own provenance:
the sources (each measure's publisher, and the file name, SHA-256 and date of the Import its
figures came from) and the filters (place, level, years, denominators) that reproduce it.

A place's figures are those of its statistical area (`Place.statistical_area`): the Liverpool
City Region's are those of ITL2 TLD7 Merseyside, which is exactly its six boroughs.

Periods: ONS figures are calendar years; Innovate UK funding is by financial year (April–March,
stored under the year it starts). A financial year's figure is divided by the population of
mid-year (30 June) of the year it starts, which falls inside it, and by the GVA of that calendar
year; the filters of every such figure say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import models

from northstar.core.errors import UserInputError
from northstar.ingest.models import Import
from northstar.places.models import Place, PlaceLevel
from northstar.places.services import default_place, resolve_place

from . import calculations as calc
from .measures import MEASURES, part_period, whole_years
from .models import Measure, PeriodKind, Statistic

# --- The measure codes this analysis reads (see measures.py) -----------------------------------

GVA = "gva_balanced_current_prices_gbp_million"
GDP = "gdp_current_market_prices_gbp_million"
POPULATION = "total_resident_population"
BRES_DIVISION = "bres_employment"
BRES_SECTION = "bres_employment_by_section"
BERD = "berd_gbp_million"
BERD_PER_100K = "berd_per_100k_population_gbp_million"
BERD_EUR = "berd_eur"
IUK = "innovate_uk_funding_gbp"
UKRI = "ukri_funding_gbp"
# Nesta's "total_ukri_funding" is a mean per project, not a total: its importer stores it under
# this code (proposed for measures.py). A mean is shown as published, never per head.
UKRI_MEAN = "ukri_mean_project_funding_gbp"
EXTRA_MEASURES = {
    UKRI_MEAN: {
        "name": "UKRI funding per project (mean), by lead organisation's area",
        "unit": "£ per project",
        "source": "UKRI Gateway to Research, aggregated by Nesta (nestauk/beis-indicators)",
        "description": "The mean amount per funded project led from the area: not a total.",
    }
}
INDUSTRY_MEASURES = {BRES_DIVISION, BRES_SECTION, "gva_by_industry_current_prices_gbp_million"}

ITL_LEVELS = (PlaceLevel.ITL1, PlaceLevel.ITL2, PlaceLevel.ITL3)
UK_CODE = "UK"

# Which import loads each measure: (dataset, its file under NORTHSTAR_DATA_DIR).
IMPORT_COMMANDS: dict[str, list[tuple[str, str]]] = {
    GVA: [("ons-gva-itl", "ons_gva/itl_gva_gdp_population_long.csv")],
    GDP: [("ons-gva-itl", "ons_gva/itl_gva_gdp_population_long.csv")],
    POPULATION: [("ons-gva-itl", "ons_gva/itl_gva_gdp_population_long.csv")],
    "gva_by_industry_current_prices_gbp_million": [
        ("ons-gva-industry-itl2", "ons_gva/itl2_gva_by_industry_current_prices.csv.gz")
    ],
    BRES_DIVISION: [
        ("ons-bres-itl2-division", "ons_bres/itl2_bres_employment_2digit_sic_2015_2021.csv.gz")
    ],
    BRES_SECTION: [("ons-bres-itl2-section", "ons_bres/itl2_bres_jobs_sic_sections.csv")],
    BERD: [("ons-berd-dr52", "ons_berd/dr52_business_rd_full_dataset_son26.csv")],
    BERD_PER_100K: [("ons-berd-dr52", "ons_berd/dr52_business_rd_full_dataset_son26.csv")],
    BERD_EUR: [("nesta-eurostat-berd-nuts2", "nesta_beis_indicators/eurostat_berd_data.nuts2.csv")],
    IUK: [
        (
            "nesta-innovate-uk-funding-nuts2",
            "nesta_beis_indicators/gbp_innovate_uk_funding.nuts2.csv",
        ),
        (
            "nesta-innovate-uk-funding-nuts3",
            "nesta_beis_indicators/gbp_innovate_uk_funding.nuts3.csv",
        ),
    ],
    UKRI_MEAN: [("nesta-ukri-funding-nuts2", "nesta_beis_indicators/total_ukri_funding.nuts2.csv")],
    UKRI: [],  # no importer of a UKRI total yet (Gateway to Research project exports)
}

# Said beneath every figure of the measure.
MEASURE_NOTES = {
    IUK: "Innovate UK financial years (April–March) are labelled by the year they start. The "
    "source file (Innovate UK transparency data of 1 August 2020, as aggregated by Nesta) holds "
    "only part of 2020-21. Awards are placed by the participant's postcode; withdrawn and on-hold "
    "projects are excluded.",
    UKRI_MEAN: "Nesta's 'total_ukri_funding' is the mean amount per project led from the area, "
    "not a total: it is not divided by population or GVA, and areas are not added together.",
    GVA: "Current prices (nominal): growth includes inflation.",
    BERD_PER_100K: "Published per 100,000 residents; per head = £ million per 100,000 × 10.",
}

# Measures published per population already: (scale of the unit to £ or €, residents it is per).
PER_POPULATION = {BERD_PER_100K: (calc.MILLION, Decimal(100_000))}
# What one unit of a money measure is in pounds (or euros): what per head / per £m GVA scale by.
MONEY_UNITS = {"£ million": calc.MILLION, "£": Decimal(1), "€": Decimal(1)}


class Per(models.TextChoices):
    """How a measure is normalised."""

    NONE = "", "As published"
    HEAD = "head", "Per head of population"
    GVA = "gva", "Per £1 million of GVA"


# --- One reading of the database per page -------------------------------------------------------


@dataclass
class _Reading:
    """What the current reading has read, by what was asked: a page's summaries need the same
    measures, areas and often the same figures (the population of every area of a level, for GVA
    per head and for business R&D per head). Nothing outlives the reading."""

    read: dict[tuple, Any] = field(default_factory=dict)
    imports: dict[int, Import] = field(default_factory=dict)


_reading: ContextVar[_Reading | None] = ContextVar("economy_reading", default=None)


@contextmanager
def one_reading():
    """Within it, the services read each measure, area and set of figures once and share it.

    A page opens one around its services and its template; each summary opens its own when
    called alone (the API, the command line). Inside one, figures imported meanwhile are not
    seen: a reading lasts one request or one call, never longer."""
    if _reading.get() is not None:
        yield
        return
    token = _reading.set(_Reading())
    try:
        yield
    finally:
        _reading.reset(token)


T = TypeVar("T")


def _once(key: tuple, read: Callable[[], T]) -> T:
    """read(); within a reading, what it gave the first time `key` was asked."""
    reading = _reading.get()
    if reading is None:
        return read()
    if key not in reading.read:
        reading.read[key] = read()
    return reading.read[key]


# --- Measures and metrics ------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInfo:
    code: str
    name: str
    unit: str
    source: str
    description: str = ""

    @property
    def is_industry(self) -> bool:
        return self.code in INDUSTRY_MEASURES


def measure_info(code: str) -> MeasureInfo:
    """What a measure code means: from the Measure table if loaded, else the vocabulary."""
    return measure_infos([code])[code]


def measure_infos(codes: Iterable[str]) -> dict[str, MeasureInfo]:
    """measure_info of each code, in one query (none within a reading that has read them)."""
    codes = list(dict.fromkeys(codes))
    stored = _stored_measures(codes)
    infos = {}
    for code in codes:
        if code in stored:
            m = stored[code]
            infos[code] = MeasureInfo(code, m.name, m.unit, m.source, m.description)
            continue
        fields = MEASURES.get(code) or EXTRA_MEASURES.get(code)
        if fields is None:
            raise UserInputError(
                f"{code!r} is not a measure. Use one of: "
                f"{', '.join(sorted(known_measure_codes()))}."
            )
        infos[code] = MeasureInfo(
            code, fields["name"], fields["unit"], fields["source"], fields["description"]
        )
    return infos


def _stored_measures(codes: Iterable[str]) -> dict[str, Measure]:
    """The Measure rows of these codes (at least): within a reading, every measure, read once
    (a few dozen rows)."""
    if _reading.get() is None:
        return {m.code: m for m in Measure.objects.filter(code__in=list(codes))}
    return _once(("measures",), lambda: {m.code: m for m in Measure.objects.all()})


def refresh_measures() -> Iterator[str]:
    """Bring the stored measures' names, units, sources and descriptions up to this version's
    vocabulary (measures.py), which importers otherwise write only when a file is imported again."""
    fields = Measure.WORDING_FIELDS
    changed = []
    for measure in Measure.objects.filter(code__in=list(MEASURES)):
        wording = MEASURES[measure.code]
        if any(getattr(measure, name) != wording[name] for name in fields):
            for name in fields:
                setattr(measure, name, wording[name])
            changed.append(measure)
    Measure.objects.bulk_update(changed, list(fields))
    if changed:
        yield f"Measures: {len(changed)} brought up to this version's wording ({', '.join(m.code for m in changed)})."


def known_measure_codes() -> set[str]:
    return set(MEASURES) | set(EXTRA_MEASURES) | set(Measure.objects.values_list("code", flat=True))


def area_measure_codes() -> list[str]:
    """Measures with one figure per area and period (not broken down by industry), in order."""
    return [c for c in [*MEASURES, *EXTRA_MEASURES] if c not in INDUSTRY_MEASURES]


def loaded_measure_codes(codes: Iterable[str] | None = None) -> set[str]:
    """The measures (of `codes`, or all) that have figures, in one query.

    EXISTS per measure, correlated on its id, so that each is one index lookup. Not DISTINCT
    over every statistic: on PostgreSQL that read all ~400,000 rows (40–80 ms) each time a page
    asked. Nor `Statistic.filter(measure__code=…).exists()`: PostgreSQL plans that join with
    LIMIT 1 as a scan of the table until the first match, which starts wherever the last scan
    of the table stopped (synchronised scans) and so took anything from 0 to 200 ms
    (docs/PERFORMANCE.md).
    """
    if _reading.get() is None:
        return _loaded_codes(codes)
    loaded = _once(("loaded",), lambda: _loaded_codes(None))  # every measure's, once
    return set(loaded) if codes is None else loaded.intersection(codes)


def _loaded_codes(codes: Iterable[str] | None) -> set[str]:
    has_values = Statistic.objects.filter(measure=models.OuterRef("pk"))
    measures = Measure.objects.filter(models.Exists(has_values))
    if codes is not None:
        measures = measures.filter(code__in=list(codes))
    return set(measures.values_list("code", flat=True))


def is_loaded(code: str) -> bool:
    return code in loaded_measure_codes([code])


def import_hint(code: str) -> str:
    """The command that loads a measure (for 'not loaded yet' messages)."""
    data_dir = settings.NORTHSTAR_DATA_DIR
    commands = [f"northstar import {d} {data_dir / f}" for d, f in IMPORT_COMMANDS.get(code, [])]
    if not commands:
        return "No importer loads this measure yet."
    return " or ".join(commands) + " (or northstar import --present for every file found)"


@dataclass(frozen=True)
class Metric:
    """A measure as shown: as published, per head, or per £1m of GVA."""

    measure: MeasureInfo
    per: str = Per.NONE

    @property
    def code(self) -> str:
        return self.measure.code

    @property
    def label(self) -> str:
        if self.per == Per.HEAD:
            return f"{self.measure.name} per head"
        if self.per == Per.GVA:
            return f"{self.measure.name} per £1m of GVA"
        return self.measure.name

    @property
    def unit(self) -> str:
        currency = "€" if self.measure.unit.startswith("€") else "£"
        if self.per == Per.HEAD:
            return f"{currency} per head"
        if self.per == Per.GVA:
            return "£ per £1m of GVA"
        return self.measure.unit

    @property
    def places(self) -> int:
        """Decimal places shown."""
        if self.per == Per.HEAD:
            return 0 if self.code in (GVA, GDP) else 2
        if self.per == Per.GVA:
            return 1
        return {BERD_PER_100K: 3, BERD: 0}.get(self.code, 0)

    @property
    def scale(self) -> Decimal:
        return MONEY_UNITS.get(self.measure.unit, Decimal(1))

    @property
    def denominators(self) -> list[str]:
        if self.per == Per.HEAD and self.code not in PER_POPULATION:
            return [POPULATION]
        if self.per == Per.GVA:
            return [GVA]
        return []

    def describe_denominator(self, period_kind: str) -> str:
        when = (
            "mid-year of the year the financial year starts"
            if period_kind == PeriodKind.FINANCIAL_YEAR
            else "the same year"
        )
        if self.per == Per.HEAD and self.code in PER_POPULATION:
            return "as published, per 100,000 residents, converted to £ per head"
        if self.per == Per.HEAD:
            return f"divided by the ONS resident population of {when}"
        if self.per == Per.GVA:
            gva_when = (
                "of the calendar year the financial year starts"
                if period_kind == PeriodKind.FINANCIAL_YEAR
                else "of the same year"
            )
            return f"divided by GVA (balanced, current prices, £ million) {gva_when}"
        return ""


def metric(code: str, per: str = Per.NONE) -> Metric:
    """A metric, or UserInputError saying why this measure cannot be shown this way."""
    per = per or Per.NONE
    if per not in Per.values:
        raise UserInputError(f"{per!r} is not a normalisation: use head, gva or leave it empty.")
    info = measure_info(code)
    if info.is_industry:
        raise UserInputError(
            f"{code} is broken down by industry: see the sector structure, not a single series."
        )
    if per == Per.HEAD and info.unit not in MONEY_UNITS and code not in PER_POPULATION:
        raise UserInputError(
            f"{info.name} is in {info.unit}; only amounts of money can be shown per head."
        )
    if per == Per.GVA and (info.unit not in ("£", "£ million") or code == GVA):
        raise UserInputError(
            f"{info.name} is in {info.unit}; only amounts in pounds (other than GVA itself) can be "
            "shown per £1m of GVA."
        )
    return Metric(info, per)


# --- Places ----------------------------------------------------------------------------------


def find_place(text: str | None) -> Place:
    """The place a page, API call or command names (slug, code or alias); the default if empty."""
    text = (text or "").strip()
    if not text:
        place = default_place()
        if place is None:
            raise UserInputError(
                f"The default place ({settings.NORTHSTAR_DEFAULT_PLACE}) is not loaded: run "
                "`northstar load_default_data`."
            )
        return place
    place = (
        Place.objects.filter(slug=text).first()
        or Place.objects.filter(code__iexact=text).first()
        or resolve_place(text)
    )
    if place is None:
        raise UserInputError(
            f"No place {text!r}: give a place's slug (e.g. liverpool-city-region) or code."
        )
    return place


NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


@dataclass(frozen=True)
class Area:
    """The place asked about and the statistical area whose published figures describe it."""

    place: Place
    area: Place

    @property
    def level(self) -> str:
        return self.area.level if self.area.level in ITL_LEVELS else PlaceLevel.ITL2

    @property
    def label(self) -> str:
        return f"{self.area.name} ({self.area.get_level_display()} {self.area.code})"

    @cached_property  # a page shows it (and asks whether it has one): one query, not two
    def explanation(self) -> str:
        """e.g. 'Figures for Liverpool City Region are those of Merseyside (ITL2 region TLD7):
        Merseyside = the six Liverpool City Region boroughs (Halton, …).'"""
        if self.area == self.place:
            if self.place.same_area_code:
                return (
                    f"{self.place.name}'s statistical area ({self.place.same_area_code}) is not "
                    "loaded yet: import the ONS regional GDP file, which brings the ITL areas."
                )
            return ""
        boroughs = list(Place.objects.boroughs_of(self.place).values_list("name", flat=True))
        if boroughs:
            count = NUMBER_WORDS.get(len(boroughs), str(len(boroughs)))
            same = f"the {count} {self.place.name} boroughs ({', '.join(boroughs)})"
        else:
            same = f"the same area as {self.place.name}"
        return (
            f"Figures for {self.place.name} are those of {self.label}: {self.area.name} = {same}."
        )


def area_of(place: Place) -> Area:
    return Area(place, _once(("area", place.pk), lambda: place.statistical_area))


def same_ground(area: Place, level: str) -> list[Place]:
    """The areas of `level` that contain, are, or lie inside `area` (to highlight in a ranking)."""
    found = [p for p in area.hierarchy() if p.level == level]
    if area.code.startswith("TL") or area.code == UK_CODE:
        prefix = "" if area.code == UK_CODE else area.code
        found += list(
            Place.objects.filter(level=level, code__startswith=prefix).exclude(pk=area.pk)
        )
    return list({p.pk: p for p in found}.values())


# --- Provenance --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    measure: str
    measure_name: str
    publisher: str
    file_name: str
    sha256: str
    imported: str  # ISO date
    dataset: str

    def __str__(self) -> str:
        return (
            f"{self.publisher}: {self.measure_name} — file {self.file_name} "
            f"(SHA-256 {self.sha256[:12]}…, imported {self.imported}, dataset {self.dataset})"
        )

    @property
    def sha256_prefix(self) -> str:
        return self.sha256[:12]


def sources_for(used: Iterable[tuple[str, int]]) -> list[Source]:
    """Sources of (measure code, import id) pairs, in a stable order."""
    pairs = sorted(set(used))
    wanted = {pk for _, pk in pairs}
    reading = _reading.get()
    if reading is None:
        imports = Import.objects.in_bulk(wanted)
    else:
        if missing := wanted - reading.imports.keys():
            reading.imports.update(Import.objects.in_bulk(missing))
        imports = reading.imports
    infos = measure_infos(code for code, pk in pairs if pk in imports)
    out = []
    for code, pk in pairs:
        record = imports.get(pk)
        if record is None:
            continue
        info = infos[code]
        when = record.finished_at or record.started_at
        out.append(
            Source(
                measure=code,
                measure_name=info.name,
                publisher=info.source,
                file_name=record.file_name,
                sha256=record.sha256,
                imported=when.date().isoformat() if when else "",
                dataset=record.dataset,
            )
        )
    return out


Filters = list[tuple[str, str]]


# --- Reading values ----------------------------------------------------------------------------


# One published cell: (value, suppressed, import id, period kind). A plain tuple: a page holds
# thousands while it works, and the garbage collector stops tracking a plain tuple of plain
# values (not a named tuple, nor a dataclass), so they never add to its full collections.
Cell = tuple[Decimal | None, bool, int, str]


def _cells(
    code: str,
    *,
    place_ids: Iterable[int] | None = None,
    level: str | None = None,
    years: Iterable[int] | None = None,
    industry: str | None = "",
) -> dict[tuple[int, int], Cell]:
    """Values of a measure by (place id, year). industry '' = all-industry totals only.

    Within a reading each set is read once and shared: the dict is not to be changed."""
    return _cells_of([code], place_ids=place_ids, level=level, years=years, industry=industry)[code]


def _cells_of(
    codes: Sequence[str],
    *,
    place_ids: Iterable[int] | None = None,
    level: str | None = None,
    years: Iterable[int] | None = None,
    industry: str | None = "",
) -> dict[str, dict[tuple[int, int], Cell]]:
    """_cells of several measures for the same places and years, by measure code: those not
    read yet in this reading are read together, in one query."""
    place_ids = tuple(place_ids) if place_ids is not None else None
    years = tuple(years) if years is not None else None
    reading = _reading.get()
    if reading is None:
        return _read_cells(codes, place_ids, level, years, industry)
    keys = {code: ("cells", code, place_ids, level, years, industry) for code in codes}
    if missing := [code for code, key in keys.items() if key not in reading.read]:
        for code, cells in _read_cells(missing, place_ids, level, years, industry).items():
            reading.read[keys[code]] = cells
    return {code: reading.read[key] for code, key in keys.items()}


def _read_cells(
    codes: Sequence[str],
    place_ids: tuple[int, ...] | None,
    level: str | None,
    years: tuple[int, ...] | None,
    industry: str | None,
) -> dict[str, dict[tuple[int, int], Cell]]:
    # By the measures' ids (the reading has the measures): no join, and an int in each row
    # rather than the code's text.
    stored = _stored_measures(codes)
    code_of = {stored[code].pk: code for code in codes if code in stored}
    qs = Statistic.objects.filter(measure_id__in=list(code_of))
    if industry is not None:
        qs = qs.filter(industry_code=industry)
    if place_ids is not None:
        qs = qs.filter(place_id__in=list(place_ids))
    if level is not None:
        # The level's areas as a subquery, not a join: SQLite then looks up each area's figures
        # in the unique index (measure, place, …) rather than reading every figure of the
        # measure at every level (5,600 rows of GVA for 984 at ITL2; 6 ms against 2).
        qs = qs.filter(place_id__in=Place.objects.filter(level=level).values("pk"))
    if years is not None:
        qs = qs.filter(year__in=list(years))
    out: dict[str, dict[tuple[int, int], Cell]] = {code: {} for code in codes}
    rows = qs.values_list(
        "measure_id",
        "place_id",
        "year",
        "value",
        "suppressed",
        "source_import_id",
        "period_kind",
    )
    for row in rows:
        cells = out[code_of[row[0]]]
        key = row[1:3]  # (place id, year)
        # A calendar year's figure before a financial year's (sorted here, not by the database).
        if key not in cells or row[6] < cells[key][3]:
            cells[key] = row[3:]
    return out


class Value(NamedTuple):
    """One figure of a metric: the value (None if not known) and why it is not known."""

    value: Decimal | None
    period_kind: str
    note: str = ""


@dataclass
class MetricValues:
    values: dict[tuple[int, int], Value]
    # The (measure code, import id) pairs behind each figure, for its sources (figures from the
    # same imports share one set).
    used_by: dict[tuple[int, int], frozenset[tuple[str, int]]] = field(default_factory=dict)

    @property
    def used(self) -> set[tuple[str, int]]:
        return set().union(*set(self.used_by.values()))

    def used_in(self, year: int | None) -> set[tuple[str, int]]:
        return set().union(*{u for (_, y), u in self.used_by.items() if y == year})

    def years(self) -> list[int]:
        return sorted({y for (_, y) in self.values})

    def known_years(self) -> list[int]:
        return sorted({y for (_, y), v in self.values.items() if v.value is not None})

    def period_kind(self) -> str:
        kinds = {v.period_kind for v in self.values.values()}
        return kinds.pop() if len(kinds) == 1 else PeriodKind.CALENDAR_YEAR


def metric_values(
    m: Metric,
    *,
    place_ids: Iterable[int] | None = None,
    level: str | None = None,
    years: Iterable[int] | None = None,
) -> MetricValues:
    """A metric's figures by (place id, year) for the given places or level (two queries)."""
    inputs = MetricInputs.read(m, place_ids=place_ids, level=level, years=years)
    out = MetricValues({})
    for key in inputs.numerators:
        out.values[key], used = inputs.value(key)
        if used:
            out.used_by[key] = used
    return out


NOTHING_USED: frozenset[tuple[str, int]] = frozenset()


@dataclass
class MetricInputs:
    """The published figures a metric is worked out from: its measure's cells and its
    denominator's, by (place id, year). `value(key)` works out one figure."""

    metric: Metric
    numerators: dict[tuple[int, int], Cell]
    denominators: dict[tuple[int, int], Cell]
    # The sets of (measure code, import id) pairs handed out, by (numerator's import id,
    # denominator's or None): one set for the thousands of figures of the same imports.
    _used: dict[tuple[int, int | None], frozenset[tuple[str, int]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def read(
        cls,
        m: Metric,
        *,
        place_ids: Iterable[int] | None = None,
        level: str | None = None,
        years: Iterable[int] | None = None,
    ) -> MetricInputs:
        place_ids = list(place_ids) if place_ids is not None else None
        years = list(years) if years is not None else None
        cells = _cells_of(
            [m.code, *m.denominators[:1]], place_ids=place_ids, level=level, years=years
        )
        return cls(m, cells[m.code], cells[m.denominators[0]] if m.denominators else {})

    def _used_by(
        self, import_id: int, denominator_import_id: int | None = None
    ) -> frozenset[tuple[str, int]]:
        key = (import_id, denominator_import_id)
        used = self._used.get(key)
        if used is None:
            pairs = {(self.metric.code, import_id)}
            if denominator_import_id is not None:
                pairs.add((self.metric.denominators[0], denominator_import_id))
            used = self._used[key] = frozenset(pairs)
        return used

    def value(self, key: tuple[int, int]) -> tuple[Value, frozenset[tuple[str, int]]]:
        """The figure of one (place id, year) with a published value, and the (measure code,
        import id) pairs it was worked out from."""
        m = self.metric
        value, suppressed, import_id, kind = self.numerators[key]
        if value is None:
            note = "suppressed by the publisher" if suppressed else "not published"
            return Value(None, kind, note), NOTHING_USED
        per = m.per
        if per == Per.NONE:
            return Value(value, kind), self._used_by(import_id)
        if per == Per.HEAD and m.code in PER_POPULATION:
            scale, residents = PER_POPULATION[m.code]
            return (
                Value(calc.per_head(value, residents, scale=scale), kind),
                self._used_by(import_id),
            )
        denominator = self.denominators.get(key)
        if denominator is None or denominator[0] is None:
            what = "population" if per == Per.HEAD else "GVA"
            return Value(None, kind, f"no {what} figure for {key[1]}"), self._used_by(import_id)
        d_value, _, d_import_id, _ = denominator
        if per == Per.HEAD:
            result = calc.per_head(value, d_value, scale=m.scale)
        else:
            result = calc.per_million_gva(value, d_value, scale=m.scale)
        note = "" if result is not None else "the denominator is zero"
        return Value(result, kind, note), self._used_by(import_id, d_import_id)


def period_label(kind: str, year: int, code: str = "") -> str:
    """'2019' or '2019-20'; '2020-21 (part year)' when the measure's source covers only part."""
    label = f"{year}-{(year + 1) % 100:02d}" if kind == PeriodKind.FINANCIAL_YEAR else str(year)
    return f"{label} (part year)" if code and part_period(code, year) else label


def part_period_filters(code: str, kind: str, years: Iterable[int]) -> Filters:
    """A line saying which shown periods the source covers only in part, and what they hold."""
    return [
        ("Part year", f"{period_label(kind, y)}: {part_period(code, y)}")
        for y in sorted(set(years))
        if part_period(code, y)
    ]


def period_name(kind: str) -> str:
    return "Financial year" if kind == PeriodKind.FINANCIAL_YEAR else "Year"


def year_span(kind: str, years: Sequence[int]) -> str:
    if not years:
        return "none"
    first, last = period_label(kind, min(years)), period_label(kind, max(years))
    kind_text = "financial years" if kind == PeriodKind.FINANCIAL_YEAR else "calendar years"
    return f"{kind_text} {first}" + ("" if first == last else f" to {last}")


# --- Tables: what a page shows and its CSV holds ----------------------------------------------

MISSING = "n/a"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "number"  # text | number | rank | period
    places: int = 0
    unit: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "rank")

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


def format_number(value: Decimal | None, places: int = 0, *, separators: bool = True) -> str:
    if value is None:
        return MISSING
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum):{',' if separators else ''}.{places}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") and places == 0 else text


def format_cell(column: Column, value, *, separators: bool = True) -> str:
    if value is None:
        return MISSING
    if column.kind == "number":
        return format_number(Decimal(value), column.places, separators=separators)
    return str(value)


@dataclass
class Table:
    """A table as shown on a page and downloaded as CSV (the same rows, columns and rounding)."""

    id: str
    caption: str
    columns: list[Column]
    rows: list[dict]
    sources: list[Source] = field(default_factory=list)
    filters: Filters = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    highlighted: list[bool] = field(default_factory=list)
    empty_message: str = ""
    missing_measures: list[str] = field(default_factory=list)

    def display_rows(self) -> list[dict]:
        """Rows of formatted cells for the page: [{'cells': [(column, text)], 'tds': [{'text',
        'numeric', 'nowrap'}], 'highlighted': …}]. 'tds' is what the template needs of each cell
        as dict keys, the cheapest lookup a template makes (asking each cell's column its kind
        took a quarter of the overview's rendering)."""
        marks = self.highlighted or [False] * len(self.rows)
        looks = [(c.numeric, c.kind in ("rank", "period")) for c in self.columns]
        out = []
        for row, mark in zip(self.rows, marks, strict=True):
            cells = [(c, format_cell(c, row.get(c.key))) for c in self.columns]
            tds = [
                {"text": text, "numeric": numeric, "nowrap": nowrap}
                for (_, text), (numeric, nowrap) in zip(cells, looks, strict=True)
            ]
            out.append({"cells": cells, "tds": tds, "highlighted": mark})
        return out

    def csv_rows(self) -> list[list[str]]:
        """The header and the rows as shown, without thousands separators."""
        out = [[c.heading for c in self.columns]]
        for row in self.rows:
            out.append([format_cell(c, row.get(c.key), separators=False) for c in self.columns])
        return out

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @cached_property
    def missing_hints(self) -> list[tuple[str, str]]:
        infos = measure_infos(self.missing_measures)
        return [(infos[code].name, import_hint(code)) for code in self.missing_measures]


def _missing(*codes: str) -> list[str]:
    loaded = loaded_measure_codes(codes)
    return [c for c in codes if c not in loaded]


def _area_filters(area: Area) -> Filters:
    out = [("Area", area.label)]
    if area.area != area.place:
        out.insert(0, ("Place", area.place.name))
    return out


def _metric_filters(m: Metric, kind: str) -> Filters:
    out = [("Measure", m.measure.name), ("Unit", m.unit)]
    if m.per != Per.NONE:
        out.append((Per(m.per).label, m.describe_denominator(kind)))
    return out


def _notes(*codes: str) -> list[str]:
    return [MEASURE_NOTES[c] for c in dict.fromkeys(codes) if c in MEASURE_NOTES]


def uk_place() -> Place | None:
    return _once(("uk",), lambda: Place.objects.filter(code=UK_CODE).first())


# --- Series over years for one place ----------------------------------------------------------


@dataclass
class Series:
    area: Area
    metric: Metric
    points: list[tuple[int, Value]]  # (year, value), oldest first
    sources: list[Source]
    filters: Filters
    notes: list[str]
    loaded: bool

    @property
    def period_kind(self) -> str:
        kinds = {v.period_kind for _, v in self.points}
        return kinds.pop() if len(kinds) == 1 else PeriodKind.CALENDAR_YEAR

    def as_table(self) -> Table:
        kind = self.period_kind
        columns = [
            Column("period", period_name(kind), "period"),
            Column("value", self.metric.label, "number", self.metric.places, self.metric.unit),
            Column("note", "Note", "text"),
        ]
        rows = [
            {
                "period": period_label(v.period_kind, y, self.metric.code),
                "value": v.value,
                "note": v.note,
            }
            for y, v in self.points
        ]
        return Table(
            id="series",
            caption=f"{self.metric.label}, {self.area.area.name}",
            columns=columns,
            rows=rows,
            sources=self.sources,
            filters=self.filters,
            notes=self.notes,
            missing_measures=[] if self.loaded else [self.metric.code],
            empty_message=_empty_message(self.area, self.loaded, self.metric.measure.name),
        )


def _empty_message(area: Area, loaded: bool, name: str) -> str:
    if not loaded:
        return f"{name}: not loaded yet."
    return f"{name}: the loaded figures have none for {area.label}."


@one_reading()
def series(place: Place, m: Metric) -> Series:
    """A metric's figures for a place (its statistical area) in every year they exist."""
    area = area_of(place)
    got = metric_values(m, place_ids=[area.area.pk])
    points = sorted(((y, v) for (_, y), v in got.values.items()), key=lambda p: p[0])
    kind = got.period_kind()
    filters = [
        *_area_filters(area),
        *_metric_filters(m, kind),
        ("Periods", year_span(kind, [y for y, _ in points])),
        *part_period_filters(m.code, kind, [y for y, _ in points]),
    ]
    return Series(
        area=area,
        metric=m,
        points=points,
        sources=sources_for(got.used),
        filters=filters,
        notes=_notes(m.code),
        loaded=is_loaded(m.code),
    )


# --- Ranking every area of a level ------------------------------------------------------------


@dataclass
class ComparisonRow:
    place: Place
    value: Value | None
    rank: calc.Rank | None
    highlighted: bool


@dataclass
class Comparison:
    metric: Metric
    level: str
    year: int | None
    period_kind: str
    rows: list[ComparisonRow]
    years: list[int]
    area: Area | None
    sources: list[Source]
    filters: Filters
    notes: list[str]
    loaded: bool
    # The metric's measures (its own and its denominator's) that have no figures loaded.
    missing_measures: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        if self.year is None:
            return ""
        return period_label(self.period_kind, self.year, self.metric.code)

    @property
    def year_options(self) -> list[tuple[int, str]]:
        """The years to choose from, latest first, labelled as the tables label them."""
        return [
            (y, period_label(self.period_kind, y, self.metric.code)) for y in reversed(self.years)
        ]

    @property
    def n(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)

    @property
    def median(self) -> Decimal | None:
        return calc.median(r.value.value for r in self.rows if r.value is not None)

    def as_table(self) -> Table:
        level_name = PlaceLevel(self.level).label
        columns = [
            Column("rank", "Rank", "rank"),
            Column("code", "Code", "text"),
            Column("name", level_name, "text"),
            Column("value", self.metric.label, "number", self.metric.places, self.metric.unit),
        ]
        rows = [
            {
                "rank": str(r.rank) if r.rank else None,
                "code": r.place.code,
                "name": r.place.name,
                "value": r.value.value if r.value else None,
            }
            for r in self.rows
        ]
        return Table(
            id="compare",
            caption=f"{self.metric.label}, every {level_name}, {self.period or 'no year'}",
            columns=columns,
            rows=rows,
            highlighted=[r.highlighted for r in self.rows],
            sources=self.sources,
            filters=self.filters,
            notes=self.notes,
            missing_measures=self.missing_measures,
            empty_message=(
                f"{self.metric.measure.name}: no figures for any {level_name} in the loaded data."
                if self.loaded
                else f"{self.metric.measure.name}: not loaded yet."
            ),
        )


def _years(m: Metric, level: str) -> set[int]:
    """The years with a published cell of the metric's measure at the level (known or not)."""
    cells = Statistic.objects.of(m.code).totals().filter(place__level=level)
    return set(cells.values_list("year", flat=True).distinct())


def _known_years(m: Metric, level: str) -> list[int]:
    """The years in which the level has figures of the metric: a published value and, for a
    ratio, a published denominator (as MetricValues.known_years, but by year rather than by
    area and year: one query per measure instead of every area's every year, and publishers
    give a level's areas together)."""

    def published(code: str) -> set[int]:
        known = Statistic.objects.of(code).totals().filter(place__level=level, value__isnull=False)
        return set(known.values_list("year", flat=True).distinct())

    years = published(m.code)
    if m.per != Per.NONE and not (m.per == Per.HEAD and m.code in PER_POPULATION):
        years &= published(m.denominators[0])
    return sorted(years)


@one_reading()
def compare(
    m: Metric, level: str, year: int | None = None, place: Place | None = None
) -> Comparison:
    """Every area of an ITL level ranked on a metric in one year (1 = highest), the place's own
    area(s) highlighted. The year defaults to the latest with figures at that level that the
    source covers in whole."""
    if level not in ITL_LEVELS:
        raise UserInputError(f"{level!r} is not a level to compare: use itl1, itl2 or itl3.")
    loaded = loaded_measure_codes([m.code, *m.denominators])
    # The years come from one query in the database; only the year shown is read (every
    # year of every area is thousands of rows to convert, most of the page's time).
    years = _known_years(m, level)
    if year is None and years:
        year = (whole_years(m.code, years) or years)[-1]
    elif year is not None and year not in years and years and year not in _years(m, level):
        raise UserInputError(
            f"No {m.measure.name} figures for {year} at {PlaceLevel(level).label} level: "
            f"the years with figures are {years[0]}–{years[-1]}."
        )
    inputs = MetricInputs.read(m, level=level, years=[year] if year is not None else [])
    area = area_of(place) if place is not None else None
    highlight = {p.pk for p in same_ground(area.area, level)} if area else set()
    places = list(Place.objects.filter(level=level).order_by("name"))
    in_year: dict[int, Value] = {}
    used_in_year: set[tuple[str, int]] = set()
    for key in inputs.numerators:
        if key[1] == year:
            in_year[key[0]], used = inputs.value(key)
            used_in_year |= used
    ranked = calc.ranks({pid: v.value for pid, v in in_year.items()})
    rows = [
        ComparisonRow(p, in_year.get(p.pk), ranked.get(p.pk), p.pk in highlight) for p in places
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank.position if r.rank else 0, r.place.name))
    kinds = {kind for _, _, _, kind in inputs.numerators.values()}
    kind = next(
        (v.period_kind for v in in_year.values()),
        kinds.pop() if len(kinds) == 1 else PeriodKind.CALENDAR_YEAR,
    )
    filters = [
        (
            "Areas",
            f"every {PlaceLevel(level).label} ({len(places)} loaded; {len(ranked)} with a figure)",
        ),
        *_metric_filters(m, kind),
        ("Period", period_label(kind, year, m.code) if year is not None else "none"),
        *part_period_filters(m.code, kind, [year] if year is not None else []),
        ("Rank", "1 = highest; tied areas share a rank (=)"),
    ]
    if area is not None:
        filters.insert(0, ("Highlighted", area.label))
    return Comparison(
        metric=m,
        level=level,
        year=year,
        period_kind=kind,
        rows=rows,
        years=years,
        area=area,
        sources=sources_for(used_in_year),
        filters=filters,
        notes=_notes(m.code),
        loaded=m.code in loaded,
        missing_measures=[c for c in (m.code, *m.denominators) if c not in loaded],
    )


# --- GVA, GVA per head, growth -------------------------------------------------------------


@dataclass
class Headline:
    label: str
    value: str
    detail: str = ""


@dataclass
class GvaSummary:
    area: Area
    table: Table
    headlines: list[Headline]
    chart_points: list[dict]  # {"year", "series", "value"} for the chart


CAGR_YEARS = 10


@one_reading()
def gva_summary(place: Place) -> GvaSummary:
    """GVA, its annual growth (nominal), GVA per head against the UK, year by year."""
    area = area_of(place)
    uk = uk_place()
    ids = [area.area.pk] + ([uk.pk] if uk and uk.pk != area.area.pk else [])
    # GVA and population in one query; the reading keeps them for the two series below.
    _cells_of([GVA, POPULATION], place_ids=ids)
    gva = metric_values(metric(GVA), place_ids=ids)
    per_head = metric_values(metric(GVA, Per.HEAD), place_ids=ids)
    level_per_head = metric_values(metric(GVA, Per.HEAD), level=area.level)
    mine = {y: v.value for (pid, y), v in gva.values.items() if pid == area.area.pk}
    growth = calc.annual_growth(mine)
    columns = [
        Column("year", "Year", "period"),
        Column("gva", "GVA", "number", 0, "£ million"),
        Column("growth", "Annual growth (nominal)", "number", 1, "%"),
        Column("per_head", "GVA per head", "number", 0, "£"),
        Column("uk_per_head", "UK GVA per head", "number", 0, "£"),
        Column("index", "GVA per head, UK = 100", "number", 1),
        Column("rank", f"Rank of GVA per head among {PlaceLevel(area.level).label}s", "rank"),
    ]
    ranks_by_year: dict[int, dict] = {}
    for (pid, y), v in level_per_head.values.items():
        ranks_by_year.setdefault(y, {})[pid] = v.value
    rows, chart = [], []
    for year in sorted(mine):
        ph = per_head.values.get((area.area.pk, year))
        uk_ph = per_head.values.get((uk.pk, year)) if uk else None
        ph_value = ph.value if ph else None
        uk_value = uk_ph.value if uk_ph else None
        rank = calc.rank_of(area.area.pk, ranks_by_year.get(year, {}))
        rows.append(
            {
                "year": str(year),
                "gva": mine[year],
                "growth": growth.get(year),
                "per_head": ph_value,
                "uk_per_head": uk_value,
                "index": calc.index_to_reference(ph_value, uk_value),
                "rank": str(rank) if rank else None,
            }
        )
        for name, value in ((area.area.name, ph_value), ("United Kingdom", uk_value)):
            if value is not None:
                chart.append({"year": year, "series": name, "value": float(round(value, 0))})
    used = gva.used | per_head.used
    years = sorted(mine)
    headlines = []
    if years:
        last = rows[-1]
        headlines.append(
            Headline(f"GVA, {years[-1]}", f"£{format_number(mine[years[-1]])}m", "current prices")
        )
        if last["per_head"] is not None:
            detail = (
                f"UK £{format_number(last['uk_per_head'])}; index {format_number(last['index'], 1)} (UK = 100)"
                if last["uk_per_head"] is not None
                else "no UK figure loaded"
            )
            if last["rank"]:
                detail += f"; rank {last['rank']} {PlaceLevel(area.level).label}s"
            headlines.append(
                Headline(
                    f"GVA per head, {years[-1]}", f"£{format_number(last['per_head'])}", detail
                )
            )
        if last["growth"] is not None:
            headlines.append(
                Headline(
                    f"GVA growth, {years[-1]}",
                    f"{format_number(last['growth'], 1)}%",
                    f"on {years[-1] - 1}, current prices (includes inflation)",
                )
            )
        start = max(years[0], years[-1] - CAGR_YEARS)
        rate = calc.cagr_between(mine, start, years[-1])
        if rate is not None:
            headlines.append(
                Headline(
                    f"GVA growth a year, {start}–{years[-1]}",
                    f"{format_number(rate, 1)}%",
                    "compound annual growth rate, current prices",
                )
            )
    table = Table(
        id="gva",
        caption=f"Gross value added, {area.area.name}, by year",
        columns=columns,
        rows=rows,
        sources=sources_for(used),
        filters=[
            *_area_filters(area),
            ("Measure", "GVA (balanced), current basic prices"),
            ("Per head", "GVA ÷ ONS resident population of the same year"),
            (
                "Growth",
                "percent change on the year before, current prices (not adjusted for inflation)",
            ),
            ("Rank", f"among every {PlaceLevel(area.level).label} with a figure; 1 = highest"),
            ("Periods", year_span(PeriodKind.CALENDAR_YEAR, years)),
        ],
        notes=_notes(GVA),
        missing_measures=_missing(GVA, POPULATION),
        empty_message=_empty_message(area, is_loaded(GVA), "GVA"),
    )
    return GvaSummary(area, table, headlines, chart)


# --- Business R&D ---------------------------------------------------------------------------


@dataclass
class BerdSummary:
    area: Area
    table: Table
    euro_table: Table
    headlines: list[Headline]
    chart_points: list[dict]


def _ranked_series(
    m: Metric, area: Area, *, table_id: str, caption: str, value_label: str
) -> tuple[Table, list[dict]]:
    """A metric year by year for the area, with its rank and the median of its level."""
    got = metric_values(m, level=area.level)
    by_year: dict[int, dict[int, Decimal | None]] = {}
    kinds: dict[int, str] = {}
    for (pid, y), v in got.values.items():
        by_year.setdefault(y, {})[pid] = v.value
        kinds[y] = v.period_kind
    level_name = PlaceLevel(area.level).label
    columns = [
        Column("period", "Year", "period"),
        Column("value", value_label, "number", m.places, m.unit),
        Column("rank", f"Rank among {level_name}s", "rank"),
        Column("median", f"Median of {level_name}s", "number", m.places, m.unit),
    ]
    rows, chart = [], []
    shown = sorted(y for y, vals in by_year.items() if area.area.pk in vals)
    for year in shown:
        values = by_year[year]
        mine = values[area.area.pk]
        rank = calc.rank_of(area.area.pk, values)
        middle = calc.median(values.values())
        rows.append(
            {
                "period": period_label(kinds[year], year),
                "value": mine,
                "rank": str(rank) if rank else None,
                "median": middle,
            }
        )
        label = period_label(kinds[year], year)
        for name, value in ((area.area.name, mine), (f"Median of {level_name}s", middle)):
            if value is not None:
                chart.append({"year": label, "series": name, "value": float(round(value, 2))})
    kind = got.period_kind()
    table = Table(
        id=table_id,
        caption=caption,
        columns=columns,
        rows=rows,
        sources=sources_for(got.used),
        filters=[
            *_area_filters(area),
            *_metric_filters(m, kind),
            ("Rank and median", f"among every {level_name} with a figure that year; 1 = highest"),
            ("Periods", year_span(kind, shown)),
        ],
        notes=_notes(m.code),
        missing_measures=_missing(m.code, *m.denominators),
        empty_message=_empty_message(area, is_loaded(m.code), m.measure.name),
    )
    return table, chart


@one_reading()
def berd_summary(place: Place) -> BerdSummary:
    """Business R&D per head: ONS BERD (published per 100,000 residents for ITL2 areas, or £m
    divided by population elsewhere), ranked; and the longer Eurostat series in euros."""
    area = area_of(place)
    per_100k = (
        area.level == PlaceLevel.ITL2
        or Statistic.objects.of(BERD_PER_100K).filter(place=area.area).exists()
    )
    m = metric(BERD_PER_100K if per_100k else BERD, Per.HEAD)
    table, chart = _ranked_series(
        m,
        area,
        table_id="berd",
        caption=f"Business R&D per head, {area.area.name}",
        value_label="Business R&D per head",
    )
    euro_table, _ = _ranked_series(
        metric(BERD_EUR, Per.HEAD),
        area,
        table_id="berd-eur",
        caption=f"Business R&D per head in euros (Eurostat), {area.area.name}",
        value_label="Business R&D per head",
    )
    headlines = []
    if table.rows:
        last = table.rows[-1]
        detail = f"rank {last['rank']} {PlaceLevel(area.level).label}s" if last["rank"] else ""
        if last["median"] is not None:
            detail += f"{'; ' if detail else ''}median £{format_number(last['median'], 2)}"
        headlines.append(
            Headline(
                f"Business R&D per head, {last['period']}",
                f"£{format_number(last['value'], 2)}",
                detail,
            )
        )
    return BerdSummary(area, table, euro_table, headlines, chart)


# --- Sector structure: employment shares and location quotients -------------------------------


@dataclass
class SectorStructure:
    area: Area
    detail: str  # "section" or "division"
    year: int | None
    years: list[int]
    table: Table
    top: Table
    uk_basis: str
    chart_points: list[dict]


TOP_SECTORS = 10
TOP_SECTOR_MIN_EMPLOYMENT = Decimal(1000)


@one_reading()
def sector_structure(
    place: Place, detail: str = "section", year: int | None = None
) -> SectorStructure:
    """Employment by SIC section or division (BRES): each industry's share of the area's
    employment, the UK's share, and the location quotient LQ = (e_ir/e_r)/(e_iUK/e_UK).

    The UK figures are the UK's own rows if loaded, else the sum over every ITL2 area (BRES is
    published by ITL2 area); the table's filters say which."""
    if detail not in ("section", "division"):
        raise UserInputError(f"{detail!r}: choose section or division.")
    code = BRES_SECTION if detail == "section" else BRES_DIVISION
    area = area_of(place)
    qs = Statistic.objects.of(code).exclude(industry_code="")
    years = sorted(set(qs.filter(place=area.area).values_list("year", flat=True)))
    if year is None and years:
        year = years[-1]
    elif year is not None and years and year not in years:
        raise UserInputError(
            f"No employment figures for {year}: the years loaded are {years[0]}–{years[-1]}."
        )
    rows_of = qs.filter(year=year).values_list(
        "place_id", "place__level", "industry_code", "industry_name", "value", "source_import_id"
    )
    region: dict[str, Decimal | None] = {}
    names: dict[str, str] = {}
    uk_rows: dict[str, Decimal | None] = {}
    itl2_sum: dict[str, Decimal] = {}
    itl2_areas: set[int] = set()
    used: set[tuple[str, int]] = set()
    uk = uk_place()
    for place_id, level, industry, name, value, import_id in rows_of:
        names.setdefault(industry, name)
        if place_id == area.area.pk:
            region[industry] = value
            used.add((code, import_id))
        if uk and place_id == uk.pk:
            uk_rows[industry] = value
        if level == PlaceLevel.ITL2:
            itl2_areas.add(place_id)
            if value is not None:
                itl2_sum[industry] = itl2_sum.get(industry, Decimal(0)) + value
    if uk_rows:
        national: dict = uk_rows
        basis = "the UK's own published figures"
    else:
        national = itl2_sum
        basis = f"the sum over the {len(itl2_areas)} ITL2 areas in the loaded file (no UK row is published)"
    if region:  # the UK totals come from every row of the year
        used |= {(code, row[-1]) for row in rows_of}
    region_share = calc.shares(region)
    national_share = calc.shares(national)
    lq = calc.location_quotients(region, national)
    label = "SIC 2007 section" if detail == "section" else "SIC 2007 division"
    columns = [
        Column("code", "Code", "text"),
        Column("name", label, "text"),
        Column("employment", "Employment", "number", 0),
        Column("share", "Share of the area's employment", "number", 1, "%"),
        Column("uk_share", "UK share", "number", 1, "%"),
        Column("lq", "Location quotient", "number", 2),
    ]
    order = sorted(region, key=lambda c: (len(c), c))
    rows = [
        {
            "code": c,
            "name": names.get(c, ""),
            "employment": region[c],
            "share": region_share.get(c),
            "uk_share": national_share.get(c),
            "lq": lq.get(c),
        }
        for c in order
    ]
    filters = [
        *_area_filters(area),
        ("Measure", f"BRES employment (employees and working owners) by {label}"),
        ("Year", str(year) if year else "none"),
        ("UK totals", basis),
        (
            "Location quotient",
            "(area's employment in the industry ÷ area's employment) ÷ "
            "(UK employment in the industry ÷ UK employment); 1 = the UK's share",
        ),
        ("Totals", "the sum of the industries shown"),
    ]
    sources = sources_for(used)
    missing = _missing(code)
    empty = _empty_message(area, is_loaded(code), f"Employment by {label}")
    table = Table(
        id="sectors" if detail == "section" else "sectors-division",
        caption=f"Employment by {label}, {area.area.name}, {year or ''}".rstrip(", "),
        columns=columns,
        rows=rows,
        sources=sources,
        filters=filters,
        missing_measures=missing,
        empty_message=empty,
    )
    eligible = [
        r
        for r in rows
        if r["lq"] is not None and (r["employment"] or 0) >= TOP_SECTOR_MIN_EMPLOYMENT
    ]
    eligible.sort(key=lambda r: (-r["lq"], r["code"]))
    top = Table(
        id="top-sectors" if detail == "section" else "top-sectors-division",
        caption=f"Most concentrated industries ({label}s), {area.area.name}, {year or ''}".rstrip(
            ", "
        ),
        columns=columns,
        rows=eligible[:TOP_SECTORS],
        sources=sources,
        filters=[
            *filters,
            (
                "Shown",
                f"the {TOP_SECTORS} highest location quotients among industries employing "
                f"at least {format_number(TOP_SECTOR_MIN_EMPLOYMENT)} people in the area",
            ),
        ],
        missing_measures=missing,
        empty_message=empty,
    )
    chart = [
        {"industry": f"{r['code']} {r['name']}"[:60], "lq": float(round(r["lq"], 2))}
        for r in rows
        if r["lq"] is not None
    ]
    return SectorStructure(area, detail, year, years, table, top, basis, chart)


# --- Funding: Innovate UK and UKRI -------------------------------------------------------------


@dataclass
class FundingSummary:
    area: Area
    measure: MeasureInfo
    table: Table
    headlines: list[Headline]
    chart_points: list[dict]
    normalised: bool  # per head and per £m GVA shown (False for a mean per project)


@one_reading()
def funding_summary(place: Place, code: str = IUK) -> FundingSummary:
    """A funding measure by year for the place: the amount, per head and per £1m of GVA, each
    ranked among every area of the same ITL level (1 = highest), with that level's median."""
    area = area_of(place)
    info = measure_info(code)
    level_name = PlaceLevel(area.level).label
    normalised = info.unit in ("£", "£ million")
    metrics = {"amount": metric(code)}
    if normalised:
        metrics["per_head"] = metric(code, Per.HEAD)
        metrics["per_gva"] = metric(code, Per.GVA)
        # The measure and both denominators in one query; the reading keeps them for below.
        _cells_of([code, POPULATION, GVA], level=area.level)
    got = {key: metric_values(m, level=area.level) for key, m in metrics.items()}
    by_year: dict[str, dict[int, dict[int, Decimal | None]]] = {}
    kinds: dict[int, str] = {}
    for key, values in got.items():
        for (pid, y), v in values.values.items():
            by_year.setdefault(key, {}).setdefault(y, {})[pid] = v.value
            kinds[y] = v.period_kind
    amount_years = by_year.get("amount", {})
    years = sorted(y for y, vals in amount_years.items() if area.area.pk in vals)
    kind = kinds[years[0]] if years else got["amount"].period_kind()
    columns = [Column("period", period_name(kind), "period")]
    for key, m in metrics.items():
        short = {"amount": "Funding", "per_head": "Per head", "per_gva": "Per £1m of GVA"}[key]
        columns += [
            Column(key, short, "number", 0 if key == "amount" else m.places, m.unit),
            Column(f"{key}_rank", f"{short}: rank", "rank"),
        ]
    if normalised:
        columns.append(
            Column(
                "median_per_head", f"Per head: median of {level_name}s", "number", 2, "£ per head"
            )
        )
    rows, chart = [], []
    for year in years:
        row: dict = {"period": period_label(kinds[year], year, code)}
        for key in metrics:
            values = by_year.get(key, {}).get(year, {})
            row[key] = values.get(area.area.pk)
            rank = calc.rank_of(area.area.pk, values)
            row[f"{key}_rank"] = str(rank) if rank else None
        if normalised:
            per_head_values = by_year.get("per_head", {}).get(year, {})
            row["median_per_head"] = calc.median(per_head_values.values())
            for name, value in (
                (area.area.name, row["per_head"]),
                (f"Median of {level_name}s", row["median_per_head"]),
            ):
                if value is not None:
                    chart.append(
                        {"year": row["period"], "series": name, "value": float(round(value, 2))}
                    )
        elif row["amount"] is not None:
            chart.append(
                {"year": row["period"], "series": area.area.name, "value": float(row["amount"])}
            )
        rows.append(row)
    used: set[tuple[str, int]] = set()
    for values in got.values():
        used |= values.used
    filters = [
        *_area_filters(area),
        ("Measure", f"{info.name} ({info.unit})"),
        ("Periods", year_span(kind, years)),
        ("Rank and median", f"among every {level_name} with a figure that year; 1 = highest"),
        *part_period_filters(code, kind, years),
    ]
    if normalised:
        filters += [
            ("Per head", metrics["per_head"].describe_denominator(kind)),
            ("Per £1m of GVA", metrics["per_gva"].describe_denominator(kind)),
        ]
    table = Table(
        id=f"funding-{code}",
        caption=f"{info.name}, {area.area.name}, by {period_name(kind).lower()}",
        columns=columns,
        rows=rows,
        sources=sources_for(used),
        filters=filters,
        notes=_notes(code),
        missing_measures=_missing(code, *([POPULATION, GVA] if normalised else [])),
        empty_message=_empty_message(area, is_loaded(code), info.name),
    )
    headlines = []
    # The headline is the latest year the source covers in whole (if any does).
    whole = whole_years(code, years)
    if rows:
        last = rows[years.index(whole[-1])] if whole else rows[-1]
        for key, label, prefix, places in (
            ("amount", "", "£", 0),
            ("per_head", " per head", "£", 2),
            ("per_gva", " per £1m of GVA", "£", 1),
        ):
            if key in last and last[key] is not None:
                rank = last.get(f"{key}_rank")
                headlines.append(
                    Headline(
                        f"{info.name}{label}, {last['period']}",
                        f"{prefix}{format_number(last[key], places)}",
                        f"rank {rank} {level_name}s" if rank else "",
                    )
                )
    return FundingSummary(area, info, table, headlines, chart, normalised)


def ukri_code() -> str:
    """The UKRI measure to show: a total if one is loaded, else Nesta's mean per project."""
    if is_loaded(UKRI) or not is_loaded(UKRI_MEAN):
        return UKRI
    return UKRI_MEAN


# --- Tables by id, for the CSV downloads -----------------------------------------------------


@one_reading()
def table_by_id(table_id: str, place: Place, params: dict[str, str]) -> Table:
    """The table a page shows under this id, for the same place and query parameters."""
    if table_id == "gva":
        return gva_summary(place).table
    if table_id == "berd":
        return berd_summary(place).table
    if table_id == "berd-eur":
        return berd_summary(place).euro_table
    if table_id in ("sectors", "top-sectors", "sectors-division", "top-sectors-division"):
        detail = "division" if table_id.endswith("division") else "section"
        result = sector_structure(place, detail, parse_year(params.get("year")))
        return result.top if table_id.startswith("top") else result.table
    if table_id.startswith("funding-"):
        code = table_id.removeprefix("funding-")
        if code not in (IUK, UKRI, UKRI_MEAN):
            raise UserInputError(f"No funding table {code!r}.")
        return funding_summary(place, code).table
    if table_id == "compare":
        m = metric(params.get("measure") or GVA, params.get("per") or "")
        level = params.get("level") or area_of(place).level
        return compare(m, level, parse_year(params.get("year")), place).as_table()
    if table_id == "series":
        return series(
            place, metric(params.get("measure") or GVA, params.get("per") or "")
        ).as_table()
    raise UserInputError(f"No table {table_id!r}.")


def parse_year(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    head = text.split("-")[0]
    if not (head.isascii() and head.isdigit()) or not 1900 <= int(head) <= 2100:
        raise UserInputError(
            f"{text!r} is not a year (e.g. 2021, or 2019-20 for a financial year)."
        )
    return int(head)


def place_choices() -> list[Place]:
    """Places with figures of their own: the default place, and every ITL area."""
    return list(
        Place.objects.filter(
            level__in=[PlaceLevel.COMBINED_AUTHORITY, *ITL_LEVELS, PlaceLevel.UK]
        ).order_by("level", "name")
    )
