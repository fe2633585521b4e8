"""Organisation linkage: one Organisation per real organisation across rows, years and datasets.

`link_records` attaches each incoming record to an organisation (existing or new) with the rules
of linkage.py; ambiguous records become MatchCandidates for an officer. It works in bulk (a
whole file of half a million rows at once): each distinct party once, registered numbers by
dictionary, and the matcher run only on the pairs of names that can reach T_low
(calculations.reachable_pairs); the records are written with COPY / executemany. `decide_candidate`,
`merge_organisations` and `split_records` are the officer's corrections; each records a LinkEvent
and sends `signals.records_moved`. Every source record is kept, so any merge can be undone by a
split.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from northstar.core.errors import FileRejected, RowError, UserInputError
from northstar.ingest import bulk

from . import calculations, linkage
from .calculations import LabelledPair
from .linkage import (
    THRESHOLDS,
    Entry,
    NameForms,
    OrganisationIndex,
    Outcome,
    Party,
    Thresholds,
    is_registered_org_id,
    minted_org_id,
    name_forms,
    normalise_charity_number,
    normalise_company_number,
    normalise_name,
    registered_org_id,
)
from .models import (
    LinkEvent,
    MatchCandidate,
    MatchStatus,
    Organisation,
    OrganisationKind,
    OrgIdAlias,
    SizeClass,
    SourceRecord,
)
from .signals import records_moved

log = logging.getLogger(__name__)

__all__ = [
    "RecordIn",
    "decide_candidate",
    "link_records",
    "merge_organisations",
    "normalise_company_number",
    "normalise_name",
    "resolve_org_id",
    "set_registered_number",
    "split_records",
]

LABELLED_PAIRS = Path(__file__).resolve().parent / "data" / "labelled_pairs.csv"
NAME_LENGTH = SourceRecord._meta.get_field("name").max_length
KEY_LENGTH = SourceRecord._meta.get_field("source_key").max_length


@dataclass
class RecordIn:
    """An organisation as a dataset names it, for linking."""

    source_key: str
    name: str
    company_number: str = ""
    postcode: str = ""
    raw: dict = field(default_factory=dict)
    charity_number: str = ""


# The columns of a frame of records (link_records accepts RecordIns or such a frame); `raw` is
# JSON text.
RECORD_SCHEMA = {
    "source_key": pl.String,
    "name": pl.String,
    "company_number": pl.String,
    "charity_number": pl.String,
    "postcode": pl.String,
    "raw": pl.String,
}
ID_CHUNK = 5000  # values per IN (...) query


@dataclass
class _NewOrganisation:
    name: str
    forms: NameForms
    company_number: str
    charity_number: str
    postcode: str
    seed: str  # the founding record, for a reproducible minted id
    pk: int | None = None


@dataclass
class _Unit:
    """The new records of one party (the same name forms and registered numbers): the matcher
    cannot tell them apart, so they are placed once, as their representative."""

    party: Party
    form: int  # index of party.forms in the pool of names
    records: int
    name: str  # its most common spelling, which names a new organisation
    source_key: str  # the representative record: the first key with that spelling
    postcode: str

    def order(self) -> tuple:
        """Registered numbers first (they anchor the names that lack one), then the most
        common parties, then by name: the order never depends on the order of the file."""
        p = self.party
        kind = 0 if p.company_number else 1 if p.charity_number else 2
        return (
            kind,
            p.company_number,
            p.charity_number,
            -self.records,
            p.forms.primary,
            p.forms.names,
            self.name,
            self.source_key,
        )


class _ShortlistIndex(OrganisationIndex):
    """linkage's index, placing a record among a shortlist found in bulk
    (calculations.reachable_pairs) rather than through its own blocks."""

    def __init__(self, thresholds: Thresholds):
        super().__init__(thresholds)
        self.shortlist: list[Hashable] = []

    def candidate_keys(self, forms: NameForms) -> list[Hashable]:
        return self.shortlist

    def add(self, key, forms, company_number="", charity_number=""):
        # As OrganisationIndex.add, without its postings (the blocks are not used here).
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry(key, forms, company_number, charity_number)
        else:
            entry.forms = entry.forms.merged(forms)
            entry.company_number = entry.company_number or company_number
            entry.charity_number = entry.charity_number or charity_number
        if entry.company_number:
            self.by_company.setdefault(entry.company_number, key)
        if entry.charity_number:
            self.by_charity.setdefault(entry.charity_number, key)
        return entry


def _key_order(key: Hashable) -> tuple:
    """Existing organisations (by id) before the organisations of this call (by founding)."""
    return (0, key, ()) if isinstance(key, int) else (1, 0, key)


# --- Linking ---


def link_records(
    dataset: str,
    records: Iterable[RecordIn] | pl.DataFrame,
    *,
    source_import=None,
    thresholds: Thresholds = THRESHOLDS,
) -> dict[str, int]:
    """Attach each record to an organisation (existing or new); returns organisation id by
    source_key. Idempotent: a record already linked keeps its organisation. `records` are
    RecordIns or a frame of RECORD_SCHEMA's columns (a whole file's, at once).

    Rules (linkage.py): the same company (or charity) number → that organisation; otherwise the
    best name score against the organisations that share a block key: ≥ T_high → merged
    automatically; T_low ≤ score < T_high (or two organisations equally good) → linked to a new
    organisation and queued as MatchCandidates for an officer; below → a new organisation.

    Records are linked per party, not per row: the records with the same name forms and numbers
    are placed once. Numbers known already are looked up in bulk; for the rest the pairs of names
    that can reach T_low are found in bulk (calculations.reachable_pairs) and only those are
    scored. Parties are placed in a fixed order (_Unit.order), each seeing the organisations the
    earlier ones made, so the same records link the same way in any order."""
    frame = _records_frame(records)
    with transaction.atomic():
        keys = frame.get_column("source_key").to_list()
        existing = _linked_already(dataset, keys)
        todo = frame.unique(subset="source_key", keep="first", maintain_order=True).filter(
            ~pl.col("source_key").is_in(list(existing))
        )
        _check(dataset, todo)
        if todo.height:
            existing.update(_link_new(dataset, todo, source_import, thresholds))
    return {key: existing[key] for key in keys}


def _records_frame(records) -> pl.DataFrame:
    if isinstance(records, pl.DataFrame):
        missing = [c for c in ("source_key", "name") if c not in records.columns]
        if missing:
            raise ValueError(f"records lack column(s) {', '.join(missing)}")
        return records.select(
            pl.col(c).cast(pl.String) if c in records.columns else pl.lit(None, pl.String).alias(c)
            for c in RECORD_SCHEMA
        ).with_columns(
            pl.col("source_key", "name", "company_number", "charity_number", "postcode").fill_null(
                ""
            )
        )
    rows = [
        (
            r.source_key,
            r.name,
            r.company_number or "",
            r.charity_number or "",
            r.postcode or "",
            json.dumps(r.raw or {}),
        )
        for r in records
    ]
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


def _linked_already(dataset: str, keys: list[str]) -> dict[str, int]:
    records = SourceRecord.objects.filter(dataset=dataset)
    if len(keys) > ID_CHUNK:  # a whole file: read the dataset once
        return dict(
            records.values_list("source_key", "organisation_id").iterator(chunk_size=20_000)
        )
    return dict(records.filter(source_key__in=keys).values_list("source_key", "organisation_id"))


def _check(dataset: str, todo: pl.DataFrame) -> None:
    bad = todo.filter(
        (pl.col("name").str.strip_chars() == "")
        | (pl.col("source_key").str.len_chars() == 0)
        | (pl.col("source_key").str.len_chars() > KEY_LENGTH)
    )
    if bad.height:
        key, name = bad.row(0)[:2]
        if not name.strip():
            raise UserInputError(f"Record {key} of {dataset} has no name.")
        raise UserInputError(
            f"Record keys of {dataset} must have 1 to {KEY_LENGTH} characters: “{key[:40]}”."
        )


def _known_organisations(index: OrganisationIndex) -> dict[NameForms, set[int]]:
    """Every active organisation into the index, under its own name and every name its records
    carry; and the organisations each name form belongs to."""
    by_forms: dict[NameForms, set[int]] = {}
    for pk, name, number, charity in Organisation.objects.active().values_list(
        "pk", "name", "company_number", "charity_number"
    ):
        forms = name_forms(name)
        index.add(pk, forms, number, charity)
        by_forms.setdefault(forms, set()).add(pk)
    names = (
        SourceRecord.objects.filter(organisation__merged_into__isnull=True)
        .values_list("organisation_id", "name")
        .distinct()
    )
    for pk, name in names.iterator(chunk_size=20_000):
        forms = name_forms(name)
        index.add(pk, forms)
        by_forms.setdefault(forms, set()).add(pk)
    return by_forms


def _units(todo: pl.DataFrame) -> tuple[pl.DataFrame, list[_Unit], list[NameForms]]:
    """The records with their unit, the units, and the distinct name forms of the units."""
    names = todo.get_column("name").unique().to_list()
    forms_of = {name: name_forms(name) for name in names}
    pool = list(dict.fromkeys(forms_of.values()))
    form_id = {forms: i for i, forms in enumerate(pool)}
    numbers = {v: normalise_company_number(v) for v in todo["company_number"].unique().to_list()}
    charities = {v: normalise_charity_number(v) for v in todo["charity_number"].unique().to_list()}
    records = todo.with_columns(
        pl.col("name")
        .replace_strict({n: form_id[f] for n, f in forms_of.items()}, return_dtype=pl.Int64)
        .alias("form"),
        pl.col("company_number").replace_strict(numbers, return_dtype=pl.String),
        pl.col("charity_number").replace_strict(charities, return_dtype=pl.String),
        pl.col("name").str.strip_chars().str.slice(0, NAME_LENGTH).alias("label"),
        pl.col("postcode")
        .str.to_uppercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.slice(0, 8),
    )
    party = ["form", "company_number", "charity_number"]
    spellings = (
        records.group_by(*party, "label")
        .agg(
            pl.len().alias("n"),
            pl.col("source_key").min(),
            pl.col("postcode").sort_by("source_key").first(),
        )
        .sort(*party, pl.col("n"), "label", descending=[False, False, False, True, False])
    )
    counted = records.group_by(party).agg(pl.len().alias("records"))
    heads = spellings.group_by(party, maintain_order=True).first().join(counted, on=party)
    units = [
        _Unit(
            Party(pool[form], number, charity),
            form,
            count,
            label,
            key,
            postcode if postcode else "",
        )
        for form, number, charity, label, _, key, postcode, count in heads.select(
            *party, "label", "n", "source_key", "postcode", "records"
        ).iter_rows()
    ]
    units.sort(key=_Unit.order)
    unit_of = pl.DataFrame(
        [(u.form, u.party.company_number, u.party.charity_number, i) for i, u in enumerate(units)],
        schema={
            "form": pl.Int64,
            "company_number": pl.String,
            "charity_number": pl.String,
            "unit": pl.Int64,
        },
        orient="row",
    )
    return records.join(unit_of, on=party), units, pool


def _link_new(dataset, todo: pl.DataFrame, source_import, thresholds) -> dict[str, int]:
    index = _ShortlistIndex(thresholds)
    known = _known_organisations(index)
    records, units, unit_forms = _units(todo)

    # Which names can reach T_low, among the new ones and against every name known. A party
    # whose registered number is known already is placed by it: its name is searched for only
    # as a partner of the others.
    pool = list(dict.fromkeys([*unit_forms, *known]))
    position = {forms: i for i, forms in enumerate(pool)}
    searched = {unit.form for unit in units if not _known_number(index, unit.party)}
    new = [i in searched for i in range(len(pool))]
    near: dict[int, set[int]] = {i: {i} for i in range(len(pool))}
    for a, b in calculations.reachable_pairs(pool, new, low=thresholds.low):
        near[a].add(b)
        near[b].add(a)
    known_at = {position[forms]: pks for forms, pks in known.items()}
    units_at: dict[int, list[int]] = {}
    for i, unit in enumerate(units):
        units_at.setdefault(unit.form, []).append(i)

    new_orgs: dict[Hashable, _NewOrganisation] = {}
    gains: dict[int, tuple[str, str]] = {}  # existing organisation → numbers it learns
    placed: dict[int, Hashable] = {}  # unit → the key of its organisation
    outcomes: list[Outcome] = []
    for u, unit in enumerate(units):
        party = unit.party
        shortlist: set[Hashable] = set()
        for form in near[unit.form]:
            shortlist |= known_at.get(form, set())
            shortlist.update(placed[v] for v in units_at.get(form, ()) if v in placed)
        index.shortlist = sorted(shortlist, key=_key_order)
        outcome = index.place(party)
        key = outcome.merge_with
        if key is None:
            key = ("new", u)
            new_orgs[key] = _NewOrganisation(
                name=unit.name,
                forms=party.forms,
                company_number=party.company_number,
                charity_number=party.charity_number,
                postcode=unit.postcode,
                seed=f"{dataset}\x1f{unit.source_key}",
            )
        else:
            entry = index.entries[key]
            learns = (
                party.company_number if not entry.company_number else "",
                party.charity_number if not entry.charity_number else "",
            )
            if any(learns):
                if key in new_orgs:
                    new = new_orgs[key]
                    new.company_number = new.company_number or learns[0]
                    new.charity_number = new.charity_number or learns[1]
                else:
                    old = gains.get(key, ("", ""))
                    gains[key] = (old[0] or learns[0], old[1] or learns[1])
        index.add(key, party.forms, party.company_number, party.charity_number)
        placed[u] = key
        outcomes.append(outcome)

    _create_organisations(new_orgs.values())
    for pk, (number, charity) in sorted(gains.items()):
        _learn_numbers(Organisation.objects.get(pk=pk), number, charity, user=None)

    def pk_of(key):
        return new_orgs[key].pk if key in new_orgs else key

    # Each record: its unit's organisation; the representative as its unit was placed, the
    # others as the same party again (by number, or by the same name).
    placement = pl.DataFrame(
        [
            (
                u,
                pk_of(placed[u]),
                units[u].source_key,
                outcome.how,
                outcome.score,
                _again(units[u].party),
            )
            for u, outcome in enumerate(outcomes)
        ],
        schema={
            "unit": pl.Int64,
            "organisation_id": pl.Int64,
            "head": pl.String,
            "how": pl.String,
            "score": pl.Float64,
            "again": pl.String,
        },
        orient="row",
    )
    rows = records.join(placement, on="unit").with_columns(
        pl.when(pl.col("source_key") == pl.col("head"))
        .then(pl.col("how"))
        .otherwise(pl.col("again"))
        .alias("matched_by"),
        pl.when(pl.col("source_key") == pl.col("head"))
        .then(pl.col("score"))
        .otherwise(pl.lit(100.0))
        .alias("match_score"),
    )
    _insert(
        SourceRecord,
        rows.select(
            "organisation_id",
            pl.lit(dataset).alias("dataset"),
            "source_key",
            pl.col("label").alias("name"),
            "company_number",
            "charity_number",
            "postcode",
            pl.col("raw").fill_null("{}"),
            pl.lit(source_import.pk if source_import else None, dtype=pl.Int64).alias(
                "source_import_id"
            ),
            "matched_by",
            "match_score",
        ),
    )
    queued = [(units[u], outcome) for u, outcome in enumerate(outcomes) if outcome.candidates]
    if queued:
        ids = _record_ids(dataset, [unit.source_key for unit, _ in queued])
        candidates = [
            MatchCandidate(
                record_id=ids[unit.source_key],
                organisation_id=pk_of(match.key),
                score=match.score,
                note=outcome.note,
            )
            for unit, outcome in queued
            for match in outcome.candidates
        ]
        MatchCandidate.objects.bulk_create(candidates, batch_size=2000)
        log.info("%s: %d record(s) queued for review", dataset, len(queued))
    return dict(rows.select("source_key", "organisation_id").iter_rows())


def _known_number(index: OrganisationIndex, party: Party) -> bool:
    """Whether the index places the party by a registered number it already holds."""
    if party.company_number:
        return party.company_number in index.by_company
    return bool(party.charity_number) and party.charity_number in index.by_charity


def _again(party: Party) -> str:
    """How a further record of a party that was placed already links to its organisation."""
    if party.company_number:
        return "company_number"
    if party.charity_number:
        return "charity_number"
    return "name_exact"


def _record_ids(dataset: str, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i in range(0, len(keys), ID_CHUNK):
        ids.update(
            SourceRecord.objects.filter(
                dataset=dataset, source_key__in=keys[i : i + ID_CHUNK]
            ).values_list("source_key", "pk")
        )
    return ids


def _insert(model, frame: pl.DataFrame) -> None:
    """Insert the frame's rows (columns named as the model's attnames): COPY or executemany
    (Django's bulk_create builds an instance per row, which at half a million rows takes most
    of a minute); on SQLite a large insert builds the plain indexes once, after the rows."""
    with bulk.indexes_set_aside(model, frame.height):
        bulk.insert_frame(model, frame)


def _create_organisations(new_orgs: Iterable[_NewOrganisation]) -> None:
    new_orgs = list(new_orgs)
    if not new_orgs:
        return
    wanted = [
        registered_org_id(n.company_number, n.charity_number) or minted_org_id(n.seed)
        for n in new_orgs
    ]
    taken = _taken_org_ids(set(wanted))
    org_ids = []
    for new, org_id in zip(new_orgs, wanted, strict=True):
        attempt = 0
        while org_id in taken:
            attempt += 1
            org_id = minted_org_id(new.seed, attempt)
            taken |= _taken_org_ids({org_id})
        taken.add(org_id)
        org_ids.append(org_id)
    now = timezone.now()
    created_at = connection.ops.adapt_datetimefield_value(now)
    _insert(
        Organisation,
        pl.DataFrame(
            {
                "org_id": org_ids,
                "name": [n.name for n in new_orgs],
                "normalised_name": [n.forms.primary[:300] for n in new_orgs],
                "company_number": [n.company_number for n in new_orgs],
                "charity_number": [n.charity_number for n in new_orgs],
                "kind": [
                    linkage.guess_kind(n.forms, n.company_number, n.charity_number)
                    for n in new_orgs
                ],
                "size_class": [str(SizeClass.UNKNOWN)] * len(new_orgs),
                "postcode": [n.postcode for n in new_orgs],
                "created_at": [
                    created_at.isoformat() if hasattr(created_at, "isoformat") else created_at
                ]
                * len(new_orgs),
            },
            schema=dict.fromkeys(
                [
                    "org_id",
                    "name",
                    "normalised_name",
                    "company_number",
                    "charity_number",
                    "kind",
                    "size_class",
                    "postcode",
                    "created_at",
                ],
                pl.String,
            ),
        ),
    )
    ids: dict[str, int] = {}
    for i in range(0, len(org_ids), ID_CHUNK):
        ids.update(
            Organisation.objects.filter(org_id__in=org_ids[i : i + ID_CHUNK]).values_list(
                "org_id", "pk"
            )
        )
    for new, org_id in zip(new_orgs, org_ids, strict=True):
        new.pk = ids[org_id]


def _taken_org_ids(candidates: set[str]) -> set[str]:
    wanted = sorted(candidates)
    taken: set[str] = set()
    for i in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[i : i + ID_CHUNK]
        taken |= set(Organisation.objects.filter(org_id__in=chunk).values_list("org_id", flat=True))
        taken |= set(OrgIdAlias.objects.filter(org_id__in=chunk).values_list("org_id", flat=True))
    return taken


def _mint_free(seed: str) -> str:
    attempt = 0
    while True:
        org_id = minted_org_id(seed, attempt)
        if not _taken_org_ids({org_id}):
            return org_id
        attempt += 1


# --- Identifiers ---


def _learn_numbers(org: Organisation, company_number: str, charity_number: str, user) -> None:
    """Give an organisation the registered numbers it lacked; a minted org-id becomes the
    registered one (the old id stays as an alias)."""
    changed = []
    if company_number and not org.company_number:
        org.company_number = company_number
        changed.append("company_number")
    if charity_number and not org.charity_number:
        org.charity_number = charity_number
        changed.append("charity_number")
    if not changed:
        return
    if org.kind == OrganisationKind.OTHER:
        org.kind = linkage.guess_kind(name_forms(org.name), org.company_number, org.charity_number)
        changed.append("kind")
    new_id = registered_org_id(org.company_number, org.charity_number)
    if new_id and not is_registered_org_id(org.org_id) and not _taken_org_ids({new_id}):
        old_id = org.org_id
        OrgIdAlias.objects.create(org_id=old_id, organisation=org)
        org.org_id = new_id
        changed.append("org_id")
        LinkEvent.objects.create(
            action=LinkEvent.Action.IDENTIFIER,
            organisation=org,
            reason=f"{old_id} became {new_id}: its registered number became known.",
            user=user,
        )
    org.save(update_fields=changed)


def set_registered_number(
    organisation: Organisation, *, company_number: str = "", charity_number: str = "", user=None
) -> Organisation:
    """Record an organisation's company or charity number once it is known."""
    with transaction.atomic():
        org = _locked(organisation)
        number = normalise_company_number(company_number) if company_number else ""
        charity = normalise_charity_number(charity_number) if charity_number else ""
        if company_number and not number:
            raise UserInputError(f"“{company_number}” is not a Companies House number.")
        if charity_number and not charity:
            raise UserInputError(f"“{charity_number}” is not a charity number.")
        if number and org.company_number and org.company_number != number:
            raise UserInputError(
                f"{org.name} already has company number {org.company_number}; split the records "
                "of the other company off instead."
            )
        if number:
            other = Organisation.objects.active().filter(company_number=number).exclude(pk=org.pk)
            if other.exists():
                raise UserInputError(
                    f"Company number {number} is already {other.first().name} "
                    f"({other.first().org_id}): merge the two organisations instead."
                )
        _learn_numbers(org, number, charity, user)
        return org


