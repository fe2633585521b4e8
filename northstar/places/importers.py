"""Importers of the ONS geography files: ITL2/ITL3 and local authority boundaries, postcode
centroids (NSPL-derived) and the postcode-district → LAD table. Geography loads first (order
10–14), before the statistics that name its areas.

GeoJSON has no useful line numbers (ONS files are one line), so a boundary file's bad row is
reported by its feature number, and the reason says so.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import ClassVar

from northstar.core.errors import RowError, UserInputError
from northstar.ingest import bulk
from northstar.ingest.framework import MAX_ERRORS_KEPT, Importer, Prepared, RowProblem, register

from .models import Place, PlaceLevel, Postcode
from .services import (
    DISTRICT_PATTERN,
    ITL1_NAMES,
    ITL2_CODE,
    ITL3_CODE,
    LAD_CODE,
    POSTCODE_PATTERN,
    UK_LATITUDE,
    UK_LONGITUDE,
    WGS84_NAMES,
    BoundaryArea,
    DistrictShare,
    PostcodeBatch,
    area_of,
    assign_lads,
    district_of,
    in_uk,
    round_geometry,
    save_itl_areas,
    save_lads,
    save_postcode_districts,
)

ONS = "Office for National Statistics"
GEOMETRY_TYPES = {"Polygon", "MultiPolygon"}


class BoundaryImporter(Importer):
    """An ONS boundary file (GeoJSON, WGS84 or British National Grid) of one level of areas.

    The code property names the boundary year: ITL321CD is ITL3 of 2021, LAD21CD LADs of 2021.
    """

    level: ClassVar[str]
    code_property_pattern: ClassVar[re.Pattern]  # one group: the two-digit year
    code_pattern: ClassVar[re.Pattern]
    code_description: ClassVar[str]

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        try:
            collection = json.loads(path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserInputError(f"{path.name} is not valid GeoJSON: {exc}") from exc
        if not isinstance(collection, dict):
            collection = {}
        features = collection.get("features")
        if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise UserInputError(f"{path.name} is not a GeoJSON FeatureCollection.")
        self.file_name = path.name
        self.transform = _transform_for(collection, path.name)
        self.code_property, self.boundary_year = self._find_code_property(features, path.name)
        self.name_property = self.code_property[:-2] + "NM"
        self.seen: dict[str, int] = {}
        self.start()
        yield from enumerate(features, start=1)

    def start(self) -> None:
        """Called once a file is open, before its first row."""

    def _find_code_property(self, features: list, file_name: str) -> tuple[str, int]:
        for feature in features:
            for key in (feature.get("properties") or {}) if isinstance(feature, dict) else {}:
                match = self.code_property_pattern.match(key)
                if match:
                    return key, 2000 + int(match.group(1))
        raise UserInputError(
            f"{file_name}: no feature has a {self.code_property_pattern.pattern[1:-1]} property; "
            f"is this the {PlaceLevel(self.level).label} boundary file?"
        )

    def parse(self, line: int, feature) -> BoundaryArea:
        if not isinstance(feature, dict):
            raise RowProblem(f"feature {line} is not a GeoJSON feature")
        props = feature.get("properties") or {}
        code = str(props.get(self.code_property) or "").strip()
        if not code:
            raise RowProblem(f"feature {line} has no {self.code_property}", self.code_property)
        if not self.code_pattern.match(code):
            raise RowProblem(
                f"feature {line}: {code!r} is not {self.code_description}", self.code_property
            )
        self.check_code(line, code)
        if code in self.seen:
            raise RowProblem(
                f"feature {line}: {code} appears again (first as feature {self.seen[code]})",
                self.code_property,
            )
        self.seen[code] = line
        name = str(props.get(self.name_property) or "").strip()
        if not name:
            raise RowProblem(f"feature {line} ({code}) has no {self.name_property}", "")
        latitude = _coordinate(props, "LAT", line, code, UK_LATITUDE)
        longitude = _coordinate(props, "LONG", line, code, UK_LONGITUDE)
        geometry = self._geometry(feature.get("geometry"), line, code)
        return BoundaryArea(code, name, latitude, longitude, geometry)

    def check_code(self, line: int, code: str) -> None:
        """Raise RowProblem if the code cannot be placed in the hierarchy."""

    def _geometry(self, geometry, line: int, code: str) -> str:
        import shapely
        from shapely.geometry import shape

        where = f"feature {line} ({code})"
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            kind = geometry.get("type") if isinstance(geometry, dict) else geometry
            raise RowProblem(f"{where}: the geometry is {kind!r}, not a Polygon or MultiPolygon")
        try:
            geometry = round_geometry(geometry, self.transform)
            outline = shape(geometry)
        except (TypeError, ValueError, IndexError, KeyError, shapely.errors.GEOSException):
            raise RowProblem(f"{where}: the geometry's coordinates are malformed") from None
        if outline.is_empty:
            raise RowProblem(f"{where}: the geometry is empty")
        west, south, east, north = outline.bounds
        if not (in_uk(south, west) and in_uk(north, east)):
            raise RowProblem(
                f"{where}: the boundary lies outside the UK ({south:.6g}, {west:.6g} to "
                f"{north:.6g}, {east:.6g}); is the file's coordinate system (crs) right?"
            )
        return json.dumps(geometry, separators=(",", ":"))

    @property
    def source(self) -> str:
        return f"{self.file_name} (ONS, OGL v3.0)"


def _transform_for(collection: dict, file_name: str):
    """A (xs, ys) → (lons, lats) function for the file's CRS, or None for WGS84."""
    crs = (collection.get("crs") or {}).get("properties", {}).get("name", "EPSG:4326")
    if crs in WGS84_NAMES:
        return None
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        return Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform
    except CRSError:
        raise UserInputError(f"{file_name}: unknown coordinate system {crs!r}") from None


