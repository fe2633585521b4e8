"""The board report's charts: Vega-Lite specifications (drawn in the browser by vega-embed, and
as SVG on the server for the PDF with vl-convert), and the asset map as a static SVG of points
over the borough boundaries (a PDF cannot run Leaflet). Pure functions of the snapshot's figures;
each chart's table in the report is its text alternative.

Colours are told apart in greyscale as well as in colour (the RAG bars are labelled with their
counts; the map's themes are listed with their counts beside it).
"""

from __future__ import annotations

import copy
import html
import math
from collections import OrderedDict
from typing import Any

from northstar.economy.charts import BLACK, CONFIG, DARK, SCHEMA

from . import calculations as calc

PDF_CHART_WIDTH = 620  # px at 96 dpi: the A4 text column less a margin
MAP_MAX_POINTS = 1500  # dots on the static map before nearby ones are drawn as one
MAX_RADIUS = 9.0  # px: the largest dot, however many assets it stands for
RAG_COLOURS = {"Red": "#d4351c", "Amber": "#ffdd00", "Green": "#00703c", "Closed": "#b1b4b6"}


def _base(description: str, values: list[dict], height: int) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "config": CONFIG,
    }


def delivery_chart(rows: list[dict]) -> dict[str, Any]:
    """Each programme output's verified delivery as a percentage of its whole-life target, with
    a dashed rule at 100%: rows are {"label", "percent"}."""
    spec = _base(
        "Verified delivery against each programme output's target (per cent)",
        rows,
        max(80, 26 * len(rows)),
    )
    x = {
        "field": "percent",
        "type": "quantitative",
        "title": "% of whole-life target",
        "scale": {"domain": [0, max([100.0, *[r["percent"] for r in rows]])]},
    }
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": DARK},
            "encoding": {
                "y": {
                    "field": "label",
                    "type": "nominal",
                    "title": None,
                    "sort": None,
                    "axis": {"labelLimit": 240},
                },
                "x": x,
                "tooltip": [
                    {"field": "label", "title": "Output"},
                    {"field": "percent", "title": "% of target", "format": ".1f"},
                ],
            },
        },
        {
            "data": {"values": [{}]},
            "mark": {
                "type": "rule",
                "color": BLACK,
                "strokeWidth": 2,
                "strokeDash": [4, 3],
                "description": "Dashed line at 100%: the whole-life target",
            },
            "encoding": {"x": {"datum": 100}},
        },
    ]
    return spec


def stage_chart(rows: list[dict]) -> dict[str, Any]:
    """Pipeline projects by stage: the known value (£ million) of each stage's projects; rows are
    {"stage", "value_m", "projects"}."""
    spec = _base("Known value of pipeline projects by stage (£ million)", rows, 30 * len(rows) + 10)
    spec["mark"] = {"type": "bar", "color": DARK}
    spec["encoding"] = {
        "y": {
            "field": "stage",
            "type": "nominal",
            "title": None,
            "sort": None,
            "axis": {"labelLimit": 300},
        },
        "x": {"field": "value_m", "type": "quantitative", "title": "Known value, £ million"},
        "tooltip": [
            {"field": "stage", "title": "Stage"},
            {"field": "projects", "title": "Projects"},
            {"field": "value_m", "title": "£ million", "format": ",.1f"},
        ],
    }
    return spec


def theme_chart(rows: list[dict]) -> dict[str, Any]:
    """Assets by theme, in each theme's map colour: rows are {"theme", "count", "colour"}."""
    spec = _base("Innovation assets by theme", rows, 30 * len(rows) + 10)
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "y": {
            "field": "theme",
            "type": "nominal",
            "title": None,
            "sort": None,
            "axis": {"labelLimit": 300},
        },
        "x": {"field": "count", "type": "quantitative", "title": "Assets"},
        "color": {
            "field": "theme",
            "type": "nominal",
            "legend": None,
            "scale": {"domain": [r["theme"] for r in rows], "range": [r["colour"] for r in rows]},
        },
        "tooltip": [{"field": "theme", "title": "Theme"}, {"field": "count", "title": "Assets"}],
    }
    return spec


