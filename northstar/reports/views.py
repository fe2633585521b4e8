"""The board report's pages: the list of issued reports, a quarter's draft (web and PDF), issuing
it (officers), and an issued report (from its stored snapshot and PDF). Board members and
officers only; thin: the work is in services and rendering."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from northstar.accounts.decorators import permission_required_or_login
from northstar.core.errors import UserInputError
from northstar.economy.views import charts_available

from . import calculations as calc
from . import rendering, services
from .forms import IssueForm
from .models import Report
from .permissions import can_issue

VIEW = "reports.view_report"
ISSUE = "reports.issue_report"


def _quarter_and_place(request):
    return (
        services.quarter_from_text(request.GET.get("quarter") or request.POST.get("quarter")),
        services.place_from_text(request.GET.get("place") or request.POST.get("place")),
    )


def _pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _file_name(snapshot: dict, suffix: str) -> str:
    place = snapshot["place"]["slug"]
    version = f"-v{snapshot['issue']['version']}" if snapshot.get("issue") else "-draft"
    return f"board-report-{snapshot['quarter']['code']}-{place}{version}.{suffix}"


def _quarter_choices(selected: str) -> list[dict]:
    return [
        {"code": q.code, "label": q.label, "selected": q.code == selected}
        for q in calc.recent_quarters(services.today())
    ]


def _problem(request, exc: UserInputError, status: int = 422):
    return render(
        request,
        "reports/problem.html",
        {"message": exc.message, "details": exc.details, "quarters": _quarter_choices("")},
        status=status,
    )


@permission_required_or_login(VIEW)
def report_list(request):
    current = services.current_quarter()
    reports = list(services.issued_reports().order_by("-quarter", "-version"))
    superseded = {r.supersedes_id for r in reports if r.supersedes_id}
    return render(
        request,
        "reports/list.html",
        {
            "reports": reports,
            "superseded": superseded,
            "current": current,
            "quarters": _quarter_choices(current.code),
            "can_issue": can_issue(request.user),
        },
    )


def _web_context(snapshot: dict) -> dict:
    ctx = rendering.context(snapshot, for_pdf=False)
    for section in ctx["sections"]:
        for chart in section["charts"]:
            chart["label"] = chart["title"]
    ctx["charts_available"] = charts_available()
    return ctx


@permission_required_or_login(VIEW)
def draft(request):
    try:
        quarter, place = _quarter_and_place(request)
        data = services.build_report(quarter, place)
    except UserInputError as exc:
        return _problem(request, exc)
    snapshot = data.to_snapshot()
    query = urlencode({"quarter": quarter.code, "place": place.code})
    issued = services.issued_reports(place).filter(quarter=quarter.start).order_by("-version")
    return render(
        request,
        "reports/report.html",
        {
            **_web_context(snapshot),
            "quarters": _quarter_choices(quarter.code),
            "pdf_url": f"{reverse('reports:draft_pdf')}?{query}",
            "issue_url": f"{reverse('reports:issue')}?{query}",
            "can_issue": can_issue(request.user),
            "already_issued": issued.first(),
        },
    )


@permission_required_or_login(VIEW)
def draft_pdf(request):
    try:
        quarter, place = _quarter_and_place(request)
        snapshot = services.draft_snapshot(quarter, place)
    except UserInputError as exc:
        return _problem(request, exc)
    return _pdf_response(rendering.render_pdf(snapshot), _file_name(snapshot, "pdf"))


@permission_required_or_login(ISSUE)
@require_http_methods(["GET", "POST"])
def issue(request):
    try:
        quarter, place = _quarter_and_place(request)
    except UserInputError as exc:
        return _problem(request, exc)
    latest = services.issued_reports(place).filter(quarter=quarter.start).order_by("-version")
    latest = latest.first()
    if request.method == "POST":
        form = IssueForm(request.POST, reissue=latest is not None)
        if form.is_valid():
            try:
                report = services.issue_report(
                    quarter,
                    request.user,
                    place=place,
                    reason=form.cleaned_data["reason"],
                    expected_content=form.cleaned_data["content"],
                )
            except UserInputError as exc:
                form.add_error("reason" if "reason" in exc.details else None, exc.message)
            else:
                messages.success(
                    request,
                    f"The report for {quarter.short_label} was issued (version {report.version}). "
                    "It is frozen: later changes to the data do not alter it.",
                )
                return redirect("reports:issued", pk=report.pk)
        status = 422
    else:
        snapshot = services.draft_snapshot(quarter, place)
        form = IssueForm(
            initial={"content": calc.content_hash(snapshot)}, reissue=latest is not None
        )
        status = 200
    return render(
        request,
        "reports/issue.html",
        {
            "form": form,
            "quarter": quarter,
            "place": place,
            "latest": latest,
            "draft_url": f"{reverse('reports:draft')}?"
            + urlencode({"quarter": quarter.code, "place": place.code}),
        },
        status=status,
    )


def _issued(pk: int) -> Report:
    try:
        return services.get_issued(pk)
    except Report.DoesNotExist:
        raise Http404("No such report") from None


@permission_required_or_login(VIEW)
def issued(request, pk: int):
    report = _issued(pk)
    newer = Report.objects.filter(supersedes=report).first()
    return render(
        request,
        "reports/report.html",
        {
            **_web_context(report.snapshot),
            "stored": report,
            "newer": newer,
            "intact": services.verify(report),
            "pdf_url": reverse("reports:issued_pdf", args=[report.pk]),
            "snapshot_url": reverse("reports:issued_snapshot", args=[report.pk]),
        },
    )


@permission_required_or_login(VIEW)
def issued_pdf(request, pk: int):
    report = _issued(pk)
    return _pdf_response(bytes(report.pdf), _file_name(report.snapshot, "pdf"))


@permission_required_or_login(VIEW)
def issued_snapshot(request, pk: int):
    report = _issued(pk)
    # The canonical bytes: their SHA-256 is the snapshot hash shown on the report.
    response = HttpResponse(
        calc.canonical_json(report.snapshot), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_name(report.snapshot, "json")}"'
    )
    return response