def _coordinate(props: dict, key: str, line: int, code: str, bounds) -> Decimal:
    value = props.get(key)
    if value is None or value == "":
        raise RowProblem(f"feature {line} ({code}) has no {key}", key)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RowProblem(f"feature {line} ({code}): {key} {value!r} is not a number", key) from None
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        raise RowProblem(
            f"feature {line} ({code}): {key} {value} is outside the UK ({bounds[0]} to "
            f"{bounds[1]})",
            key,
        )
    return number.quantize(Decimal("0.00001"))


@register
class Itl2BoundaryImporter(BoundaryImporter):
    dataset = "ons-itl2-boundaries"
    title = "ONS ITL2 boundaries (January 2021, ultra-generalised), with their ITL1 regions"
    publisher = ONS
    default_files = (
        "ons_boundaries/International_Territorial_Level_2_January_2021_UK_BUC.geojson",
    )
    order = 10
    level = PlaceLevel.ITL2
    code_property_pattern = re.compile(r"^ITL2(\d\d)CD$")
    code_pattern = ITL2_CODE
    code_description = "an ITL2 code (TL, a letter and a digit, e.g. TLD7)"

    def check_code(self, line: int, code: str) -> None:
        if code[:3] not in ITL1_NAMES:
            raise RowProblem(
                f"feature {line}: {code} is in no ITL1 region ({code[:3]} is not one)",
                self.code_property,
            )

    def write(self, rows: list[BoundaryArea], record) -> int:
        return save_itl_areas(PlaceLevel.ITL2, rows, self.source, self.boundary_year)


