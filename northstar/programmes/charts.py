"""The programme page's Vega-Lite chart: cumulative target and verified actual by quarter."""

from __future__ import annotations

from typing import Any

from northstar.economy.charts import BLACK, CONFIG, DARK, SCHEMA

from . import calculations as calc

TARGET = "Target (cumulative profile)"
ACTUAL = "Verified actual (cumulative)"


def targets_vs_actuals(
    points: list[calc.QuarterPoint], *, y_title: str, description: str
) -> dict[str, Any]:
    values = []
    for p in points:
        label = calc.quarter_label(p.quarter)
        if p.target is not None:
            values.append({"quarter": label, "series": TARGET, "value": float(p.target)})
        values.append({"quarter": label, "series": ACTUAL, "value": float(p.actual)})
    present = [s for s in (TARGET, ACTUAL) if any(v["series"] == s for v in values)]
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "config": CONFIG,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "quarter", "type": "ordinal", "title": "Quarter", "sort": None},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": present,
                    "range": [{TARGET: BLACK, ACTUAL: DARK}[s] for s in present],
                },
            },
            "strokeDash": {
                "field": "series",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": [TARGET, ACTUAL], "range": [[6, 3], [1, 0]]},
            },
            "tooltip": [
                {"field": "quarter", "title": "Quarter"},
                {"field": "series", "title": "Series"},
                {"field": "value", "title": y_title, "format": ",.2~f"},
            ],
        },
    }
