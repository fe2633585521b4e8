"""The sections of the board report, each gathered by calling the services of the app that owns
its figures (indicators, programmes, pipeline, economy and funding, assets, actions) and turned
into plain JSON-able values: text as shown, numbers for the charts. services.build_report calls
them in order; nothing here writes anything.

Every section is a dict: key, title, anchor, summary (sentences), as_of (the day its data last
changed) and as_of_label, sources (sentences naming each file with its SHA-256 and import date,
or the officers' records with their last change), key_figures (compared between reports; `shown`
ones head the section), charts (Vega-Lite specs, each with the id of its table), tables
(headings and text cells) and notes; and what is particular to it (statuses, map, exceptions,
ratings).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from northstar.places.models import Place

from . import calculations as calc
from . import charts
from .calculations import Quarter

# --- helpers for sections ----------------------------------------------------------------------


def _day(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _latest(*values) -> date | None:
    days = [d for d in (_day(v) for v in values) if d is not None]
    return max(days) if days else None


def _section(key: str, title: str, as_of: date | None) -> dict:
    return {
        "key": key,
        "title": title,
        "anchor": f"section-{key}",
        "summary": [],
        "as_of": as_of.isoformat() if as_of else None,
        "as_of_label": f"Data as of {calc.long_date(as_of)}" if as_of else "No data yet",
        "sources": [],
        "key_figures": [],
        "charts": [],
        "tables": [],
        "notes": [],
    }


def _table(
    table_id: str,
    caption: str,
    columns: list[tuple[str, bool]],
    rows: list[list[str]],
    empty: str = "None.",
    *,
    tags: tuple[int, ...] = (),
    web_only: bool = False,
) -> dict:
    """A table as shown: headings (with whether the column is numeric), rows of text cells;
    `tags` are the columns shown as status tags (On track, Red…)."""
    return {
        "id": table_id,
        "caption": caption,
        "columns": [
            {"heading": h, "numeric": n, "tag": i in tags} for i, (h, n) in enumerate(columns)
        ],
        "rows": rows,
        "empty": empty,
        "web_only": web_only,
    }


def _figure(key: str, label: str, value: str, detail: str = "", *, shown: bool = True) -> dict:
    """A key figure: shown at the head of its section (shown), or only compared between reports
    ("what changed")."""
    return {"key": key, "label": label, "value": value, "detail": detail, "shown": shown}


def _import_text(record) -> str:
    when = record.finished_at or record.started_at
    publisher = f"{record.publisher}: " if record.publisher else ""
    return (
        f"{publisher}file {record.file_name} (SHA-256 {record.sha256[:12]}…), imported "
        f"{calc.long_date(_day(when))}"
    )


def _count(n: int, noun: str) -> str:
    """3 → '3 projects'; 1 → '1 project'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _dedupe(texts) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t))


# --- 1. headline indicators --------------------------------------------------------------------


def _indicator_value(value, indicator) -> str:
    if value is None:
        return "—"
    text = calc.significant(value)
    unit = indicator.unit
    if unit.startswith("£"):
        rest = unit[1:].strip()
        return f"£{text} {rest}".strip()
    if unit.startswith("%"):
        return f"{text}{unit}"
    if "=" in unit:  # an index: 87 (UK = 100)
        return f"{text} ({unit})"
    return f"{text} {unit}"