def resolve_org_id(org_id: str) -> Organisation | None:
    """The active organisation an org-id names today: following a former id (alias) and any
    merge into another organisation."""
    org = Organisation.objects.filter(org_id=org_id).first()
    if org is None:
        alias = OrgIdAlias.objects.select_related("organisation").filter(org_id=org_id).first()
        org = alias.organisation if alias else None
    seen = set()
    while org is not None and org.merged_into_id is not None and org.pk not in seen:
        seen.add(org.pk)
        org = org.merged_into
    return org


# --- Officers' corrections ---


def _locked(org: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=org.pk)


def _active(org: Organisation) -> Organisation:
    while org.merged_into_id is not None:
        org = org.merged_into
    return org


def merge_organisations(a: Organisation, b: Organisation, user, reason: str = "") -> Organisation:
    """Merge two organisations into one and return it. The survivor is `a`, unless only `b`
    has a registered org-id (GB-COH-…, GB-CHC-…), which then survives. The other keeps its row
    and org-id with `merged_into` set, so references and published ids still resolve."""
    with transaction.atomic():
        if a.pk == b.pk:
            raise UserInputError("An organisation cannot be merged with itself.")
        first, second = sorted([a, b], key=lambda o: o.pk)  # lock in a fixed order
        locked = {o.pk: _locked(o) for o in (first, second)}
        a, b = locked[a.pk], locked[b.pk]
        for org in (a, b):
            if org.merged_into_id:
                raise UserInputError(f"{org.name} was already merged into {org.merged_into.name}.")
        for attr, label in (("company_number", "company"), ("charity_number", "charity")):
            x, y = getattr(a, attr), getattr(b, attr)
            if x and y and x != y:
                raise UserInputError(
                    f"{a.name} and {b.name} have different {label} numbers ({x}, {y}): they are "
                    "different organisations and cannot be merged."
                )
        survivor, absorbed = a, b
        if is_registered_org_id(b.org_id) and not is_registered_org_id(a.org_id):
            survivor, absorbed = b, a
        record_ids = list(absorbed.source_records.order_by("pk").values_list("pk", flat=True))
        SourceRecord.objects.filter(pk__in=record_ids).update(organisation=survivor)
        changed = []
        for attr, empty in (
            ("postcode", ""),
            ("place_id", None),
            ("kind", OrganisationKind.OTHER),
            ("size_class", "unknown"),
        ):
            if getattr(survivor, attr) in (empty, "", None) and getattr(absorbed, attr) not in (
                empty,
                "",
                None,
            ):
                setattr(survivor, attr, getattr(absorbed, attr))
                changed.append(attr)
        if changed:
            survivor.save(update_fields=changed)
        absorbed.merged_into = survivor
        absorbed.save(update_fields=["merged_into"])
        Organisation.objects.filter(merged_into=absorbed).update(merged_into=survivor)
        _learn_numbers(survivor, absorbed.company_number, absorbed.charity_number, user)
        _repoint_candidates(absorbed, survivor, user)
        reason = reason or f"{absorbed.name} merged into {survivor.name}"
        LinkEvent.objects.create(
            action=LinkEvent.Action.MERGE,
            organisation=survivor,
            other_organisation=absorbed,
            records=record_ids,
            reason=reason,
            user=user,
        )
        records_moved.send(
            sender=Organisation,
            record_ids=record_ids,
            from_org=absorbed,
            to_org=survivor,
            user=user,
            reason=reason,
        )
        return survivor


