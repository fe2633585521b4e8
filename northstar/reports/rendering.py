"""The report rendered from its snapshot alone: the web page's context, and the PDF (WeasyPrint,
A4, page numbers, contents with page numbers, the charts as SVG). Nothing here reads the
database, so an issued report renders from its stored snapshot as it did when it was issued.

The PDF is deterministic for a given snapshot: its dates come from the snapshot (when the draft
was built, or when the report was issued), never from the clock, and WeasyPrint's output is
otherwise a function of its input; so re-rendering a snapshot gives the same bytes (with the same
versions of WeasyPrint, vl-convert and the fonts).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import calculations as calc
from . import charts


def snapshot_sha256(snapshot: dict) -> str:
    return calc.sha256_hex(calc.canonical_json(snapshot))


def _map_svg(section: dict, width: int) -> str:
    found = section.get("map")
    if not found:
        return ""
    label = f"Map of {found['drawn']} innovation assets by theme over the borough boundaries"
    # Made by charts.map_svg from numbers and escaped names only.
    return mark_safe(charts.map_svg(found["boroughs"], found["points"], width=width, label=label))  # noqa: S308


def context(snapshot: dict[str, Any], *, for_pdf: bool) -> dict[str, Any]:
    """What the templates need: the snapshot, each chart's SVG (PDF) or spec (web), the map."""
    sections = []
    for section in snapshot["sections"]:
        shown = dict(section)
        tables = {t["id"]: t for t in section["tables"]}
        shown["charts"] = [
            {
                **chart,
                # vl-convert's SVG of a spec built from numbers and labels in the snapshot.
                "svg": mark_safe(charts.svg(chart["spec"])) if for_pdf else "",  # noqa: S308
                "data_table": tables.get(chart.get("table")),
            }
            for chart in section["charts"]
        ]
        shown["tables"] = [t for t in section["tables"] if not (t.get("web_only") and for_pdf)]
        shown["main_tables"] = [t for t in section["tables"] if not t.get("web_only")]
        shown["map_svg"] = _map_svg(section, 520 if for_pdf else 720)
        sections.append(shown)
    issue = snapshot.get("issue")
    return {
        "report": snapshot,
        "sections": sections,
        "issued": snapshot.get("status") == "issued",
        "issue": issue,
        "snapshot_sha256": snapshot_sha256(snapshot) if issue else "",
        "created": (issue or {}).get("issued_at") or snapshot["generated_at"],
        "changes": snapshot.get("changes"),
        "has_changes": calc.has_changes(snapshot["changes"]) if snapshot.get("changes") else False,
    }


def pdf_html(snapshot: dict[str, Any]) -> str:
    return render_to_string("reports/pdf.html", context(snapshot, for_pdf=True))


def _no_fetching(url: str, *args, **kwargs):
    """The PDF is made from the HTML alone: no file or network is ever read."""
    raise ValueError(f"the board report's PDF does not load {url!r}")


def render_pdf(snapshot: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    return HTML(string=pdf_html(snapshot), url_fetcher=_no_fetching).write_pdf()