@register
class Itl3BoundaryImporter(BoundaryImporter):
    dataset = "ons-itl3-boundaries"
    title = "ONS ITL3 boundaries (January 2021, ultra-generalised)"
    publisher = ONS
    default_files = (
        "ons_boundaries/International_Territorial_Level_3_January_2021_UK_BUC.geojson",
    )
    order = 11
    level = PlaceLevel.ITL3
    code_property_pattern = re.compile(r"^ITL3(\d\d)CD$")
    code_pattern = ITL3_CODE
    code_description = "an ITL3 code (e.g. TLD71)"

    def start(self) -> None:
        self.itl2_codes = set(
            Place.objects.filter(level=PlaceLevel.ITL2).values_list("code", flat=True)
        )

    def check_code(self, line: int, code: str) -> None:
        if code[:-1] not in self.itl2_codes:
            raise RowProblem(
                f"feature {line}: {code}'s ITL2 area {code[:-1]} is not loaded; import the ITL2 "
                "boundaries first",
                self.code_property,
            )

    def write(self, rows: list[BoundaryArea], record) -> int:
        return save_itl_areas(PlaceLevel.ITL3, rows, self.source, self.boundary_year)


@register
class LadBoundaryImporter(BoundaryImporter):
    dataset = "ons-lad-boundaries"
    title = "ONS local authority district boundaries (May 2021, ultra-generalised, UK)"
    publisher = ONS
    default_files = ("ons_boundaries/Local_Authority_Districts_May_2021_UK_BUC.geojson",)
    order = 12
    level = PlaceLevel.LAD
    code_property_pattern = re.compile(r"^LAD(\d\d)CD$")
    code_pattern = LAD_CODE
    code_description = "a local authority district code (E06–E09, W06, S12 or N09 and 6 digits)"

    def write(self, rows: list[BoundaryArea], record) -> int:
        links = save_lads(rows, self.source, self.boundary_year)
        self.itl3_by_nearest = links.by_nearest
        return len(rows)


@register
class PostcodeDistrictImporter(Importer):
    """The derived postcode-district → LAD (2021) table: how each district's postcodes divide."""

    dataset = "postcode-districts-lad"
    title = "Postcode districts → local authority districts (derived from NSPL and ONS LAD BUC)"
    publisher = "Derived from ONS NSPL and LAD boundaries"
    default_files = ("ons_postcodes_nspl/postcode_district_to_lad21_derived.csv",)
    order = 13
    columns = ("district", "n_postcodes", "share", "is_majority")
    lad_code_pattern = re.compile(r"^LAD(\d\d)CD$")
    district_pattern = re.compile(DISTRICT_PATTERN)

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                header = reader.fieldnames or []
                lad_columns = [c for c in header if self.lad_code_pattern.match(c)]
                missing = [c for c in self.columns if c not in header]
                if not lad_columns:
                    missing.append("LADyyCD (e.g. LAD21CD)")
                if missing:
                    raise UserInputError(f"{path.name} lacks the column(s) {', '.join(missing)}.")
                self.code_column = lad_columns[0]
                self.name_column = self.code_column[:-2] + "NM"
                self.boundary_year = 2000 + int(self.lad_code_pattern.match(self.code_column)[1])
                self.seen: dict[tuple[str, str], int] = {}
                for row in reader:
                    yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise UserInputError(f"{path.name} is not UTF-8 text: {exc}") from exc

    def parse(self, line: int, raw: dict) -> DistrictShare:
        district = "".join((raw.get("district") or "").split()).upper()
        if not self.district_pattern.match(district):
            raise RowProblem(f"{raw.get('district')!r} is not a postcode district", "district")
        code = (raw.get(self.code_column) or "").strip()
        if not LAD_CODE.match(code):
            raise RowProblem(f"{code!r} is not a local authority district code", self.code_column)
        name = (raw.get(self.name_column) or "").strip()
        if not name:
            raise RowProblem("the LAD has no name", self.name_column)
        count = (raw.get("n_postcodes") or "").strip()
        if not (count.isascii() and count.isdigit()):
            raise RowProblem(f"{count!r} is not a whole number", "n_postcodes")
        try:
            share = Decimal((raw.get("share") or "").strip())
        except InvalidOperation:
            raise RowProblem(f"{raw.get('share')!r} is not a number", "share") from None
        if not share.is_finite() or not 0 <= share <= 1:
            raise RowProblem(f"{raw.get('share')!r} is not a share between 0 and 1", "share")
        majority = (raw.get("is_majority") or "").strip().lower()
        if majority not in {"true", "false", "1", "0"}:
            raise RowProblem(f"{raw.get('is_majority')!r} is not True or False", "is_majority")
        if (district, code) in self.seen:
            raise RowProblem(
                f"{district} → {code} appears again (first on line {self.seen[district, code]})",
                self.code_column,
            )
        self.seen[district, code] = line
        return DistrictShare(
            district,
            code,
            name,
            int(count),
            share.quantize(Decimal("0.0001")),
            majority in {"true", "1"},
        )

    def prepare(self, path: Path, progress=None) -> Prepared:
        prepared = super().prepare(path, progress)
        if prepared.errors:
            return prepared
        lines = self.seen
        majorities: dict[str, list[int]] = {district: [] for district, _ in lines}
        for row in prepared.rows:
            if row.is_majority:
                majorities[row.district].append(lines[row.district, row.lad_code])
        for district, found in sorted(majorities.items()):
            if len(found) != 1:
                first = min(line for (d, _), line in lines.items() if d == district)
                reason = (
                    f"district {district} has no majority LAD"
                    if not found
                    else f"district {district} has {len(found)} majority LADs (lines "
                    f"{', '.join(map(str, sorted(found)))}); it must have one"
                )
                prepared.errors.append(RowError(first, reason, "is_majority"))
        prepared.errors.sort(key=lambda e: e.line)
        return prepared

    def write(self, rows: list[DistrictShare], record) -> int:
        return save_postcode_districts(rows, record, self.boundary_year)


