"""The Innovate UK funding analysis: award offered to participants of a place, by enterprise size,
programme, competition, sector, financial year or local authority.

One core function, `award_table`, that the command line, the pages (/funding/participants/) and
the API (/api/funding/award-table) call; `participant_summary` gives the same participants'
headline figures. The database does the grouping; calculations.py turns the per-group totals into
lines. Withdrawn participants are left out unless asked for. Every table names the files it came
from, and the command that reproduces it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from northstar.core.errors import UserInputError
from northstar.ingest.models import Import
from northstar.places.models import Place, PlaceLevel

from . import calculations as calc
from .cells import place_key
from .models import (
    Competition,
    DistinctYearGap,
    GapCounted,
    Participation,
    ParticipationAreaTotal,
    ParticipationNationalTotal,
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


EVERYWHERE = "all"  # the place a page or API request names for every participant


def place_for(text: str | None) -> Place | None:
    """The place a page or API request names: empty is the default place (every participant
    when none is loaded), 'all' every participant (None), anything else a slug, code or name."""
    from northstar.places.services import default_place

    text = (text or "").strip()
    if text.lower() == EVERYWHERE:
        return None
    if not text:
        return default_place()
    return find_place(text)


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

    def command(self) -> str:
        """The `northstar funding` command line that prints this table."""
        return command_line(self.query, self.by)


def command_line(query: FundingQuery, by: str) -> str:
    """The `northstar funding …` command that gives the same figures as `query` grouped `by`."""
    parts = ["northstar", "funding"]
    if query.place is not None:
        parts += ["--place", query.place.slug]
    if query.first_year is not None:
        parts += ["--from", calc.financial_year_label(query.first_year)]
    if query.last_year is not None:
        parts += ["--to", calc.financial_year_label(query.last_year)]
    parts += ["--by", by]
    if query.include_withdrawn:
        parts.append("--include-withdrawn")
    return shlex.join(parts)


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
class _Part:
    """Rows to sum, and how one of them counts participations (1, or its `participations`)."""

    qs: object
    count: object


@dataclass(frozen=True)
class _Rows:
    """Where a table's figures are summed from: the participations, or totals of them, or (for
    an area partly described by the publisher's names) both, in disjoint parts."""

    parts: tuple[_Part, ...]
    has_names: bool  # the published local authority names are there to group by

    @property
    def qs(self):
        (part,) = self.parts
        return part.qs


BY_AREA = (Breakdown.ENTERPRISE_SIZE, Breakdown.FINANCIAL_YEAR, Breakdown.LOCAL_AUTHORITY)


def _rows(query: FundingQuery, scope: PlaceScope, by: str, exact_rows: bool | None) -> _Rows:
    """The tables of totals written at import answer every table but those by programme,
    competition or sector of an area the publisher's names describe (in part); for those, the
    totals answer for the participants placed in its local authorities and the participations
    for the rest (_disjoint_parts). exact_rows=True sums the participations alone, in one query
    (as every such table was summed before; the tests compare the two)."""
    by_names = bool(scope.local_authority_keys or scope.region_names)
    if exact_rows is None and by_names and by not in BY_AREA:
        return _Rows(_disjoint_parts(query, scope, totals_for_places=True), True)
    if exact_rows:
        return _Rows((_Part(participations(query, scope), Count("id")),), True)
    if by_names and by not in BY_AREA:
        raise ValueError("this query needs the participations themselves")
    if by in BY_AREA:
        model = ParticipationAreaTotal
    elif scope.lad_ids is None:
        model = ParticipationNationalTotal  # every participant: no place to filter by
    else:
        model = ParticipationTotal
    return _Rows(
        (_Part(_totals(model, query, scope), Sum("participations")),),
        model is ParticipationAreaTotal,
    )


def _in_query(qs, query: FundingQuery):
    """Rows (participations or totals) in the query's years, withdrawn left out unless asked."""
    if query.first_year is not None:
        qs = qs.filter(financial_year_start__gte=query.first_year)
    if query.last_year is not None:
        qs = qs.filter(financial_year_start__lte=query.last_year)
    if not query.include_withdrawn:
        qs = qs.filter(withdrawn=False)
    return qs


def _totals(model, query: FundingQuery, scope: PlaceScope):
    """The rows of a table of totals that a query covers."""
    return _in_query(model.objects.filter(scope.q()), query)


