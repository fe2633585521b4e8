"""Pages of the pipeline. Thin: the work is in services, forms and calculations."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from northstar.accounts.decorators import permission_required_or_login
from northstar.core.errors import UserInputError
from northstar.economy.views import charts_available

from . import services
from .forms import FundingForm, PipelineFilterForm, ProjectForm, StageForm
from .models import FundingSource, PipelineProject, PublishedFigure


def _projects(request):
    form = PipelineFilterForm(request.GET)
    filters = form.to_filters()
    return form, filters, PipelineProject.objects.filtered(filters).for_display()


def project_list(request):
    form, filters, projects = _projects(request)
    projects = list(projects)
    spec = services.timeline_spec(projects)
    return render(
        request,
        "pipeline/project_list.html",
        {
            "form": form,
            "filters": filters,
            "projects": [(p, services.project_leverage(p)) for p in projects],
            "summary": services.summary(projects),
            "figures": PublishedFigure.objects.all(),
            "timeline": services.timeline_rows(projects),
            "chart": {"id": "timeline-spec", "label": "Pipeline timeline", "spec": spec}
            if spec
            else None,
            "charts_available": charts_available(),
            "query": request.GET.urlencode(),
        },
    )


def project_csv(request):
    _, _, projects = _projects(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pipeline.csv"'
    writer = csv.writer(response)
    for row in services.csv_rows(projects):
        writer.writerow(row)
    return response


def project_detail(request, slug: str):
    project = get_object_or_404(PipelineProject.objects.for_display(), slug=slug)
    return render(
        request,
        "pipeline/project_detail.html",
        {
            "project": project,
            "leverage": services.project_leverage(project),
            "history": project.stage_changes.select_related("changed_by"),
        },
    )


@permission_required_or_login("pipeline.add_pipelineproject")
@require_http_methods(["GET", "POST"])
def project_create(request):
    form = ProjectForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.save_project(
                form.save(commit=False),
                user=request.user,
                lead_name=form.cleaned_data["lead_name"],
                partner_names=form.partner_list(),
                stage_note=form.cleaned_data.get("stage_note", ""),
            )
        except UserInputError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{project} was added to the pipeline.")
            return redirect("pipeline:detail", slug=project.slug)
    return render(request, "pipeline/project_form.html", {"form": form, "creating": True})


@permission_required_or_login("pipeline.change_pipelineproject")
@require_http_methods(["GET", "POST"])
def project_edit(request, slug: str):
    project = get_object_or_404(PipelineProject, slug=slug)
    form = ProjectForm(request.POST or None, instance=project, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.save_project(
                form.save(commit=False),
                user=request.user,
                lead_name=form.cleaned_data["lead_name"],
                partner_names=form.partner_list(),
            )
        except UserInputError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Your changes to {project} were saved.")
            return redirect("pipeline:detail", slug=project.slug)
    return render(
        request,
        "pipeline/project_form.html",
        {"form": form, "project": project, "creating": False},
    )


@permission_required_or_login("pipeline.change_stage")
@require_http_methods(["GET", "POST"])
def project_stage(request, slug: str):
    project = get_object_or_404(PipelineProject, slug=slug)
    form = StageForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_stage(
                project, form.cleaned_data["stage"], request.user, form.cleaned_data["note"]
            )
        except UserInputError as exc:
            form.add_error("stage", exc.message)
        else:
            messages.success(request, f"{project} is now at “{project.get_stage_display()}”.")
            return redirect("pipeline:detail", slug=project.slug)
    return render(request, "pipeline/stage_form.html", {"form": form, "project": project})


@permission_required_or_login("pipeline.change_pipelineproject")
@require_http_methods(["GET", "POST"])
def funding_add(request, slug: str):
    project = get_object_or_404(PipelineProject, slug=slug)
    form = FundingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        funding = form.save(commit=False)
        funding.project = project
        funding.save()
        messages.success(request, f"Funding from {funding.source} was added.")
        return redirect("pipeline:detail", slug=project.slug)
    return render(request, "pipeline/funding_form.html", {"form": form, "project": project})


@permission_required_or_login("pipeline.change_pipelineproject")
@require_POST
def funding_remove(request, slug: str, funding_id: int):
    funding = get_object_or_404(FundingSource, pk=funding_id, project__slug=slug)
    funding.delete()
    messages.success(request, f"Funding from {funding.source} was removed.")
    return redirect("pipeline:detail", slug=slug)
