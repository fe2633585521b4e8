"""Indicators API: the indicators, their observations and status for a place, and recording an
observation (signed-in session with indicators.add_observation, CSRF token). The same services as
the pages. Mounted by northstar/api.py: `api.add_router("/indicators", "northstar.indicators.api.router")`.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.security import SessionAuth

from northstar.core.errors import UserInputError

from . import services

router = Router(tags=["Indicators"])


class IndicatorOut(Schema):
    code: str
    name: str
    definition: str
    unit: str
    unit_kind: str
    direction: str
    frequency: str
    period_kind: str
    path_kind: str
    forecast_model: str
    factor: Decimal
    numerator_label: str
    denominator_label: str
    source: str
    owner: str
    headline: bool
    formula: str = Field(
        description="The derivation formula, for indicators derived from statistics"
    )


class ObservationOut(Schema):
    place: str = Field(description="Place code")
    period: str
    period_kind: str
    year: int
    quarter: int
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    dimension: str
    category: str
    status: str
    origin: str
    revision: int
    is_current: bool
    evidence_url: str


class StatusOut(Schema):
    indicator: str
    place: str
    status: str
    reason: str
    latest: ObservationOut | None
    baseline: Decimal | None
    baseline_year: int | None
    target: Decimal | None
    target_year: int | None
    required_now: float | None
    gap: float | None
    required_annual_change: float | None
    forecast_at_target: float | None
    forecast_model: str | None


class AggregateOut(Schema):
    indicator: str
    places: list[str] = Field(description="Place codes aggregated")
    years: list[int]
    numerator: Decimal = Field(description="Sum of the numerators")
    denominator: Decimal = Field(description="Sum of the denominators")
    factor: Decimal
    value: Decimal = Field(description="Σ numerators ÷ Σ denominators × factor")
    unit: str
    mean_of_ratios: Decimal = Field(
        description="The unweighted mean of the places' values, for contrast only: not the "
        "aggregate"
    )
    formula: str


class LogicModelElementOut(Schema):
    id: int
    stage: str = Field(description="input, activity, output, outcome or impact")
    text: str
    order: int
    programme: str | None = Field(
        description="The programme's slug (its page is /programmes/{slug}/); null for the "
        "partnership as a whole or a programme named only in text"
    )
    programme_name: str = Field(
        description="The programme's name, or the text naming a programme that is not in the "
        "programmes list; empty for the partnership as a whole"
    )
    indicators: list[str] = Field(description="Codes of the indicators it is meant to move")
    leads_to: list[int] = Field(description="Ids of the elements it leads to")


class ObservationIn(Schema):
    place: str = Field(description="Place code, e.g. E47000004")
    period: str = Field(description="2021, 2021-22 (financial year) or 2021 Q3")
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    status: str = "final"
    evidence_url: str = ""
    dimension: str = ""
    category: str = ""
    revision: bool = Field(False, description="True to supersede the current value")
    note: str = ""


def _indicator(code: str):
    try:
        return services.get_indicator(code)
    except UserInputError:
        raise Http404 from None


def _observation(o) -> dict:
    return {
        "place": o.place.code,
        "period": o.period_label,
        "period_kind": o.period_kind,
        "year": o.year,
        "quarter": o.quarter,
        "value": o.value,
        "numerator": o.numerator,
        "denominator": o.denominator,
        "dimension": o.dimension,
        "category": o.category,
        "status": o.status,
        "origin": o.origin,
        "revision": o.revision,
        "is_current": o.is_current,
        "evidence_url": o.evidence_url,
    }


def _out(indicator) -> dict:
    derivation = services.derivation_of(indicator)
    return {
        **{f: getattr(indicator, f) for f in IndicatorOut.model_fields if f != "formula"},
        "formula": derivation.formula if derivation else "",
    }


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | list[str] | None = None


READ_ERRORS = {404: ErrorOut, 422: ErrorOut}


@router.get("/", response={200: list[IndicatorOut], 422: ErrorOut}, summary="Every indicator")
def list_indicators(request):
    from .models import Indicator

    return [_out(i) for i in Indicator.objects.all()]


@router.get(
    "/logic-model",
    response={200: list[LogicModelElementOut], **READ_ERRORS},
    summary="The logic model",
)
def logic_model(request, place: str = "", programme: str = ""):
    """The partnership's logic model for a place (the default place if none is given), or a
    programme's (its slug; a programme named only in text, by that text). 404 for an unknown
    place, or a programme that is unknown, not visible to you, or has no logic model."""
    from northstar.programmes.services import visible_programmes

    where = services.place_by_code(place or None)
    if where is None:
        raise Http404
    found, label = services.programme_for_logic_model(programme, visible_programmes(request.user))
    if label and not services.chain_elements(where, None, label).exists():
        raise Http404
    return [
        {
            "id": e.pk,
            "stage": e.stage,
            "text": e.text,
            "order": e.order,
            "programme": e.programme.slug if e.programme_id else None,
            "programme_name": e.programme_name,
            "indicators": [i.code for i in e.indicators.all()],
            "leads_to": [n.pk for n in e.leads_to.all()],
        }
        for _, _, elements in services.logic_model(where, found, label)
        for e in elements
    ]


@router.get("/{code}", response={200: IndicatorOut, **READ_ERRORS}, summary="One indicator")
def get_indicator(request, code: str):
    return _out(_indicator(code))


@router.get(
    "/{code}/observations",
    response={200: list[ObservationOut], **READ_ERRORS},
    summary="Observations",
)
def list_observations(request, code: str, place: str = "", all_revisions: bool = False):
    """Current observations (every revision with all_revisions=true), of one place if given."""
    indicator = _indicator(code)
    rows = indicator.observations.select_related("place").order_by(
        "place__code", "year", "quarter", "revision"
    )
    if place:
        rows = rows.filter(place__code=place)
    if not all_revisions:
        rows = rows.filter(is_current=True)
    return [_observation(o) for o in rows]


@router.get(
    "/{code}/status", response={200: StatusOut, **READ_ERRORS}, summary="Status against the target"
)
def status(request, code: str, place: str = ""):
    indicator = _indicator(code)
    where = services.place_by_code(place or None)
    if where is None:
        raise Http404
    s = services.summarise(indicator, where)
    a = s.assessment
    return {
        "indicator": indicator.code,
        "place": where.code,
        "status": str(a.status),
        "reason": a.reason,
        "latest": _observation(s.latest) if s.latest else None,
        "baseline": s.baseline.value if s.baseline else None,
        "baseline_year": s.baseline.year if s.baseline else None,
        "target": s.target.value if s.target else None,
        "target_year": s.target.year if s.target else None,
        "required_now": a.required_now,
        "gap": a.gap,
        "required_annual_change": a.required_annual_change,
        "forecast_at_target": a.forecast_at_target,
        "forecast_model": s.forecast.model if s.forecast else None,
    }


@router.get(
    "/{code}/aggregate",
    response={200: AggregateOut, **READ_ERRORS},
    summary="A ratio indicator aggregated across places and years",
)
def aggregate(
    request,
    code: str,
    places: str = Query(..., description="Comma-separated place codes, e.g. E06000006,E08000011"),
    from_year: int = Query(..., alias="from", description="First year, e.g. 2019"),
    to_year: int | None = Query(None, alias="to", description="Last year (default: from)"),
):
    """Σ numerators ÷ Σ denominators × factor over the places' current whole-year observations:
    never the mean of the ratios. 404 for an unknown indicator; 422 for an unknown place, a
    backwards range, an indicator that is not a ratio, or any place and year without its
    numerator and denominator (each listed in `errors`)."""
    indicator = _indicator(code)
    codes = [c.strip() for c in places.split(",") if c.strip()]
    found = {p.code: p for p in services.Place.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise UserInputError(
            "Unknown place codes.", details=[f"There is no place {c!r}." for c in unknown]
        )
    last = from_year if to_year is None else to_year
    if last < from_year or last - from_year > 100:
        raise UserInputError(f"{from_year} to {last} is not a range of years.")
    result = services.aggregate(indicator, [found[c] for c in codes], range(from_year, last + 1))
    return {
        "indicator": indicator.code,
        "places": [p.code for p in result.places],
        "years": result.years,
        "numerator": result.numerator,
        "denominator": result.denominator,
        "factor": result.factor,
        "value": result.value,
        "unit": indicator.unit,
        "mean_of_ratios": result.mean_of_ratios,
        "formula": result.formula,
    }


@router.post(
    "/{code}/observations",
    response={201: ObservationOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, **READ_ERRORS},
    auth=SessionAuth(),
    summary="Record an observation",
)
def add_observation(request, code: str, payload: ObservationIn):
    """Refused with 422 and a reason per field (unit, period, duplicate, not a number, no
    evidence); nothing is written then."""
    if not request.user.has_perm("indicators.add_observation"):
        raise PermissionDenied("Your role may not record indicator observations.")
    indicator = _indicator(code)
    place = services.place_by_code(payload.place) if payload.place else None
    data = services.ObservationIn(
        indicator=indicator, place=place, **payload.dict(exclude={"place"})
    )
    if place is None:
        raise services.ObservationRefused({"place": [f"There is no place {payload.place!r}."]})
    return Status(201, _observation(services.record_observation(data, user=request.user)))
