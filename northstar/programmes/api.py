"""Programmes API: published programmes with their figures (public; no beneficiary names), and
monitoring returns for the programme's managers and officers (signed-in session, CSRF token).
Mounted by northstar/api.py: `api.add_router("/programmes", "northstar.programmes.api.router")`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.security import SessionAuth

from northstar.core.api_schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut
from northstar.core.errors import UserInputError

from . import calculations as calc
from . import services
from .models import Claim, MonitoringReturn, Programme

router = Router(tags=["Programmes"])


class OutputFigure(Schema):
    code: str
    name: str
    unit: str
    target: Decimal | None
    verified: Decimal
    awaiting_verification: Decimal


class ProgrammeOut(Schema):
    slug: str
    name: str
    short_name: str
    lead: str | None
    status: str
    budget: Decimal | None
    spend: Decimal | None
    start_date: date | None
    end_date: date | None
    unique_businesses: int
    outputs: list[OutputFigure]


class ReturnOut(Schema):
    id: int
    programme: str
    quarter: str
    status: str
    file_name: str
    sha256: str
    claims: int


class ClaimOut(Schema):
    id: int
    line: int | None
    output: str
    quantity: Decimal
    status: str
    rejection_reason: str


class DecisionIn(Schema):
    verify: bool
    reason: str = ""


def _programme_out(programme: Programme) -> dict:
    figures = services.programme_figures(programme)
    return {
        "slug": programme.slug,
        "name": programme.name,
        "short_name": programme.short_name,
        "lead": programme.lead_organisation.name if programme.lead_organisation else None,
        "status": programme.status,
        "budget": programme.budget,
        "spend": programme.spend,
        "start_date": programme.start_date,
        "end_date": programme.end_date,
        "unique_businesses": figures.unique_businesses,
        "outputs": [
            {
                "code": r.output.code,
                "name": r.output.name,
                "unit": r.output.unit,
                "target": r.target,
                "verified": r.actual,
                "awaiting_verification": r.pending,
            }
            for r in figures.outputs
        ],
    }


def _return_out(record: MonitoringReturn) -> dict:
    return {
        "id": record.pk,
        "programme": record.programme.slug,
        "quarter": calc.quarter_label(record.quarter),
        "status": record.status,
        "file_name": record.file_name,
        "sha256": record.sha256,
        "claims": record.claims.count(),
    }


def _programme(request, slug: str) -> Programme:
    try:
        return services.get_programme(request.user, slug)
    except Programme.DoesNotExist:
        raise Http404 from None


@router.get(
    "",
    response={200: list[ProgrammeOut], 422: ErrorOut},
    summary="Programmes with targets and verified figures",
)
def list_programmes(request):
    return [_programme_out(p) for p in services.visible_programmes(request.user)]


@router.get("/{slug}", response={200: ProgrammeOut, **READ_ERRORS}, summary="One programme")
def get_programme(request, slug: str):
    return _programme_out(_programme(request, slug))


@router.get(
    "/{slug}/returns",
    response={200: list[ReturnOut], **WRITE_ERRORS},
    auth=SessionAuth(),
    summary="A programme's returns",
)
def list_returns(request, slug: str):
    programme = _programme(request, slug)
    if not services.can_view_returns(request.user, programme):
        raise PermissionDenied("Only this programme's managers and officers may see its returns.")
    return [_return_out(r) for r in programme.returns.select_related("programme")]


@router.post(
    "/{slug}/returns",
    response={201: ReturnOut, **WRITE_ERRORS},
    auth=SessionAuth(),
    summary="Submit a return (multipart: quarter like 2024-25 Q1, file .xlsx)",
)
def submit_return(request, slug: str, quarter: Form[str], file: File[UploadedFile]):
    programme = _programme(request, slug)
    if not services.can_submit(request.user, programme):
        raise PermissionDenied("Only this programme's managers may submit its returns.")
    try:
        start = calc.parse_quarter(quarter)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    record = services.submit_return(programme, request.user, start, file.name, file.read())
    return Status(201, _return_out(record))


@router.get(
    "/returns/{return_id}",
    response={200: list[ClaimOut], **WRITE_ERRORS},
    auth=SessionAuth(),
    summary="A return's claims",
)
def return_claims(request, return_id: int):
    record = get_object_or_404(MonitoringReturn.objects.select_related("programme"), pk=return_id)
    if not services.can_view_returns(request.user, record.programme):
        raise PermissionDenied("Only this programme's managers and officers may see its returns.")
    return [
        {
            "id": c.pk,
            "line": c.line,
            "output": c.output.code,
            "quantity": c.quantity,
            "status": c.status,
            "rejection_reason": c.rejection_reason,
        }
        for c in record.claims.select_related("output")
    ]


@router.post(
    "/claims/{claim_id}/decision",
    response={200: ClaimOut, **WRITE_ERRORS},
    auth=SessionAuth(),
    summary="Verify or reject a claim",
)
def decide(request, claim_id: int, payload: DecisionIn):
    claim = get_object_or_404(
        Claim.objects.select_related("output", "monitoring_return"), pk=claim_id
    )
    if not services.can_verify(request.user):
        raise PermissionDenied("Only officers may verify claims.")
    services.decide_claim(claim, request.user, verify=payload.verify, reason=payload.reason)
    return {
        "id": claim.pk,
        "line": claim.line,
        "output": claim.output.code,
        "quantity": claim.quantity,
        "status": claim.status,
        "rejection_reason": claim.rejection_reason,
    }
