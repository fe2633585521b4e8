"""Asset register API: list, detail, GeoJSON and CSV exports (public); writes (officers).

Reads go through the same code path as the register's pages (`AssetFilters` and
`Asset.objects.visible_to(user).filtered(...)`), so a filter means the same on a page and here.
Writes go through `services`, which check the user's permission and validate with `AssetForm`.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict

from northstar.places.services import default_place

from . import services
from .models import (
    Asset,
    AssetFilters,
    AssetStatus,
    AssetType,
    LocationPrecision,
    OrganisationKind,
)

router = Router(tags=["Assets"])

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_ID = 9_223_372_036_854_775_807  # BigAutoField
MAX_NUMBER = 2_147_483_647  # PositiveIntegerField
CSRF_FAILED = (
    "CSRF check failed. Send the value of the CSRF cookie (csrftoken) in an X-CSRFToken "
    "header, and over HTTPS a Referer header from this site."
)


class SessionAuth(NinjaSessionAuth):
    """A signed-in session, then its CSRF token, then (optionally) a permission, in that order.

    Anonymous → 401 (before the CSRF check: there is no session to protect); signed in without a
    valid CSRF token → 403; signed in without `permission` → 403. Checking the permission here,
    before the request body is validated, means a user who may not write learns nothing from
    validation errors. The services check the permission again.
    """

    def __init__(self, permission: str | None = None, csrf: bool = True) -> None:
        self.permission = permission
        super().__init__(csrf=csrf)

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if self.csrf:
            # Read (and keep) the body first: the CSRF check may parse a form-encoded body,
            # which would otherwise consume the stream before the body's own parser sees it.
            request.body  # noqa: B018
            if check_csrf(request) is not None:
                raise HttpError(403, CSRF_FAILED)
        if self.permission and not user.has_perm(self.permission):
            action = self.permission.split(".")[1].replace("_", " ")
            raise PermissionDenied(f"You do not have permission to {action}.")
        return user


def _choices(values: list[str]) -> Any:
    """A Literal of the given codes plus "" (no filter), for an enum in the OpenAPI schema."""
    return Literal[("", *values)]


StatusFilter = _choices(AssetStatus.values)
AssetTypeFilter = _choices(AssetType.values)


# --- Schemas ---------------------------------------------------------------------------------


class AssetFilterQuery(Schema):
    theme: str = Field(
        "",
        max_length=100,
        description="Theme code, e.g. `infection_health`. A code that names no theme matches "
        "no assets.",
    )
    status: StatusFilter = Field(
        "",
        description="`existing` or `pipeline`; empty for both. Any other value is refused (422).",
    )
    borough: str = Field(
        "",
        max_length=100,
        description="Borough slug (e.g. `liverpool`, `st-helens`), or `offshore`, `outside` or "
        "`region_wide` for assets not in one borough. A value that names no borough matches no "
        "assets.",
    )
    asset_type: AssetTypeFilter = Field(
        "", description="Type of asset; empty for all. Any other value is refused (422)."
    )
    q: str = Field(
        "",
        max_length=200,
        description="Free text: assets whose name, display name or notes contain every word",
    )
    include_retired: bool = Field(
        False,
        description="Include retired assets. Only for users who may see them (officers, Board "
        "members, administrators); ignored for everyone else.",
    )

    def to_filters(self, request: HttpRequest) -> AssetFilters:
        return AssetFilters(
            theme=self.theme.strip(),
            status=self.status,
            borough=self.borough.strip(),
            asset_type=self.asset_type,
            q=self.q.strip(),
            include_retired=self.include_retired
            and request.user.has_perm("assets.view_retired_asset"),
        )

    def matches_nothing(self) -> bool:
        # No stored text contains NUL (forms refuse it, PostgreSQL cannot store it), and
        # PostgreSQL refuses it in a query: such a value matches nothing.
        return any("\x00" in value for value in (self.theme, self.borough, self.q))


class PageQuery(Schema):
    page: int = Field(
        1,
        ge=1,
        le=1_000_000,
        description="Page number, from 1. A page past the last one has an empty `results` list "
        "(`count` and `pages` still tell the truth); it is not an error.",
    )
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Assets per page (1 to 500)"
    )


class ThemeOut(Schema):
    code: str
    name: str
    colour: str = Field(description="Map colour, #RRGGBB")


class AssetOut(Schema):
    id: int
    number: int = Field(description="Register number (the map key); unique")
    name: str = Field(description="Name as printed in the source")
    display_name: str = Field(description="Corrected name, where the printed one is wrong")
    title: str = Field(description="The name to show: display name if set, else name")
    theme: ThemeOut
    status: AssetStatus
    asset_type: AssetType
    borough: str = Field(description="Borough name, or Offshore / Outside LCR / Region-wide")
    borough_slug: str = Field(
        description="The `borough` filter and write value: borough slug, or offshore / outside / "
        "region_wide"
    )
    borough_code: str | None = Field(description="ONS code of the borough; null when not in one")
    latitude: float | None = Field(description="WGS84; null when the position is not known")
    longitude: float | None = Field(description="WGS84; null when the position is not known")
    location_precision: LocationPrecision = Field(
        description="How precise `latitude` and `longitude` are; `none` when there are none"
    )
    organisation_kind: OrganisationKind
    notes: str
    retired: bool
    retired_at: datetime | None = Field(description="When the asset was retired; null if not")
    retired_reason: str
    url: str = Field(description="The asset's page")

    @staticmethod
    def resolve_borough(obj: Asset) -> str:
        return obj.borough_label

    @staticmethod
    def resolve_borough_slug(obj: Asset) -> str:
        return obj.place.slug if obj.place_id else obj.location_scope

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
    count: int = Field(description="Assets matching the filters, on all pages")
    page: int
    page_size: int
    pages: int = Field(description="Number of pages (at least 1, even when nothing matches)")
    results: list[AssetOut]


class AssetIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    number: int = Field(ge=1, le=MAX_NUMBER, description="Register number; must be unused")
    name: str = Field(min_length=1, max_length=200)
    display_name: str = Field("", max_length=200)
    theme: str = Field(description="Theme code, e.g. `infection_health`")
    status: AssetStatus
    asset_type: AssetType
    borough: str = Field(
        description="Borough slug (e.g. `liverpool`), or `offshore` / `outside` / `region_wide`"
    )
    latitude: float | None = Field(
        None,
        allow_inf_nan=False,
        description="WGS84 decimal degrees, at most 5 decimal places, within the UK; null (or "
        "left out) together with longitude when the position is not known",
    )
    longitude: float | None = Field(
        None,
        allow_inf_nan=False,
        description="WGS84 decimal degrees, at most 5 decimal places, within the UK",
    )
    location_precision: LocationPrecision = Field(
        description="`none` when there is no position; `site` or `area` when there is one"
    )
    organisation_kind: OrganisationKind
    notes: str = Field("", max_length=5000)


class AssetPatch(Schema):
    """Only the fields sent are changed; the rest keep their values."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    number: int | None = Field(None, ge=1, le=MAX_NUMBER)
    name: str | None = Field(None, min_length=1, max_length=200)
    display_name: str | None = Field(None, max_length=200)
    theme: str | None = None
    status: AssetStatus | None = None
    asset_type: AssetType | None = None
    borough: str | None = None
    latitude: float | None = Field(None, allow_inf_nan=False, description="null clears it")
    longitude: float | None = Field(None, allow_inf_nan=False, description="null clears it")
    location_precision: LocationPrecision | None = None
    organisation_kind: OrganisationKind | None = None
    notes: str | None = Field(None, max_length=5000)


class RetireIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why the asset is retired")


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in words")
    errors: dict[str, list[str]] | list[str] | None = Field(
        None, description="Messages for each field at fault, when there are any"
    )


# GeoJSON (RFC 7946): documented here; the view builds plain dicts for speed.
class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description="[longitude, latitude], WGS84"
    )


class FeatureProperties(BaseModel):
    number: int
    title: str
    theme: str
    theme_name: str
    colour: str
    status: str
    asset_type: str
    borough: str
    location_precision: str
    position_approximate: bool = Field(
        description="true when the asset has no position of its own and is drawn at its "
        "borough's (or the city region's) centre"
    )
    retired: bool
    url: str


class Feature(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: PointGeometry | None
    properties: FeatureProperties


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[Feature]


def _inline_schema(model: type[BaseModel]) -> dict:
    """The model's JSON schema with its definitions inlined (for a hand-written response)."""
    schema = model.model_json_schema(mode="serialization")
    definitions = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


# --- Helpers ---------------------------------------------------------------------------------

READ_ERRORS = {422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


def _queryset(request: HttpRequest, filters: AssetFilterQuery):
    if filters.matches_nothing():
        return Asset.objects.none()
    return (
        Asset.objects.visible_to(request.user).filtered(filters.to_filters(request)).for_display()
    )


def _visible(request: HttpRequest, asset_id: int) -> Asset:
    """Object-level read check: a retired asset is a 404 to anyone who may not see retired ones."""
    return get_object_or_404(Asset.objects.visible_to(request.user).for_display(), pk=asset_id)


AssetId = Path(..., ge=1, le=MAX_ID, description="The asset's id (`id` in the list)")


# --- Reads -----------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: AssetPage, **READ_ERRORS},
    url_name="assets_list",
    operation_id="listAssets",
    summary="List and filter assets",
    description=(
        "The register, filtered and a page at a time, in register-number order. Filters combine "
        "(all must match) and mean the same as on the register's pages. Retired assets are left "
        "out unless `include_retired` is set by a user who may see them."
    ),
)
def list_assets(request, filters: Query[AssetFilterQuery], paging: Query[PageQuery]):
    qs = _queryset(request, filters)
    count = qs.count()
    start = (paging.page - 1) * paging.page_size
    results = list(qs[start : start + paging.page_size]) if start < count else []
    return {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": max(1, -(-count // paging.page_size)),
        "results": results,
    }


@router.get(
    "/geojson",
    response=READ_ERRORS,
    url_name="assets_geojson",
    operation_id="exportAssetsGeoJSON",
    summary="The (filtered) register as GeoJSON",
    description=(
        "An RFC 7946 FeatureCollection (content type `application/geo+json`) with one Point "
        "feature per asset, coordinates `[longitude, latitude]`. Assets without their own "
        "position are placed at their borough's centre (or the city region's) with "
        "`position_approximate: true`. Takes the same filters as the list; not paginated."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "OK",
                "content": {"application/geo+json": {"schema": _inline_schema(FeatureCollection)}},
            }
        }
    },
)
def assets_geojson(request, filters: Query[AssetFilterQuery]):
    collection = services.register_geojson(_queryset(request, filters), default_place())
    return JsonResponse(collection, content_type="application/geo+json")