def _disjoint_parts(
    query: FundingQuery, scope: PlaceScope, *, totals_for_places: bool
) -> tuple[_Part, ...]:
    """The scope's participants in disjoint parts, each read through one index:

    1. those placed in its local authorities (from the totals by place, if `totals_for_places`);
    2. for each of the publisher's names that describe it (region, then local authority), those
       the name adds: the participants Northstar could not place (a partial index of the
       unplaced holds every column the sums read), and those placed in some other local
       authority (rare; read by place, for only the places the totals by area say have any).

    Why: one query with `place IN (…) OR region_name = …` makes PostgreSQL read every heap page
    that holds a match, and a region's participants are spread over nearly every page of the
    table (it is in file order): ~13,600 pages for the North West's 2017-18 to 2021-22."""
    parts: list[_Part] = []
    lads = sorted(scope.lad_ids or ())
    if lads:
        placed = Q(place_id__in=lads)
        if totals_for_places:
            rows, count = ParticipationTotal.objects.filter(placed), Sum("participations")
        else:
            rows, count = Participation.objects.filter(placed), Count("*")
        parts.append(_Part(_in_query(rows, query), count))
    names = []
    if scope.region_names:
        names.append(Q(region_name__in=sorted(scope.region_names)))
    if scope.local_authority_keys:
        names.append(Q(local_authority_key__in=sorted(scope.local_authority_keys)))
    for i, condition in enumerate(names):

        def not_taken(qs, before=names[:i]):
            for taken in before:
                qs = qs.exclude(taken)
            return _in_query(qs, query)

        unplaced = not_taken(Participation.objects.filter(condition, place__isnull=True))
        parts.append(_Part(unplaced, Count("*")))
        elsewhere = ParticipationAreaTotal.objects.filter(condition, place__isnull=False)
        if lads:
            elsewhere = elsewhere.exclude(place_id__in=lads)
        places = sorted(set(not_taken(elsewhere).values_list("place_id", flat=True)))
        if places:
            rows = Participation.objects.filter(condition, place_id__in=places)
            parts.append(_Part(not_taken(rows), Count("*")))
    return tuple(parts)


def _sources(query: FundingQuery, scope: PlaceScope) -> list[SourceFile]:
    """The files a query's participations came from, read from the few totals by area: their
    rows hold every column a query filters on, so they name the same files as the
    participations, without a second pass over those (scattered through a large table)."""
    return sources_of(_totals(ParticipationAreaTotal, query, scope))


def _grouped(rows: _Rows, *fields: str) -> list[dict]:
    """Participations (n) and award by `fields`, summed over the parts."""
    merged: dict[tuple, dict] = {}
    for part in rows.parts:
        grouped = (
            part.qs.order_by()
            .values(*fields)
            .annotate(n=part.count, award=Sum("award_offered_pence"))
        )
        for row in grouped:
            key = tuple(row[f] for f in fields)
            if key in merged:
                merged[key]["n"] += row["n"]
                merged[key]["award"] += row["award"]
            else:
                merged[key] = row
    return list(merged.values())


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
    # exact_rows=True (the tests' check of the totals) names the files from the participations.
    sources = sources_of(rows.qs) if exact_rows else _sources(query, scope)
    return FundingTable(query, by, scope, lines, sources)


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


def financial_years_loaded() -> tuple[int, int] | None:
    """The first and last financial year (start years) any loaded project started in."""
    years = ParticipationAreaTotal.objects.aggregate(
        first=Min("financial_year_start"), last=Max("financial_year_start")
    )
    return None if years["first"] is None else (years["first"], years["last"])


# ------------------------------------------------------------------------------------------
# The summary of a query's participants, and the participations behind a table's line.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantSummary:
    """Headline figures of the participants a query covers."""

    query: FundingQuery
    scope: PlaceScope
    participations: int
    award_pence: int
    organisations: int  # distinct organisations (after linkage and officers' merges)
    projects: int
    lead_participations: int  # participations as the project's lead
    sme_participations: int
    sme_award_pence: int
    sources: list[SourceFile] = field(default_factory=list)

    @property
    def sme_share(self) -> Decimal | None:
        """SMEs' share of the award offered, percent to one decimal place."""
        return calc.share_of(self.sme_award_pence, self.award_pence)


