"""Loading places (a city region and its boroughs) and their boundaries from data files.

A place is data, not code: another city region writes its own definition file in the same shape as
`default_data/liverpool-city-region.json` and loads it with `northstar load_place FILE`.
"""

from __future__ import annotations

import json
import logging
import re
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
            "same_area_code": definition.get("same_area_code", ""),
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


def nuts2016_to_itl2021(code: str) -> str:
    """ITL 2021 codes mirror NUTS 2016 ones with TL for UK: UKD7 → TLD7, UKD71 → TLD71."""
    code = code.strip().upper()
    if len(code) >= 3 and code.startswith("UK"):
        return "TL" + code[2:]
    return code


# ONS statistical codes for the UK's countries, as the regional accounts use them.
COUNTRY_CODES = {"TLB": "England"}


def itl_level_of(code: str) -> str | None:
    """The ITL level of a code by its length (TLD = ITL1, TLD7 = ITL2, TLD71 = ITL3), or None."""
    if code == "UK":
        return PlaceLevel.UK
    if code in COUNTRY_CODES:
        return PlaceLevel.COUNTRY
    if code.startswith("TL"):
        return {3: PlaceLevel.ITL1, 4: PlaceLevel.ITL2, 5: PlaceLevel.ITL3}.get(len(code))
    return None


def ensure_itl_place(code: str, name: str, boundary_year: int = 2021) -> Place:
    """Get or create an ITL area (and its parents, by code prefix) as a publisher's file names it."""
    level = itl_level_of(code)
    if level is None:
        raise UserInputError(f"{code!r} is not an ITL code (UK, TLx, TLxn or TLxnn)")
    existing = Place.objects.filter(code=code).first()
    if existing is not None:
        return existing
    parent = None
    if level != PlaceLevel.UK:
        parent_code = "UK" if level in (PlaceLevel.ITL1, PlaceLevel.COUNTRY) else code[:-1]
        parent = Place.objects.filter(code=parent_code).first()
        if parent is None and parent_code == "UK":
            parent = ensure_itl_place("UK", "United Kingdom", boundary_year)
    return Place.objects.create(
        code=code,
        slug=_unique_slug(f"{name}-{code}" if level != PlaceLevel.UK else "united-kingdom"),
        name=name,
        level=level,
        parent=parent,
        boundary_year=boundary_year,
    )


def _unique_slug(text: str) -> str:
    base = slugify(text)[:70] or "place"
    slug, n = base, 2
    while Place.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def resolve_place(code: str, scheme: str | None = None) -> Place | None:
    """The Place a publisher's area code means: a GSS/ITL code, a NUTS 2016 code, or an alias."""
    from .models import PlaceCode

    code = (code or "").strip()
    if not code:
        return None
    if scheme in (None, "itl", "gss"):
        place = Place.objects.filter(code=code).first()
        if place is not None:
            return place
    if scheme in (None, "nuts2016"):
        place = Place.objects.filter(code=nuts2016_to_itl2021(code)).first()
        if place is not None:
            return place
    alias = (
        PlaceCode.objects.filter(code=code, **({"scheme": scheme} if scheme else {}))
        .select_related("place")
        .first()
    )
    return alias.place if alias else None


# --- The ITL hierarchy, boundaries and postcodes ---------------------------------------------
#
# Codes are keys, names are labels. ITL 2021 areas and local authorities (May 2021) come from the
# ONS boundary files; each LAD is tied to the ITL3 area its ONS centroid lies in (Place.itl3), while
# its `parent` stays its combined authority. Postcodes are placed in a LAD by point-in-polygon.

log = logging.getLogger("northstar.places")