def indicators_section(place: Place) -> dict:
    from northstar.indicators import charts as indicator_charts
    from northstar.indicators import services as indicator_services
    from northstar.indicators.models import Indicator, Origin
    from northstar.ingest.models import Import

    indicators = list(Indicator.objects.all())
    summaries = [
        indicator_services.summarise(i, place, with_forecast=i.headline) for i in indicators
    ]
    observations = [o for s in summaries for o in s.observations]
    section = _section(
        "indicators",
        "Headline indicators against trajectory and target",
        _latest(*(o.recorded_at for o in observations)),
    )
    imports = Import.objects.in_bulk(
        {o.source_import_id for o in observations if o.source_import_id}
    )

    def row(s) -> list[str]:
        i, latest, a = s.indicator, s.latest, s.assessment
        where = ""
        if latest is not None and latest.place_id != place.pk:
            where = f", {latest.place.name}"
        baseline = "—"
        if s.baseline is not None:
            value = _indicator_value(s.baseline.value, i)
            if s.baseline.year:
                baseline = f"{value} ({s.baseline.year})"
            else:
                baseline = f"{value}, {s.baseline.period_label}".rstrip(", ")
        return [
            i.name,
            f"{_indicator_value(latest.value, i)} ({latest.period_label}{where})"
            if latest
            else "No data",
            baseline,
            f"{_indicator_value(s.target.value, i)} by {s.target.year}" if s.target else "—",
            _indicator_value(a.required_now, i) if a.required_now is not None else "—",
            _indicator_value(a.forecast_at_target, i) if a.forecast_at_target is not None else "—",
            s.status_label,
        ]

    columns = [
        ("Indicator", False),
        ("Latest", False),
        ("Baseline", False),
        ("Target", False),
        ("Trajectory requires (latest year)", False),
        ("Trend forecast at target year", False),
        ("Status", False),
    ]
    headline = [s for s in summaries if s.indicator.headline]
    others = [s for s in summaries if not s.indicator.headline]
    section["tables"].append(
        _table(
            "indicators-headline",
            "Headline indicators: latest value, baseline, target, trajectory and status",
            columns,
            [row(s) for s in headline],
            "No headline indicators are defined yet.",
            tags=(6,),
        )
    )
    if others:
        section["tables"].append(
            _table(
                "indicators-supporting",
                "Supporting indicators derived from the published statistics",
                columns,
                [row(s) for s in others],
                tags=(6,),
            )
        )
    counts: dict[str, int] = defaultdict(int)
    for s in headline:
        counts[s.status_label] += 1
    if headline:
        section["summary"].append(
            f"{len(headline)} headline indicators: "
            + ", ".join(f"{n} {label.lower()}" for label, n in sorted(counts.items()))
            + "."
        )
    for s in headline:
        if s.latest is not None and s.assessment.reason:
            section["notes"].append(f"{s.indicator.name}: {s.assessment.reason}")
    section["statuses"] = [
        {
            "code": s.indicator.code,
            "name": s.indicator.name,
            "status": s.status,
            "status_label": s.status_label,
            "reason": s.assessment.reason,
        }
        for s in summaries
    ]
    for s in headline:
        latest = s.latest
        section["key_figures"].append(
            _figure(
                f"indicators.{s.indicator.code}",
                s.indicator.name,
                f"{_indicator_value(latest.value, s.indicator)} ({latest.period_label})"
                if latest
                else "No data",
                s.status_label if latest else "",
            )
        )
    for s in headline:
        if len(s.observations) < 2 and not s.path:
            continue  # a single point is no chart: the table has it
        i = s.indicator
        observed = [(o.time, float(o.value)) for o in s.observations]
        spec = indicator_charts.indicator_chart(
            observations=observed,
            path=s.path,
            target=(s.target.year, float(s.target.value)) if s.target else None,
            forecast=s.forecast,
            y_title=i.unit,
            description=f"{i.name} for {place.name}",
        )
        spec["height"] = 220
        required = {p.year: p.value for p in s.path}
        forecast = {p.year: p for p in (s.forecast.points if s.forecast else ())}
        years = sorted({int(t) for t, _ in observed} | set(required) | set(forecast))
        by_year = {int(t): v for t, v in observed}
        chart_rows = [
            [
                str(y),
                calc.significant(by_year.get(y)),
                calc.significant(required.get(y)),
                calc.significant(forecast[y].value) if y in forecast else "—",
            ]
            for y in years
        ]
        table_id = f"indicator-{i.code}-data"
        section["tables"].append(
            _table(
                table_id,
                f"{i.name} ({i.unit}): observed, required by the trajectory, and forecast",
                [("Year", False), ("Observed", True), ("Trajectory", True), ("Forecast", True)],
                chart_rows,
                web_only=True,
            )
        )
        section["charts"].append(
            {
                "id": f"chart-indicator-{i.code}",
                "title": f"{i.name}, {place.name}: observations, trajectory to the target, "
                "target and trend forecast",
                "spec": spec,
                "table": table_id,
            }
        )
    sources = []
    for s in summaries:
        if s.latest is None:
            continue
        o = s.latest
        name = s.indicator.name
        if o.source_import_id and o.source_import_id in imports:
            sources.append(f"{name}: {_import_text(imports[o.source_import_id])}")
        elif o.origin == Origin.MANUAL:
            sources.append(
                f"{name}: entered by officers, last changed {calc.long_date(_day(o.recorded_at))}"
                + (f" (evidence {o.evidence_url})" if o.evidence_url else "")
            )
        else:
            sources.append(f"{name}: {o.source or s.indicator.source}")
        if s.target is not None:
            sources.append(f"{name} target: {s.target.basis}")
    section["sources"] = _dedupe(sources)
    return section


# --- 2. programme delivery ---------------------------------------------------------------------


def _quantity(value: Decimal | None, kind: str) -> str:
    """An output's quantity: money as £, full-time equivalents to two places at most."""
    if value is None:
        return "—"
    if kind == "money":
        return calc.money(value)
    return calc.significant(value) if value < 100 else calc.number(value)


