"""Innovate UK participant pages (public): award offered to a place's participants by enterprise
size, programme, competition, sector, financial year or local authority, with a summary, a chart,
a CSV of exactly the table shown, and how to reproduce it; a competition's and an organisation's
participations. Thin: the figures come from `services` (the same `award_table` as the
`northstar funding` command and the API)."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from northstar.core.errors import UserInputError
from northstar.economy.views import charts_available
from northstar.organisations.models import Organisation
from northstar.organisations.services import resolve_org_id
from northstar.places.models import Place, PlaceLevel

from . import calculations as calc
from . import charts, services
from .forms import ParticipantFilterForm
from .models import Competition, Participation
from .services import Breakdown, FundingTable, ParticipantSummary

FILTER_PARAMS = ("place", "from", "to", "by", "include_withdrawn")
ORGANISATION_PERMISSION = "organisations.change_organisation"
PAGE_SIZE = 200
# The order of place levels in the place list.
LEVEL_ORDER = (
    PlaceLevel.COMBINED_AUTHORITY,
    PlaceLevel.LAD,
    PlaceLevel.ITL1,
    PlaceLevel.ITL2,
    PlaceLevel.ITL3,
    PlaceLevel.COUNTRY,
    PlaceLevel.UK,
)


# ------------------------------------------------------------------------------------------
# The table as shown and as downloaded.
# ------------------------------------------------------------------------------------------


def _money(pence: int, *, separators: bool = True) -> str:
    pounds = calc.pounds(pence)
    return f"{pounds:,.2f}" if separators else f"{pounds:.2f}"


def _share(line: calc.Line) -> str:
    return "n/a" if line.share is None else f"{line.share}"


def headings(table: FundingTable) -> list[str]:
    return [
        Breakdown.LABELS[table.by],
        "Participations",
        "Award offered (£)",
        "Share of award (%)",
    ]


def csv_rows(table: FundingTable) -> list[list[str]]:
    """The header and every line of the table as the page shows it, without thousands
    separators."""
    rows = [headings(table)]
    for line in table.lines:
        rows.append(
            [
                line.label,
                str(line.participations),
                _money(line.award_pence, separators=False),
                _share(line),
            ]
        )
    return rows


def _filter_query(params: dict[str, str], **changes) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def _line_links(table: FundingTable, params: dict[str, str]) -> dict[str, str]:
    """Where each line leads: a competition's participants, or a local authority's own table."""
    links: dict[str, str] = {}
    query = _filter_query(params, by="")
    if table.by == Breakdown.COMPETITION:
        ids = [int(line.key) for line in table.lines if line.kind == "group" and line.key]
        for pk, reference in Competition.objects.filter(pk__in=ids).values_list("pk", "reference"):
            url = reverse("funding:competition", args=[reference])
            links[str(pk)] = f"{url}?{query}" if query else url
    elif table.by == Breakdown.LOCAL_AUTHORITY:
        ids = [int(line.key[6:]) for line in table.lines if line.key.startswith("place:")]
        for pk, slug in Place.objects.filter(pk__in=ids).values_list("pk", "slug"):
            links[f"place:{pk}"] = (
                reverse("funding:participants")
                + "?"
                + _filter_query(params, place=slug, by=Breakdown.ENTERPRISE_SIZE)
            )
    return links


def display_rows(table: FundingTable, params: dict[str, str]) -> list[dict]:
    links = _line_links(table, params)
    return [
        {
            "label": line.label,
            "link": links.get(line.key, ""),
            "kind": line.kind,
            "participations": f"{line.participations:,}",
            "award": _money(line.award_pence),
            "share": _share(line),
        }
        for line in table.lines
    ]


def _decorated(page):
    """The page's participations with their year and award as shown."""
    for p in page.object_list:
        p.fy_label = calc.financial_year_label(p.financial_year_start)
        p.award_text = _money(p.award_offered_pence)
    return page


def _headlines(summary: ParticipantSummary) -> list[dict]:
    share = summary.sme_share
    return [
        {
            "label": "Award offered",
            "value": calc.format_pounds(summary.award_pence),
            "detail": f"in {summary.projects:,} project{'s' if summary.projects != 1 else ''}",
        },
        {
            "label": "Participants",
            "value": f"{summary.participations:,}",
            "detail": "participations: an organisation in two projects counts twice",
        },
        {
            "label": "Unique organisations",
            "value": f"{summary.organisations:,}",
            "detail": "participants linked to the same organisation count once",
        },
        {
            "label": "SME share of award",
            "value": "n/a" if share is None else f"{share}%",
            "detail": f"{calc.format_pounds(summary.sme_award_pence)} to "
            f"{summary.sme_participations:,} SME participation"
            f"{'s' if summary.sme_participations != 1 else ''} (micro, small and medium, and "
            "those published only as “SME”)",
        },
        {
            "label": "Lead participants",
            "value": f"{summary.lead_participations:,}",
            "detail": "participations as the lead of their project",
        },
    ]