# The twelve ITL1 regions (ITL 2021; the NUTS 2016 code is the same with UK for TL). The ONS
# boundary files name ITL2 and ITL3 areas but not these.
ITL1_NAMES = {
    "TLC": "North East",
    "TLD": "North West",
    "TLE": "Yorkshire and The Humber",
    "TLF": "East Midlands",
    "TLG": "West Midlands",
    "TLH": "East of England",
    "TLI": "London",
    "TLJ": "South East",
    "TLK": "South West",
    "TLL": "Wales",
    "TLM": "Scotland",
    "TLN": "Northern Ireland",
}
ITL2_CODE = re.compile(r"^TL[A-Z]\d$")
ITL3_CODE = re.compile(r"^TL[A-Z]\d[0-9A-Z]$")
# GSS codes of local authority districts: unitary, non-metropolitan, metropolitan, London
# boroughs (E06–E09), Welsh principal areas (W06), Scottish council areas (S12), NI (N09).
LAD_CODE = re.compile(r"^(E0[6-9]|W06|S12|N09)\d{6}$")
# A box round the UK with its islands, in WGS84, for catching files whose coordinates are not
# longitude/latitude (a lost CRS) or rows with a wrong point.
UK_LATITUDE = (49.0, 61.0)
UK_LONGITUDE = (-9.0, 2.0)
# A postcode just outside every (ultra-generalised) LAD boundary, on the coast or an estuary, is
# given the nearest LAD if it is at most this far from it (degrees, about 3–5 km); else its
# district's majority LAD.
NEAREST_LAD_WITHIN_DEGREES = 0.05

POSTCODE_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
DISTRICT_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
_POSTCODE = re.compile(POSTCODE_PATTERN)
_DISTRICT = re.compile(DISTRICT_PATTERN)


def normalise_postcode(text: str | None) -> str | None:
    """'wa10 1aa', 'WA101AA', ' L1  0AA ' → 'WA101AA', 'L10AA'; None if it is not a postcode."""
    code = "".join(str(text or "").split()).upper()
    return code if _POSTCODE.match(code) else None


def normalise_district(text: str | None) -> str | None:
    """'ch41' → 'CH41'; None if it is not a postcode district (outward code)."""
    code = "".join(str(text or "").split()).upper()
    return code if _DISTRICT.match(code) else None


def format_postcode(code: str) -> str:
    """'WA101AA' → 'WA10 1AA' (the usual written form: outward code, space, inward code)."""
    code = "".join(code.split()).upper()
    return f"{code[:-3]} {code[-3:]}"


def district_of(code: str) -> str:
    return code[:-3]


def area_of(code: str) -> str:
    return re.match(r"[A-Z]+", code).group(0)


def in_uk(latitude: float, longitude: float) -> bool:
    return (
        UK_LATITUDE[0] <= latitude <= UK_LATITUDE[1]
        and UK_LONGITUDE[0] <= longitude <= UK_LONGITUDE[1]
    )


def round_geometry(geometry: dict, transform=None) -> dict:
    """A Polygon/MultiPolygon in WGS84 with coordinates to 6 dp (about 0.1 m), reprojected first
    when `transform` is given (e.g. from the British National Grid)."""
    return _reproject(geometry, transform or (lambda xs, ys: (xs, ys)))


def boundary_shape(geojson: str | dict):
    """A shapely geometry of a stored boundary, repaired if the generalised outline crosses itself
    (some BUC boundaries do, e.g. ITL3 TLJ36), so that point-in-polygon answers."""
    import shapely
    from shapely.geometry import shape

    geometry = shape(json.loads(geojson) if isinstance(geojson, str) else geojson)
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return geometry