def programmes_section(quarter: Quarter) -> dict:
    from northstar.programmes import services as programme_services
    from northstar.programmes.models import Claim, ClaimStatus, Programme

    programmes = list(
        Programme.objects.select_related("lead_organisation", "theme").order_by("name")
    )
    portfolio = programme_services.portfolio_figures(programmes)
    figures = [programme_services.programme_figures(p) for p in programmes]
    last_verified = Claim.objects.filter(status=ClaimStatus.VERIFIED).aggregate(
        last=Max("verified_at")
    )["last"]
    section = _section(
        "programmes",
        "Programme delivery against targets",
        _latest(*(p.updated_at for p in programmes), last_verified),
    )
    live = sum(1 for p in programmes if p.status == "live")
    section["key_figures"] += [
        _figure("programmes.count", "Programmes", f"{len(programmes)} ({live} live)"),
        _figure("programmes.budget", "Budgets published", calc.money(portfolio.budget)),
        _figure(
            "programmes.unique_businesses",
            "Unique businesses supported (named, verified)",
            calc.number(portfolio.unique_businesses),
            "each business counted once across the portfolio",
        ),
        _figure(
            "programmes.aggregate_businesses",
            "Businesses in published counts (not named)",
            calc.number(portfolio.aggregate_businesses),
        ),
    ]
    section["summary"].append(
        f"{len(programmes)} programmes ({live} live) with published budgets of "
        f"{calc.money(portfolio.budget)}. {calc.number(portfolio.unique_businesses)} unique "
        f"businesses supported with a verified claim (each counted once however many programmes "
        f"supported it; {calc.number(portfolio.programme_business_sum)} if each programme's own "
        f"count were added up), and {calc.number(portfolio.aggregate_businesses)} more in "
        "published programme totals that do not name them."
    )
    delivery_rows, chart_rows = [], []
    for f in figures:
        p = f.programme
        short = p.short_name or p.name
        for row in f.outputs:
            to_date = calc.to_end_of(row.series, quarter.start)
            kind = row.output.kind
            delivery_rows.append(
                [
                    p.name,
                    row.output.name,
                    _quantity(row.target, kind),
                    _quantity(to_date.target, kind),
                    _quantity(row.actual, kind),
                    calc.percent(row.percent, 1),
                    _quantity(to_date.in_quarter, kind),
                    _quantity(row.pending, kind),
                ]
            )
            if row.target:
                pct = float(row.percent or 0)
                chart_rows.append({"label": f"{short}: {row.output.name}", "percent": pct})
                section["key_figures"].append(
                    _figure(
                        f"programmes.{p.slug}.{row.output.code}",
                        f"{short}: {row.output.name}",
                        f"{_quantity(row.actual, kind)} of {_quantity(row.target, kind)} "
                        f"({calc.percent(row.percent, 1)})",
                    )
                )
    section["tables"].append(
        _table(
            "programmes-delivery",
            f"Outputs against targets (verified claims only), to the end of {quarter.short_label}",
            [
                ("Programme", False),
                ("Output", False),
                ("Whole-life target", True),
                ("Profiled target to quarter end", True),
                ("Verified to date", True),
                ("% of target", True),
                (f"Verified in {quarter.short_label}", True),
                ("Awaiting verification", True),
            ],
            delivery_rows,
            "No programme has targets or claims yet.",
        )
    )
    section["tables"].append(
        _table(
            "programmes-businesses",
            "Businesses supported by programme",
            [
                ("Programme", False),
                ("Status", False),
                ("Budget", True),
                ("Unique businesses (named, verified)", True),
                ("Businesses in published counts", True),
            ],
            [
                [
                    f.programme.name,
                    f.programme.get_status_display(),
                    calc.money(f.programme.budget),
                    calc.number(f.unique_businesses),
                    calc.number(f.aggregate_businesses),
                ]
                for f in figures
            ]
            + [
                [
                    "Portfolio (each business once)",
                    "",
                    calc.money(portfolio.budget),
                    calc.number(portfolio.unique_businesses),
                    calc.number(portfolio.aggregate_businesses),
                ]
            ],
        )
    )
    section["tables"].append(
        _table(
            "programmes-totals",
            "Verified outputs across the portfolio",
            [("Output", False), ("Verified total", True)],
            [[o.name, _quantity(total, o.kind)] for o, total in portfolio.totals],
            "No verified outputs yet.",
        )
    )
    if chart_rows:
        section["tables"].append(
            _table(
                "programmes-delivery-chart-data",
                "Verified delivery as a percentage of each output's whole-life target",
                [("Programme output", False), ("% of target", True)],
                [[r["label"], calc.percent(r["percent"], 1)] for r in chart_rows],
                web_only=True,
            )
        )
        section["charts"].append(
            {
                "id": "chart-programme-delivery",
                "title": "Verified delivery as a percentage of each output's whole-life target "
                "(dashed line: the target)",
                "spec": charts.delivery_chart(chart_rows),
                "table": "programmes-delivery-chart-data",
            }
        )
    published = _dedupe(p.source for p in programmes)
    section["sources"] = [f"Published programme figures: {s}" for s in published]
    verified_claims = Claim.objects.filter(status=ClaimStatus.VERIFIED).count()
    section["sources"].append(
        f"Claims verified by officers from monitoring returns and published totals: "
        f"{verified_claims} verified claims, the last verified "
        f"{calc.long_date(_day(last_verified))}."
    )
    section["sources"].append(
        "Programme records entered by officers, last changed "
        f"{calc.long_date(_latest(*(p.updated_at for p in programmes)))}."
    )
    return section