def participant_summary(query: FundingQuery, scope: PlaceScope | None = None) -> ParticipantSummary:
    """Award offered, participations, distinct organisations and projects, lead participants
    and the SMEs' share, for the participants a query covers (`scope`: the place's, if the
    caller has it already)."""
    scope = scope or place_scope(query.place)
    if scope.lad_ids is None:
        national = _national_summary(query, scope, _distinct_everywhere(query))
        if national is not None:
            return national
        parts = (_Part(participations(query, scope), Count("*")),)
    else:
        parts = _disjoint_parts(query, scope, totals_for_places=False) or (
            _Part(Participation.objects.none(), Count("*")),
        )
    one_part = len(parts) == 1
    figures = {"participations": 0, "award": 0, "leads": 0, "smes": 0, "sme_award": 0}
    for part in parts:
        # Counts of columns the covering indexes hold (not of `id`), so an index can answer.
        got = part.qs.order_by().aggregate(
            participations=Count("*"),
            award=Sum("award_offered_pence"),
            leads=Count("is_lead", filter=Q(is_lead=True)),
            smes=Count("is_sme", filter=Q(is_sme=True)),
            sme_award=Sum("award_offered_pence", filter=Q(is_sme=True)),
            **(
                {
                    "organisations": Count("organisation_id", distinct=True),
                    "projects": Count("project_id", distinct=True),
                }
                if one_part
                else {}
            ),
        )
        for key in figures:
            figures[key] += got[key] or 0
    if one_part:
        distinct = {"organisations": got["organisations"], "projects": got["projects"]}
    else:  # an organisation or project may be in more than one part: count it once
        distinct = {
            name: _union(parts, column).count()
            for name, column in (("organisations", "organisation_id"), ("projects", "project_id"))
        }
    return ParticipantSummary(
        query=query,
        scope=scope,
        participations=figures["participations"],
        award_pence=figures["award"],
        organisations=distinct["organisations"],
        projects=distinct["projects"],
        lead_participations=figures["leads"],
        sme_participations=figures["smes"],
        sme_award_pence=figures["sme_award"],
        sources=_sources(query, scope),
    )


def _national_summary(
    query: FundingQuery, scope: PlaceScope, distinct: dict[str, int] | None
) -> ParticipantSummary | None:
    """participant_summary of every participant from the national totals (a few thousand rows)
    and the year gaps, without reading the participations; None if the data was imported
    before those tables had all it needs (the caller then reads the participations)."""
    totals = _in_query(ParticipationNationalTotal.objects.all(), query)
    if distinct is None or totals.filter(lead_participations__isnull=True).exists():
        return None
    got = totals.aggregate(
        total=Sum("participations"),
        award=Sum("award_offered_pence"),
        leads=Sum("lead_participations"),
        smes=Sum("participations", filter=Q(is_sme=True)),
        sme_award=Sum("award_offered_pence", filter=Q(is_sme=True)),
    )
    return ParticipantSummary(
        query=query,
        scope=scope,
        participations=got["total"] or 0,
        award_pence=got["award"] or 0,
        organisations=distinct["organisations"],
        projects=distinct["projects"],
        lead_participations=got["leads"] or 0,
        sme_participations=got["smes"] or 0,
        sme_award_pence=got["sme_award"] or 0,
        sources=_sources(query, scope),
    )


def _distinct_everywhere(query: FundingQuery) -> dict[str, int] | None:
    """Distinct organisations and projects of every participant in the query's years, from the
    gaps between their years (a few hundred rows; counting them in the participations reads
    every one). None if the data was imported before the gaps were written."""
    gaps: dict[str, list[calc.YearGap]] = {counted: [] for counted in GapCounted}
    rows = DistinctYearGap.objects.filter(include_withdrawn=query.include_withdrawn)
    for counted, after, before, records in rows.values_list(
        "counted", "after_year", "before_year", "records"
    ):
        gaps[counted].append(calc.YearGap(after, before, records))
    if not any(gaps.values()) and Participation.objects.exists():
        return None
    return {
        "organisations": calc.count_within(
            gaps[GapCounted.ORGANISATIONS], query.first_year, query.last_year
        ),
        "projects": calc.count_within(gaps[GapCounted.PROJECTS], query.first_year, query.last_year),
    }


def _union(parts: tuple[_Part, ...], column: str):
    """The distinct values of `column` over the parts (SQL UNION)."""
    first, *others = (part.qs.order_by().values_list(column) for part in parts)
    return first.union(*others)


def find_competition(reference: str) -> Competition:
    competition = (
        Competition.objects.select_related("programme").filter(reference=reference).first()
    )
    if competition is None:
        raise UserInputError(f"No Innovate UK competition with the reference {reference!r}.")
    return competition


def competition_participations(competition: Competition, query: FundingQuery):
    """The participations of one competition that a query covers (its line in a table by
    competition), with what a list of them shows."""
    return (
        participations(query)
        .filter(competition=competition)
        .select_related("project", "project__sector", "place", "organisation")
        .order_by("project__number", "-is_lead", "participant_name", "pk")
    )


def organisation_participations(organisation):
    """Every participation of an organisation, newest project first."""
    return (
        Participation.objects.filter(organisation=organisation)
        .select_related("project", "competition", "programme", "place")
        .order_by("-financial_year_start", "project__number", "pk")
    )