class BoundaryIndex:
    """The boundaries of one level of places, for fast point-in-polygon (a shapely STRtree)."""

    def __init__(self, places: list[Place]):
        import shapely

        self.places = places
        self.geometries = [boundary_shape(p.boundary_geojson) for p in places]
        self.tree = shapely.STRtree(self.geometries)

    @classmethod
    def for_level(cls, level: str, queryset=None) -> BoundaryIndex:
        places = (queryset if queryset is not None else Place.objects.all()).filter(level=level)
        return cls(list(places.with_boundary().order_by("code")))

    def __len__(self) -> int:
        return len(self.places)

    def locate_many(
        self, latitudes, longitudes, *, nearest_within: float | None = None
    ) -> tuple[list[int | None], list[bool]]:
        """For each point, the index in `self.places` of the area containing it (the first by
        code if on a shared border), else — if `nearest_within` degrees is given — the nearest
        area within that distance, else None; and whether the nearest rule placed it."""
        import numpy as np
        import shapely

        n = len(latitudes)
        found = np.full(n, -1, dtype=np.int64)
        by_nearest = np.zeros(n, dtype=bool)
        if n == 0 or not self.places:
            return [None] * n, [False] * n
        points = shapely.points(np.asarray(longitudes, float), np.asarray(latitudes, float))
        points_idx, areas_idx = self.tree.query(points, predicate="intersects")
        _assign_first(found, points_idx, areas_idx)
        if nearest_within is not None:
            missing = np.flatnonzero(found < 0)
            if len(missing):
                within = None if nearest_within == float("inf") else nearest_within
                near_points, near_areas = self.tree.query_nearest(
                    points[missing], max_distance=within, all_matches=True
                )
                before = found.copy()
                _assign_first(found, missing[near_points], near_areas)
                by_nearest = (before < 0) & (found >= 0)
        return [int(i) if i >= 0 else None for i in found], by_nearest.tolist()

    def locate(self, latitude, longitude, *, nearest_within: float | None = None) -> Place | None:
        [index], _ = self.locate_many(
            [float(latitude)], [float(longitude)], nearest_within=nearest_within
        )
        return self.places[index] if index is not None else None


def _assign_first(found, points_idx, areas_idx) -> None:
    """found[p] = the lowest area index hit by point p (areas are in code order)."""
    import numpy as np

    if len(points_idx) == 0:
        return
    none = np.iinfo(np.int64).max
    lowest = np.full(len(found), none, dtype=np.int64)
    np.minimum.at(lowest, points_idx, areas_idx)
    hit = lowest != none
    found[hit] = lowest[hit]


def place_for_point(latitude, longitude, level: str, *, index: BoundaryIndex | None = None):
    """The place of `level` whose boundary contains the point (WGS84), or None.

    Loads that level's boundaries each call; pass a BoundaryIndex to place many points.
    """
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise UserInputError(f"({latitude}, {longitude}) is not a latitude and longitude") from None
    if index is None:
        index = BoundaryIndex.for_level(level)
    return index.locate(lat, lon)


@dataclass(frozen=True)
class LadItlLinks:
    linked: int
    changed: int
    # LADs whose centroid lies in no ITL3 polygon (coast), given the nearest: (LAD, ITL3) codes
    by_nearest: list[tuple[str, str]]


def link_lads_to_itl3() -> LadItlLinks:
    """Set each LAD's ITL3 to the ITL3 area containing its centroid (nearest if none does)."""
    index = BoundaryIndex.for_level(PlaceLevel.ITL3)
    lads = list(
        Place.objects.filter(level=PlaceLevel.LAD, centroid_latitude__isnull=False).order_by("code")
    )
    if not len(index) or not lads:
        return LadItlLinks(0, 0, [])
    found, by_nearest = index.locate_many(
        [lad.centroid_latitude for lad in lads],
        [lad.centroid_longitude for lad in lads],
        nearest_within=float("inf"),
    )
    changed, nearest = [], []
    for lad, i, near in zip(lads, found, by_nearest, strict=True):
        itl3 = index.places[i]
        if near:
            nearest.append((lad.code, itl3.code))
            log.warning(
                "%s %s: centroid in no ITL3 boundary; nearest is %s %s",
                lad.code,
                lad.name,
                itl3.code,
                itl3.name,
            )
        if lad.itl3_id != itl3.pk:
            lad.itl3 = itl3
            changed.append(lad)
    Place.objects.bulk_update(changed, ["itl3"], batch_size=500)
    return LadItlLinks(len(lads), len(changed), nearest)