# --- 3. pipeline -------------------------------------------------------------------------------


def pipeline_section(quarter: Quarter) -> dict:
    from northstar.pipeline import services as pipeline_services
    from northstar.pipeline.models import PipelineProject, PublishedFigure

    projects = list(PipelineProject.objects.for_display())
    summary = pipeline_services.summary(projects)
    moves = pipeline_services.stage_changes_between(quarter.start, quarter.end)
    section = _section(
        "pipeline",
        "Innovation pipeline by stage",
        _latest(*(p.updated_at for p in projects)),
    )
    total = summary.total
    lev = summary.leverage
    section["key_figures"] += [
        _figure("pipeline.projects", "Pipeline projects", calc.number(total.count)),
        _figure(
            "pipeline.known_value",
            "Known value of pipeline projects",
            calc.money(total.known_value),
            f"{total.unknown_count} projects have no published value"
            if total.unknown_count
            else "",
        ),
        _figure(
            "pipeline.leverage",
            "Leverage (secured other funding per £1 of secured CA funding)",
            f"£{lev.ratio}" if lev.ratio is not None else "not yet known",
        ),
    ]
    for t in summary.by_stage:
        section["key_figures"].append(
            _figure(
                f"pipeline.stage.{t.key}",
                f"Projects at stage: {t.label}",
                str(t.count),
                shown=False,
            )
        )
    section["summary"].append(
        f"{_count(total.count, 'project')} in the pipeline with a known value of "
        f"{calc.money(total.known_value)}"
        + (
            f" ({total.unknown_count} without a published value, so the total is incomplete)"
            if total.unknown_count
            else ""
        )
        + f"; {len(moves)} stage change{'' if len(moves) == 1 else 's'} in {quarter.short_label}."
    )

    def total_rows(groups) -> list[list[str]]:
        return [
            [t.label, calc.number(t.count), calc.money(t.known_value), calc.number(t.unknown_count)]
            for t in groups
        ] + [
            [
                "All projects",
                calc.number(total.count),
                calc.money(total.known_value),
                calc.number(total.unknown_count),
            ]
        ]

    cols = [("Projects", True), ("Known value", True), ("Projects without a value", True)]
    section["tables"].append(
        _table(
            "pipeline-stages",
            "Pipeline by stage",
            [("Stage", False), *cols],
            total_rows(summary.by_stage),
        )
    )
    section["tables"].append(
        _table(
            "pipeline-themes",
            "Pipeline by theme",
            [("Theme", False), *cols],
            total_rows(summary.by_theme),
        )
    )
    section["tables"].append(
        _table(
            "pipeline-moves",
            f"Stage changes in {quarter.short_label}",
            [("Date", False), ("Project", False), ("From", False), ("To", False), ("Note", False)],
            [
                [
                    calc.long_date(_day(m.changed_at)),
                    m.project.name,
                    m.from_label,
                    m.get_to_stage_display(),
                    m.note,
                ]
                for m in moves
            ],
            f"No project changed stage in {quarter.short_label}.",
        )
    )
    figures = list(PublishedFigure.objects.all())
    section["tables"].append(
        _table(
            "pipeline-published",
            "Pipeline totals as their sources published them (statements, not sums of projects)",
            [("Statement", False), ("Amount", True), ("Period", False)],
            [
                [
                    f.statement,
                    ("at least " if f.at_least else "") + calc.money(f.amount),
                    f.period,
                ]
                for f in figures
            ],
            "No published totals.",
        )
    )
    stage_rows = [
        {
            "stage": t.label,
            "value_m": float(round(t.known_value / Decimal(1_000_000), 1)),
            "projects": t.count,
        }
        for t in summary.by_stage
    ]
    section["tables"].append(
        _table(
            "pipeline-chart-data",
            "Known value by stage (£ million)",
            [("Stage", False), ("Projects", True), ("£ million", True)],
            [[r["stage"], str(r["projects"]), calc.number(r["value_m"], 1)] for r in stage_rows],
            web_only=True,
        )
    )
    section["charts"].append(
        {
            "id": "chart-pipeline-stages",
            "title": "Known value of pipeline projects by stage (£ million)",
            "spec": charts.stage_chart(stage_rows),
            "table": "pipeline-chart-data",
        }
    )
    section["notes"].append(
        "Leverage is the secured funding from everyone other than the Combined Authority per £1 "
        "of secured Combined Authority funding, over the projects the Combined Authority funds; "
        f"secured CA funding {calc.money(lev.ca)}, other secured funding {calc.money(lev.other)}."
    )
    section["sources"] = [
        *(f"Published project figures: {s}" for s in _dedupe(p.source for p in projects)),
        *(f"Published totals: {s}" for s in _dedupe(f.source for f in figures)),
        "Project records and stage changes entered by officers, last changed "
        f"{calc.long_date(_latest(*(p.updated_at for p in projects)))}.",
    ]
    return section


