"""Economy and funding pages (public). Thin: the figures come from `services`, the chart
specifications from `charts`; every table can be downloaded as CSV exactly as shown."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from northstar.core.errors import UserInputError
from northstar.places.models import PlaceLevel

from . import charts, services

CSV_PARAMS = ("place", "measure", "per", "level", "year", "sectors", "sector_year")


VEGA_FILES = (
    "build/vega/vega.min.js",
    "build/vega/vega-lite.min.js",
    "build/vega/vega-embed.min.js",
)


def charts_available() -> bool:
    """Whether the charting library is among the static files (frontend/build.mjs copies it)."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    def present(path: str) -> bool:
        if finders.find(path):
            return True
        try:
            return staticfiles_storage.exists(path)
        except Exception:
            return False

    return all(present(p) for p in VEGA_FILES)


def _render(request, template: str, context: dict, status: int = 200):
    return render(
        request, template, {**context, "charts_available": charts_available()}, status=status
    )


def _query(request, **changes) -> str:
    params = {k: v for k in CSV_PARAMS if (v := request.GET.get(k, "").strip())}
    params.update({k: v for k, v in changes.items() if v is not None})
    params = {k: v for k, v in params.items() if v != ""}
    return urlencode(params)


def _csv_url(request, table_id: str) -> str:
    query = _query(request)
    return reverse("economy:csv", args=[table_id]) + (f"?{query}" if query else "")


def _problem(request, message: str, status: int = 400):
    return _render(request, "economy/problem.html", {"message": message}, status=status)


def _place_or_none(request):
    """The place asked for (or the default); None when no place is loaded at all."""
    text = request.GET.get("place", "")
    if not text.strip():
        return services.default_place()
    return services.find_place(text)


def _chart(spec_id: str, spec: dict, label: str) -> dict:
    return {"id": spec_id, "spec": spec, "label": label}


@services.one_reading()  # the page's services and template share what they read
def overview(request):
    """GVA, GVA per head against the UK, growth, business R&D per head and sector structure."""
    try:
        place = _place_or_none(request)
        if place is None:
            return _render(request, "economy/overview.html", {"no_place": True})
        detail = "division" if request.GET.get("sectors") == "division" else "section"
        gva = services.gva_summary(place)
        berd = services.berd_summary(place)
        sectors = services.sector_structure(
            place, detail, services.parse_year(request.GET.get("sector_year"))
        )
    except UserInputError as exc:
        return _problem(request, exc.message)
    area = gva.area
    context = {
        "place": place,
        "area": area,
        "gva": gva,
        "berd": berd,
        "sectors": sectors,
        "detail": detail,
        "other_detail_query": _query(
            request, sectors="section" if detail == "division" else "division", sector_year=""
        ),
        "csv": {
            "gva": _csv_url(request, gva.table.id),
            "berd": _csv_url(request, berd.table.id),
            "berd_eur": _csv_url(request, berd.euro_table.id),
            "sectors_all": _csv_url(request, sectors.table.id),
            "sectors_top": _csv_url(request, sectors.top.id),
        },
        "gva_chart": _chart(
            "gva-chart-spec",
            charts.line_chart(
                gva.chart_points,
                description=f"GVA per head, {area.area.name} and the United Kingdom, by year",
                y_title="GVA per head (£)",
            ),
            f"Line chart: GVA per head, {area.area.name} and the UK. The figures are in the "
            "table below.",
        )
        if gva.chart_points
        else None,
        "berd_chart": _chart(
            "berd-chart-spec",
            charts.line_chart(
                berd.chart_points,
                description=f"Business R&D per head, {area.area.name} and the median area",
                y_title="Business R&D per head (£)",
            ),
            "Line chart: business R&D per head. The figures are in the table below.",
        )
        if len({p["year"] for p in berd.chart_points}) > 1
        else None,
        "sectors_chart": _chart(
            "sectors-chart-spec",
            charts.lq_chart(
                sectors.chart_points if detail == "section" else _top_chart(sectors),
                description=f"Location quotients of employment, {area.area.name}",
            ),
            "Bar chart: location quotients by industry. The figures are in the table below.",
        )
        if sectors.chart_points
        else None,
        "compare_links": [
            ("GVA per head", _compare_query(services.GVA, "head", area.level)),
            ("Business R&D per head", _compare_query(services.BERD_PER_100K, "head", area.level)),
            ("Innovate UK funding per head", _compare_query(services.IUK, "head", area.level)),
        ],
    }
    return _render(request, "economy/overview.html", context)


def _top_chart(sectors) -> list[dict]:
    return [
        {"industry": f"{r['code']} {r['name']}"[:60], "lq": float(round(r["lq"], 2))}
        for r in sectors.top.rows
    ]


