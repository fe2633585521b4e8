"""Officers' pages for organisation linkage: the organisations, the review queue of ambiguous
matches (Merge / Keep apart) and an organisation's page with its source records and a split form.
Thin: the work is in services.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from northstar.accounts.decorators import permission_required_or_login
from northstar.core.errors import UserInputError

from . import services
from .forms import DecisionForm, SearchForm, SplitForm
from .models import LinkEvent, MatchCandidate, MatchStatus, Organisation, SourceRecord

PERMISSION = "organisations.change_organisation"
PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20
RECORDS_SHOWN = 5


def _pending():
    return MatchCandidate.objects.filter(status=MatchStatus.PENDING)


@permission_required_or_login(PERMISSION)
@require_GET
def organisation_list(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    organisations = (
        Organisation.objects.active()
        .search(query)
        .annotate(record_count=Count("source_records", distinct=True))
        .order_by("name", "pk")
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/organisation_list.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "pending": _pending().count(),
            "page_prefix": f"{urlencode({'q': query})}&" if query else "",
            "elided_pages": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )


@permission_required_or_login(PERMISSION)
@require_GET
def review_queue(request):
    candidates = (
        _pending().select_related("record__organisation", "organisation").order_by("-score", "pk")
    )
    page = Paginator(candidates, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    # How each side's records name it, grouped (one query for the page's organisations).
    forms = SourceRecord.objects.forms_by_organisation(
        {c.record.organisation_id for c in page} | {c.organisation_id for c in page}
    )
    cards = [
        {
            "candidate": c,
            "record_side": _shown_forms(forms.get(c.record.organisation_id, [])),
            "match_side": _shown_forms(forms.get(c.organisation_id, [])),
        }
        for c in page
    ]
    return render(
        request,
        "organisations/review_queue.html",
        {
            "page": page,
            "cards": cards,
            "elided_pages": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )


def _shown_forms(forms) -> dict:
    """The first RECORDS_SHOWN forms of an organisation's records and how many records the
    rest hold."""
    return {
        "forms": forms[:RECORDS_SHOWN],
        "more_records": sum(f.records for f in forms[RECORDS_SHOWN:]),
    }


@permission_required_or_login(PERMISSION)
@require_POST
def review_decide(request, candidate_id: int):
    candidate = get_object_or_404(
        MatchCandidate.objects.select_related("record", "organisation"), pk=candidate_id
    )
    form = DecisionForm(request.POST)
    back = reverse("organisations:review")
    page = request.POST.get("page", "")
    if page.isascii() and page.isdigit():
        back += f"?page={page}"
    if not form.is_valid():
        messages.error(request, form.errors["decision"][0])
        return redirect(back)
    try:
        services.decide_candidate(candidate, request.user, merge=form.merge)
    except UserInputError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    record, organisation = candidate.record, candidate.organisation
    if form.merge:
        messages.success(
            request, f"“{record.name}” and {organisation.name} are now one organisation."
        )
    else:
        messages.success(request, f"“{record.name}” and {organisation.name} are kept apart.")
    return redirect(back)


def _organisation_or_redirect(org_id: str):
    """The organisation, or a redirect to the one an old or merged org-id now names."""
    org = Organisation.objects.filter(org_id=org_id).first()
    if org is not None and org.is_active:
        return org, None
    current = services.resolve_org_id(org_id)
    if current is None:
        raise Http404("No such organisation")
    return None, redirect("organisations:detail", org_id=current.org_id)


def _detail(request, org: Organisation, form: SplitForm, status: int = 200):
    records = list(org.source_records.select_related("source_import").order_by("pk"))
    candidates = (
        _pending()
        .filter(organisation=org)
        .select_related("record__organisation")
        .order_by("-score")
    )
    own_candidates = (
        _pending().filter(record__organisation=org).select_related("record", "organisation")
    )
    events = (
        LinkEvent.objects.filter(organisation=org)
        | LinkEvent.objects.filter(other_organisation=org)
    ).select_related("organisation", "other_organisation", "user")
    selected = set(form["records"].value() or []) if form.is_bound else set()
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": org,
            "records": records,
            "selected": selected,
            "form": form,
            "candidates": list(candidates) + list(own_candidates),
            "events": events.order_by("-at", "-pk")[:50],
            "absorbed": org.absorbed.order_by("name"),
            "aliases": org.aliases.order_by("pk"),
        },
        status=status,
    )


@permission_required_or_login(PERMISSION)
@require_GET
def organisation_detail(request, org_id: str):
    org, elsewhere = _organisation_or_redirect(org_id)
    if elsewhere:
        return elsewhere
    return _detail(request, org, SplitForm(organisation=org))


@permission_required_or_login(PERMISSION)
@require_POST
def organisation_split(request, org_id: str):
    org, elsewhere = _organisation_or_redirect(org_id)
    if elsewhere:
        return elsewhere
    form = SplitForm(request.POST, organisation=org)
    if form.is_valid():
        try:
            new = services.split_records(
                org, form.cleaned_data["records"], request.user, form.cleaned_data["reason"]
            )
        except UserInputError as exc:
            form.add_error(None, exc.message)
        else:
            count = len(form.cleaned_data["records"])
            messages.success(
                request,
                f"{count} record{'s' if count != 1 else ''} split off from {org.name} "
                f"into a new organisation, {new.org_id}.",
            )
            return redirect("organisations:detail", org_id=new.org_id)
    return _detail(request, org, form, status=200)
