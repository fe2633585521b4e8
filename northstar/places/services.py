"""Loading places (a city region and its boroughs) and their boundaries from data files.

A place is data, not code: another city region writes its own definition file in the same shape as
`default_data/liverpool-city-region.json` and loads it with `northstar load_place FILE`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from northstar.core.errors import UserInputError

from .models import Place, PlaceLevel

DEFAULT_PLACE_FILE = Path(__file__).parent / "default_data" / "liverpool-city-region.json"
WGS84_NAMES = {"EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326"}


@dataclass(frozen=True)
class PlaceLoadResult:
    place: Place
    members: int
    boundaries_loaded: int
    boundary_message: str


def _decimal_point(value) -> tuple[Decimal | None, Decimal | None]:
    if not value:
        return None, None
    lat, lon = value
    return Decimal(str(lat)).quantize(Decimal("0.00001")), Decimal(str(lon)).quantize(
        Decimal("0.00001")
    )


def read_place_definition(path: Path) -> dict:
    try:
        definition = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserInputError(f"Place definition file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{path} is not valid JSON: {exc}") from exc
    missing = [
        k for k in ("code", "name", "level", "boundary_year", "members") if k not in definition
    ]
    if missing:
        raise UserInputError(f"{path} lacks required keys: {', '.join(missing)}")
    levels = {c.value for c in PlaceLevel}
    for level in (definition["level"], definition.get("member_level", PlaceLevel.LAD)):
        if level not in levels:
            raise UserInputError(f"{path}: unknown level {level!r}; use one of {sorted(levels)}")
    return definition


@transaction.atomic
def load_place(path: Path = DEFAULT_PLACE_FILE, data_dir: Path | None = None) -> PlaceLoadResult:
    """Create or update a place and its member areas; idempotent. Boundaries load when present."""
    definition = read_place_definition(path)
    lat, lon = _decimal_point(definition.get("centroid"))
    place, _ = Place.objects.update_or_create(
        code=definition["code"],
        defaults={
            "slug": definition.get("slug") or slugify(definition["name"]),
            "name": definition["name"],
            "level": definition["level"],
            "boundary_year": definition["boundary_year"],
            "centroid_latitude": lat,
            "centroid_longitude": lon,
        },
    )
    for member in definition["members"]:
        m_lat, m_lon = _decimal_point(member.get("centroid"))
        Place.objects.update_or_create(
            code=member["code"],
            defaults={
                "slug": member.get("slug") or slugify(member["name"]),
                "name": member["name"],
                "level": definition.get("member_level", PlaceLevel.LAD),
                "parent": place,
                "boundary_year": definition["boundary_year"],
                "centroid_latitude": m_lat,
                "centroid_longitude": m_lon,
            },
        )
    loaded, message = load_member_boundaries(place, definition.get("boundaries", []), data_dir)
    return PlaceLoadResult(place, len(definition["members"]), loaded, message)


def load_member_boundaries(
    place: Place, sources: list[dict], data_dir: Path | None = None
) -> tuple[int, str]:
    """Attach boundary geometry to the place's members from the first boundary file present."""
    data_dir = Path(data_dir or settings.NORTHSTAR_DATA_DIR)
    members = {p.code: p for p in Place.objects.filter(parent=place)}
    tried = []
    for source in sources:
        path = data_dir / source["file"]
        tried.append(str(path))
        if not path.exists():
            continue
        features = read_boundary_features(path, source["code_property"])
        found = 0
        for code, geometry in features.items():
            member = members.get(code)
            if member is None:
                continue
            member.boundary_geojson = json.dumps(geometry, separators=(",", ":"))
            member.boundary_source = f"{source['file']} (ONS, OGL v3.0)"
            member.save(update_fields=["boundary_geojson", "boundary_source"])
            found += 1
        if found:
            return found, f"Boundaries for {found} of {len(members)} areas loaded from {path}."
    return 0, (
        "No boundary file found (looked for "
        + ", ".join(tried or ["nothing: the place names no boundary files"])
        + "). Maps will show points only; set NORTHSTAR_DATA_DIR to the folder of ONS boundaries."
    )


def read_boundary_features(path: Path, code_property: str) -> dict[str, dict]:
    """Geometries by area code from a GeoJSON file, reprojected to WGS84 where needed."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{path} is not valid GeoJSON: {exc}") from exc
    crs_name = (collection.get("crs") or {}).get("properties", {}).get("name", "EPSG:4326")
    transform = None
    if crs_name not in WGS84_NAMES:
        from pyproj import Transformer  # only needed for projected files such as EPSG:27700

        transform = Transformer.from_crs(crs_name, "EPSG:4326", always_xy=True).transform
    features = {}
    for index, feature in enumerate(collection.get("features", []), start=1):
        code = (feature.get("properties") or {}).get(code_property)
        if not code:
            raise UserInputError(f"{path}: feature {index} has no {code_property!r} property")
        geometry = feature["geometry"]
        if transform is not None:
            geometry = _reproject(geometry, transform)
        features[code] = geometry
    return features


def _reproject(geometry: dict, transform) -> dict:
    def ring(coords):
        xs, ys = transform([c[0] for c in coords], [c[1] for c in coords])
        return [[round(x, 6), round(y, 6)] for x, y in zip(xs, ys, strict=True)]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    if geometry["type"] == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]],
        }
    raise UserInputError(f"Unsupported boundary geometry type {geometry['type']!r}")


def default_place() -> Place | None:
    return Place.objects.filter(slug=settings.NORTHSTAR_DEFAULT_PLACE).first()
