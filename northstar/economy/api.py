"""Economy API (public, read-only): a measure's series for a place, and every area of a level
ranked on a measure in one year. The same services as the /economy/ pages and the
`northstar economy` command, so a figure is the same everywhere. Mounted by northstar/api.py:
`api.add_router("/economy", "northstar.economy.api.router")`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from northstar.core.errors import UserInputError

from . import calculations as calc
from . import services

router = Router(tags=["Economy"])

PerChoice = Literal["", "head", "gva"]
LevelChoice = Literal["itl1", "itl2", "itl3"]
MEASURE_HELP = (
    "A measure code, e.g. `gva_balanced_current_prices_gbp_million`, `innovate_uk_funding_gbp`, "
    "`berd_per_100k_population_gbp_million`, `total_resident_population` (see "
    "northstar/economy/measures.py)."
)
PER_HELP = (
    "`head`: per head of population (money measures; a financial year uses the mid-year "
    "population of the year it starts); `gva`: per £1 million of GVA of the same (starting) "
    "year; empty: as published."
)


class SourceOut(Schema):
    measure: str
    publisher: str = Field(description="Publisher and release of the measure")
    file_name: str = Field(description="The file the figures were imported from")
    sha256: str = Field(description="SHA-256 of that file")
    imported: str = Field(description="Date of the import (ISO)")
    dataset: str


class FilterOut(Schema):
    name: str
    value: str


class MetricOut(Schema):
    measure: str
    per: str
    label: str
    unit: str


class PointOut(Schema):
    year: int = Field(description="Calendar year, or the first year of a financial year")
    period: str = Field(description="'2021', or '2019-20' for a financial year (April–March)")
    value: Decimal | None = Field(description="None when not known; see note")
    growth: Decimal | None = Field(
        description="Percent change on the year before (None if either year is not known)"
    )
    note: str = ""


class PlaceOut(Schema):
    code: str
    slug: str
    name: str
    level: str


class SeriesOut(Schema):
    place: PlaceOut = Field(description="The place asked for")
    area: PlaceOut = Field(description="The statistical area whose figures describe it")
    area_explanation: str
    metric: MetricOut
    points: list[PointOut]
    filters: list[FilterOut]
    notes: list[str]
    sources: list[SourceOut]
    loaded: bool = Field(description="False when the measure has not been imported at all")


class RankedOut(Schema):
    rank: int | None = Field(description="1 = highest; tied areas share a rank")
    tied: bool
    n: int | None = Field(description="Areas with a figure that year")
    place: PlaceOut
    value: Decimal | None
    highlighted: bool = Field(description="The place's own area (or the areas it covers)")


class CompareOut(Schema):
    metric: MetricOut
    level: str
    year: int | None
    period: str
    rows: list[RankedOut]
    years: list[int] = Field(description="Years with figures at this level")
    filters: list[FilterOut]
    notes: list[str]
    sources: list[SourceOut]
    loaded: bool


class ErrorOut(Schema):
    detail: str


def _place(p) -> dict:
    return {"code": p.code, "slug": p.slug, "name": p.name, "level": p.level}


def _metric(m: services.Metric) -> dict:
    return {"measure": m.code, "per": m.per, "label": m.label, "unit": m.unit}


def _sources(sources) -> list[dict]:
    return [
        {
            "measure": s.measure,
            "publisher": s.publisher,
            "file_name": s.file_name,
            "sha256": s.sha256,
            "imported": s.imported,
            "dataset": s.dataset,
        }
        for s in sources
    ]


def _filters(filters) -> list[dict]:
    return [{"name": k, "value": v} for k, v in filters]


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.000001"))


class SeriesQuery(Schema):
    place: str = Field(
        "", max_length=80, description="Place slug or code; empty = the default place"
    )
    measure: str = Field(..., max_length=80, description=MEASURE_HELP)
    per: PerChoice = Field("", description=PER_HELP)


class CompareQuery(Schema):
    measure: str = Field(..., max_length=80, description=MEASURE_HELP)
    per: PerChoice = Field("", description=PER_HELP)
    level: LevelChoice = Field("itl2", description="The ITL level of the areas ranked")
    year: int | None = Field(
        None, ge=1900, le=2100, description="Year (first year of a financial year); latest if empty"
    )
    place: str = Field(
        "", max_length=80, description="Place to highlight (slug or code); empty = the default"
    )


@router.get(
    "/series",
    response={200: SeriesOut, 422: ErrorOut},
    summary="A measure for a place, year by year",
    description="The place's figures are those of its statistical area (the Liverpool City "
    "Region's are ITL2 TLD7 Merseyside, the same six boroughs). Each figure's sources (file, "
    "SHA-256, import date) and the filters that reproduce it are included.",
)
def series(request, query: Query[SeriesQuery]):
    try:
        place = services.find_place(query.place)
        result = services.series(place, services.metric(query.measure, query.per))
    except UserInputError as exc:
        raise HttpError(422, exc.message) from None
    growth = calc.annual_growth({year: v.value for year, v in result.points})
    return {
        "place": _place(result.area.place),
        "area": _place(result.area.area),
        "area_explanation": result.area.explanation,
        "metric": _metric(result.metric),
        "points": [
            {
                "year": year,
                "period": services.period_label(v.period_kind, year),
                "value": _rounded(v.value),
                "growth": _rounded(growth[year]),
                "note": v.note,
            }
            for year, v in result.points
        ],
        "filters": _filters(result.filters),
        "notes": result.notes,
        "sources": _sources(result.sources),
        "loaded": result.loaded,
    }


@router.get(
    "/compare",
    response={200: CompareOut, 422: ErrorOut},
    summary="Every area of a level ranked on a measure in one year",
    description="Ranks are 1 = highest, with ties sharing a rank; areas without a figure are "
    "listed last, unranked.",
)
def compare(request, query: Query[CompareQuery]):
    try:
        place = services.find_place(query.place)
        result = services.compare(
            services.metric(query.measure, query.per), query.level, query.year, place
        )
    except UserInputError as exc:
        raise HttpError(422, exc.message) from None
    return {
        "metric": _metric(result.metric),
        "level": result.level,
        "year": result.year,
        "period": result.period,
        "rows": [
            {
                "rank": r.rank.position if r.rank else None,
                "tied": bool(r.rank and r.rank.tied),
                "n": r.rank.n if r.rank else None,
                "place": _place(r.place),
                "value": _rounded(r.value.value) if r.value else None,
                "highlighted": r.highlighted,
            }
            for r in result.rows
        ],
        "years": result.years,
        "filters": _filters(result.filters),
        "notes": result.notes,
        "sources": _sources(result.sources),
        "loaded": result.loaded,
    }
