"""The board report's JSON API (mounted at /api/reports): issued reports and their frozen
snapshots. Signed-in board members, officers and administrators only (401 without a session,
403 without the permission). Drafts and issuing are on the pages and the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from ninja import Router, Schema
from ninja.security import SessionAuth

from northstar.core.api_schemas import ErrorOut

from . import services
from .models import Report
from .permissions import can_view

router = Router(tags=["Board reports"], auth=SessionAuth())
READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ReportOut(Schema):
    id: int
    quarter: str  # e.g. 2026-27-Q3
    quarter_label: str
    place_code: str
    place: str
    version: int
    issued_at: datetime
    issued_by: str
    reason: str
    supersedes: int | None
    superseded_by: int | None
    pdf_url: str
    pdf_sha256: str
    snapshot_sha256: str


class ReportDetailOut(ReportOut):
    snapshot: dict[str, Any]


def _check(request) -> None:
    if not can_view(request.user):
        raise PermissionDenied("Only Innovation Board members and officers may read reports.")


def _out(report: Report, newer: dict[int, int]) -> dict:
    return {
        "id": report.pk,
        "quarter": report.quarter_obj.code,
        "quarter_label": report.quarter_obj.label,
        "place_code": report.place.code,
        "place": report.place.name,
        "version": report.version,
        "issued_at": report.issued_at,
        "issued_by": report.issued_by_name,
        "reason": report.reason,
        "supersedes": report.supersedes_id,
        "superseded_by": newer.get(report.pk),
        "pdf_url": reverse("reports:issued_pdf", args=[report.pk]),
        "pdf_sha256": report.pdf_sha256,
        "snapshot_sha256": report.snapshot_sha256,
    }


def _newer() -> dict[int, int]:
    return dict(Report.objects.exclude(supersedes=None).values_list("supersedes_id", "pk"))


@router.get("", response={200: list[ReportOut], **READ}, summary="Issued board reports")
def list_reports(request):
    """Every issued report, newest quarter (and version) first."""
    _check(request)
    newer = _newer()
    reports = services.issued_reports().order_by("-quarter", "-version")
    return [_out(r, newer) for r in reports]


@router.get(
    "/{report_id}",
    response={200: ReportDetailOut, **READ},
    summary="An issued report and its frozen snapshot",
)
def get_report(request, report_id: int):
    """The snapshot is every figure the report showed, as issued; its SHA-256 (of the canonical
    JSON: keys sorted, no spaces, UTF-8) is `snapshot_sha256`."""
    _check(request)
    try:
        report = services.get_issued(report_id)
    except Report.DoesNotExist:
        raise Http404 from None
    return {**_out(report, _newer()), "snapshot": report.snapshot}
