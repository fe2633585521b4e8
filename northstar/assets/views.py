"""Pages of the asset register. Thin: filtering, validation and saving live in models/forms/services."""

from __future__ import annotations

import csv
import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from northstar.accounts.decorators import permission_required_or_login
from northstar.core.errors import FileRejected, UserInputError
from northstar.places.models import Place
from northstar.places.services import default_place

from . import services
from .forms import AssetFilterForm, AssetForm, CsvUploadForm, RetireForm
from .models import Asset, Theme

PAGE_SIZE = 25


class Echo:
    def write(self, value):
        return value


def _filters(request):
    form = AssetFilterForm(
        request.GET, allow_retired=request.user.has_perm("assets.view_retired_asset")
    )
    return form, form.to_filters()


def _visible(request, asset_id: int) -> Asset:
    """Object-level read check: a retired asset is a 404 to anyone who may not see retired ones."""
    asset = get_object_or_404(Asset.objects.select_related("theme", "place"), pk=asset_id)
    if not Asset.objects.visible_to(request.user).filter(pk=asset.pk).exists():
        raise Http404("No such asset")
    return asset


def asset_list(request):
    form, filters = _filters(request)
    assets = Asset.objects.visible_to(request.user).filtered(filters).for_display()
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assets/asset_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
            "elided_pages": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )


def asset_csv(request):
    """Exactly the filtered list, every page of it, as CSV in the register's own layout."""
    _, filters = _filters(request)
    assets = Asset.objects.visible_to(request.user).filtered(filters).for_display()
    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in services.register_rows(assets.iterator(chunk_size=2000))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="assets.csv"'
    return response


def asset_detail(request, asset_id: int):
    asset = _visible(request, asset_id)
    history = None
    if request.user.has_perm("assets.view_asset_history"):
        history = services.asset_history(asset)
    return render(request, "assets/asset_detail.html", {"asset": asset, "history": history})


@permission_required_or_login("assets.add_asset")
@require_http_methods(["GET", "POST"])
def asset_create(request):
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        asset = services.save_asset_form(form, request.user)
        messages.success(request, f"Asset {asset} was added to the register.")
        return redirect("assets:detail", asset_id=asset.pk)
    return render(request, "assets/asset_form.html", {"form": form, "creating": True})


@permission_required_or_login("assets.change_asset")
@require_http_methods(["GET", "POST"])
def asset_edit(request, asset_id: int):
    asset = _visible(request, asset_id)
    form = AssetForm(request.POST or None, instance=asset)
    if request.method == "POST" and form.is_valid():
        asset = services.save_asset_form(form, request.user)
        messages.success(request, f"Your changes to {asset} were saved.")
        return redirect("assets:detail", asset_id=asset.pk)
    return render(
        request, "assets/asset_form.html", {"form": form, "asset": asset, "creating": False}
    )


@permission_required_or_login("assets.retire_asset")
@require_http_methods(["GET", "POST"])
def asset_retire(request, asset_id: int):
    asset = _visible(request, asset_id)
    if asset.is_retired:
        if request.method == "POST":
            services.reinstate_asset(asset, request.user)
            messages.success(request, f"{asset} was reinstated.")
            return redirect("assets:detail", asset_id=asset.pk)
        return render(request, "assets/asset_reinstate.html", {"asset": asset})
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.retire_asset(asset, request.user, form.cleaned_data["reason"])
        messages.success(request, f"{asset} was retired. It no longer shows to the public.")
        return redirect("assets:detail", asset_id=asset.pk)
    return render(request, "assets/asset_retire.html", {"asset": asset, "form": form})


@permission_required_or_login("assets.import_assets")
@require_http_methods(["GET", "POST"])
def asset_import(request):
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_assets_csv(
                upload.file, file_name=upload.name, user=request.user
            )
        except FileRejected as exc:
            rejected = exc
        except UserInputError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                f"{upload.name} imported: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
            )
            return redirect("assets:list")
    return render(request, "assets/asset_import.html", {"form": form, "rejected": rejected})


def asset_map(request):
    form, filters = _filters(request)
    region = default_place()
    boundaries = []
    if region is not None:
        for place in Place.objects.boroughs_of(region).with_boundary():
            boundaries.append(
                {
                    "code": place.code,
                    "name": place.name,
                    "slug": place.slug,
                    "geometry": json.loads(place.boundary_geojson),
                }
            )
    themes = list(Theme.objects.values("code", "name", "colour"))
    visible = Asset.objects.visible_to(request.user).filtered(filters)
    return render(
        request,
        "assets/asset_map.html",
        {
            "form": form,
            "filters": filters,
            "region": region,
            "map_config": {
                "geojsonUrl": reverse("api-1:assets_geojson"),
                "tileUrl": settings.NORTHSTAR_MAP_TILE_URL,
                "tileAttribution": settings.NORTHSTAR_MAP_TILE_ATTRIBUTION,
                "boundaries": boundaries,
                "themes": themes,
                "centre": [float(region.centroid_latitude), float(region.centroid_longitude)]
                if region and region.centroid_latitude is not None
                else [54.0, -2.5],
            },
            "has_boundaries": bool(boundaries),
            "theme_counts": visible.counts_by_theme(),
            "borough_counts": visible.counts_by_borough(),
            "total": visible.count(),
        },
    )
