"""The quarterly Innovation Board report: build a draft from the live data, issue it (an
immutable snapshot and PDF, each with its SHA-256), and find issued ones. Pages, the command
line, the API and the admin call these.

`build_report` gathers each section by calling the services of the app that owns the figures
(indicators, programmes, pipeline, economy and funding, assets, actions) and turns the answer
into plain JSON-able values: the snapshot. Everything the report shows, on the web and in the
PDF, is rendered from that snapshot alone (rendering.py), so an issued report is re-rendered
from its stored snapshot exactly as it was issued, and two snapshots can be compared ("what
changed since the last issued report").

The reporting period: figures are those held when the report is built (a draft) or issued.
The quarter decides the period labels, the programme profile targets and verified outputs to the
end of the quarter, the stage changes and register changes "this quarter", and the day actions
are judged overdue on: the quarter's last day, or today while the quarter is still running.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from northstar.core.errors import UserInputError
from northstar.places.models import Place

from . import calculations as calc
from . import sections
from .calculations import Quarter
from .models import Report, ReportStatus
from .permissions import can_issue

SNAPSHOT_SCHEMA = 1
REPORT_TITLE = "Innovation Board quarterly report"


# --- quarters and places -----------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def current_quarter(day: date | None = None) -> Quarter:
    return Quarter.of(day or today())


def quarter_from_text(text: str | None, day: date | None = None) -> Quarter:
    """A quarter typed by a person ('2026-27-Q3'); empty means the current quarter. Refused
    (UserInputError): anything not a quarter, and a quarter that has not started yet."""
    day = day or today()
    if not (text or "").strip():
        return current_quarter(day)
    try:
        quarter = calc.parse_quarter(text)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    if quarter.start > day:
        raise UserInputError(
            f"{quarter.label} has not started yet: a report can cover this quarter "
            f"({current_quarter(day).short_label}) or an earlier one."
        )
    return quarter


def place_from_text(text: str | None) -> Place:
    """A place by code or slug; empty means the default place (the service's own)."""
    from northstar.places.services import default_place

    text = (text or "").strip()
    if not text:
        place = default_place()
        if place is None:
            raise UserInputError(
                "No default place is loaded: run `northstar load_default_data` first."
            )
        return place
    place = (
        Place.objects.filter(code__iexact=text).first() or Place.objects.filter(slug=text).first()
    )
    if place is None:
        raise UserInputError(f"No place {text!r}: give a place's code (E47000004) or slug.")
    return place


# --- the report as built -----------------------------------------------------------------------


@dataclass
class ReportData:
    quarter: Quarter
    place: Place
    generated_at: datetime
    as_at: date  # the day actions are judged overdue on
    sections: list[dict] = field(default_factory=list)
    compared_with: Report | None = None
    changes: dict | None = None

    def section(self, key: str) -> dict:
        return next(s for s in self.sections if s["key"] == key)

    def to_snapshot(self) -> dict[str, Any]:
        """Plain JSON values only (Decimals as strings, dates as ISO text): checked by
        serialising it, so nothing that cannot be stored slips in."""
        previous = None
        if self.compared_with is not None:
            r = self.compared_with
            previous = {
                "id": r.pk,
                "quarter": r.quarter_obj.short_label,
                "version": r.version,
                "issued_at": timezone.localtime(r.issued_at).isoformat() if r.issued_at else None,
                "issued_on": calc.long_date(timezone.localtime(r.issued_at).date())
                if r.issued_at
                else None,
            }
        q = self.quarter
        snapshot = {
            "schema": SNAPSHOT_SCHEMA,
            "title": REPORT_TITLE,
            "organisation": settings.NORTHSTAR_ORGANISATION_NAME,
            "service": settings.NORTHSTAR_SERVICE_NAME,
            "status": ReportStatus.DRAFT.value,
            "quarter": {
                "start": q.start.isoformat(),
                "end": q.end.isoformat(),
                "code": q.code,
                "label": q.label,
                "short_label": q.short_label,
                "months": q.months,
            },
            "place": {"code": self.place.code, "name": self.place.name, "slug": self.place.slug},
            "generated_at": self.generated_at.isoformat(),
            "generated_on": calc.long_date(self.generated_at.date()),
            "as_at": self.as_at.isoformat(),
            "as_at_label": calc.long_date(self.as_at),
            "previous": previous,
            "changes": self.changes,
            "sections": self.sections,
            "issue": None,
        }
        return json.loads(calc.canonical_json(snapshot))


def build_report(
    quarter: Quarter | None = None,
    place: Place | None = None,
    *,
    now: datetime | None = None,
) -> ReportData:
    """The draft report for a quarter and place (default: the current quarter, the default
    place), from the data as it stands, compared with the last report issued before it."""
    now = timezone.localtime(now or timezone.now())
    quarter = quarter or current_quarter(now.date())
    if quarter.start > now.date():
        raise UserInputError(f"{quarter.label} has not started yet.")
    place = place or place_from_text(None)
    as_at = min(now.date(), quarter.end)
    data = ReportData(quarter=quarter, place=place, generated_at=now, as_at=as_at)
    data.sections = [
        sections.indicators_section(place),
        sections.programmes_section(quarter),
        sections.pipeline_section(quarter),
        sections.funding_section(place),
        sections.assets_section(place, quarter),
        sections.actions_section(as_at, quarter),
    ]
    for number, section in enumerate(data.sections, start=1):
        section["number"] = number
    data.compared_with = Report.objects.latest_issued_up_to(place, quarter.start)
    if data.compared_with is not None:
        data.changes = calc.diff_snapshots(
            data.compared_with.snapshot, {"sections": json.loads(_json(data.sections))}
        )
    return data


def _json(value) -> str:
    return calc.canonical_json({"v": value}).decode()[5:-1]


# --- issuing -----------------------------------------------------------------------------------


def draft_snapshot(
    quarter: Quarter | None = None, place: Place | None = None, *, now: datetime | None = None
) -> dict:
    return build_report(quarter, place, now=now).to_snapshot()


@transaction.atomic
def issue_report(
    quarter: Quarter,
    user,
    *,
    place: Place | None = None,
    reason: str = "",
    expected_content: str = "",
    now: datetime | None = None,
) -> Report:
    """Issue the report for a quarter: build it from the data as it stands, store the snapshot
    and its PDF with their SHA-256, immutable. Officers and administrators only.

    A quarter already issued for the place is issued again only with a reason: a new version
    that supersedes the last (which stays as it was). `expected_content` is the content hash of
    the draft the officer reviewed: if the figures changed since, nothing is issued."""
    from .rendering import render_pdf

    if not can_issue(user):
        raise PermissionDenied("Only officers may issue the board report.")
    now = timezone.localtime(now or timezone.now())
    place = place or place_from_text(None)
    reason = (reason or "").strip()
    latest = (
        Report.objects.issued()
        .for_place(place)
        .filter(quarter=quarter.start)
        .order_by("-version")
        .first()
    )
    if latest is not None and not reason:
        raise UserInputError(
            f"The report for {quarter.short_label} was issued on "
            f"{calc.long_date(timezone.localtime(latest.issued_at).date())} (version "
            f"{latest.version}). To issue a new "
            "version, say why (it will supersede that one, which is kept as issued).",
            details=["reason"],
        )
    data = build_report(quarter, place, now=now)
    snapshot = data.to_snapshot()
    if expected_content and calc.content_hash(snapshot) != expected_content:
        raise UserInputError(
            "The figures changed after the draft was opened, so nothing was issued. Open the "
            "draft again, check it, and issue it then."
        )
    version = latest.version + 1 if latest else 1
    issued_by_name = user.get_full_name() or user.get_username()
    snapshot["status"] = ReportStatus.ISSUED.value
    snapshot["issue"] = {
        "version": version,
        "issued_at": now.isoformat(),
        "issued_on": calc.long_date(now.date()),
        "issued_by": issued_by_name,
        "reason": reason,
        "supersedes": {"id": latest.pk, "version": latest.version} if latest else None,
    }
    snapshot = json.loads(calc.canonical_json(snapshot))
    snapshot_sha = calc.sha256_hex(calc.canonical_json(snapshot))
    pdf = render_pdf(snapshot)
    try:
        with transaction.atomic():
            return Report.objects.create(
                quarter=quarter.start,
                place=place,
                status=ReportStatus.ISSUED,
                version=version,
                snapshot=snapshot,
                snapshot_sha256=snapshot_sha,
                pdf=pdf,
                pdf_sha256=calc.sha256_hex(pdf),
                issued_by=user,
                issued_by_name=issued_by_name,
                issued_at=now,
                supersedes=latest,
                compared_with=data.compared_with,
                reason=reason,
            )
    except IntegrityError:
        raise UserInputError(
            f"Someone else issued the report for {quarter.short_label} at the same moment; "
            "open the reports list to see it."
        ) from None


def issued_reports(place: Place | None = None):
    qs = Report.objects.issued().select_related("place", "supersedes")
    return qs.for_place(place) if place is not None else qs


def get_issued(pk: int) -> Report:
    report = issued_reports().filter(pk=pk).first()
    if report is None:
        raise Report.DoesNotExist(pk)
    return report


def verify(report: Report) -> bool:
    """Whether the stored snapshot and PDF still hash to what was recorded when issued."""
    return (
        calc.sha256_hex(calc.canonical_json(report.snapshot)) == report.snapshot_sha256
        and calc.sha256_hex(bytes(report.pdf)) == report.pdf_sha256
    )
