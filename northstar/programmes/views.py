"""Programme pages: the portfolio, one programme's dashboard, its returns (template, upload) and
the officers' verification. Thin: every figure and rule is in services."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.views import charts_available

from . import calculations as calc
from . import charts, services
from .forms import ReturnUploadForm
from .models import Claim, MonitoringReturn, Programme


def _programme(request, slug: str) -> Programme:
    try:
        return services.get_programme(request.user, slug)
    except Programme.DoesNotExist:
        raise Http404("No such programme") from None


def portfolio(request):
    programmes = services.visible_programmes(request.user)
    internal = request.user.has_perm("programmes.view_portfolio")
    beneficiary_map = services.beneficiary_map(programmes)
    return render(
        request,
        "programmes/portfolio.html",
        {
            "programmes": programmes,
            "figures": services.portfolio_figures(programmes),
            "beneficiary_map": beneficiary_map,
            "map_config": {
                "tileUrl": settings.NORTHSTAR_MAP_TILE_URL,
                "tileAttribution": settings.NORTHSTAR_MAP_TILE_ATTRIBUTION,
                "centre": beneficiary_map.centre,
                "boroughs": [asdict(b) for b in beneficiary_map.boroughs],
            },
            "internal": internal,
            "duplicates": services.duplicate_claims() if internal else [],
            "shared": services.shared_beneficiaries() if internal else [],
        },
    )


def programme(request, slug: str):
    programme = _programme(request, slug)
    figures = services.programme_figures(programme)
    chart_list = [
        {
            "id": f"chart-{row.output.code}",
            "label": f"{row.output.name}: target and verified actual by quarter",
            "spec": charts.targets_vs_actuals(
                row.series, y_title=row.output.unit, description=row.output.name
            ),
            "row": row,
        }
        for row in figures.outputs
        if row.series
    ]
    internal = request.user.has_perm("programmes.view_portfolio") or services.manages(
        request.user, programme
    )
    return render(
        request,
        "programmes/programme.html",
        {
            "programme": programme,
            "figures": figures,
            "charts": chart_list,
            "charts_available": charts_available(),
            "internal": internal,
            "beneficiaries": programme.beneficiaries.select_related("organisation", "place")
            if internal
            else None,
            "can_view_returns": services.can_view_returns(request.user, programme),
            "can_submit": services.can_submit(request.user, programme),
            "duplicates": services.duplicate_claims(programme) if internal else [],
        },
    )


def _may_view_returns(request, programme: Programme) -> None:
    if not services.can_view_returns(request.user, programme):
        raise PermissionDenied("Only this programme's managers and officers may see its returns.")


@login_required
def returns(request, slug: str):
    programme = _programme(request, slug)
    _may_view_returns(request, programme)
    return render(
        request,
        "programmes/returns.html",
        {
            "programme": programme,
            "returns": services.returns_for(request.user, programme),
            "can_submit": services.can_submit(request.user, programme),
        },
    )


@login_required
def template(request, slug: str):
    programme = _programme(request, slug)
    _may_view_returns(request, programme)
    response = HttpResponse(
        services.return_template(programme),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{programme.slug}-return.xlsx"'
    return response


@login_required
def upload(request, slug: str):
    programme = _programme(request, slug)
    if not services.can_submit(request.user, programme):
        raise PermissionDenied("Only this programme's managers may submit its returns.")
    form = ReturnUploadForm(request.POST or None, request.FILES or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = services.submit_return(
                programme, request.user, form.cleaned_data["quarter"], upload.name, upload.read()
            )
        except FileRejected as exc:
            problem = exc
        except UserInputError as exc:
            problem = exc
        else:
            messages.success(
                request,
                f"Return for {calc.quarter_label(record.quarter)} submitted: "
                f"{record.claims.count()} claims await verification.",
            )
            return redirect("programmes:return", pk=record.pk)
    return render(
        request,
        "programmes/upload.html",
        {"programme": programme, "form": form, "problem": problem},
        status=422 if problem else 200,
    )


@login_required
def return_detail(request, pk: int):
    record = get_object_or_404(MonitoringReturn.objects.select_related("programme"), pk=pk)
    _may_view_returns(request, record.programme)
    return render(
        request,
        "programmes/return.html",
        {
            "record": record,
            "programme": record.programme,
            "claims": record.claims.select_related(
                "beneficiary__organisation", "beneficiary__place", "output", "verified_by"
            ),
            "can_verify": services.can_verify(request.user),
            "duplicates": {
                c.pk for d in services.duplicate_claims(record.programme) for c in d.claims
            },
        },
    )


@require_POST
@login_required
def decide(request, pk: int):
    claim = get_object_or_404(Claim.objects.select_related("monitoring_return"), pk=pk)
    if not services.can_verify(request.user):
        raise PermissionDenied("Only officers may verify claims.")
    verify = request.POST.get("decision") == "verify"
    try:
        services.decide_claim(
            claim, request.user, verify=verify, reason=request.POST.get("reason", "")
        )
    except UserInputError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Claim on line {claim.line} {claim.get_status_display().lower()}."
        )
    if claim.monitoring_return_id:
        return redirect("programmes:return", pk=claim.monitoring_return_id)
    return redirect("programmes:detail", slug=claim.programme.slug)