# --- 4. funding and the economy ----------------------------------------------------------------


def funding_section(place: Place) -> dict:
    from northstar.economy import charts as economy_charts
    from northstar.economy import services as economy

    gva = economy.gva_summary(place)
    berd = economy.berd_summary(place)
    iuk = economy.funding_summary(place, economy.IUK)
    ukri = economy.funding_summary(place, economy.ukri_code())
    economy_sources = [
        *gva.table.sources,
        *berd.table.sources,
        *iuk.table.sources,
        *ukri.table.sources,
    ]
    imported = [date.fromisoformat(s.imported) for s in economy_sources if s.imported]
    section = _section("funding", "Funding and the economy", max(imported) if imported else None)
    headline_rows = []
    for group, summary in (("gva", gva), ("berd", berd), ("iuk", iuk), ("ukri", ukri)):
        for n, h in enumerate(summary.headlines):
            headline_rows.append([h.label, h.value, h.detail])
            section["key_figures"].append(
                _figure(f"funding.{group}.{n}", h.label, h.value, h.detail)
            )
    section["tables"].append(
        _table(
            "funding-headlines",
            f"Economy and funding headlines, {gva.area.area.name}",
            [("Measure", False), ("Figure", True), ("Rank and comparison", False)],
            headline_rows,
            "No published statistics are loaded yet: run `northstar import --present`.",
        )
    )
    if gva.area.explanation:
        section["notes"].append(gva.area.explanation)
    section["notes"] += _dedupe([*gva.table.notes, *iuk.table.notes])
    if iuk.chart_points:
        section["charts"].append(
            {
                "id": "chart-funding-iuk",
                "title": f"Innovate UK funding per head, {iuk.area.area.name} and the median of "
                "its peers",
                "spec": economy_charts.line_chart(
                    iuk.chart_points,
                    description="Innovate UK funding per head",
                    y_title="£ per head",
                    x_title="Financial year",
                ),
                "table": "funding-iuk-data",
            }
        )
        section["tables"].append(_economy_table("funding-iuk-data", iuk.table, web_only=True))
    if gva.chart_points:
        section["charts"].append(
            {
                "id": "chart-funding-gva",
                "title": f"GVA per head, {gva.area.area.name} and the United Kingdom",
                "spec": economy_charts.line_chart(
                    gva.chart_points, description="GVA per head", y_title="£ per head"
                ),
                "table": "funding-gva-data",
            }
        )
        section["tables"].append(_economy_table("funding-gva-data", gva.table, web_only=True))
    sources = [
        f"{s.publisher}: {s.measure_name}, file {s.file_name} (SHA-256 {s.sha256_prefix}…), "
        f"imported {calc.long_date(date.fromisoformat(s.imported)) if s.imported else '—'}"
        for s in economy_sources
    ]
    participant = _participant_funding(place, section)
    sources += participant
    section["sources"] = _dedupe(sources) or [
        "No published statistics are loaded yet: `northstar import --present` loads those "
        "found in the data folder."
    ]
    if headline_rows:
        section["summary"].append("; ".join(f"{r[0]}: {r[1]}" for r in headline_rows[:3]) + ".")
    else:
        section["summary"].append("No published statistics of the economy are loaded yet.")
    return section


def _economy_table(table_id: str, table, *, web_only: bool) -> dict:
    return _table(
        table_id,
        table.caption,
        [
            (c.heading + (f" ({c.unit})" if c.unit else ""), c.kind == "number")
            for c in table.columns
        ],
        [[text for _, text in row["cells"]] for row in table.display_rows()],
        table.empty_message or "No figures.",
        web_only=web_only,
    )