class _Echo:
    def write(self, value):
        return value


@router.get(
    "/csv",
    response=READ_ERRORS,
    url_name="assets_csv",
    operation_id="exportAssetsCSV",
    summary="The (filtered) register as CSV",
    description=(
        "Every matching asset (not paginated) in the register's own CSV layout, UTF-8: the "
        "columns the importer reads (`"
        + "`, `".join(services.REGISTER_COLUMNS)
        + "`), then `display_name`, `retired_at` and `retired_reason`. The file can be edited "
        "and imported again. Takes the same filters as the list."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "OK",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def assets_csv(request, filters: Query[AssetFilterQuery]):
    writer = csv.writer(_Echo())
    rows = services.register_rows(_queryset(request, filters).iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        (writer.writerow(r) for r in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="assets.csv"'
    return response


@router.get(
    "/{asset_id}",
    response={200: AssetOut, 404: ErrorOut, 422: ErrorOut},
    url_name="assets_detail",
    operation_id="getAsset",
    summary="One asset",
    description="A retired asset is 404 Not Found to anyone who may not see retired assets.",
)
def get_asset(request, asset_id: int = AssetId):
    return _visible(request, asset_id)


# --- Writes ----------------------------------------------------------------------------------

WRITE_NOTE = (
    "\n\nNeeds a signed-in session (its cookie) and the CSRF token (the value of the CSRF "
    "cookie) in an `X-CSRFToken` header. 400: the body is not JSON; 401: not signed in; 403: no CSRF token, or "
    "the user's role may not do this; 422: the input was refused, with the messages for each "
    "field in `errors`. A refused request changes nothing."
)


@router.post(
    "/",
    auth=SessionAuth("assets.add_asset"),
    response={201: AssetOut, **WRITE_ERRORS},
    url_name="assets_create",
    operation_id="createAsset",
    summary="Add an asset (officers)",
    description="Adds an asset to the register; recorded in its history." + WRITE_NOTE,
)
def create_asset(request, payload: AssetIn):
    asset = services.create_asset(payload.dict(), request.user)
    return Status(201, Asset.objects.for_display().get(pk=asset.pk))


@router.patch(
    "/{asset_id}",
    auth=SessionAuth("assets.change_asset"),
    response={200: AssetOut, 404: ErrorOut, **WRITE_ERRORS},
    url_name="assets_update",
    operation_id="updateAsset",
    summary="Change an asset (officers)",
    description="Changes the fields sent and leaves the rest; recorded in the asset's history."
    + WRITE_NOTE,
)
def update_asset(request, payload: AssetPatch, asset_id: int = AssetId):
    asset = _visible(request, asset_id)
    changes = payload.dict(exclude_unset=True)
    if not changes:
        return asset  # nothing sent: nothing to save, and no empty entry in the history
    data = services.asset_form_data(asset)
    data.update(changes)
    asset = services.update_asset(asset, data, request.user)
    return Asset.objects.for_display().get(pk=asset.pk)


@router.post(
    "/{asset_id}/retire",
    auth=SessionAuth("assets.retire_asset"),
    response={200: AssetOut, 404: ErrorOut, **WRITE_ERRORS},
    url_name="assets_retire",
    operation_id="retireAsset",
    summary="Retire an asset (officers)",
    description="Takes the asset off the public register (it is kept, with its history). "
    "Retiring an asset that is already retired is refused (422)." + WRITE_NOTE,
)
def retire_asset(request, payload: RetireIn, asset_id: int = AssetId):
    asset = services.retire_asset(_visible(request, asset_id), request.user, payload.reason)
    return Asset.objects.for_display().get(pk=asset.pk)


@router.delete(
    "/{asset_id}",
    auth=SessionAuth("assets.delete_asset"),
    response={204: None, 404: ErrorOut, **WRITE_ERRORS},
    url_name="assets_delete",
    operation_id="deleteAsset",
    summary="Delete an asset (administrators)",
    description="Removes the asset outright; its history keeps a record of the deletion. "
    "Officers retire assets instead." + WRITE_NOTE,
)
def delete_asset(request, asset_id: int = AssetId):
    services.delete_asset(_visible(request, asset_id), request.user)
    return Status(204, None)


__all__ = ["SessionAuth", "router"]