@dataclass(frozen=True)
class BoundaryArea:
    """One area of a boundary file, checked and in WGS84."""

    code: str
    name: str
    latitude: Decimal
    longitude: Decimal
    geometry: str  # GeoJSON, compact


def ensure_uk(boundary_year: int = 2021) -> Place:
    return Place.objects.filter(code="UK").first() or ensure_itl_place(
        "UK", "United Kingdom", boundary_year
    )


def ensure_itl1(code: str, boundary_year: int = 2021) -> Place:
    """The ITL1 region with its ONS name and parent the UK (created, or corrected if another
    file created it under its own name, e.g. 'East' for East of England)."""
    if code not in ITL1_NAMES:
        raise UserInputError(f"{code!r} is not an ITL1 region ({', '.join(ITL1_NAMES)})")
    uk = ensure_uk(boundary_year)
    place = ensure_itl_place(code, ITL1_NAMES[code], boundary_year)
    _update(place, name=ITL1_NAMES[code], level=PlaceLevel.ITL1, parent=uk)
    add_nuts2016_aliases([place])
    return place


def _update(place: Place, **fields) -> bool:
    """Set the fields that differ and save just those (links compared by id, without a query)."""

    def differs(name, value) -> bool:
        if isinstance(value, Place) or (value is None and name in ("parent", "itl3")):
            return getattr(place, f"{name}_id") != (value.pk if value is not None else None)
        return getattr(place, name) != value

    changed = [name for name, value in fields.items() if differs(name, value)]
    for name in changed:
        setattr(place, name, fields[name])
    if changed:
        place.save(update_fields=changed)
    return bool(changed)


def add_nuts2016_aliases(places: list[Place]) -> None:
    """NUTS 2016 codes (UKD7) as aliases of their ITL 2021 areas (TLD7), so older files line up."""
    from .models import CodeScheme, PlaceCode

    wanted = {"UK" + p.code[2:]: p for p in places if p.code.startswith("TL")}
    existing = {
        a.code: a
        for a in PlaceCode.objects.filter(scheme=CodeScheme.NUTS2016, code__in=list(wanted))
    }
    for code, place in wanted.items():
        alias = existing.get(code)
        if alias is None:
            PlaceCode.objects.create(scheme=CodeScheme.NUTS2016, code=code, place=place)
        elif alias.place_id != place.pk:
            alias.place = place
            alias.save(update_fields=["place"])


def save_itl_areas(level: str, areas: list[BoundaryArea], source: str, boundary_year: int) -> int:
    """Create or update ITL2 or ITL3 areas from a boundary file, with parents by code (TLD71 →
    TLD7 → TLD → UK) and NUTS 2016 aliases. Names are the file's: they replace names another file
    gave (the GVA tables create ITL areas under their own names when they load first)."""
    if level not in (PlaceLevel.ITL2, PlaceLevel.ITL3):
        raise ValueError(level)
    codes = [a.code for a in areas]
    parent_codes = {a.code[:-1] for a in areas}
    if level == PlaceLevel.ITL2:
        # All twelve, so that each has its ONS name whichever file created it.
        parents = {code: ensure_itl1(code, boundary_year) for code in ITL1_NAMES}
    else:
        parents = {p.code: p for p in Place.objects.filter(code__in=parent_codes)}
        missing = sorted(parent_codes - set(parents))
        if missing:
            raise UserInputError(
                f"The ITL2 area(s) {', '.join(missing)} are not loaded: import the ITL2 "
                "boundaries first."
            )
    existing = {p.code: p for p in Place.objects.filter(code__in=codes)}
    saved = []
    for area in areas:
        fields = {
            "name": area.name,
            "level": level,
            "parent": parents[area.code[:-1]],
            "boundary_year": boundary_year,
            "centroid_latitude": area.latitude,
            "centroid_longitude": area.longitude,
            "boundary_geojson": area.geometry,
            "boundary_source": source,
        }
        place = existing.get(area.code)
        if place is None:
            place = Place.objects.create(
                code=area.code, slug=_unique_slug(f"{area.name}-{area.code}"), **fields
            )
        else:
            _update(place, **fields)
        saved.append(place)
    add_nuts2016_aliases(saved)
    if level == PlaceLevel.ITL3:
        link_lads_to_itl3()
    return len(saved)