def _participant_funding(place: Place, section: dict) -> list[str]:
    """Innovate UK's participant-level data, when loaded: award offered to the place's
    participants by financial year, enterprise size and programme (the funding app's totals)."""
    from northstar.funding import calculations as funding_calc
    from northstar.funding import services as funding

    if not funding.participant_data_loaded():
        section["notes"].append(
            "Innovate UK's participant-level data (who was funded, by size and programme) is not "
            "loaded; the Innovate UK figures above are Nesta's published aggregates."
        )
        return []
    query = funding.FundingQuery(place=place)
    by_year = funding.award_table(query, funding.Breakdown.FINANCIAL_YEAR)
    by_size = funding.award_table(query, funding.Breakdown.ENTERPRISE_SIZE)
    by_programme = funding.award_table(query, funding.Breakdown.PROGRAMME)
    total = by_year.total
    sme = next((line for line in by_size.lines if line.kind == "subtotal"), None)
    section["key_figures"] += [
        _figure(
            "funding.participants.award",
            "Innovate UK award offered to the place's participants (all years)",
            calc.money(funding_calc.pounds(total.award_pence)),
            f"{calc.number(total.participations)} participations",
        ),
    ]
    if sme is not None:
        section["key_figures"].append(
            _figure(
                "funding.participants.sme_share",
                "Share of that award to SMEs",
                calc.percent(sme.share, 1),
            )
        )

    def lines(table, limit: int | None = None) -> list[list[str]]:
        shown = [line for line in table.lines if line.kind != "total"]
        if limit is not None and len(shown) > limit:
            shown = shown[:limit]
        return [
            [
                line.label,
                calc.number(line.participations),
                calc.money(funding_calc.pounds(line.award_pence)),
                calc.percent(line.share, 1),
            ]
            for line in [*shown, table.total]
        ]

    cols = [("Participations", True), ("Award offered", True), ("Share", True)]
    section["tables"].append(
        _table(
            "funding-participants-year",
            "Innovate UK award offered by financial year of project start",
            [("Financial year", False), *cols],
            lines(by_year),
        )
    )
    section["tables"].append(
        _table(
            "funding-participants-size",
            "Innovate UK award offered by enterprise size",
            [("Enterprise size", False), *cols],
            lines(by_size),
        )
    )
    section["tables"].append(
        _table(
            "funding-participants-programme",
            "Innovate UK award offered by programme (the ten largest, and the total)",
            [("Programme", False), *cols],
            lines(by_programme, 10),
        )
    )
    year_rows = [
        {
            "year": line.label,
            "award_m": float(round(funding_calc.pounds(line.award_pence) / Decimal(1_000_000), 2)),
        }
        for line in by_year.lines
        if line.kind != "total"
    ]
    if year_rows:
        section["charts"].append(
            {
                "id": "chart-funding-participants",
                "title": f"Innovate UK award offered to participants in {place.name} by "
                "financial year (£ million)",
                "spec": charts.award_by_year_chart(year_rows),
                "table": "funding-participants-year",
            }
        )
    section["notes"].append("Participant-level figures: " + "; ".join(by_year.filters()) + ".")
    return [
        f"Innovate UK funded projects (participant-level): file {s.file_name} (SHA-256 "
        f"{s.sha256[:12]}…), imported {calc.long_date(_day(s.imported_at))}"
        for s in by_year.sources
    ]


# --- 5. assets and the map ---------------------------------------------------------------------


