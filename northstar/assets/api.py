"""Asset register API: list, detail, GeoJSON and CSV exports (public); writes (officers)."""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from northstar.places.services import default_place

from . import services
from .models import Asset, AssetFilters, AssetStatus, AssetType

router = Router(tags=["assets"])
MAX_PAGE_SIZE = 500


class AssetFilterQuery(Schema):
    theme: str = Field("", description="Theme code, e.g. infection_health")
    status: Literal["", "existing", "pipeline"] = ""
    borough: str = Field(
        "", description="Borough slug (e.g. liverpool) or offshore/outside/region_wide"
    )
    asset_type: str = Field("", description="Asset type code, e.g. research_facility")
    q: str = Field("", max_length=200, description="Free text over names and notes")
    include_retired: bool = Field(False, description="Officers and board only")

    def to_filters(self, request: HttpRequest) -> AssetFilters:
        return AssetFilters(
            theme=self.theme,
            status=self.status,
            borough=self.borough,
            asset_type=self.asset_type,
            q=self.q.strip(),
            include_retired=self.include_retired
            and request.user.has_perm("assets.view_retired_asset"),
        )


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class ThemeOut(Schema):
    code: str
    name: str
    colour: str


class AssetOut(Schema):
    id: int
    number: int
    name: str
    display_name: str
    title: str
    theme: ThemeOut
    status: str
    asset_type: str
    borough: str = Field(description="Borough name, or Offshore / Outside LCR / Region-wide")
    borough_code: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    location_precision: str
    organisation_kind: str
    notes: str
    retired: bool
    url: str

    @staticmethod
    def resolve_borough(obj: Asset) -> str:
        return obj.borough_label

    @staticmethod
    def resolve_borough_code(obj: Asset) -> str | None:
        return obj.place.code if obj.place_id else None

    @staticmethod
    def resolve_retired(obj: Asset) -> bool:
        return obj.is_retired

    @staticmethod
    def resolve_url(obj: Asset) -> str:
        return f"/assets/{obj.pk}/"


class AssetPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[AssetOut]


class AssetIn(Schema):
    number: int = Field(ge=1, le=2_147_483_647)
    name: str = Field(min_length=1, max_length=200)
    display_name: str = Field("", max_length=200)
    theme: str = Field(description="Theme code")
    status: AssetStatus
    asset_type: AssetType
    borough: str = Field(description="Borough slug, or offshore / outside / region_wide")
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    location_precision: Literal["site", "area", "none"]
    organisation_kind: str
    notes: str = Field("", max_length=5000)


class AssetPatch(Schema):
    number: int | None = Field(None, ge=1, le=2_147_483_647)
    name: str | None = Field(None, min_length=1, max_length=200)
    display_name: str | None = Field(None, max_length=200)
    theme: str | None = None
    status: AssetStatus | None = None
    asset_type: AssetType | None = None
    borough: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    location_precision: Literal["site", "area", "none"] | None = None
    organisation_kind: str | None = None
    notes: str | None = Field(None, max_length=5000)


class RetireIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | list[str] | None = None


def _queryset(request: HttpRequest, filters: AssetFilterQuery):
    return (
        Asset.objects.visible_to(request.user).filtered(filters.to_filters(request)).for_display()
    )


def _visible(request: HttpRequest, asset_id: int) -> Asset:
    return get_object_or_404(
        Asset.objects.visible_to(request.user).select_related("theme", "place"), pk=asset_id
    )


@router.get("/", response=AssetPage, url_name="assets_list", summary="List and filter assets")
def list_assets(request, filters: Query[AssetFilterQuery], paging: Query[PageQuery]) -> dict:
    qs = _queryset(request, filters)
    count = qs.count()
    start = (paging.page - 1) * paging.page_size
    return {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": max(1, -(-count // paging.page_size)),
        "results": list(qs[start : start + paging.page_size]),
    }


@router.get(
    "/geojson",
    url_name="assets_geojson",
    summary="The (filtered) register as a GeoJSON FeatureCollection",
    description=(
        "One Point feature per asset. Assets without their own coordinates are placed at their "
        "borough's centre (or the city region's) with `position_approximate: true`."
    ),
)
def assets_geojson(request, filters: Query[AssetFilterQuery]):
    from django.http import JsonResponse

    region = default_place()
    features = []
    for asset in _queryset(request, filters).iterator(chunk_size=2000):
        position = asset.map_position(region)
        features.append(
            {
                "type": "Feature",
                "id": asset.pk,
                "geometry": None
                if position is None
                else {"type": "Point", "coordinates": [float(position[1]), float(position[0])]},
                "properties": {
                    "number": asset.number,
                    "title": asset.title,
                    "theme": asset.theme.code,
                    "theme_name": asset.theme.name,
                    "colour": asset.theme.colour,
                    "status": asset.status,
                    "asset_type": asset.asset_type,
                    "borough": asset.borough_label,
                    "location_precision": asset.location_precision,
                    "position_approximate": not asset.has_own_position,
                    "retired": asset.is_retired,
                    "url": f"/assets/{asset.pk}/",
                },
            }
        )
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
    )


class _Echo:
    def write(self, value):
        return value


@router.get("/csv", url_name="assets_csv", summary="The (filtered) register as CSV")
def assets_csv(request, filters: Query[AssetFilterQuery]):
    writer = csv.writer(_Echo())
    rows = services.register_rows(_queryset(request, filters).iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        (writer.writerow(r) for r in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="assets.csv"'
    return response


@router.get("/{int:asset_id}", response={200: AssetOut, 404: ErrorOut}, url_name="assets_detail")
def get_asset(request, asset_id: int):
    return _visible(request, asset_id)


@router.post(
    "/",
    auth=django_auth,
    response={201: AssetOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="assets_create",
    summary="Add an asset (officers)",
)
def create_asset(request, payload: AssetIn):
    asset = services.create_asset(payload.dict(), request.user)
    return 201, Asset.objects.for_display().get(pk=asset.pk)


@router.patch(
    "/{int:asset_id}",
    auth=django_auth,
    response={200: AssetOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="assets_update",
    summary="Change an asset (officers)",
)
def update_asset(request, asset_id: int, payload: AssetPatch):
    asset = _visible(request, asset_id)
    data = services.asset_form_data(asset)
    data.update(payload.dict(exclude_unset=True))
    asset = services.update_asset(asset, data, request.user)
    return Asset.objects.for_display().get(pk=asset.pk)


@router.post(
    "/{int:asset_id}/retire",
    auth=django_auth,
    response={200: AssetOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="assets_retire",
    summary="Retire an asset (officers)",
)
def retire_asset(request, asset_id: int, payload: RetireIn):
    asset = services.retire_asset(_visible(request, asset_id), request.user, payload.reason)
    return Asset.objects.for_display().get(pk=asset.pk)


@router.delete(
    "/{int:asset_id}",
    auth=django_auth,
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="assets_delete",
    summary="Delete an asset (administrators; officers retire instead)",
)
def delete_asset(request, asset_id: int):
    asset = _visible(request, asset_id)
    services.delete_asset(asset, request.user)
    return 204, None
