"""The Innovate UK funding analysis: award offered to participants of a place, by enterprise size,
programme, competition, sector, financial year or local authority.

One core function, `award_table`, that the command line (and later pages and the API) call. The
database does the grouping; calculations.py turns the per-group totals into lines. Withdrawn
participants are left out unless asked for. Every table names the files it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from northstar.core.errors import UserInputError
from northstar.ingest.models import Import
from northstar.places.models import Place, PlaceLevel

from . import calculations as calc
from .cells import place_key
from .models import (
    Competition,
    Participation,
    ParticipationAreaTotal,
    ParticipationTotal,
    Programme,
    Sector,
)


class Breakdown:
    """What a table groups by (the command line's --by)."""

    ENTERPRISE_SIZE = "enterprise-size"
    PROGRAMME = "programme"
    COMPETITION = "competition"
    SECTOR = "sector"
    FINANCIAL_YEAR = "financial-year"
    LOCAL_AUTHORITY = "local-authority"

    CHOICES = (
        ENTERPRISE_SIZE,
        PROGRAMME,
        COMPETITION,
        SECTOR,
        FINANCIAL_YEAR,
        LOCAL_AUTHORITY,
    )
    LABELS = {
        ENTERPRISE_SIZE: "Enterprise size",
        PROGRAMME: "Programme",
        COMPETITION: "Competition",
        SECTOR: "Sector",
        FINANCIAL_YEAR: "Financial year of project start",
        LOCAL_AUTHORITY: "Local authority",
    }


# ------------------------------------------------------------------------------------------
# Which participants a place covers.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceScope:
    """The participants of a place: those placed in one of its local authorities, or (where
    Northstar does not know which authorities make an area up) those the publisher's own
    geography columns name it in."""

    place: Place | None
    lad_ids: frozenset[int] | None = None  # None: every participant (the UK, or no place)
    local_authority_keys: frozenset[str] = frozenset()
    region_names: frozenset[str] = frozenset()
    how: str = "all participants"

    def q(self) -> Q:
        if self.lad_ids is None:
            return Q()
        condition = Q(place_id__in=sorted(self.lad_ids))
        if self.local_authority_keys:
            condition |= Q(local_authority_key__in=sorted(self.local_authority_keys))
        if self.region_names:
            condition |= Q(region_name__in=sorted(self.region_names))
        return condition


def _has_itl3_link() -> bool:
    return any(f.name == "itl3" for f in Place._meta.get_fields())


def _subtree(place: Place) -> set[int]:
    """The place and every place beneath it through `parent` links."""
    ids, frontier = {place.pk}, [place.pk]
    while frontier:
        frontier = list(
            Place.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.update(frontier)
    return ids


def _linked_lads(ids: set[int]) -> set[int]:
    """The local authorities among `ids`, and those whose ITL3 area is among them."""
    lads = set(Place.objects.filter(pk__in=ids, level=PlaceLevel.LAD).values_list("pk", flat=True))
    if _has_itl3_link():
        itl3s = Place.objects.filter(pk__in=ids, level=PlaceLevel.ITL3)
        lads |= set(
            Place.objects.filter(level=PlaceLevel.LAD, itl3__in=itl3s).values_list("pk", flat=True)
        )
    return lads


def _lads_within(place: Place) -> tuple[set[int], list[str]]:
    """The local authorities of a place, and the names of the places that covered the same
    ground (ITL2 TLD7 Merseyside is the Liverpool City Region: its boroughs count)."""
    ids = _subtree(place)
    lads = _linked_lads(ids)
    codes = list(Place.objects.filter(pk__in=ids).values_list("code", flat=True))
    same = Place.objects.filter(same_area_code__in=codes).exclude(pk__in=ids)
    if place.same_area_code:
        same = same | Place.objects.filter(code=place.same_area_code).exclude(pk__in=ids)
    via = []
    for other in same.distinct():
        more = _linked_lads(_subtree(other)) - lads
        if more:
            lads |= more
            via.append(other.name)
    if place.level == PlaceLevel.COUNTRY and place.code == "TLB":  # England: E-coded LADs
        lads |= set(
            Place.objects.filter(level=PlaceLevel.LAD, code__startswith="E").values_list(
                "pk", flat=True
            )
        )
    return lads, via


def _all_itl3_areas_linked(place: Place) -> bool:
    """Whether Northstar knows the local authorities of every ITL3 area beneath `place` (once
    the ONS boundaries are imported it does, and the published region names are not needed)."""
    if not _has_itl3_link():
        return False
    itl3s = Place.objects.filter(pk__in=_subtree(place), level=PlaceLevel.ITL3)
    return itl3s.exists() and not itl3s.filter(lads__isnull=True).exists()


def place_scope(place: Place | None) -> PlaceScope:
    """Which participants count for `place`: a local authority itself; a combined authority its
    boroughs; an ITL area the local authorities linked to it, or the boroughs of a city region
    that is the same area. An ITL1 region whose ITL3 areas are not all linked to their local
    authorities also takes everyone the publisher's 'Address Region' puts in it. Where Northstar knows no local authority of an area, the publisher's 'Address
    Local Authority' naming it decides."""
    if place is None or place.level == PlaceLevel.UK:
        return PlaceScope(place, None, how="all participants")
    lads, via = _lads_within(place)
    regions = frozenset()
    if place.level == PlaceLevel.ITL1 and not _all_itl3_areas_linked(place):
        regions = frozenset({place.name})
    if lads:
        names = list(
            Place.objects.filter(pk__in=lads).order_by("name").values_list("name", flat=True)
        )
        listed = ", ".join(names) if len(names) <= 8 else f"{len(names)} local authorities"
        how = f"participants placed in {listed}"
        if via:
            how += f" (as {', '.join(via)})"
        if regions:
            how += f", or whose published region is {place.name!r}"
        return PlaceScope(place, frozenset(lads), region_names=regions, how=how)
    how = f"participants whose published local authority is {place.name!r}"
    if regions:
        how += f" or whose published region is {place.name!r}"
    return PlaceScope(
        place,
        frozenset(),
        local_authority_keys=frozenset({place_key(place.name)}),
        region_names=regions,
        how=how + " (Northstar links no local authorities to this area)",
    )


def find_place(text: str) -> Place:
    """A place by slug, code or name (as an officer types it on the command line)."""
    text = (text or "").strip()
    place = (
        Place.objects.filter(slug=text.lower()).first()
        or Place.objects.filter(code__iexact=text).first()
    )
    if place is None:
        matches = list(Place.objects.filter(name__iexact=text))
        if len(matches) > 1:
            options = ", ".join(f"{p.slug} ({p.get_level_display()})" for p in matches)
            raise UserInputError(f"{text!r} names more than one place: use one of {options}.")
        place = matches[0] if matches else None
    if place is None:
        raise UserInputError(
            f"No place called {text!r}. Give a slug (e.g. liverpool-city-region), a code "
            "(e.g. E08000012) or a name."
        )
    return place


# ------------------------------------------------------------------------------------------
# The analysis.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingQuery:
    place: Place | None = None
    first_year: int | None = None  # financial year start years, inclusive
    last_year: int | None = None
    include_withdrawn: bool = False

    def __post_init__(self):
        calc.check_year_range(self.first_year, self.last_year)


@dataclass(frozen=True)
class SourceFile:
    """An Import the figures came from."""

    file_name: str
    sha256: str
    imported_at: object
    rows_loaded: int

    def __str__(self) -> str:
        when = timezone.localtime(self.imported_at).strftime("%Y-%m-%d %H:%M")
        return f"{self.file_name} (SHA-256 {self.sha256}, imported {when})"


@dataclass
class FundingTable:
    query: FundingQuery
    by: str
    scope: PlaceScope
    lines: list[calc.Line]
    sources: list[SourceFile] = field(default_factory=list)

    @property
    def total(self) -> calc.Line:
        return self.lines[-1]

    def filters(self) -> list[str]:
        """The filters, in words, for every output to state."""
        q = self.query
        place = q.place.name if q.place else "everywhere (all participants)"
        if q.first_year is None and q.last_year is None:
            years = "all financial years"
        else:
            first = (
                calc.financial_year_label(q.first_year) if q.first_year is not None else "the first"
            )
            last = (
                calc.financial_year_label(q.last_year) if q.last_year is not None else "the latest"
            )
            years = f"projects starting in financial years {first} to {last} (April–March)"
        return [
            f"Place: {place} — {self.scope.how}",
            f"Years: {years}",
            "Withdrawn participants: "
            + (
                "included"
                if q.include_withdrawn
                else "excluded (participant withdrawn from project)"
            ),
            f"Measure: award offered (£) to participants, by {Breakdown.LABELS[self.by].lower()}",
        ]


def participations(query: FundingQuery, scope: PlaceScope | None = None):
    """The participations a query covers."""
    scope = scope or place_scope(query.place)
    qs = Participation.objects.filter(scope.q()).in_financial_years(
        query.first_year, query.last_year
    )
    if not query.include_withdrawn:
        qs = qs.active()
    return qs


@dataclass(frozen=True)
class _Rows:
    """Where a table's figures are summed from: the participations, or totals of them."""

    qs: object
    count: object
    has_names: bool  # the published local authority names are there to group by


BY_AREA = (Breakdown.ENTERPRISE_SIZE, Breakdown.FINANCIAL_YEAR, Breakdown.LOCAL_AUTHORITY)


def _rows(query: FundingQuery, scope: PlaceScope, by: str, exact_rows: bool | None) -> _Rows:
    """The tables of totals written at import answer every table but those by programme,
    competition or sector of an area only the publisher's names describe; the participations
    themselves answer those (and any table, with exact_rows=True)."""
    by_names = bool(scope.local_authority_keys or scope.region_names)
    if exact_rows is None:
        exact_rows = by_names and by not in BY_AREA
    if exact_rows:
        return _Rows(participations(query, scope), Count("id"), True)
    if by_names and by not in BY_AREA:
        raise ValueError("this query needs the participations themselves")
    model = ParticipationAreaTotal if by in BY_AREA else ParticipationTotal
    qs = model.objects.filter(scope.q())
    if query.first_year is not None:
        qs = qs.filter(financial_year_start__gte=query.first_year)
    if query.last_year is not None:
        qs = qs.filter(financial_year_start__lte=query.last_year)
    if not query.include_withdrawn:
        qs = qs.filter(withdrawn=False)
    return _Rows(qs, Sum("participations"), model is ParticipationAreaTotal)


def _grouped(rows: _Rows, *fields: str) -> list[dict]:
    return list(
        rows.qs.order_by().values(*fields).annotate(n=rows.count, award=Sum("award_offered_pence"))
    )


def award_table(query: FundingQuery, by: str, *, exact_rows: bool | None = None) -> FundingTable:
    """Award offered to the query's participants, grouped `by` one of Breakdown.CHOICES.

    `exact_rows` forces summing the participations themselves (True) or their totals (False);
    by default the totals are used wherever they can answer (the same figures, faster)."""
    if by not in Breakdown.CHOICES:
        raise UserInputError(
            f"Cannot group by {by!r}; choose one of {', '.join(Breakdown.CHOICES)}."
        )
    scope = place_scope(query.place)
    rows = _rows(query, scope, by, exact_rows)
    if by == Breakdown.ENTERPRISE_SIZE:
        totals: dict[str, tuple[int, int]] = {}
        for row in _grouped(rows, "enterprise_size", "is_sme"):
            key = calc.size_group(row["enterprise_size"], row["is_sme"])
            n, award = totals.get(key, (0, 0))
            totals[key] = (n + row["n"], award + row["award"])
        lines = calc.size_table(totals)
    elif by == Breakdown.FINANCIAL_YEAR:
        totals_fy = {
            r["financial_year_start"]: (r["n"], r["award"])
            for r in _grouped(rows, "financial_year_start")
        }
        lines = calc.year_table(totals_fy, query.first_year, query.last_year)
    else:
        lines = calc.table(_named_groups(rows, by))
    return FundingTable(query, by, scope, lines, sources_of(rows.qs))


def _named_groups(rows: _Rows, by: str) -> Iterable[calc.GroupTotal]:
    if by == Breakdown.LOCAL_AUTHORITY:
        fields = ["place_id", "place__name"] + (["local_authority_name"] if rows.has_names else [])
        merged: dict[str, list] = {}
        for r in _grouped(rows, *fields):
            if r["place_id"] is not None:
                key, label = f"place:{r['place_id']}", r["place__name"]
            else:
                name = r.get("local_authority_name") or "Not given"
                key, label = f"published:{name}", f"{name} (as published; not placed)"
            entry = merged.setdefault(key, [label, 0, 0])
            entry[1] += r["n"]
            entry[2] += r["award"]
        return [calc.GroupTotal(k, label, n, award) for k, (label, n, award) in merged.items()]
    field_name, model, fields, label_of = {
        Breakdown.PROGRAMME: ("programme_id", Programme, ["title"], lambda title: title),
        Breakdown.COMPETITION: (
            "competition_id",
            Competition,
            ["reference", "title"],
            lambda reference, title: f"{reference} — {title}" if title else reference,
        ),
        Breakdown.SECTOR: ("sector_id", Sector, ["name"], lambda name: name),
    }[by]
    grouped = _grouped(rows, field_name)
    ids = sorted({r[field_name] for r in grouped if r[field_name]})
    names = {}
    for i in range(0, len(ids), 500):
        for pk, *values in model.objects.filter(pk__in=ids[i : i + 500]).values_list("pk", *fields):
            names[pk] = label_of(*values)
    return [
        calc.GroupTotal(
            str(r[field_name] or ""), names.get(r[field_name], "Not given"), r["n"], r["award"]
        )
        for r in grouped
    ]


def participant_data_loaded() -> bool:
    """Whether Innovate UK's participant-level data is loaded: when it is, it is the richest
    source of Innovate UK funding for any place (by organisation, size, programme, year), and
    analyses prefer it to the published aggregates (e.g. Nesta's funding by NUTS area)."""
    return Participation.objects.exists()


def sources_of(qs) -> list[SourceFile]:
    """The imported files the participations came from."""
    ids = qs.order_by().values_list("source_import_id", flat=True).distinct()
    return [
        SourceFile(i.file_name, i.sha256, i.finished_at or i.started_at, i.rows_loaded)
        for i in Import.objects.filter(pk__in=list(ids)).order_by("started_at")
    ]
