"""Every change to the register goes through here: the web pages, the API, the CLI and the admin."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from northstar.core.errors import FileRejected, RowError, UserInputError
from northstar.ingest.models import Import
from northstar.ingest.services import record_import, sha256_of
from northstar.places.models import Place

from .forms import AssetForm, AssetRowForm
from .models import SCOPE_LABELS, Asset, AssetQuerySet, Theme

DEFAULT_REGISTER = Path(__file__).parent / "default_data" / "assets.csv"
DEFAULT_THEMES = Path(__file__).parent / "default_data" / "themes.json"
REGISTER_COLUMNS = [
    "number",
    "name",
    "theme",
    "status",
    "asset_type",
    "borough",
    "borough_code",
    "latitude",
    "longitude",
    "location_precision",
    "organisation_kind",
    "notes",
]
DATASET = "asset-register"


class AssetInvalid(UserInputError):
    """An asset's fields failed validation; `errors` maps field name to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {k: list(v) for k, v in errors.items()}
        super().__init__(
            "The asset was not saved.",
            details=[f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items()],
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    record: Import

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _require(user, perm: str) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDenied(
            f"You do not have permission to {perm.split('.')[1].replace('_', ' ')}."
        )


def _save_with_history(asset: Asset, user, reason: str) -> Asset:
    asset._history_user = user if getattr(user, "is_authenticated", False) else None
    asset._change_reason = reason
    asset.save()
    return asset


def save_asset_form(form: AssetForm, user, *, reason: str = "") -> Asset:
    """Save a validated form, creating or changing an asset; recorded in its history."""
    creating = form.instance.pk is None
    _require(user, "assets.add_asset" if creating else "assets.change_asset")
    if not form.is_valid():
        raise AssetInvalid(form.errors)
    if not creating and not form.has_changed():
        return form.instance  # nothing to save, and nothing to add to the history
    try:
        with transaction.atomic():
            asset = form.save(commit=False)
            return _save_with_history(asset, user, reason or ("Created" if creating else "Edited"))
    except IntegrityError as exc:
        # Two officers saving the same register number at once: the second is told, not a 500.
        if (
            Asset.objects.filter(number=form.cleaned_data["number"])
            .exclude(pk=form.instance.pk)
            .exists()
        ):
            raise AssetInvalid(
                {"number": ["Another asset already has this register number."]}
            ) from exc
        raise


def create_asset(data: Mapping, user) -> Asset:
    return save_asset_form(AssetForm(data), user)


def update_asset(asset: Asset, data: Mapping, user) -> Asset:
    return save_asset_form(AssetForm(data, instance=asset), user)


def asset_form_data(asset: Asset) -> dict:
    """An asset's current values in the form's terms, so a partial update can start from them."""
    return {
        "number": asset.number,
        "name": asset.name,
        "display_name": asset.display_name,
        "theme": asset.theme.code,
        "status": asset.status,
        "asset_type": asset.asset_type,
        "borough": asset.place.slug if asset.place_id else asset.location_scope,
        "latitude": asset.latitude,
        "longitude": asset.longitude,
        "location_precision": asset.location_precision,
        "organisation_kind": asset.organisation_kind,
        "notes": asset.notes,
    }


def retire_asset(asset: Asset, user, reason: str) -> Asset:
    _require(user, "assets.retire_asset")
    if not reason.strip():
        raise UserInputError("Give a reason for retiring the asset.")
    if asset.is_retired:
        raise UserInputError(f"{asset} is already retired.")
    asset.retired_at = timezone.now()
    asset.retired_reason = reason.strip()
    return _save_with_history(asset, user, f"Retired: {reason.strip()}")


def reinstate_asset(asset: Asset, user) -> Asset:
    _require(user, "assets.retire_asset")
    if not asset.is_retired:
        raise UserInputError(f"{asset} is not retired.")
    asset.retired_at = None
    asset.retired_reason = ""
    return _save_with_history(asset, user, "Reinstated")


def delete_asset(asset: Asset, user) -> None:
    """Remove an asset outright (administrators only); its history keeps a record of the deletion."""
    _require(user, "assets.delete_asset")
    asset._history_user = user
    asset._change_reason = "Deleted"
    asset.delete()


def load_themes(path: Path = DEFAULT_THEMES) -> int:
    themes = json.loads(Path(path).read_text(encoding="utf-8"))
    for theme in themes:
        Theme.objects.get_or_create(
            code=theme["code"],
            defaults={"name": theme["name"], "colour": theme["colour"], "order": theme["order"]},
        )
    return len(themes)


def _read_rows(stream: BinaryIO, file_name: str) -> tuple[list[str], list[tuple[int, dict]]]:
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = []
        for row in reader:
            if None in row:
                rows.append((reader.line_num, {"__extra__": row.pop(None)}))
                continue
            rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()}))
        text.detach()
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"{file_name} is not UTF-8 text: {exc.reason} at byte {exc.start}."
        ) from exc
    except csv.Error as exc:
        raise UserInputError(f"{file_name} is not a readable CSV file: {exc}") from exc
    return header, rows