def rag_chart(rows: list[dict]) -> dict[str, Any]:
    """Actions by theme and RAG rating, stacked, each part labelled with its count: rows are
    {"theme", "rating", "count"} with rating one of RAG_COLOURS."""
    spec = _base("Actions by theme and RAG rating", rows, 34 * len({r["theme"] for r in rows}) + 40)
    order = list(RAG_COLOURS)
    y = {
        "field": "theme",
        "type": "nominal",
        "title": None,
        "sort": None,
        "axis": {"labelLimit": 220},
    }
    x = {
        "field": "count",
        "type": "quantitative",
        "title": "Actions",
        "stack": "zero",
        "axis": {"tickMinStep": 1, "format": "d"},
    }
    colour = {
        "field": "rating",
        "type": "nominal",
        "title": None,
        "scale": {"domain": order, "range": [RAG_COLOURS[k] for k in order]},
        "sort": order,
    }
    # Every theme has a row (an empty one too); only the counts above zero are written.
    spec["transform"] = [
        {"calculate": f"indexof({order!r}, datum.rating)", "as": "rating_order"},
    ]
    spec["layer"] = [
        {
            "mark": {"type": "bar", "stroke": "#ffffff", "strokeWidth": 1},
            "encoding": {
                "y": y,
                "x": x,
                "color": colour,
                "order": {"field": "rating_order", "type": "quantitative"},
                "tooltip": [{"field": "theme"}, {"field": "rating"}, {"field": "count"}],
            },
        },
        {
            # The counts drawn on the bars: the bars (and the table) carry them for screen readers.
            "transform": [{"filter": "datum.count > 0"}],
            "mark": {
                "type": "text",
                "dx": -8,
                "align": "right",
                "fontWeight": "bold",
                "aria": False,
            },
            "encoding": {
                "y": y,
                "x": x,
                "order": {"field": "rating_order", "type": "quantitative"},
                "text": {"field": "count", "type": "quantitative"},
                "color": {
                    "condition": {
                        "test": "datum.rating === 'Amber' || datum.rating === 'Closed'",
                        "value": BLACK,
                    },
                    "value": "#ffffff",
                },
            },
        },
    ]
    return spec


def award_by_year_chart(rows: list[dict]) -> dict[str, Any]:
    """Innovate UK award offered to the place's participants by financial year (£ million):
    rows are {"year", "award_m"}."""
    spec = _base("Innovate UK award offered by financial year (£ million)", rows, 220)
    spec["mark"] = {"type": "bar", "color": DARK}
    spec["encoding"] = {
        "x": {
            "field": "year",
            "type": "ordinal",
            "title": "Financial year of project start",
            "axis": {"labelAngle": -45},
        },
        "y": {"field": "award_m", "type": "quantitative", "title": "Award offered, £ million"},
        "tooltip": [
            {"field": "year", "title": "Financial year"},
            {"field": "award_m", "title": "£ million", "format": ",.2f"},
        ],
    }
    return spec


# --- SVG for the PDF ---------------------------------------------------------------------------

_SVG_CACHE: OrderedDict[str, str] = OrderedDict()
_SVG_CACHE_SIZE = 64


def for_print(spec: dict[str, Any], width: int = PDF_CHART_WIDTH) -> dict[str, Any]:
    """The same chart at a fixed width (no container to fit on paper)."""
    printed = copy.deepcopy(spec)
    printed["width"] = width
    printed["autosize"] = {"type": "fit-x", "contains": "padding"}
    return printed


def svg(spec: dict[str, Any], width: int = PDF_CHART_WIDTH) -> str:
    """The chart drawn as SVG by vl-convert (the Vega-Lite compiler and renderer, with no
    browser). The same spec always gives the same SVG; recent ones are kept in memory."""
    import vl_convert

    printed = for_print(spec, width)
    key = calc.sha256_hex(calc.canonical_json(printed))
    found = _SVG_CACHE.get(key)
    if found is None:
        found = vl_convert.vegalite_to_svg(printed)
        _SVG_CACHE[key] = found
        if len(_SVG_CACHE) > _SVG_CACHE_SIZE:
            _SVG_CACHE.popitem(last=False)
    else:
        _SVG_CACHE.move_to_end(key)
    return found


# --- the asset map -----------------------------------------------------------------------------


def _rings(geometry: dict) -> list[list[list[float]]]:
    """Every ring ([[lon, lat], …]) of a GeoJSON Polygon or MultiPolygon."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return list(geometry["coordinates"])
    if kind == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def bounds(geometries: list[dict]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the geometries; None without any."""
    lons, lats = [], []
    for g in geometries:
        for ring in _rings(g):
            for lon, lat, *_ in ring:
                lons.append(lon)
                lats.append(lat)
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)


