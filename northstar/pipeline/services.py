"""The pipeline's operations: one function each, called by views, API, admin and commands."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from northstar.assets.models import Asset, Theme
from northstar.core.errors import UserInputError
from northstar.organisations.models import Organisation
from northstar.organisations.services import RecordIn, link_records
from northstar.places.models import Place
from northstar.places.services import default_place

from . import calculations
from .calculations import Funding, Leverage, Total
from .models import (
    STAGE_NOT_RECORDED,
    FundingSource,
    PipelineProject,
    PublishedFigure,
    Stage,
    StageChange,
)

DEFAULT_DATA_FILE = Path(__file__).parent / "default_data" / "pipeline.json"
LINK_DATASET = "pipeline"
NO_THEME = "No theme"
RESERVED_SLUGS = {"new", "export-csv"}  # page paths under /pipeline/


# --- organisations ---------------------------------------------------------------------------


def link_organisations(names: Iterable[str]) -> list[Organisation]:
    """The organisations for these names, through the organisation linker (exact matching first;
    the same name always gives the same organisation)."""
    clean = [" ".join(n.split()) for n in names if n and n.strip()]
    if not clean:
        return []
    records = [RecordIn(source_key=f"name:{n.casefold()}"[:200], name=n) for n in clean]
    ids = link_records(LINK_DATASET, records)
    by_id = Organisation.objects.in_bulk(ids.values())
    return [by_id[ids[r.source_key]] for r in records]


# --- stage changes -----------------------------------------------------------------------------


def change_stage(project: PipelineProject, stage: str, user, note: str = "") -> StageChange:
    """Move a project to `stage`, recording who, when, from what and why."""
    if stage not in Stage.values:
        raise UserInputError(f"“{stage}” is not a stage. Choose one of: {', '.join(Stage.labels)}.")
    if stage == project.stage:
        raise UserInputError(f"{project} is already at the stage “{project.get_stage_display()}”.")
    with transaction.atomic():
        change = StageChange.objects.create(
            project=project,
            from_stage=project.stage,
            to_stage=stage,
            changed_by=user if getattr(user, "is_authenticated", False) else None,
            note=note.strip(),
        )
        project.stage = stage
        project.save(update_fields=["stage", "updated_at"])
    return change


# --- saving ------------------------------------------------------------------------------------


def unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:180] or "project"
    if base in RESERVED_SLUGS:
        base = f"{base}-project"
    slug, n = base, 2
    others = PipelineProject.objects.exclude(pk=exclude_pk)
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def save_project(
    project: PipelineProject,
    *,
    user,
    lead_name: str = "",
    partner_names: Iterable[str] = (),
    stage_note: str = "",
) -> PipelineProject:
    """Save a project built by a form or the API. A new project's stage (or a changed one) is
    recorded in its stage history; the lead and partners are linked as organisations."""
    new_stage = project.stage
    previous = ""
    if project.pk:
        previous = PipelineProject.objects.filter(pk=project.pk).values_list("stage", flat=True)[0]
    if project.start_date and project.end_date and project.end_date < project.start_date:
        raise UserInputError("The end date must be on or after the start date.")
    if not project.slug:
        project.slug = unique_slug(project.name, project.pk)
    lead = link_organisations([lead_name])
    project.lead = lead[0] if lead else None
    project.stage = previous
    project.save()
    project.partners.set(link_organisations(partner_names))
    if new_stage and new_stage != previous:
        change_stage(project, new_stage, user, stage_note)
    return project


# --- reading -----------------------------------------------------------------------------------


def funding_of(project: PipelineProject) -> list[Funding]:
    return [Funding(f.kind, f.amount, f.secured) for f in project.funding.all()]


def project_leverage(project: PipelineProject) -> Leverage:
    return calculations.leverage(funding_of(project))


def overall_leverage(projects: Iterable[PipelineProject]) -> Leverage:
    return calculations.overall_leverage(funding_of(p) for p in projects)


def totals_by_stage(projects: Iterable[PipelineProject]) -> list[Total]:
    order = [(s.value, s.label) for s in Stage]
    rows = [(p.stage or "none", p.stage_label, p.total_value) for p in projects]
    groups = calculations.totals(rows, order)
    return [g for g in groups if g.count or g.key != "none"]


def totals_by_theme(projects: Iterable[PipelineProject]) -> list[Total]:
    order = [(t.code, t.name) for t in Theme.objects.all()]
    rows = [
        (p.theme.code if p.theme else "none", p.theme.name if p.theme else NO_THEME, p.total_value)
        for p in projects
    ]
    return [g for g in calculations.totals(rows, order) if g.count or g.key != "none"]


@dataclass(frozen=True)
class Summary:
    by_stage: list[Total]
    by_theme: list[Total]
    total: Total
    leverage: Leverage


def summary(projects: Iterable[PipelineProject]) -> Summary:
    projects = list(projects)
    by_stage = totals_by_stage(projects)
    return Summary(
        by_stage=by_stage,
        by_theme=totals_by_theme(projects),
        total=calculations.grand_total(by_stage),
        leverage=overall_leverage(projects),
    )


def stage_changes_between(first, last) -> list[StageChange]:
    """Stage changes made from day `first` to day `last` inclusive (local dates), oldest first:
    what moved in a reporting period (the board report's quarter)."""
    return list(
        StageChange.objects.filter(changed_at__date__gte=first, changed_at__date__lte=last)
        .select_related("project")
        .order_by("changed_at", "pk")
    )


STAGE_COLOURS = ["#B1B4B6", "#56B4E9", "#E69F00", "#0072B2", "#009E73", "#505A5F"]


def timeline_rows(projects: Iterable[PipelineProject]) -> list[dict]:
    """One row per project with a start date; with no end date known the bar ends where it
    starts (end_known says so)."""
    rows = []
    for p in projects:
        if not p.start_date:
            continue
        rows.append(
            {
                "project": p.name,
                "stage": p.stage_label,
                "start": p.start_date.isoformat(),
                "end": (p.end_date or p.start_date).isoformat(),
                "end_known": p.end_date is not None,
                "value": float(p.total_value) if p.total_value is not None else None,
            }
        )
    return rows


def timeline_spec(projects: Iterable[PipelineProject]) -> dict | None:
    """A Vega-Lite Gantt chart of the projects with dates, coloured by stage; None if none."""
    rows = timeline_rows(projects)
    if not rows:
        return None
    labels = [s.label for s in Stage] + [STAGE_NOT_RECORDED]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": {"step": 28},
        "data": {"values": rows},
        "mark": {"type": "bar", "cornerRadius": 2, "minBandSize": 4},
        "encoding": {
            "y": {"field": "project", "type": "nominal", "title": None, "sort": {"field": "start"}},
            "x": {
                "field": "start",
                "type": "temporal",
                "title": "Dates",
                "axis": {"format": "%Y", "tickCount": "year"},
            },
            "x2": {"field": "end"},
            "color": {
                "field": "stage",
                "type": "nominal",
                "title": "Stage",
                "scale": {"domain": labels, "range": [*STAGE_COLOURS, "#D4351C"]},
            },
            "tooltip": [
                {"field": "project", "title": "Project"},
                {"field": "stage", "title": "Stage"},
                {"field": "start", "type": "temporal", "title": "Start"},
                {"field": "end", "type": "temporal", "title": "End"},
            ],
        },
    }