# ------------------------------------------------------------------------------------------
# The filter form's choices.
# ------------------------------------------------------------------------------------------


def _place_options() -> list[dict]:
    """The place list: every participant, the default place, then every place by level."""
    from northstar.places.services import default_place

    default = default_place()
    groups = [
        {
            "label": "",
            "options": [(services.EVERYWHERE, "Everywhere (all participants)")]
            + ([(default.slug, f"{default.name} (default)")] if default else []),
        }
    ]
    by_level: dict[str, list[tuple[str, str]]] = {}
    for slug, name, code, level in Place.objects.order_by("name").values_list(
        "slug", "name", "code", "level"
    ):
        by_level.setdefault(level, []).append((slug, f"{name} ({code})"))
    for level in LEVEL_ORDER:
        if by_level.get(level):
            groups.append({"label": PlaceLevel(level).label, "options": by_level[level]})
    return groups


def _year_options(selected: list[int | None]) -> list[tuple[str, str]]:
    years = services.financial_years_loaded()
    wanted = {y for y in selected if y is not None}
    if years:
        wanted |= set(range(years[0], years[1] + 1))
    return [(calc.financial_year_label(y), calc.financial_year_label(y)) for y in sorted(wanted)]


def _errors(form: ParticipantFilterForm) -> list[tuple[str, str]]:
    """(field id, message) for the error summary; form-wide errors point at the first field."""
    out = []
    for name, messages in form.errors.items():
        target = "place" if name == "__all__" else name
        out.extend((target, message) for message in messages)
    return out


def _params(request) -> dict[str, str]:
    return {k: v for k in FILTER_PARAMS if (v := request.GET.get(k, "").strip())}


def _form_context(form: ParticipantFilterForm, params: dict[str, str]) -> dict:
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    place = data.get("place") if valid else None
    if valid:
        place_value = place.slug if place is not None else services.EVERYWHERE
    else:
        place_value = params.get("place", "")
    first, last = data.get("from"), data.get("to")
    return {
        "form": form,
        "errors": _errors(form),
        "place_options": _place_options(),
        "place_value": place_value,
        "year_options": _year_options([first, last]),
        "from_value": calc.financial_year_label(first) if first is not None else "",
        "to_value": calc.financial_year_label(last) if last is not None else "",
        "by_options": [(value, Breakdown.LABELS[value]) for value in Breakdown.CHOICES],
        "by_value": data.get("by") or params.get("by") or Breakdown.ENTERPRISE_SIZE,
        "include_withdrawn": bool(data.get("include_withdrawn")),
    }


# ------------------------------------------------------------------------------------------
# Pages.
# ------------------------------------------------------------------------------------------


@require_GET
def participants(request):
    """The participant analysis: filters, summary, table, chart, CSV, how to reproduce."""
    params = _params(request)
    form = ParticipantFilterForm(request.GET)
    context = {
        **_form_context(form, params),
        "loaded": services.participant_data_loaded(),
        "charts_available": charts_available(),
        "upload_url": reverse("ingest:upload"),
    }
    # A form with errors is shown again, with them (a 400 only to a CSV download).
    refused = 400 if request.GET.get("format") == "csv" else 200
    if not form.is_valid():
        return render(request, "funding/participants.html", context, status=refused)
    query, by = form.query(), form.by_value
    try:
        table = services.award_table(query, by)
        summary = services.participant_summary(query, table.scope) if context["loaded"] else None
    except UserInputError as exc:
        form.add_error(None, exc.message)
        context["errors"] = _errors(form)
        return render(request, "funding/participants.html", context, status=refused)

    if request.GET.get("format") == "csv":
        return _csv_response(table, _file_name(table))

    api_query = _api_query(table)
    context.update(
        {
            "query": query,
            "table": table,
            "headings": headings(table),
            "rows": display_rows(table, params),
            "has_groups": table.total.participations > 0,
            "summary": summary,
            "headlines": _headlines(summary) if summary else [],
            "chart": _chart(table),
            "csv_url": reverse("funding:participants") + "?" + _filter_query(params, format="csv"),
            "api_url": reverse("api-1:funding_award_table") + f"?{api_query}",
            "caption": _caption(table),
            "is_subtotal_shown": any(line.kind == "subtotal" for line in table.lines),
        }
    )
    return render(request, "funding/participants.html", context)


def _api_query(table: FundingTable) -> str:
    """The API's query string for the same table (the API asks for the place explicitly)."""
    q = table.query
    params = {"place": q.place.slug if q.place else services.EVERYWHERE}
    if q.first_year is not None:
        params["from"] = calc.financial_year_label(q.first_year)
    if q.last_year is not None:
        params["to"] = calc.financial_year_label(q.last_year)
    params["by"] = table.by
    if q.include_withdrawn:
        params["include_withdrawn"] = "true"
    return urlencode(params)


