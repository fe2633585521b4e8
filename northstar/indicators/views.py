"""Indicator pages: the dashboard, one indicator (chart, comparison, formula, sources,
revisions, CSV), the logic model, and the officers' form. Thin: figures come from services."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from northstar.core.errors import UserInputError
from northstar.economy.views import charts_available

from . import charts, services
from .forms import ObservationForm

PARTS_NOUN = {"combined_authority": "boroughs", "uk": "ITL1 regions", "itl1": "ITL2 areas"}


def _place(request):
    place = services.place_by_code(request.GET.get("place", "").strip() or None)
    if place is None:
        raise Http404("No such place")
    return place


def _indicator(code: str):
    try:
        return services.get_indicator(code)
    except UserInputError as exc:
        raise Http404(exc.message) from None


def dashboard(request):
    place = _place(request)
    summaries = services.dashboard(place)
    rows = [
        {
            "summary": s,
            "sparkline": mark_safe(  # noqa: S308 - made by charts.sparkline from numbers only
                charts.sparkline(
                    [float(o.value) for o in s.observations],
                    label=f"Trend of {s.indicator.name}",
                )
            ),
        }
        for s in summaries
    ]
    return render(
        request,
        "indicators/dashboard.html",
        {
            "place": place,
            "headline": [r for r in rows if r["summary"].indicator.headline],
            "derived": [r for r in rows if not r["summary"].indicator.headline],
        },
    )


def indicator(request, code: str):
    indicator = _indicator(code)
    place = _place(request)
    summary = services.summarise(indicator, place)
    derivation = services.derivation_of(indicator)
    chart = {
        "id": "indicator-chart-spec",
        "label": f"{indicator.name}, {place.name}: observations, required path, target and forecast",
        "spec": charts.indicator_chart(
            observations=[(o.time, float(o.value)) for o in summary.observations],
            path=summary.path,
            target=(summary.target.year, float(summary.target.value)) if summary.target else None,
            forecast=summary.forecast,
            y_title=indicator.unit,
            description=f"{indicator.name} for {place.name}",
        ),
    }
    breakdowns = services.disaggregations(indicator, place)
    return render(
        request,
        "indicators/indicator.html",
        {
            "indicator": indicator,
            "place": place,
            "summary": summary,
            "chart": chart if summary.observations or summary.path else None,
            "charts_available": charts_available(),
            "derivation": derivation,
            "coverage": services.coverage(derivation, place) if derivation else None,
            "comparison": services.comparison(indicator, place)[:40],
            "history": services.history(indicator, place),
            "breakdowns": breakdowns,
            "breakdown_charts": _breakdown_charts(indicator, place, summary, breakdowns),
            "parts_together": services.parts_together(indicator, place),
            "parts_noun": PARTS_NOUN.get(place.level, "areas"),
            "can_add": request.user.has_perm("indicators.add_observation"),
        },
    )


def _breakdown_charts(indicator, place, summary, breakdowns) -> list[dict]:
    """A chart per breakdown (borough, sector, enterprise size…), with the total beside it."""
    by_dimension: dict[str, list] = {}
    for o in breakdowns:
        by_dimension.setdefault(o.dimension, []).append(o)
    total = [(o.time, float(o.value)) for o in summary.observations]
    return [
        {
            "id": f"breakdown-{number}-chart-spec",
            "dimension": dimension,
            "label": f"{indicator.name}, {place.name}, by {dimension.replace('_', ' ')}",
            "spec": charts.breakdown_chart(
                rows=[(o.category, o.time, float(o.value)) for o in rows],
                total=total,
                dimension=dimension,
                y_title=indicator.unit,
                description=f"{indicator.name} for {place.name} by {dimension}",
            ),
        }
        for number, (dimension, rows) in enumerate(by_dimension.items(), start=1)
    ]


def observations_csv(request, code: str):
    indicator = _indicator(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{indicator.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "indicator",
            "place_code",
            "place",
            "period",
            "value",
            "unit",
            "numerator",
            "denominator",
            "dimension",
            "category",
            "status",
            "origin",
            "revision",
            "current",
            "source",
            "evidence_url",
        ]
    )
    rows = indicator.observations.select_related("place").order_by(
        "place__name", "year", "quarter", "dimension", "category", "revision"
    )
    if not request.GET.get("all_revisions"):
        rows = rows.filter(is_current=True)
    for o in rows:
        writer.writerow(
            [
                indicator.code,
                o.place.code,
                o.place.name,
                o.period_label,
                o.value,
                indicator.unit,
                "" if o.numerator is None else o.numerator,
                "" if o.denominator is None else o.denominator,
                o.dimension,
                o.category,
                o.status,
                o.origin,
                o.revision,
                o.is_current,
                o.source,
                o.evidence_url,
            ]
        )
    return response


def logic_model(request):
    """The partnership's logic model, or a programme's (?programme= its slug; a programme named
    only in text by that text). Programmes the user may not see are not found."""
    from northstar.programmes.services import visible_programmes

    place = _place(request)
    visible = visible_programmes(request.user)
    text = request.GET.get("programme", "").strip()
    programme, label = services.programme_for_logic_model(text, visible)
    if label and not services.chain_elements(place, None, label).exists():
        raise Http404("No logic model for that programme")
    return render(
        request,
        "indicators/logic_model.html",
        {
            "place": place,
            "programme": programme,
            "label": label,
            "stages": services.logic_model(place, programme, label),
            "chains": services.logic_model_chains(place, visible),
        },
    )


@login_required
@permission_required("indicators.add_observation", raise_exception=True)
def add_observation(request, code: str):
    indicator = _indicator(code)
    place = _place(request)
    form = ObservationForm(request.POST or None, indicator=indicator, initial={"place": place.pk})
    if request.method == "POST" and form.is_valid():
        obs = services.save_observation(form.checked, user=request.user)
        messages.success(
            request,
            f"Recorded {indicator.name} for {obs.place.name}, {obs.period_label}: {obs.value.normalize():f}.",
        )
        return redirect(f"{request.path.rsplit('add/', 1)[0]}?place={place.code}")
    return render(
        request,
        "indicators/observation_form.html",
        {"indicator": indicator, "place": place, "form": form},
    )
