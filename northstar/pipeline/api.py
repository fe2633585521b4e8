"""The pipeline's JSON API (mounted at /api/pipeline): read-only and public."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from northstar.core.api_schemas import READ_ERRORS, ErrorOut

from . import services
from .calculations import Total
from .models import PipelineFilters, PipelineProject, PublishedFigure

router = Router(tags=["Pipeline"])


class FilterQuery(Schema):
    stage: str = ""
    theme: str = ""
    borough: str = ""

    def to_filters(self) -> PipelineFilters:
        return PipelineFilters(stage=self.stage, theme=self.theme, borough=self.borough)


class FundingOut(Schema):
    source: str
    kind: str
    amount: Decimal | None
    secured: bool
    note: str


class LeverageOut(Schema):
    ca_secured: Decimal
    other_secured: Decimal
    ratio: Decimal | None


class ProjectOut(Schema):
    slug: str
    name: str
    stage: str
    stage_label: str
    theme: str | None
    place: str | None
    place_code: str | None
    lead: str | None
    partners: list[str]
    total_value: Decimal | None
    start_date: date | None
    end_date: date | None
    asset_number: int | None
    leverage: LeverageOut


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    changed_at: str
    note: str


class ProjectDetailOut(ProjectOut):
    summary: str
    source: str
    funding: list[FundingOut]
    stage_history: list[StageChangeOut]


class TotalOut(Schema):
    key: str
    label: str
    count: int
    known_value: Decimal
    unknown_count: int


class FigureOut(Schema):
    code: str
    statement: str
    amount: Decimal | None
    at_least: bool
    period: str
    source: str


class TotalsOut(Schema):
    by_stage: list[TotalOut]
    by_theme: list[TotalOut]
    total: TotalOut
    leverage: LeverageOut
    published_figures: list[FigureOut]


def _leverage(lev) -> dict:
    return {"ca_secured": lev.ca, "other_secured": lev.other, "ratio": lev.ratio}


def _project(p: PipelineProject) -> dict:
    return {
        "slug": p.slug,
        "name": p.name,
        "stage": p.stage,
        "stage_label": p.stage_label,
        "theme": p.theme.code if p.theme else None,
        "place": p.place.name if p.place else None,
        "place_code": p.place.code if p.place else None,
        "lead": p.lead.name if p.lead else None,
        "partners": [o.name for o in p.partners.all()],
        "total_value": p.total_value,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "asset_number": p.asset.number if p.asset else None,
        "leverage": _leverage(services.project_leverage(p)),
    }


def _total(t: Total) -> dict:
    return {
        "key": t.key,
        "label": t.label,
        "count": t.count,
        "known_value": t.known_value,
        "unknown_count": t.unknown_count,
    }


@router.get(
    "/projects", response={200: list[ProjectOut], 422: ErrorOut}, url_name="pipeline_projects"
)
def list_projects(request, filters: Query[FilterQuery]):
    """The pipeline projects, filtered by stage (one of the stages, or `none`), theme code and
    borough slug. Values not published are null."""
    return [
        _project(p) for p in PipelineProject.objects.filtered(filters.to_filters()).for_display()
    ]


@router.get(
    "/projects/{slug}", response={200: ProjectDetailOut, **READ_ERRORS}, url_name="pipeline_project"
)
def project_detail(request, slug: str):
    p = get_object_or_404(PipelineProject.objects.for_display(), slug=slug)
    return {
        **_project(p),
        "summary": p.summary,
        "source": p.source,
        "funding": list(p.funding.all()),
        "stage_history": [
            {
                "from_stage": h.from_stage,
                "to_stage": h.to_stage,
                "changed_at": h.changed_at.isoformat(),
                "note": h.note,
            }
            for h in p.stage_changes.all()
        ],
    }


@router.get("/totals", response={200: TotalsOut, 422: ErrorOut}, url_name="pipeline_totals")
def totals(request, filters: Query[FilterQuery]):
    """Totals by stage and theme (sum of the known values, count of projects whose value is not
    known), overall leverage, and the pipeline totals as published (statements, not sums)."""
    s = services.summary(PipelineProject.objects.filtered(filters.to_filters()).for_display())
    return {
        "by_stage": [_total(t) for t in s.by_stage],
        "by_theme": [_total(t) for t in s.by_theme],
        "total": _total(s.total),
        "leverage": _leverage(s.leverage),
        "published_figures": list(PublishedFigure.objects.all()),
    }