def import_assets_csv(
    stream: BinaryIO,
    *,
    file_name: str,
    user=None,
    publisher: str = "",
    progress: Callable[[int, int], None] | None = None,
    check_permission: bool = True,
) -> ImportResult:
    """Import a register CSV: every row is validated first, then all are written or none.

    Rows are matched to existing assets by register number, so re-running the same file changes
    nothing. A rejected file raises FileRejected listing each bad row's line number and reason.
    """
    if check_permission:
        _require(user, "assets.import_assets")
    digest = sha256_of(stream)
    header, rows = _read_rows(stream, file_name)
    missing = [c for c in REGISTER_COLUMNS if c not in header]
    if missing:
        raise UserInputError(
            f"{file_name} is missing the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. Expected columns: {', '.join(REGISTER_COLUMNS)}."
        )
    if not rows:
        raise UserInputError(f"{file_name} has a header but no rows.")

    existing = {a.number: a for a in Asset.objects.select_related("theme", "place")}
    errors: list[RowError] = []
    forms: list[tuple[AssetRowForm, dict | None]] = []
    seen: dict[str, int] = {}
    for index, (line, row) in enumerate(rows, start=1):
        if "__extra__" in row:
            errors.append(RowError(line, "the row has more values than the header has columns"))
            continue
        number = row.get("number", "")
        if number in seen:
            errors.append(
                RowError(
                    line,
                    f"register number {number} is repeated (first on line {seen[number]})",
                    "number",
                )
            )
            continue
        seen[number] = line
        instance = existing.get(int(number)) if number.isascii() and number.isdigit() else None
        before = asset_form_data(instance) if instance else None
        form = AssetRowForm(row, instance=instance)
        if form.is_valid():
            forms.append((form, before))
        else:
            for field, messages in form.errors.items():
                column = "" if field == "__all__" else field
                errors.append(RowError(line, " ".join(messages), column))
        if progress:
            progress(index, len(rows))
    if errors:
        raise FileRejected(file_name, errors)

    created = updated = unchanged = 0
    with transaction.atomic():
        record = record_import(
            dataset=DATASET,
            publisher=publisher,
            file_name=file_name,
            sha256=digest,
            rows_read=len(rows),
            rows_loaded=len(forms),
            rows_rejected=0,
            user=user,
        )
        for form, before in forms:
            if before is None:
                asset = form.save(commit=False)
                asset.source_import = record
                _save_with_history(asset, user, f"Imported from {file_name}")
                created += 1
            elif _differs(before, form):
                asset = form.save(commit=False)
                asset.source_import = record
                _save_with_history(asset, user, f"Updated from {file_name}")
                updated += 1
            else:
                unchanged += 1
        record.message = f"{created} created, {updated} updated, {unchanged} unchanged"
        record.save(update_fields=["message"])
    return ImportResult(created, updated, unchanged, record)


def _differs(before: dict, form: AssetRowForm) -> bool:
    """Whether saving the form would change the stored asset (empty strings vs None aside)."""
    after = {k: form.cleaned_data.get(k) for k in before}
    after["theme"] = after["theme"].code if after["theme"] else None
    after["display_name"] = after["display_name"] or before["display_name"]
    return any(not _same(before[k], after[k]) for k in before)


def _same(a, b) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    return str(a if a is not None else "") == str(b if b is not None else "")