def assets_section(place: Place, quarter: Quarter) -> dict:
    from northstar.assets.models import Asset, Theme
    from northstar.ingest.models import Import

    active = Asset.objects.active()
    last_change = Asset.objects.aggregate(last=Max("updated_at"))["last"]
    section = _section("assets", "Innovation assets and the asset map", _latest(last_change))
    existing = {r["theme__code"]: r["count"] for r in active.existing().counts_by_theme()}
    pipeline = {r["theme__code"]: r["count"] for r in active.pipeline().counts_by_theme()}
    themes = list(Theme.objects.all())
    total_existing, total_pipeline = sum(existing.values()), sum(pipeline.values())
    total = total_existing + total_pipeline
    added = active.filter(
        created_at__date__gte=quarter.start, created_at__date__lte=quarter.end
    ).count()
    retired = Asset.objects.filter(
        retired_at__date__gte=quarter.start, retired_at__date__lte=quarter.end
    ).count()
    section["key_figures"] += [
        _figure(
            "assets.total",
            "Innovation assets in the register",
            calc.number(total),
            f"{total_existing} existing, {total_pipeline} in the pipeline",
        ),
        *(
            _figure(
                f"assets.theme.{t.code}",
                f"Assets: {t.name}",
                calc.number(existing.get(t.code, 0) + pipeline.get(t.code, 0)),
            )
            for t in themes
        ),
    ]
    section["summary"].append(
        f"{calc.number(total)} assets in the register ({total_existing} existing, "
        f"{total_pipeline} in the pipeline); {added} added and {retired} retired in "
        f"{quarter.short_label}."
    )
    theme_rows = [
        [
            t.name,
            calc.number(existing.get(t.code, 0)),
            calc.number(pipeline.get(t.code, 0)),
            calc.number(existing.get(t.code, 0) + pipeline.get(t.code, 0)),
        ]
        for t in themes
    ]
    theme_rows.append(
        ["All themes", calc.number(total_existing), calc.number(total_pipeline), calc.number(total)]
    )
    section["tables"].append(
        _table(
            "assets-themes",
            "Assets by theme",
            [("Theme", False), ("Existing", True), ("Pipeline", True), ("Total", True)],
            theme_rows,
        )
    )
    section["tables"].append(
        _table(
            "assets-boroughs",
            "Assets by borough (or where they are, when not in one borough)",
            [("Borough", False), ("Assets", True)],
            [[r["label"], calc.number(r["count"])] for r in active.counts_by_borough()],
            "The register is empty.",
        )
    )
    section["charts"].append(
        {
            "id": "chart-assets-themes",
            "title": "Innovation assets by theme",
            "spec": charts.theme_chart(
                [
                    {
                        "theme": t.name,
                        "count": existing.get(t.code, 0) + pipeline.get(t.code, 0),
                        "colour": t.colour,
                    }
                    for t in themes
                ]
            ),
            "table": "assets-themes",
        }
    )
    section["map"] = _asset_map(place, active, themes)
    imports = Import.objects.in_bulk(
        set(
            active.exclude(source_import=None)
            .order_by()
            .values_list("source_import", flat=True)
            .distinct()
        )
    )
    section["sources"] = [
        *(
            f"Asset register: {_import_text(r)}"
            for r in sorted(imports.values(), key=lambda r: r.pk)
        ),
        "Changes by officers (each kept in the asset's history), last change "
        f"{calc.long_date(_day(last_change))}.",
    ]
    for boundary_file in section["map"]["boundary_sources"]:
        section["sources"].append(
            f"Borough boundaries: {boundary_file}; contains OS data © Crown copyright and "
            "database right."
        )
    return section


def _asset_map(place: Place, active, themes) -> dict:
    """The borough boundaries and the assets' positions (grouped where several share one
    position, to a few metres) for the static map; counts of what it cannot show."""
    boroughs = list(Place.objects.boroughs_of(place).exclude(boundary_geojson=""))
    shapes = [
        {
            "name": b.name,
            "code": b.code,
            "geometry": charts.simplified(json.loads(b.boundary_geojson)),
            "label_at": [float(b.centroid_latitude), float(b.centroid_longitude)]
            if b.centroid_latitude is not None
            else None,
        }
        for b in boroughs
    ]
    box = charts.bounds([s["geometry"] for s in shapes])
    colours = {t.pk: t.colour for t in themes}
    grouped: dict[tuple, int] = defaultdict(int)
    no_position = outside = 0
    for lat, lon, theme_id in active.order_by().values_list("latitude", "longitude", "theme_id"):
        if lat is None or lon is None:
            no_position += 1
            continue
        lat, lon = round(float(lat), 4), round(float(lon), 4)
        if box is not None and not charts.inside(box, lat, lon):
            outside += 1
            continue
        grouped[(lat, lon, colours.get(theme_id, "#505a5f"))] += 1
    points = [[lat, lon, colour, n] for (lat, lon, colour), n in sorted(grouped.items())]
    points, cell = charts.thin_points(points, charts.MAP_MAX_POINTS, [t.colour for t in themes])
    return {
        # Where one dot stands for every asset in a grid square (about this many metres).
        "grouped_within_m": round(cell * 111_000, -1) if cell else None,
        "boroughs": shapes,
        "boundary_sources": _dedupe(b.boundary_source for b in boroughs),
        "points": points,
        "drawn": sum(p[3] for p in points),
        "no_position": no_position,
        "outside": outside,
        "legend": [{"theme": t.name, "colour": t.colour} for t in themes],
    }


# --- 6. the action plan ------------------------------------------------------------------------