CSV_HEADER = [
    "name",
    "stage",
    "theme",
    "place",
    "place_code",
    "lead",
    "partners",
    "total_value_gbp",
    "ca_funding_secured_gbp",
    "other_funding_secured_gbp",
    "leverage_ratio",
    "start_date",
    "end_date",
    "asset_number",
    "source",
]


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def csv_rows(projects: Iterable[PipelineProject]) -> Iterator[list[str]]:
    yield CSV_HEADER
    for p in projects:
        lev = project_leverage(p)
        yield [
            p.name,
            p.stage,
            p.theme.code if p.theme else "",
            p.place.name if p.place else "",
            p.place.code if p.place else "",
            p.lead.name if p.lead else "",
            "; ".join(o.name for o in p.partners.all()),
            _money(p.total_value),
            _money(lev.ca),
            _money(lev.other),
            "" if lev.ratio is None else str(lev.ratio),
            p.start_date.isoformat() if p.start_date else "",
            p.end_date.isoformat() if p.end_date else "",
            str(p.asset.number) if p.asset else "",
            p.source,
        ]


# --- default data ------------------------------------------------------------------------------


def _match_asset(name: str) -> Asset | None:
    if not name:
        return None
    from django.db.models import Q

    return (
        Asset.objects.filter(Q(name__iexact=name) | Q(display_name__iexact=name))
        .order_by("number")
        .first()
    )


def _place(code: str) -> Place | None:
    if not code:
        return None
    if code == "city-region":
        return default_place()
    return Place.objects.filter(code=code).first()


@dataclass(frozen=True)
class LoadResult:
    created: int
    existing: int
    figures: int


@transaction.atomic
def load_default_pipeline(path: Path = DEFAULT_DATA_FILE) -> LoadResult:
    """The named pipeline projects of the domain brief with their published figures (unknown
    values stay empty) and the published pipeline totals. Idempotent: projects already present
    (by slug) are left as the officers have edited them."""
    data = json.loads(path.read_text(encoding="utf-8"))
    source = data["source"]
    themes = {t.code: t for t in Theme.objects.all()}
    created = existing = 0
    for item in data["projects"]:
        if PipelineProject.objects.filter(slug=item["slug"]).exists():
            existing += 1
            continue
        lead = link_organisations([item.get("lead", "")])
        project = PipelineProject.objects.create(
            name=item["name"],
            slug=item["slug"],
            summary=item.get("summary", ""),
            total_value=Decimal(item["total_value"]) if item.get("total_value") else None,
            theme=themes.get(item.get("theme") or ""),
            place=_place(item.get("place", "")),
            asset=_match_asset(item.get("asset", "")),
            lead=lead[0] if lead else None,
            source=source,
        )
        for f in item.get("funding", []):
            FundingSource.objects.create(
                project=project,
                source=f["source"],
                kind=f["kind"],
                amount=Decimal(f["amount"]) if f.get("amount") else None,
                secured=f.get("secured", False),
            )
        created += 1
    figures = 0
    for fig in data["published_figures"]:
        note = fig.get("source_note")
        _, made = PublishedFigure.objects.get_or_create(
            code=fig["code"],
            defaults={
                "statement": fig["statement"],
                "amount": Decimal(fig["amount"]) if fig.get("amount") else None,
                "at_least": fig.get("at_least", False),
                "period": fig.get("period", ""),
                "source": f"{source}; {note}" if note else source,
                "order": fig.get("order", 0),
            },
        )
        figures += made
    return LoadResult(created=created, existing=existing, figures=figures)


def load_default_data() -> Iterator[str]:
    """For northstar.core.services.load_default_data: `yield from` this."""
    result = load_default_pipeline()
    yield (
        f"Pipeline: {result.created} default projects added ({result.existing} already present), "
        f"{result.figures} published totals added."
    )