def _repoint_candidates(absorbed: Organisation, survivor: Organisation, user) -> None:
    for candidate in MatchCandidate.objects.filter(organisation=absorbed):
        if MatchCandidate.objects.filter(
            record_id=candidate.record_id, organisation=survivor
        ).exists():
            candidate.delete()
        else:
            candidate.organisation = survivor
            candidate.save(update_fields=["organisation"])
    # A pending pair whose record now belongs to the organisation it was compared with is settled.
    MatchCandidate.objects.filter(
        status=MatchStatus.PENDING, organisation=survivor, record__organisation=survivor
    ).update(status=MatchStatus.MERGED, decided_by=user, decided_at=timezone.now())


def split_records(organisation: Organisation, record_ids, user, reason: str) -> Organisation:
    """Move some of an organisation's source records to a new organisation (a wrong merge undone)
    and return the new organisation. Its org-id is GB-COH-<number> when the records split off
    carry a company number no other organisation has, else a minted one."""
    reason = (reason or "").strip()
    if not reason:
        raise UserInputError("Say why these records are a different organisation.")
    try:
        ids = sorted({int(i) for i in record_ids})
    except (TypeError, ValueError) as exc:
        raise UserInputError("Choose records by their numbers.") from exc
    if not ids:
        raise UserInputError("Choose at least one record to split off.")
    with transaction.atomic():
        org = _locked(organisation)
        if org.merged_into_id:
            raise UserInputError(f"{org.name} was merged into {org.merged_into.name}; split there.")
        moving = list(SourceRecord.objects.filter(organisation=org, pk__in=ids).order_by("pk"))
        if len(moving) != len(ids):
            raise UserInputError(f"Some of the chosen records do not belong to {org.name}.")
        remaining = list(org.source_records.exclude(pk__in=ids).order_by("pk"))
        if not remaining:
            raise UserInputError(
                "Leave at least one record with this organisation: splitting off every record "
                "would leave it empty."
            )
        number = _number_for_split(org, moving, remaining, "company_number")
        charity = _number_for_split(org, moving, remaining, "charity_number")
        if number and number == org.company_number:
            _give_up_company_number(org, user)
        if charity and charity == org.charity_number:
            org.charity_number = ""
            org.save(update_fields=["charity_number"])
        first = moving[0]
        forms = name_forms(first.name)
        org_id = registered_org_id(number, charity)
        if not org_id or _taken_org_ids({org_id}):
            org_id = _mint_free(f"split\x1f{first.dataset}\x1f{first.source_key}")
        new = Organisation.objects.create(
            org_id=org_id,
            name=first.name,
            normalised_name=forms.primary[:300],
            company_number=number,
            charity_number=charity,
            postcode=first.postcode,
            kind=linkage.guess_kind(forms, number, charity),
        )
        SourceRecord.objects.filter(pk__in=ids).update(
            organisation=new, matched_by="officer", match_score=None
        )
        if org.name not in {r.name for r in remaining}:
            org.name = remaining[0].name
            org.normalised_name = normalise_name(org.name)[:300]
            org.save(update_fields=["name", "normalised_name"])
        LinkEvent.objects.create(
            action=LinkEvent.Action.SPLIT,
            organisation=org,
            other_organisation=new,
            records=ids,
            reason=reason,
            user=user,
        )
        records_moved.send(
            sender=Organisation, record_ids=ids, from_org=org, to_org=new, user=user, reason=reason
        )
        return new


