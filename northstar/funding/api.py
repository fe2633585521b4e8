"""Innovate UK participant API (public, read-only): award offered to a place's participants by
enterprise size, programme, competition, sector, financial year or local authority, and the
headline figures of the same participants. The same `award_table` as the pages at
/funding/participants/ and `northstar funding`, so a figure is the same everywhere. Mounted by
northstar/api.py: `api.add_router("/funding", "northstar.funding.api.router")`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from northstar.core.api_schemas import READ_ERRORS
from northstar.core.errors import UserInputError

from . import calculations as calc
from . import services
from .models import DATASET
from .services import FundingQuery

router = Router(tags=["Innovate UK participants"])

ByChoice = Literal[
    "enterprise-size", "programme", "competition", "sector", "financial-year", "local-authority"
]
FINANCIAL_YEAR = r"^[0-9]{4}-[0-9]{2}$"
PLACE_HELP = (
    "A place slug, code or name (e.g. `liverpool-city-region`, `E08000012`, `TLD`); `all` for "
    "every participant. Participants count for a place through their local authority (see "
    "`scope`). An unknown place is a 404."
)
FROM_HELP = "First financial year (April–March) of project start, e.g. `2017-18`; empty: the first"
TO_HELP = "Last financial year of project start, e.g. `2021-22`; empty: the latest"
WITHDRAWN_HELP = "Include participants who withdrew from their project (left out by default)"


class PlaceOut(Schema):
    code: str
    slug: str
    name: str
    level: str


class SourceOut(Schema):
    dataset: str
    file_name: str = Field(description="The file the participations were imported from")
    sha256: str = Field(description="SHA-256 of that file")
    imported_at: dt.datetime
    rows_loaded: int


class LineOut(Schema):
    key: str = Field(description="The group's key (a size class, an id, a year, …)")
    label: str
    kind: Literal["group", "subtotal", "total"] = Field(
        description="`subtotal` (the SME total) is already counted in the total"
    )
    participations: int
    award_offered_pence: int
    award_offered_gbp: Decimal
    share_percent: Decimal | None = Field(
        description="Percent of the total award, one decimal place; null when the total is 0"
    )


class AwardTableOut(Schema):
    place: PlaceOut | None = Field(description="null: every participant")
    scope: str = Field(description="Which participants count for the place, in words")
    first_year: str | None
    last_year: str | None
    include_withdrawn: bool
    by: str
    lines: list[LineOut] = Field(description="The groups (and the SME subtotal), then the total")
    total: LineOut
    filters: list[str] = Field(description="The filters, in words")
    command: str = Field(description="The `northstar funding` command that prints this table")
    sources: list[SourceOut]
    loaded: bool = Field(description="False when no participant data has been imported at all")


class SummaryOut(Schema):
    place: PlaceOut | None
    scope: str
    first_year: str | None
    last_year: str | None
    include_withdrawn: bool
    award_offered_pence: int
    award_offered_gbp: Decimal
    participations: int
    organisations: int = Field(description="Distinct organisations among the participants")
    projects: int
    lead_participations: int = Field(description="Participations as the project's lead")
    sme_participations: int
    sme_award_offered_gbp: Decimal
    sme_share_percent: Decimal | None = Field(description="SMEs' share of the award offered")
    sources: list[SourceOut]
    loaded: bool


class FiltersQuery(Schema):
    place: str = Field(..., min_length=1, max_length=120, description=PLACE_HELP)
    first: str | None = Field(None, alias="from", pattern=FINANCIAL_YEAR, description=FROM_HELP)
    last: str | None = Field(None, alias="to", pattern=FINANCIAL_YEAR, description=TO_HELP)
    include_withdrawn: bool = Field(False, description=WITHDRAWN_HELP)

    def to_query(self) -> FundingQuery:
        try:
            found = services.place_for(self.place)
        except UserInputError as exc:
            raise HttpError(404, exc.message) from None
        return FundingQuery(
            place=found,
            first_year=calc.parse_financial_year(self.first) if self.first else None,
            last_year=calc.parse_financial_year(self.last) if self.last else None,
            include_withdrawn=self.include_withdrawn,
        )


class TableQuery(FiltersQuery):
    by: ByChoice = Field("enterprise-size", description="How to group the table")


def _place(place) -> dict | None:
    if place is None:
        return None
    return {"code": place.code, "slug": place.slug, "name": place.name, "level": place.level}


def _sources(sources) -> list[dict]:
    return [
        {
            "dataset": DATASET,
            "file_name": s.file_name,
            "sha256": s.sha256,
            "imported_at": s.imported_at,
            "rows_loaded": s.rows_loaded,
        }
        for s in sources
    ]


def _line(line: calc.Line) -> dict:
    return {
        "key": line.key,
        "label": line.label,
        "kind": line.kind,
        "participations": line.participations,
        "award_offered_pence": line.award_pence,
        "award_offered_gbp": calc.pounds(line.award_pence),
        "share_percent": line.share,
    }


def _query_out(query: FundingQuery, scope) -> dict:
    return {
        "place": _place(query.place),
        "scope": scope.how,
        "first_year": calc.financial_year_label(query.first_year)
        if query.first_year is not None
        else None,
        "last_year": calc.financial_year_label(query.last_year)
        if query.last_year is not None
        else None,
        "include_withdrawn": query.include_withdrawn,
    }


@router.get(
    "/award-table",
    response={200: AwardTableOut, **READ_ERRORS},
    url_name="funding_award_table",
    summary="Award offered to a place's participants, by a breakdown",
    description="Innovate UK award offered to the participants of a place (participant-level "
    "transparency data), grouped by enterprise size (with the SME subtotal), programme, "
    "competition, sector, financial year or local authority, with each group's share, the "
    "filters in words, the equivalent `northstar funding` command and the imported files "
    "(name, SHA-256, date). 404: no such place. 422: a financial year that is not one, or a "
    "range that starts after it ends.",
)
def award_table(request, filters: Query[TableQuery]):
    query = filters.to_query()
    table = services.award_table(query, filters.by)
    return {
        **_query_out(query, table.scope),
        "by": table.by,
        "lines": [_line(line) for line in table.lines],
        "total": _line(table.total),
        "filters": table.filters(),
        "command": table.command(),
        "sources": _sources(table.sources),
        "loaded": services.participant_data_loaded(),
    }


@router.get(
    "/summary",
    response={200: SummaryOut, **READ_ERRORS},
    url_name="funding_summary",
    summary="Headline figures of a place's participants",
    description="Total award offered, participations, distinct organisations, projects, lead "
    "participants and the SMEs' share, for the same filters as `/award-table`. 404: no such "
    "place. 422: a financial year that is not one, or a range that starts after it ends.",
)
def summary(request, filters: Query[FiltersQuery]):
    query = filters.to_query()
    result = services.participant_summary(query)
    return {
        **_query_out(query, result.scope),
        "award_offered_pence": result.award_pence,
        "award_offered_gbp": calc.pounds(result.award_pence),
        "participations": result.participations,
        "organisations": result.organisations,
        "projects": result.projects,
        "lead_participations": result.lead_participations,
        "sme_participations": result.sme_participations,
        "sme_award_offered_gbp": calc.pounds(result.sme_award_pence),
        "sme_share_percent": result.sme_share,
        "sources": _sources(result.sources),
        "loaded": services.participant_data_loaded(),
    }