def save_lads(areas: list[BoundaryArea], source: str, boundary_year: int) -> LadItlLinks:
    """Create or update local authority districts from a boundary file and tie each to its ITL3.

    A LAD that already exists keeps its name, slug and parent (a place definition such as the
    city region's may spell it its own way and make it a borough of a combined authority); the
    publisher's spelling, if different, becomes a `name` alias ("St. Helens" → E08000013).
    """
    from .models import CodeScheme, PlaceCode

    existing = {p.code: p for p in Place.objects.filter(code__in=[a.code for a in areas])}
    for area in areas:
        fields = {
            "level": PlaceLevel.LAD,
            "boundary_year": boundary_year,
            "centroid_latitude": area.latitude,
            "centroid_longitude": area.longitude,
            "boundary_geojson": area.geometry,
            "boundary_source": source,
        }
        place = existing.get(area.code)
        if place is None:
            Place.objects.create(
                code=area.code, slug=_unique_slug(area.name), name=area.name, **fields
            )
            continue
        _update(place, **fields)
        if place.name != area.name:
            PlaceCode.objects.get_or_create(
                scheme=CodeScheme.NAME, code=area.name, defaults={"place": place}
            )
    links = link_lads_to_itl3()
    from .models import Postcode

    if Postcode.objects.exists():
        place_postcodes()
    return links


# --- Postcodes ---------------------------------------------------------------------------------


@dataclass
class PostcodeBatch:
    """Checked rows of a postcode file, column by column (fast to build from a Polars frame)."""

    codes: list[str]
    published: list[str]
    latitudes: list[str | None]  # as written ('53.38735'), None when the row has no point
    longitudes: list[str | None]


def assign_lads(
    latitudes: list,
    longitudes: list,
    districts: list[str],
    *,
    index: BoundaryIndex | None = None,
    majority: dict[str, int] | None = None,
) -> tuple[list[int | None], list[str]]:
    """Each point's LAD (id) and how it was found: inside a LAD boundary, else the nearest one
    within NEAREST_LAD_WITHIN_DEGREES, else its district's majority LAD (also for rows with no
    point, or when no boundaries are loaded), else unplaced."""
    from .models import LadMethod, PostcodeDistrict

    if index is None:
        index = BoundaryIndex.for_level(PlaceLevel.LAD)
    if majority is None:
        majority = dict(
            PostcodeDistrict.objects.filter(is_majority=True).values_list("district", "lad_id")
        )
    n = len(districts)
    lad_ids: list[int | None] = [None] * n
    methods = [LadMethod.UNPLACED.value] * n
    with_point = [i for i in range(n) if latitudes[i] is not None and longitudes[i] is not None]
    if len(index) and with_point:
        found, nearest = index.locate_many(
            [float(latitudes[i]) for i in with_point],
            [float(longitudes[i]) for i in with_point],
            nearest_within=NEAREST_LAD_WITHIN_DEGREES,
        )
        for i, area, near in zip(with_point, found, nearest, strict=True):
            if area is not None:
                lad_ids[i] = index.places[area].pk
                methods[i] = LadMethod.NEAREST.value if near else LadMethod.BOUNDARY.value
    for i in range(n):
        if lad_ids[i] is None and districts[i] in majority:
            lad_ids[i] = majority[districts[i]]
            methods[i] = LadMethod.DISTRICT.value
    return lad_ids, methods