def load_default_register(user=None) -> ImportResult:
    with DEFAULT_REGISTER.open("rb") as stream:
        return import_assets_csv(
            stream,
            file_name="assets.csv (Northstar default LCR register)",
            user=user,
            publisher="Innovate UK & LCR partnership framework (Nov 2022), curated",
            check_permission=False,
        )


def register_rows(assets: Iterable[Asset]) -> Iterable[list[str]]:
    """The register CSV layout (header first): the same columns the importer reads, plus status."""
    yield [*REGISTER_COLUMNS, "display_name", "retired_at", "retired_reason"]
    for a in assets:
        yield [
            str(a.number),
            a.name,
            a.theme.code,
            a.status,
            a.asset_type,
            a.place.name if a.place_id else SCOPE_LABELS.get(a.location_scope, ""),
            a.place.code if a.place_id else "",
            "" if a.latitude is None else str(a.latitude),
            "" if a.longitude is None else str(a.longitude),
            a.location_precision,
            a.organisation_kind,
            a.notes,
            a.display_name,
            a.retired_at.isoformat() if a.retired_at else "",
            a.retired_reason,
        ]


def visible_assets(user) -> AssetQuerySet:
    return Asset.objects.visible_to(user)


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    action: str
    reason: str
    changes: list[tuple[str, str, str]]


def asset_history(asset: Asset, limit: int = 100) -> list[HistoryEntry]:
    """Who changed what, when: each change to the asset with the fields it altered."""
    records = list(
        asset.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                changes.append(
                    (
                        change.field,
                        _history_label(change.field, change.old),
                        _history_label(change.field, change.new),
                    )
                )
        entries.append(
            HistoryEntry(
                when=newer.history_date,
                who=newer.history_user.get_username() if newer.history_user else "system",
                action=newer.get_history_type_display(),
                reason=newer.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _history_label(field: str, value) -> str:
    """A history value as a person reads it: related records by name, not by id."""
    if value is None or value == "":
        return ""
    related = {"theme": Theme, "place": Place, "source_import": Import}.get(field)
    if related is None:
        return str(value)
    found = related.objects.filter(pk=value).first()
    return str(found) if found is not None else f"#{value} (deleted)"


GEOJSON_COLUMNS = (
    "pk",
    "number",
    "name",
    "display_name",
    "theme__code",
    "theme__name",
    "theme__colour",
    "status",
    "asset_type",
    "place__name",
    "place__centroid_latitude",
    "place__centroid_longitude",
    "location_scope",
    "latitude",
    "longitude",
    "location_precision",
    "retired_at",
)


def register_geojson(assets: AssetQuerySet, region: Place | None) -> dict:
    """The assets as a GeoJSON FeatureCollection (RFC 7946: [longitude, latitude]).

    An asset without its own position is placed at its borough's centre, else the region's,
    with `position_approximate`. Reads plain columns, not model instances: at 10,000 assets
    building objects was most of the time (see docs/PERFORMANCE.md).
    """
    region_point = (
        (region.centroid_latitude, region.centroid_longitude)
        if region is not None and region.centroid_latitude is not None
        else None
    )
    features = []
    rows = assets.order_by("number").values_list(*GEOJSON_COLUMNS).iterator(chunk_size=2000)
    for (
        pk,
        number,
        name,
        display_name,
        theme_code,
        theme_name,
        colour,
        status,
        asset_type,
        place_name,
        place_lat,
        place_lon,
        scope,
        lat,
        lon,
        precision,
        retired_at,
    ) in rows:
        own = lat is not None and lon is not None
        if own:
            point = (lat, lon)
        elif place_lat is not None:
            point = (place_lat, place_lon)
        else:
            point = region_point
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": None
                if point is None
                else {"type": "Point", "coordinates": [float(point[1]), float(point[0])]},
                "properties": {
                    "number": number,
                    "title": display_name or name,
                    "theme": theme_code,
                    "theme_name": theme_name,
                    "colour": colour,
                    "status": status,
                    "asset_type": asset_type,
                    "borough": place_name or SCOPE_LABELS.get(scope, ""),
                    "location_precision": precision,
                    "position_approximate": not own,
                    "retired": retired_at is not None,
                    "url": f"/assets/{pk}/",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