def _number_for_split(org, moving, remaining, attr) -> str:
    """The registered number the split-off organisation takes: the one number its records carry,
    if no active organisation but this one has it and none of the remaining records carry it."""
    numbers = {getattr(r, attr) for r in moving if getattr(r, attr)}
    if len(numbers) != 1:
        return ""
    number = numbers.pop()
    if any(getattr(r, attr) == number for r in remaining):
        return ""
    others = Organisation.objects.active().exclude(pk=org.pk).filter(**{attr: number})
    return "" if others.exists() else number


def _give_up_company_number(org: Organisation, user) -> None:
    """The records that carried org's company number are leaving: the GB-COH id goes with them,
    and org takes its charity id, its former minted id, or a new minted one."""
    old_id = org.org_id
    owned_id = old_id == f"GB-COH-{org.company_number}"
    org.company_number = ""
    if not owned_id:  # its id did not come from the company number: it stays
        org.save(update_fields=["company_number"])
        return
    new_id = registered_org_id("", org.charity_number)
    if not new_id or _taken_org_ids({new_id}):
        alias = org.aliases.filter(org_id__startswith=linkage.MINTED_PREFIX).order_by("-pk").first()
        if alias is not None:
            new_id = alias.org_id
            alias.delete()
        else:
            new_id = _mint_free(f"renamed\x1f{org.pk}")
    org.org_id = new_id
    org.save(update_fields=["company_number", "org_id"])
    LinkEvent.objects.create(
        action=LinkEvent.Action.IDENTIFIER,
        organisation=org,
        reason=f"{old_id} went with the records split off; this organisation is now {new_id}.",
        user=user,
    )