def actions_section(as_at: date, quarter: Quarter) -> dict:
    from northstar.actions import services as action_services
    from northstar.actions.models import Action, ProgressUpdate, Rag

    themes = action_services.plan_by_theme()
    totals = action_services.rag_counts(Action.objects.all())
    last_action = Action.objects.aggregate(last=Max("updated_at"))["last"]
    last_update = ProgressUpdate.objects.aggregate(last=Max("created_at"))["last"]
    section = _section(
        "actions", "Action plan: RAG summary and exceptions", _latest(last_action, last_update)
    )
    section["key_figures"] += [
        _figure("actions.red", "Open actions rated red", str(totals.red)),
        _figure("actions.amber", "Open actions rated amber", str(totals.amber)),
        _figure("actions.green", "Open actions rated green", str(totals.green)),
        _figure("actions.closed", "Actions completed or cancelled", str(totals.closed)),
    ]
    theme_rows = [
        [
            f"{t.theme.number}. {t.theme.name}",
            str(t.counts.red),
            str(t.counts.amber),
            str(t.counts.green),
            str(t.counts.closed),
        ]
        for t in themes
    ]
    theme_rows.append(
        ["All themes", str(totals.red), str(totals.amber), str(totals.green), str(totals.closed)]
    )
    section["tables"].append(
        _table(
            "actions-themes",
            "Actions by theme and RAG rating (open actions; completed or cancelled apart)",
            [
                ("Theme", False),
                ("Red", True),
                ("Amber", True),
                ("Green", True),
                ("Completed or cancelled", True),
            ],
            theme_rows,
            "The action plan has no themes yet.",
        )
    )
    if totals.total:
        rows = []
        for t in themes:
            for rating, count in (
                ("Red", t.counts.red),
                ("Amber", t.counts.amber),
                ("Green", t.counts.green),
                ("Closed", t.counts.closed),
            ):
                rows.append(
                    {"theme": f"{t.theme.number}. {t.theme.name}", "rating": rating, "count": count}
                )
        section["charts"].append(
            {
                "id": "chart-actions-rag",
                "title": "Actions by theme and RAG rating (Closed: completed or cancelled)",
                "spec": charts.rag_chart(rows),
                "table": "actions-themes",
            }
        )
    red = Action.objects.at_risk().filter(rag=Rag.RED)
    overdue = Action.objects.overdue(as_at)
    exceptions = list(
        (red | overdue)
        .for_display()
        .prefetch_related("updates")
        .order_by("workstream__theme__number", "due_date", "title", "pk")
    )
    section["exceptions"] = []
    for a in exceptions:
        why = []
        if a.rag == Rag.RED:
            why.append("Red")
        if a.is_overdue(as_at):
            days = (as_at - a.due_date).days
            why.append(f"Overdue by {days} day{'s' if days != 1 else ''}")
        updates = list(a.updates.all())
        latest = updates[0] if updates else None
        section["exceptions"].append(
            {
                "id": a.pk,
                "title": a.title,
                "theme": f"{a.workstream.theme.number}. {a.workstream.theme.name}",
                "workstream": a.workstream.name,
                "owner": (a.owner.get_full_name() or a.owner.get_username()) if a.owner else "",
                "lead": a.lead_organisation.name if a.lead_organisation else "",
                "due": calc.long_date(a.due_date) if a.due_date else "No due date",
                "status": a.get_status_display(),
                "rag": a.rag,
                "rag_label": a.get_rag_display(),
                "reason": a.rag_reason or "No reason recorded.",
                "why": ", ".join(why),
                "latest_update": {
                    "date": calc.long_date(latest.date),
                    "text": latest.text,
                }
                if latest
                else None,
            }
        )
    section["ratings"] = [
        {"id": a.pk, "title": a.title, "rag": a.rag, "rag_label": a.get_rag_display()}
        for a in Action.objects.open().order_by("pk")
    ]
    section["key_figures"].append(
        _figure("actions.exceptions", "Exceptions (red or overdue)", str(len(exceptions)))
    )
    updates_in_quarter = ProgressUpdate.objects.filter(
        date__gte=quarter.start, date__lte=quarter.end
    ).count()
    if totals.total:
        section["summary"].append(
            f"{totals.red + totals.amber + totals.green} open actions: {totals.red} red, "
            f"{totals.amber} amber, {totals.green} green; {totals.closed} completed or cancelled. "
            f"{_count(len(exceptions), 'exception')} (red, or overdue on "
            f"{calc.long_date(as_at)}); {_count(updates_in_quarter, 'progress update')} posted "
            f"in {quarter.short_label}."
        )
    else:
        section["summary"].append("No actions have been entered in the action plan yet.")
    section["sources"] = [
        "Actions entered by officers; RAG ratings and progress updates posted by action owners "
        f"and officers. Last change {calc.long_date(_latest(last_action, last_update))}."
    ]
    return section
