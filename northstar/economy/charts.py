"""Vega-Lite specifications of the economy pages' charts, built from the figures the page's
tables show (the tables are each chart's text alternative).

Colours are told apart in greyscale too: a dark blue against a light grey, and in line charts a
solid line with circles against a dashed line with squares. The page renders each spec with
vega-embed (static/northstar/charts.js), as SVG, with no network access.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier; never fetched
DARK = "#1d70b8"  # GOV.UK blue: dark in greyscale
LIGHT = "#b1b4b6"  # GOV.UK mid-grey: light in greyscale
BLACK = "#0b0c0c"
CONFIG = {
    "font": "arial, sans-serif",
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelLimit": 180},
    "legend": {"labelFontSize": 13, "titleFontSize": 14, "orient": "bottom"},
    "view": {"stroke": None},
}


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


def line_chart(
    values: list[dict], *, description: str, y_title: str, x_title: str = "Year"
) -> dict[str, Any]:
    """Lines over years, one per series: values are {"year", "series", "value"}."""
    series = list(dict.fromkeys(v["series"] for v in values))
    spec = _base(description, values, 300)
    spec["mark"] = {"type": "line", "point": {"filled": True, "size": 60}, "strokeWidth": 3}
    spec["encoding"] = {
        "x": {"field": "year", "type": "ordinal", "title": x_title, "axis": {"labelAngle": -45}},
        "y": {"field": "value", "type": "quantitative", "title": y_title},
        "color": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": series, "range": [DARK, BLACK, LIGHT][: len(series)]},
        },
        "strokeDash": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": series, "range": [[1, 0], [6, 4], [2, 2]][: len(series)]},
        },
        "shape": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": series, "range": ["circle", "square", "triangle"][: len(series)]},
        },
        "tooltip": [
            {"field": "series", "title": "Series"},
            {"field": "year", "title": x_title},
            {"field": "value", "title": y_title, "format": ",.2~f"},
        ],
    }
    return spec


def ranked_bar_chart(
    values: list[dict], *, description: str, x_title: str, y_title: str = "Area"
) -> dict[str, Any]:
    """Horizontal bars, highest first: values are {"name", "value", "highlighted"} (the
    highlighted areas dark, the others light)."""
    spec = _base(description, values, max(120, 16 * len(values)))
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "y": {"field": "name", "type": "nominal", "title": y_title, "sort": "-x"},
        "x": {"field": "value", "type": "quantitative", "title": x_title},
        "color": {
            "field": "highlighted",
            "type": "nominal",
            "title": None,
            "scale": {"domain": ["This place", "Other areas"], "range": [DARK, LIGHT]},
        },
        "tooltip": [
            {"field": "name", "title": y_title},
            {"field": "value", "title": x_title, "format": ",.2~f"},
        ],
    }
    return spec


def lq_chart(values: list[dict], *, description: str) -> dict[str, Any]:
    """Location quotients as horizontal bars with a rule at 1 (the UK's share):
    values are {"industry", "lq"}; above 1 dark, below light."""
    for v in values:
        v["concentration"] = (
            "More concentrated than the UK" if v["lq"] > 1 else "Less or as concentrated"
        )
    spec = _base(description, values, max(120, 18 * len(values)))
    spec["layer"] = [
        {
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "industry", "type": "nominal", "title": None, "sort": None},
                "x": {"field": "lq", "type": "quantitative", "title": "Location quotient (UK = 1)"},
                "color": {
                    "field": "concentration",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": ["More concentrated than the UK", "Less or as concentrated"],
                        "range": [DARK, LIGHT],
                    },
                },
                "tooltip": [
                    {"field": "industry", "title": "Industry"},
                    {"field": "lq", "title": "Location quotient", "format": ".2f"},
                ],
            },
        },
        {
            "data": {"values": [{}]},  # one rule, not one per industry
            "mark": {
                "type": "rule",
                "color": BLACK,
                "strokeWidth": 2,
                "strokeDash": [4, 3],
                "description": "Dashed line at 1: the UK's share",
            },
            "encoding": {"x": {"datum": 1}},
        },
    ]
    return spec