def decide_candidate(candidate: MatchCandidate, user, merge: bool) -> MatchCandidate:
    """An officer's answer to a queued pair: merge (the record's organisation joins the
    candidate organisation) or keep apart."""
    with transaction.atomic():
        c = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
        if c.status != MatchStatus.PENDING:
            raise UserInputError(
                f"This pair was already decided: {c.get_status_display().lower()}."
            )
        record = SourceRecord.objects.select_related("organisation").get(pk=c.record_id)
        target = _active(c.organisation)
        own = record.organisation
        if merge:
            if own.pk != target.pk:
                merge_organisations(
                    target,
                    own,
                    user,
                    reason=f"Review queue: “{record.name}” ({record.dataset}) is {target.name} "
                    f"(similarity {c.score:.0f}).",
                )
            c = MatchCandidate.objects.get(pk=c.pk)
            c.status = MatchStatus.MERGED
        else:
            c.status = MatchStatus.KEPT_APART
            LinkEvent.objects.create(
                action=LinkEvent.Action.KEEP_APART,
                organisation=target,
                other_organisation=own,
                records=[record.pk],
                reason=f"Review queue: “{record.name}” ({record.dataset}) is not {target.name}.",
                user=user,
            )
        c.decided_by = user
        c.decided_at = timezone.now()
        c.save(update_fields=["status", "decided_by", "decided_at"])
        return c


# --- The labelled pairs ---

LABELLED_COLUMNS = ("name_a", "company_number_a", "name_b", "company_number_b", "same", "note")


def read_labelled_pairs(path: Path = LABELLED_PAIRS) -> list[LabelledPair]:
    """The labelled pairs file (data/labelled_pairs.csv; see data/PROVENANCE.md)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in LABELLED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise UserInputError(f"{path.name} lacks column(s): {', '.join(missing)}")
            pairs, errors = [], []
            for line, row in enumerate(reader, start=2):
                same = (row["same"] or "").strip().lower()
                if same not in ("true", "false"):
                    errors.append(RowError(line, "must be true or false", "same"))
                    continue
                if not row["name_a"].strip() or not row["name_b"].strip():
                    errors.append(RowError(line, "both names are needed", "name_a"))
                    continue
                pairs.append(
                    LabelledPair(
                        row["name_a"],
                        row["company_number_a"],
                        row["name_b"],
                        row["company_number_b"],
                        same == "true",
                        row["note"],
                        line,
                    )
                )
    except OSError as exc:
        raise UserInputError(f"Cannot read {path}: {exc}") from exc
    if errors:
        raise FileRejected(path.name, errors)
    return pairs
