"""The Vega-Lite chart of a participant table: award offered by group, as horizontal bars, built
from the lines the table beside it shows (the table is the chart's text alternative). The same
look as the economy pages' charts (northstar/economy/charts.py): GOV.UK blue, no network."""

from __future__ import annotations

from typing import Any

from northstar.economy.charts import CONFIG, DARK, SCHEMA

from . import calculations as calc

# A chart of hundreds of competitions says nothing the table does not: the largest are drawn.
MOST_BARS = 25


def award_bar_chart(
    lines: list[calc.Line], *, group_title: str, description: str, keep_order: bool
) -> dict[str, Any] | None:
    """Bars of award offered (£) per group line (not the subtotal or total); None if there is
    nothing to draw. `keep_order`: in the table's order (years, sizes), else largest first."""
    groups = [line for line in lines if line.kind == "group"]
    if not groups or not any(line.award_pence for line in groups):
        return None
    if not keep_order:
        groups = sorted(groups, key=lambda line: -line.award_pence)[:MOST_BARS]
    values = [
        {
            "group": line.label,
            "award": float(calc.pounds(line.award_pence)),
            "share": float(line.share) if line.share is not None else None,
            "participations": line.participations,
        }
        for line in groups
    ]
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": max(120, 22 * len(values)),
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "config": {**CONFIG, "axis": {**CONFIG["axis"], "labelLimit": 240}},
        "mark": {"type": "bar", "color": DARK},
        "encoding": {
            "y": {
                "field": "group",
                "type": "nominal",
                "title": group_title,
                "sort": None,  # as listed: the table's order, or largest first
            },
            "x": {
                "field": "award",
                "type": "quantitative",
                "title": "Award offered (£)",
                # £1.1bn, £250m, £40k rather than SI's 1.1G, 250M, 40k.
                "axis": {
                    "format": "~s",
                    "labelExpr": "'£' + replace(replace(datum.label, 'G', 'bn'), 'M', 'm')",
                },
            },
            "tooltip": [
                {"field": "group", "title": group_title},
                {"field": "award", "title": "Award offered (£)", "format": ",.2f"},
                {"field": "share", "title": "Share of award (%)", "format": ".1f"},
                {"field": "participations", "title": "Participations", "format": ","},
            ],
        },
    }