def _coordinate(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text).quantize(Decimal("0.00001"))


def place_postcodes(queryset=None) -> int:
    """Place (again) the postcodes already loaded, after LAD boundaries or the district table
    changed. Returns how many changed."""
    from .models import Postcode

    queryset = Postcode.objects.all() if queryset is None else queryset
    rows = list(
        queryset.values_list("code", "latitude", "longitude", "district", "lad_id", "lad_method")
    )
    if not rows:
        return 0
    lad_ids, methods = assign_lads([r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])
    changes: dict[tuple[int | None, str], list[str]] = {}
    for row, lad_id, method in zip(rows, lad_ids, methods, strict=True):
        if (row[4], row[5]) != (lad_id, method):
            changes.setdefault((lad_id, method), []).append(row[0])
    for (lad_id, method), codes in changes.items():
        for start in range(0, len(codes), 900):
            Postcode.objects.filter(code__in=codes[start : start + 900]).update(
                lad_id=lad_id, lad_method=method
            )
    return sum(len(c) for c in changes.values())


@dataclass(frozen=True)
class DistrictShare:
    district: str
    lad_code: str
    lad_name: str
    postcodes: int
    share: Decimal
    is_majority: bool


def save_postcode_districts(rows: list[DistrictShare], record, boundary_year: int) -> int:
    """Replace the postcode-district → LAD table; LADs it names that are not loaded yet are
    created by code and name (the LAD boundaries fill them in when they load)."""
    from .models import LadMethod, Postcode, PostcodeDistrict

    lads = dict(Place.objects.filter(level=PlaceLevel.LAD).values_list("code", "id"))
    for row in rows:
        if row.lad_code not in lads:
            if Place.objects.filter(code=row.lad_code).exists():
                raise UserInputError(f"{row.lad_code} is a place but not a local authority")
            lads[row.lad_code] = Place.objects.create(
                code=row.lad_code,
                slug=_unique_slug(row.lad_name),
                name=row.lad_name,
                level=PlaceLevel.LAD,
                boundary_year=boundary_year,
            ).pk
    PostcodeDistrict.objects.all().delete()
    PostcodeDistrict.objects.bulk_create(
        PostcodeDistrict(
            district=r.district,
            lad_id=lads[r.lad_code],
            postcodes=r.postcodes,
            share=r.share,
            is_majority=r.is_majority,
            source_import=record,
        )
        for r in rows
    )
    place_postcodes(
        Postcode.objects.exclude(lad_method__in=[LadMethod.BOUNDARY, LadMethod.NEAREST])
    )
    return len(rows)


@dataclass(frozen=True)
class PostcodeLocation:
    """Where a postcode (or, given only an outward code, a postcode district) is."""

    postcode: str  # 'WA7 4QX', or the district 'CH41'
    precision: str  # "postcode" or "district"
    latitude: Decimal | None  # the postcode's centroid; a district's mean; None if unpublished
    longitude: Decimal | None
    lad: Place | None
    itl3: Place | None
    itl2: Place | None
    itl1: Place | None
    city_region: Place | None  # the LAD's combined authority, if it is in one
    lad_method: str  # LadMethod: how the LAD was found


