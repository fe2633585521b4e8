"""The indicator page's Vega-Lite chart and the dashboard's sparklines (inline SVG, made here on
the server so they need no JavaScript). Pure functions of the figures a page shows."""

from __future__ import annotations

from typing import Any

from northstar.economy.charts import BLACK, CONFIG, DARK, LIGHT, SCHEMA

from . import calculations as calc

OBSERVED = "Observed"
PATH = "Required path"
FORECAST = "Forecast (trend)"
TARGET = "Target"


def indicator_chart(
    *,
    observations: list[tuple[float, float]],
    path: list[calc.PathPoint],
    target: tuple[int, float] | None,
    forecast: calc.Forecast | None,
    y_title: str,
    description: str,
) -> dict[str, Any]:
    """Layers: the forecast band (area) and trend (dotted), the required path (dashed), the
    observations (line with a point each) and the target (a diamond)."""
    values: list[dict] = [{"series": OBSERVED, "year": y, "value": v} for y, v in observations]
    values += [{"series": PATH, "year": p.year, "value": p.value} for p in path]
    if forecast is not None and forecast.points:
        if observations:  # the trend starts from the last observation
            y, v = observations[-1]
            values.append({"series": FORECAST, "year": y, "value": v, "lower": v, "upper": v})
        values += [
            {
                "series": FORECAST,
                "year": p.year,
                "value": p.value,
                "lower": p.lower,
                "upper": p.upper,
            }
            for p in forecast.points
        ]
    if target is not None:
        values.append({"series": TARGET, "year": target[0], "value": target[1]})
    present = [
        s for s in (OBSERVED, PATH, FORECAST, TARGET) if any(v["series"] == s for v in values)
    ]
    colours = {OBSERVED: DARK, PATH: BLACK, FORECAST: LIGHT, TARGET: BLACK}
    x = {
        "field": "year",
        "type": "quantitative",
        "title": "Year",
        "axis": {"format": "d", "tickMinStep": 1},
        "scale": {"zero": False},
    }
    y = {"field": "value", "type": "quantitative", "title": y_title}
    colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": present, "range": [colours[s] for s in present]},
    }
    tooltip = [
        {"field": "series", "title": "Series"},
        {"field": "year", "title": "Year"},
        {"field": "value", "title": y_title, "format": ",.2~f"},
    ]

    def only(series: str) -> list[dict]:
        return [{"filter": {"field": "series", "equal": series}}]

    layers: list[dict] = []
    if FORECAST in present:
        layers.append(
            {
                "transform": only(FORECAST),
                "mark": {"type": "area", "opacity": 0.35, "color": LIGHT},
                "encoding": {"x": x, "y": {**y, "field": "lower"}, "y2": {"field": "upper"}},
            }
        )
        layers.append(
            {
                "transform": only(FORECAST),
                "mark": {"type": "line", "strokeDash": [2, 2], "strokeWidth": 2},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
            }
        )
    if PATH in present:
        layers.append(
            {
                "transform": only(PATH),
                "mark": {"type": "line", "strokeDash": [6, 4], "strokeWidth": 2},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
            }
        )
    if OBSERVED in present:
        layers.append(
            {
                "transform": only(OBSERVED),
                "mark": {"type": "line", "point": {"filled": True, "size": 70}, "strokeWidth": 3},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
            }
        )
    if TARGET in present:
        layers.append(
            {
                "transform": only(TARGET),
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 160},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
            }
        )
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 320,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "layer": layers,
        "config": CONFIG,
    }


# Told apart without colour: each category has its own dash pattern and point shape too.
BREAKDOWN_COLOURS = ["#1d70b8", "#0b0c0c", "#505a5f", "#003078", "#b1b4b6", "#5694ca"]
BREAKDOWN_DASHES = [[1, 0], [6, 4], [2, 2], [8, 3, 2, 3], [12, 4], [4, 2, 1, 2]]
BREAKDOWN_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
TOTAL = "Total"


def breakdown_chart(
    *,
    rows: list[tuple[str, float, float]],
    total: list[tuple[float, float]] | None = None,
    dimension: str,
    y_title: str,
    description: str,
) -> dict[str, Any]:
    """One line per category of a breakdown (rows are (category, year, value)), with the whole
    place's total beside them when given; colour, dash pattern and point shape all differ by
    category, so the lines are told apart in greyscale."""
    values = [{"series": c, "year": y, "value": v} for c, y, v in rows]
    if total:
        values = [{"series": TOTAL, "year": y, "value": v} for y, v in total] + values
    series = list(dict.fromkeys(v["series"] for v in values))

    def cycle(options: list) -> list:
        return [options[i % len(options)] for i in range(len(series))]

    legend = {
        "field": "series",
        "type": "nominal",
        "title": dimension.replace("_", " ").capitalize(),
    }
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 300,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "line", "point": {"filled": True, "size": 70}, "strokeWidth": 2.5},
        "encoding": {
            "x": {
                "field": "year",
                "type": "quantitative",
                "title": "Year",
                "axis": {"format": "d", "tickMinStep": 1},
                "scale": {"zero": False},
            },
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {**legend, "scale": {"domain": series, "range": cycle(BREAKDOWN_COLOURS)}},
            "strokeDash": {
                **legend,
                "scale": {"domain": series, "range": cycle(BREAKDOWN_DASHES)},
            },
            "shape": {**legend, "scale": {"domain": series, "range": cycle(BREAKDOWN_SHAPES)}},
            "tooltip": [
                {"field": "series", "title": legend["title"]},
                {"field": "year", "title": "Year"},
                {"field": "value", "title": y_title, "format": ",.2~f"},
            ],
        },
        "config": CONFIG,
    }


def sparkline(values: list[float], *, width: int = 120, height: int = 28, label: str = "") -> str:
    """An inline SVG polyline of a series (the latest point marked); empty for no values."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 6) / max(1, len(values) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return 3 + i * step, height - 3 - (v - low) / span * (height - 6)

    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
    last_x, last_y = xy(len(values) - 1, values[-1])
    return (
        f'<svg class="ns-sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{label}" focusable="false">'
        f'<polyline fill="none" stroke="{DARK}" stroke-width="2" points="{points}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{DARK}"/></svg>'
    )
