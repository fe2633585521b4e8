"""Programme pages: the portfolio, one programme's dashboard, its returns (template, upload), the
officers' verification, and editing programmes, strands, managers and targets. Thin: every
figure, rule and change is in services."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from northstar.accounts.decorators import permission_required_or_login
from northstar.core.errors import FileRejected, UserInputError
from northstar.economy.views import charts_available

from . import calculations as calc
from . import charts, services
from .forms import (
    ManagerForm,
    ProgrammeForm,
    ReturnUploadForm,
    StrandForm,
    TargetsForm,
    funder_formset,
)
from .models import (
    Claim,
    MonitoringReturn,
    OutputDefinition,
    Programme,
    ProgrammeManager,
    Strand,
)


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
            "can_create": services.can_create_programmes(request.user),
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
            "can_edit": services.can_edit_programmes(request.user),
            "can_edit_strands": services.can_edit_strands(request.user),
            "can_assign_managers": services.can_assign_managers(request.user),
            "can_set_targets": services.can_set_targets(request.user, programme),
            "last_change": services.last_change(programme),
            "history": services.programme_history(programme) if internal else None,
            "logic_model": programme.logic_model_elements.select_related("place").first(),
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


# --- Editing: a programme's details and funders, strands, managers (officers); targets (officers
# and the programme's own managers). Each page checks the permission for GET and POST alike, then
# hands the submitted form to one service, which validates and saves (or saves nothing). A refused
# form comes back with its errors (status 200, as the register's forms do).


def _refused(exc: services.ChangeRefused, *defaults):
    """The bound forms of a refused change, in order, with `defaults` for any it did not use."""
    forms = list(exc.forms)
    return [*forms, *defaults[len(forms) :]]


@permission_required_or_login("programmes.add_programme")
@require_http_methods(["GET", "POST"])
def programme_create(request):
    form, funders = ProgrammeForm(), funder_formset(instance=Programme())
    if request.method == "POST":
        try:
            programme = services.create_programme(request.POST, request.user)
        except services.ChangeRefused as exc:
            form, funders = _refused(exc, form, funders)
        else:
            messages.success(request, f"{programme.name} was added to the programmes.")
            return redirect("programmes:detail", slug=programme.slug)
    return render(
        request,
        "programmes/programme_form.html",
        {"form": form, "funders": funders, "creating": True},
    )


@permission_required_or_login("programmes.change_programme")
@require_http_methods(["GET", "POST"])
def programme_edit(request, slug: str):
    programme = _programme(request, slug)
    form, funders = ProgrammeForm(instance=programme), funder_formset(instance=programme)
    if request.method == "POST":
        try:
            saved = services.update_programme(programme, request.POST, request.user)
        except services.ChangeRefused as exc:
            form, funders = _refused(exc, form, funders)
        else:
            messages.success(request, f"Your changes to {saved.name} were saved.")
            return redirect("programmes:detail", slug=saved.slug)
    return render(
        request,
        "programmes/programme_form.html",
        {"form": form, "funders": funders, "programme": programme, "creating": False},
    )


def _strand(programme: Programme, strand_slug: str) -> Strand:
    return get_object_or_404(Strand, programme=programme, slug=strand_slug)


@permission_required_or_login("programmes.add_strand")
@require_http_methods(["GET", "POST"])
def strand_create(request, slug: str):
    programme = _programme(request, slug)
    if not services.can_edit_strands(request.user):
        raise PermissionDenied("Only officers may change a programme's strands.")
    form = StrandForm(programme=programme)
    if request.method == "POST":
        try:
            strand = services.add_strand(programme, request.POST, request.user)
        except services.ChangeRefused as exc:
            (form,) = _refused(exc, form)
        else:
            messages.success(request, f"Strand {strand.name} was added to {programme.name}.")
            return redirect("programmes:detail", slug=programme.slug)
    return render(
        request,
        "programmes/strand_form.html",
        {"form": form, "programme": programme, "creating": True},
    )


@permission_required_or_login("programmes.change_strand")
@require_http_methods(["GET", "POST"])
def strand_edit(request, slug: str, strand: str):
    programme = _programme(request, slug)
    if not services.can_edit_strands(request.user):
        raise PermissionDenied("Only officers may change a programme's strands.")
    record = _strand(programme, strand)
    form = StrandForm(instance=record, programme=programme)
    if request.method == "POST":
        try:
            saved = services.update_strand(record, request.POST, request.user)
        except services.ChangeRefused as exc:
            (form,) = _refused(exc, form)
        else:
            messages.success(request, f"Your changes to strand {saved.name} were saved.")
            return redirect("programmes:detail", slug=programme.slug)
    return render(
        request,
        "programmes/strand_form.html",
        {"form": form, "programme": programme, "strand": record, "creating": False},
    )


@permission_required_or_login("programmes.delete_strand")
@require_http_methods(["GET", "POST"])
def strand_remove(request, slug: str, strand: str):
    programme = _programme(request, slug)
    if not services.can_edit_strands(request.user):
        raise PermissionDenied("Only officers may change a programme's strands.")
    record = _strand(programme, strand)
    if request.method == "POST":
        removed = services.remove_strand(record, request.user)
        with_targets = f" with its {removed} target{'s' if removed != 1 else ''}" if removed else ""
        messages.success(request, f"Strand {record.name} was removed{with_targets}.")
        return redirect("programmes:detail", slug=programme.slug)
    return render(
        request,
        "programmes/strand_remove.html",
        {"programme": programme, "strand": record, "targets": record.targets.count()},
    )


@permission_required_or_login("programmes.add_programmemanager")
@require_http_methods(["GET", "POST"])
def managers(request, slug: str):
    programme = _programme(request, slug)
    if not services.can_assign_managers(request.user):
        raise PermissionDenied("Only officers may assign programme managers.")
    form = ManagerForm(programme=programme)
    if request.method == "POST":
        try:
            assignment = services.assign_manager(programme, request.POST, request.user)
        except services.ChangeRefused as exc:
            (form,) = _refused(exc, form)
        else:
            messages.success(
                request,
                f"{assignment.user.get_username()} now manages {programme.name}.",
            )
            return redirect("programmes:managers", slug=programme.slug)
    return render(
        request,
        "programmes/managers.html",
        {
            "programme": programme,
            "form": form,
            "assignments": programme.managers.select_related("user").order_by("user__username"),
        },
    )


@permission_required_or_login("programmes.delete_programmemanager")
@require_POST
def manager_remove(request, slug: str, pk: int):
    programme = _programme(request, slug)
    if not services.can_assign_managers(request.user):
        raise PermissionDenied("Only officers may assign programme managers.")
    assignment = get_object_or_404(
        ProgrammeManager.objects.select_related("user"), pk=pk, programme=programme
    )
    services.remove_manager(assignment, request.user)
    messages.success(
        request, f"{assignment.user.get_username()} no longer manages {programme.name}."
    )
    return redirect("programmes:managers", slug=programme.slug)


@login_required
@require_http_methods(["GET", "POST"])
def targets(request, slug: str, strand: str | None = None):
    programme = _programme(request, slug)
    if not services.can_set_targets(request.user, programme):
        raise PermissionDenied("Only officers and this programme's managers may set its targets.")
    record = _strand(programme, strand) if strand else None
    chosen = request.GET.getlist("output")
    outputs = list(OutputDefinition.objects.filter(code__in=chosen)) if chosen else None
    form = TargetsForm(programme=programme, strand=record, outputs=outputs)
    if request.method == "POST":
        try:
            saved = services.set_targets(programme, request.POST, request.user, strand=record)
        except services.ChangeRefused as exc:
            (form,) = _refused(exc, form)
        else:
            if saved.changed:
                messages.success(
                    request,
                    f"Targets saved: {saved.changed} "
                    f"{'change' if saved.changed == 1 else 'changes'}.",
                )
            else:
                messages.info(request, "No targets were changed.")
            return redirect(request.path)
    return render(
        request,
        "programmes/targets.html",
        {
            "programme": programme,
            "strand": record,
            "strands": programme.strands.all(),
            "form": form,
            "all_outputs": OutputDefinition.objects.all(),
            "shown": {o.code for o in form.outputs},
            "warnings": services.target_warnings(programme, record),
        },
    )