def locate_postcode(text: str) -> PostcodeLocation | None:
    """Where a postcode is ('L3 5TQ', 'wa74qx') — or a district ('CH41') — and the areas it is in.

    None if the text is not a postcode or district, or nothing is known of it. A postcode not
    in the loaded files falls back to its district.
    """
    from django.db.models import Avg

    from .models import LadMethod, Postcode, PostcodeDistrict

    code = normalise_postcode(text)
    if code is not None:
        postcode = Postcode.objects.filter(code=code).select_related("lad").first()
        if postcode is not None:
            lad, method = postcode.lad, postcode.lad_method
            if lad is None and postcode.has_point:
                lad = place_for_point(postcode.latitude, postcode.longitude, PlaceLevel.LAD)
                method = LadMethod.BOUNDARY.value if lad else method
            return _location(
                postcode.formatted, "postcode", postcode.latitude, postcode.longitude, lad, method
            )
        district = district_of(code)
    else:
        district = normalise_district(text)
        if district is None:
            return None
    majority = (
        PostcodeDistrict.objects.filter(district=district, is_majority=True)
        .select_related("lad")
        .first()
    )
    centre = Postcode.objects.filter(district=district, latitude__isnull=False).aggregate(
        lat=Avg("latitude"), lon=Avg("longitude")
    )
    if majority is None and centre["lat"] is None:
        return None
    lat, lon = (
        _coordinate(str(centre["lat"])) if centre["lat"] is not None else None,
        _coordinate(str(centre["lon"])) if centre["lon"] is not None else None,
    )
    return _location(
        district,
        "district",
        lat,
        lon,
        majority.lad if majority else None,
        (LadMethod.DISTRICT if majority else LadMethod.UNPLACED).value,
    )


def _location(label, precision, lat, lon, lad, method) -> PostcodeLocation:
    itl3 = itl2 = itl1 = city_region = None
    if lad is not None:
        itl3 = lad.itl3
        if itl3 is None and lad.centroid_latitude is not None:
            itl3 = place_for_point(lad.centroid_latitude, lad.centroid_longitude, PlaceLevel.ITL3)
        if lad.parent is not None and lad.parent.level == PlaceLevel.COMBINED_AUTHORITY:
            city_region = lad.parent
    if itl3 is not None and itl3.parent is not None and itl3.parent.level == PlaceLevel.ITL2:
        itl2 = itl3.parent
    if itl2 is not None and itl2.parent is not None and itl2.parent.level == PlaceLevel.ITL1:
        itl1 = itl2.parent
    return PostcodeLocation(label, precision, lat, lon, lad, itl3, itl2, itl1, city_region, method)


# --- Checking assets against boundaries --------------------------------------------------------


@dataclass(frozen=True)
class AssetBoroughMismatch:
    """An asset whose own point is not inside the borough it names."""

    asset: object  # northstar.assets.models.Asset
    stated: Place
    found: Place | None  # the LAD whose boundary holds the point (None: outside all loaded)
    distance_m: int  # from the point to the stated borough's boundary, metres


def check_asset_boroughs(assets=None) -> list[AssetBoroughMismatch]:
    """Assets with their own point and a stated borough whose point lies outside that borough's
    boundary (by the loaded LAD boundaries), in register order. Boroughs without a boundary
    cannot be checked and are passed over."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from northstar.assets.models import Asset

    assets = Asset.objects.all() if assets is None else assets
    candidates = list(
        assets.filter(place__isnull=False, latitude__isnull=False, longitude__isnull=False)
        .exclude(place__boundary_geojson="")
        .select_related("place")
        .order_by("number")
    )
    if not candidates:
        return []
    index = BoundaryIndex.for_level(PlaceLevel.LAD)
    found, _ = index.locate_many(
        [a.latitude for a in candidates], [a.longitude for a in candidates]
    )
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

    def bng(geometry):
        return shapely.transform(geometry, lambda xy: np.column_stack(to_bng.transform(*xy.T)))

    shapes: dict[int, object] = {}
    mismatches = []
    for asset, i in zip(candidates, found, strict=True):
        where = index.places[i] if i is not None else None
        if where is not None and where.pk == asset.place_id:
            continue
        if asset.place_id not in shapes:
            shapes[asset.place_id] = bng(boundary_shape(asset.place.boundary_geojson))
        point = bng(shapely.Point(float(asset.longitude), float(asset.latitude)))
        distance = shapes[asset.place_id].distance(point)
        mismatches.append(AssetBoroughMismatch(asset, asset.place, where, round(distance)))
    return mismatches