@register
class PostcodeImporter(Importer):
    """Postcode centroids as odileeds/Postcodes2LatLon publishes them from the ONS NSPL: columns
    Postcode, lat, long; a row with no grid reference has an empty lat (and long 0). Read with
    Polars and checked column by column; a postcode file of 45,000 rows loads in seconds."""

    dataset = "ons-postcodes"
    title = "Postcode centroids (NSPL-derived; L, CH, WA, PR and WN areas)"
    publisher = "ONS National Statistics Postcode Lookup, via odileeds/Postcodes2LatLon"
    default_files = tuple(
        f"ons_postcodes_nspl/postcodes_{area}.csv.gz" for area in ("L", "CH", "WA", "PR", "WN")
    )
    order = 14
    columns = ("Postcode", "lat", "long")

    def prepare(self, path: Path, progress=None) -> Prepared:
        import polars as pl

        try:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise UserInputError(f"{path.name} cannot be read as CSV: {exc}") from exc
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise UserInputError(f"{path.name} lacks the column(s) {', '.join(missing)}.")
        blank = pl.lit("")
        frame = frame.select(
            (pl.int_range(pl.len()) + 2).alias("line"),
            pl.col("Postcode")
            .fill_null(blank)
            .str.strip_chars()
            .str.replace_all(r"\s+", " ")
            .alias("published"),
            pl.col("Postcode")
            .fill_null(blank)
            .str.replace_all(r"\s", "")
            .str.to_uppercase()
            .alias("code"),
            pl.col("lat").fill_null(blank).str.strip_chars().alias("lat"),
            pl.col("long").fill_null(blank).str.strip_chars().alias("long"),
        ).with_columns(
            pl.col("lat").cast(pl.Float64, strict=False).alias("lat_number"),
            pl.col("long").cast(pl.Float64, strict=False).alias("long_number"),
        )
        has_point = pl.col("lat") != ""
        lat, lon = pl.col("lat_number"), pl.col("long_number")
        checks = [
            (
                ~pl.col("code").str.contains(POSTCODE_PATTERN),
                "Postcode",
                lambda r: f"{r['published']!r} is not a postcode",
            ),
            (
                pl.col("code").is_duplicated()
                & (pl.col("line") != pl.col("line").min().over("code")),
                "Postcode",
                lambda r: f"{r['published']} appears again",
            ),
            (
                has_point & lat.is_null(),
                "lat",
                lambda r: f"latitude {r['lat']!r} is not a number",
            ),
            (
                has_point & lat.is_not_null() & ~lat.is_between(*UK_LATITUDE),
                "lat",
                lambda r: (
                    f"latitude {r['lat']} is outside the UK ({UK_LATITUDE[0]} to {UK_LATITUDE[1]})"
                ),
            ),
            (
                has_point & lon.is_null(),
                "long",
                lambda r: f"longitude {r['long']!r} is not a number",
            ),
            (
                has_point & lon.is_not_null() & ~lon.is_between(*UK_LONGITUDE),
                "long",
                lambda r: (
                    f"longitude {r['long']} is outside the UK ({UK_LONGITUDE[0]} to "
                    f"{UK_LONGITUDE[1]})"
                ),
            ),
            (
                ~has_point & (pl.col("long") != "") & (lon.is_null() | (lon != 0)),
                "long",
                lambda r: f"longitude {r['long']} is given without a latitude",
            ),
        ]
        errors = []
        for condition, column, reason in checks:
            for row in frame.filter(condition).head(MAX_ERRORS_KEPT).iter_rows(named=True):
                errors.append(RowError(row["line"], reason(row), column))
        errors.sort(key=lambda e: e.line)
        if progress is not None:
            progress(frame.height, frame.height)
        if errors:
            return Prepared(rows=None, rows_read=frame.height, errors=errors[:MAX_ERRORS_KEPT])
        frame = frame.with_columns(
            pl.when(has_point).then(pl.col("lat")).otherwise(None).alias("lat"),
            pl.when(has_point).then(pl.col("long")).otherwise(None).alias("long"),
        )
        batch = PostcodeBatch(
            codes=frame["code"].to_list(),
            published=frame["published"].to_list(),
            latitudes=frame["lat"].to_list(),
            longitudes=frame["long"].to_list(),
        )
        return Prepared(rows=batch, rows_read=frame.height)

    def write(self, rows: PostcodeBatch, record) -> int:
        return write_postcodes(rows, record)