def _caption(table: FundingTable) -> str:
    q = table.query
    where = q.place.name if q.place else "everywhere"
    if q.first_year is None and q.last_year is None:
        years = "all years"
    else:
        first = calc.financial_year_label(q.first_year) if q.first_year is not None else "earliest"
        last = calc.financial_year_label(q.last_year) if q.last_year is not None else "latest"
        years = f"projects starting {first} to {last}"
    return (
        f"Innovate UK award offered to participants, {where}, {years}, by "
        f"{Breakdown.LABELS[table.by].lower()}"
    )


def _chart(table: FundingTable) -> dict | None:
    label = Breakdown.LABELS[table.by]
    keep_order = table.by in (Breakdown.ENTERPRISE_SIZE, Breakdown.FINANCIAL_YEAR)
    spec = charts.award_bar_chart(
        table.lines,
        group_title=label,
        description=_caption(table),
        keep_order=keep_order,
    )
    if spec is None:
        return None
    groups = sum(1 for line in table.lines if line.kind == "group")
    more = (
        f" The chart shows the {charts.MOST_BARS} largest of {groups}; the table has them all."
        if not keep_order and groups > charts.MOST_BARS
        else ""
    )
    return {
        "id": "participants-chart-spec",
        "spec": spec,
        "label": f"Bar chart: award offered by {label.lower()}. The figures are in the table "
        f"below.{more}",
    }


def _file_name(table: FundingTable) -> str:
    q = table.query
    parts = ["innovate-uk-award", q.place.slug if q.place else "all", table.by]
    if q.first_year is not None:
        parts.append(f"from-{calc.financial_year_label(q.first_year)}")
    if q.last_year is not None:
        parts.append(f"to-{calc.financial_year_label(q.last_year)}")
    if q.include_withdrawn:
        parts.append("with-withdrawn")
    return "-".join(parts) + ".csv"


def _csv_response(table: FundingTable, file_name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    csv.writer(response).writerows(csv_rows(table))
    return response


@require_GET
def competition(request, reference: str):
    """One competition's participations within the filters: the line of the table by
    competition, participant by participant."""
    try:
        found = services.find_competition(reference)
    except UserInputError as exc:
        raise Http404(exc.message) from None
    params = _params(request)
    form = ParticipantFilterForm(request.GET)
    context = {
        **_form_context(form, params),
        "competition": found,
        "charts_available": False,
        "errors": [],
    }
    if not form.is_valid():
        context["errors"] = _errors(form)
        return render(request, "funding/competition.html", context)
    query = form.query()
    rows = services.competition_participations(found, query)
    totals = rows.aggregate(n=Count("id"), award=Sum("award_offered_pence"))
    table = services.award_table(query, Breakdown.COMPETITION)
    page = _decorated(Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")))
    everyone = {"place": services.EVERYWHERE, "include_withdrawn": "1"}
    context.update(
        {
            "query": query,
            "page": page,
            "participations": totals["n"],
            "award": calc.format_pounds(totals["award"] or 0),
            "filters": table.filters()[:-1],
            "sources": table.sources,
            "command": services.command_line(query, Breakdown.COMPETITION),
            "back_url": reverse("funding:participants")
            + "?"
            + _filter_query(params, by=Breakdown.COMPETITION),
            "everyone_url": reverse("funding:competition", args=[found.reference])
            + "?"
            + urlencode(everyone),
            "is_everyone": query.place is None
            and query.first_year is None
            and query.last_year is None
            and query.include_withdrawn,
            "page_query": _filter_query(params),
            "can_see_organisations": request.user.has_perm(ORGANISATION_PERMISSION),
        }
    )
    return render(request, "funding/competition.html", context)


@require_GET
def organisation(request, org_id: str):
    """Every Innovate UK participation of one organisation (as linked by Northstar)."""
    org = Organisation.objects.filter(org_id=org_id).first()
    if org is None or not org.is_active:
        current = resolve_org_id(org_id)
        if current is None or current.org_id == org_id:
            raise Http404("No such organisation")
        return redirect("funding:organisation", org_id=current.org_id)
    rows = services.organisation_participations(org)
    totals = rows.aggregate(
        n=Count("id"),
        award=Sum("award_offered_pence"),
        projects=Count("project_id", distinct=True),
    )
    active = rows.filter(withdrawn=False).aggregate(award=Sum("award_offered_pence"), n=Count("id"))
    sources = services.sources_of(Participation.objects.filter(organisation=org))
    page = _decorated(Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")))
    return render(
        request,
        "funding/organisation.html",
        {
            "organisation": org,
            "page": page,
            "participations": totals["n"],
            "projects": totals["projects"],
            "award": calc.format_pounds(totals["award"] or 0),
            "award_active": calc.format_pounds(active["award"] or 0),
            "withdrawn_participations": totals["n"] - active["n"],
            "sources": sources,
            "can_see_organisations": request.user.has_perm(ORGANISATION_PERMISSION),
        },
    )