def inside(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    west, south, east, north = box
    return west <= lon <= east and south <= lat <= north


def simplified(geometry: dict, places: int = 4) -> dict:
    """A boundary with its coordinates rounded (4 places ≈ 10 m: plenty on A4)."""

    def ring(r):
        return [[round(lon, places), round(lat, places)] for lon, lat, *_ in r]

    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    if geometry.get("type") == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]],
        }
    return geometry


def thin_points(
    points: list[list], max_points: int, colour_order: list[str]
) -> tuple[list[list], float | None]:
    """At most `max_points` dots for a static map: when there are more positions than that, one
    dot per square of a grid (0.005° of latitude and longitude, doubled until few enough), at
    the mean position of the assets in it, in the colour of the most common colour among them
    (ties: the earlier in `colour_order`), counting them all. Points are [lat, lon, colour,
    count]; returns the points and the grid's size in degrees (None when left as they were)."""
    if len(points) <= max_points:
        return points, None
    rank = {colour: i for i, colour in enumerate(colour_order)}
    cell = 0.005
    while True:
        cells: dict[tuple[int, int], list] = {}
        for lat, lon, colour, count in points:
            key = (math.floor(lat / cell), math.floor(lon / cell))
            found = cells.setdefault(key, [0.0, 0.0, 0, {}])
            found[0] += lat * count
            found[1] += lon * count
            found[2] += count
            found[3][colour] = found[3].get(colour, 0) + count
        if len(cells) <= max_points:
            break
        cell *= 2
    thinned = []
    for key in sorted(cells):
        lat_sum, lon_sum, count, colours = cells[key]
        colour = min(colours, key=lambda c: (-colours[c], rank.get(c, len(rank)), c))
        thinned.append([round(lat_sum / count, 4), round(lon_sum / count, 4), colour, count])
    return thinned, cell


def map_svg(boroughs: list[dict], points: list[list], *, width: int = 640, label: str = "") -> str:
    """The asset map: borough boundaries (light grey, named), and a dot per asset position in its
    theme's colour (a larger dot where several share one position). `boroughs` are {"name",
    "geometry", "label_at": [lat, lon] or None}; `points` are [lat, lon, colour, count]. An
    equirectangular projection scaled by the cosine of the middle latitude: at a city region's
    size the distortion is invisible. Empty without boundaries."""
    box = bounds([b["geometry"] for b in boroughs])
    if box is None:
        return ""
    west, south, east, north = box
    pad = 12
    kx = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * kx, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = (width - 2 * pad) / span_x
    height = round(span_y * scale + 2 * pad)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return pad + (lon - west) * kx * scale, pad + (north - lat) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ns-report-map" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" role="img" aria-label="{html.escape(label)}">'
    ]
    for b in boroughs:
        d = []
        for ring in _rings(b["geometry"]):
            coords = [xy(lat, lon) for lon, lat, *_ in ring]
            if coords:
                d.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "Z")
        parts.append(
            f'<path d="{"".join(d)}" fill="#f3f2f1" stroke="#505a5f" stroke-width="1" '
            'fill-rule="evenodd"/>'
        )
    # One path of circles per colour: a few SVG elements however many assets (a PDF renderer
    # lays out every element, and 10,000 circle elements take it seconds).
    circles: dict[str, list[str]] = {}
    for lat, lon, colour, count in points:
        if not inside(box, lat, lon):
            continue
        x, y = xy(lat, lon)
        r = min(3.5 + 1.5 * math.sqrt(count - 1), MAX_RADIUS)
        circles.setdefault(colour, []).append(
            f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0"
            f"a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0"
        )
    for colour, shapes in circles.items():
        parts.append(
            f'<path class="ns-map-points" d="{"".join(shapes)}" fill="{html.escape(colour)}" '
            'fill-opacity="0.9" stroke="#ffffff" stroke-width="0.8"/>'
        )
    font = 'font-family="Liberation Sans, Arial, sans-serif" font-size="12" font-weight="bold"'
    for b in boroughs:
        if b.get("label_at"):
            x, y = xy(*b["label_at"])
            name = html.escape(b["name"])
            # A white halo first, then the name over it (paint-order is not drawn everywhere).
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" {font} fill="#ffffff" '
                f'stroke="#ffffff" stroke-width="3" stroke-linejoin="round">{name}</text>'
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" {font} fill="{BLACK}">'
                f"{name}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