POSTCODE_FIELDS = (
    "code",
    "published",
    "area",
    "district",
    "latitude",
    "longitude",
    "lad_id",
    "lad_method",
    "source_import_id",
)
COORDINATE = Decimal("0.00001")


def write_postcodes(batch: PostcodeBatch, record) -> int:
    """Store a postcode file's postcodes, each placed in its LAD (`assign_lads`), in place of
    every postcode of the same areas (L, WA, ...) held before: those are deleted and these
    written as plain rows (COPY on PostgreSQL, executemany on SQLite: northstar.ingest.bulk),
    not a model instance each: about a quarter of the time of an upsert of model instances.
    Returns how many were written."""
    districts = [district_of(code) for code in batch.codes]
    lad_ids, methods = assign_lads(batch.latitudes, batch.longitudes, districts)
    areas = {area_of(code) for code in batch.codes}
    Postcode.objects.filter(area__in=areas).delete()
    rows = (
        (
            code,
            published,
            area_of(code),
            district,
            None if lat is None else Decimal(lat).quantize(COORDINATE),
            None if lat is None else Decimal(lon).quantize(COORDINATE),
            lad_id,
            method,
            record.pk,
        )
        for code, published, district, lat, lon, lad_id, method in zip(
            batch.codes,
            batch.published,
            districts,
            batch.latitudes,
            batch.longitudes,
            lad_ids,
            methods,
            strict=True,
        )
    )
    return bulk.insert(Postcode, POSTCODE_FIELDS, rows)
