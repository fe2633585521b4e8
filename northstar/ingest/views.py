"""The /data/ pages: imports with their status and provenance, uploads, and the data folder.

Thin: queueing and running imports live in jobs.py, reading files in framework.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods, require_POST

from northstar.accounts.decorators import permission_required_or_login
from northstar.core.errors import UserInputError

from . import jobs
from .forms import ImportFilterForm, UploadForm
from .framework import get_importer
from .models import Import

PAGE_SIZE = 25
ERRORS_PAGE_SIZE = 50
REFRESH_SECONDS = 2


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@permission_required_or_login("ingest.view_import")
def import_list(request):
    jobs.mark_lost_jobs()
    form = ImportFilterForm(request.GET)
    filters = form.to_filters()
    imports = (
        Import.objects.filtered(dataset=filters.dataset, status=filters.status)
        .select_related("created_by")
        .order_by("-started_at", "-pk")
    )
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ingest/import_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "total": page.paginator.count,
            "query": _query_without_page(request),
            "elided_pages": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "present_files": jobs.files_not_yet_imported(),
        },
    )


def _duration(record: Import) -> str:
    if record.finished_at is None:
        return ""
    seconds = max(0, round((record.finished_at - record.started_at).total_seconds()))
    if seconds < 60:
        return f"{seconds} second{pluralize(seconds)}"
    return timesince(record.started_at, record.finished_at)


@permission_required_or_login("ingest.view_import")
def import_detail(request, import_id: int):
    jobs.mark_lost_jobs(Import.objects.filter(pk=import_id))
    record = get_object_or_404(Import.objects.select_related("created_by"), pk=import_id)
    try:
        importer = get_importer(record.dataset)
    except UserInputError:
        importer = None  # a dataset no longer registered: its imports keep their provenance
    errors = Paginator(record.row_errors.all(), ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ingest/import_detail.html",
        {
            "record": record,
            "importer": importer,
            "errors": errors,
            "elided_pages": errors.paginator.get_elided_page_range(errors.number, on_each_side=2),
            "query": "",
            "refresh_seconds": None if record.is_finished else REFRESH_SECONDS,
            "duration": _duration(record),
        },
    )


@permission_required_or_login("ingest.add_import")
@require_http_methods(["GET", "POST"])
def upload(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                record = jobs.queue_upload(form.importer, form.cleaned_data["file"], request.user)
            except UserInputError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("ingest:detail", import_id=record.pk)
    else:
        form = UploadForm(initial={"dataset": request.GET.get("dataset", "")})
    return render(request, "ingest/upload.html", {"form": form})


@permission_required_or_login("ingest.add_import")
@require_POST
def import_present(request):
    """ "Import now" on a file found in the data folder: the same background job as an upload."""
    try:
        record = jobs.queue_present_file(
            request.POST.get("dataset", ""), request.POST.get("file", ""), request.user
        )
    except UserInputError as exc:
        messages.error(request, exc.message)
        return redirect("ingest:list")
    return redirect("ingest:detail", import_id=record.pk)