def _compare_query(measure: str, per: str, level: str) -> str:
    return (
        reverse("economy:compare")
        + "?"
        + urlencode({"measure": measure, "per": per, "level": level})
    )


@services.one_reading()
def compare(request):
    """Every area of a level ranked on one measure in one year, the place highlighted."""
    errors: dict[str, str] = {}
    try:
        place = _place_or_none(request)
    except UserInputError as exc:
        return _problem(request, exc.message)
    measure = request.GET.get("measure") or services.GVA
    per = request.GET.get("per", "")
    level = request.GET.get("level") or (
        services.area_of(place).level if place else PlaceLevel.ITL2
    )
    comparison = None
    try:
        m = services.metric(measure, per)
    except UserInputError as exc:
        errors["measure"] = exc.message
    else:
        try:
            year = services.parse_year(request.GET.get("year"))
            comparison = services.compare(m, level, year, place)
        except UserInputError as exc:
            errors["year" if "year" in exc.message.lower() else "level"] = exc.message
    table = comparison.as_table() if comparison else None
    loaded = services.loaded_measure_codes()
    chart = None
    if comparison and comparison.n:
        values = [
            {
                "name": r.place.name,
                "value": float(r.value.value),
                "highlighted": "This place" if r.highlighted else "Other areas",
            }
            for r in comparison.rows
            if r.value is not None and r.value.value is not None
        ]
        chart = _chart(
            "compare-chart-spec",
            charts.ranked_bar_chart(
                values,
                description=f"{comparison.metric.label}, every {PlaceLevel(level).label}, "
                f"{comparison.period}",
                x_title=f"{comparison.metric.label} ({comparison.metric.unit})",
                y_title=PlaceLevel(level).label,
            ),
            f"Bar chart: {comparison.metric.label} by area. The figures are in the table below.",
        )
    context = {
        "place": place,
        "comparison": comparison,
        "table": table,
        "chart": chart,
        "errors": errors,
        "measure": measure,
        "per": per,
        "level": level,
        "year": request.GET.get("year", ""),
        "measures": [
            (code, info.name, code in loaded)
            for code, info in services.measure_infos(services.area_measure_codes()).items()
        ],
        "pers": services.Per.choices,
        "levels": [(lv.value, lv.label) for lv in services.ITL_LEVELS],
        "csv_url": _csv_url(request, "compare"),
    }
    return _render(request, "economy/compare.html", context, status=400 if errors else 200)


@services.one_reading()
def funding(request):
    """Innovate UK and UKRI funding for the place by year: amount, per head, per £1m GVA, ranks."""
    try:
        place = _place_or_none(request)
        if place is None:
            return _render(request, "economy/funding.html", {"no_place": True})
        sections = [
            services.funding_summary(place, services.IUK),
            services.funding_summary(place, services.ukri_code()),
        ]
    except UserInputError as exc:
        return _problem(request, exc.message)
    area = sections[0].area
    blocks = []
    for index, summary in enumerate(sections):
        chart = None
        if len(summary.chart_points) > 1:
            y_title = "£ per head" if summary.normalised else f"{summary.measure.unit}"
            chart = _chart(
                f"funding-chart-spec-{index}",
                charts.line_chart(
                    summary.chart_points,
                    description=f"{summary.measure.name}, {area.area.name}, by year",
                    y_title=y_title,
                    x_title="Financial year"
                    if summary.table.columns[0].label.startswith("Fin")
                    else "Year",
                ),
                f"Line chart: {summary.measure.name}. The figures are in the table below.",
            )
        blocks.append(
            {
                "summary": summary,
                "chart": chart,
                "csv_url": _csv_url(request, summary.table.id),
                "compare_url": _compare_query(
                    summary.measure.code, "head" if summary.normalised else "", area.level
                ),
            }
        )
    return _render(
        request, "economy/funding.html", {"place": place, "area": area, "blocks": blocks}
    )


@services.one_reading()
def table_csv(request, table_id: str):
    """A page's table as CSV: the same rows, columns and rounding as shown."""
    try:
        place = services.find_place(request.GET.get("place", ""))
        params = {k: request.GET.get(k, "") for k in CSV_PARAMS}
        if table_id.startswith(("sectors", "top-sectors")):
            params["year"] = params.get("sector_year", "")
        table = services.table_by_id(table_id, place, params)
    except UserInputError as exc:
        return _problem(request, exc.message, status=404 if "No table" in exc.message else 400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    area = services.area_of(place).area
    response["Content-Disposition"] = f'attachment; filename="{table.id}-{area.code}.csv"'
    writer = csv.writer(response)
    writer.writerows(table.csv_rows())
    return response
