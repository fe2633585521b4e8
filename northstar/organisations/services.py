"""Organisation linkage: one Organisation per real organisation across rows, years and datasets.

`link_records` attaches each incoming record to an organisation (existing or new) with the rules
of linkage.py; ambiguous records become MatchCandidates for an officer. `decide_candidate`,
`merge_organisations` and `split_records` are the officer's corrections; each records a LinkEvent
and sends `signals.records_moved`. Every source record is kept, so any merge can be undone by a
split.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from northstar.core.errors import FileRejected, RowError, UserInputError

from . import linkage
from .calculations import LabelledPair
from .linkage import (
    THRESHOLDS,
    NameForms,
    OrganisationIndex,
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


@dataclass
class _NewOrganisation:
    name: str
    forms: NameForms
    company_number: str
    charity_number: str
    postcode: str
    seed: str  # the founding record, for a reproducible minted id
    pk: int | None = None


# --- Linking ---


def build_index(thresholds: Thresholds = THRESHOLDS) -> OrganisationIndex:
    """Every active organisation, under its own name and every name its records carry."""
    index = OrganisationIndex(thresholds)
    for pk, name, number, charity in Organisation.objects.active().values_list(
        "pk", "name", "company_number", "charity_number"
    ):
        index.add(pk, name_forms(name), number, charity)
    names = (
        SourceRecord.objects.filter(organisation__merged_into__isnull=True)
        .values_list("organisation_id", "name")
        .distinct()
    )
    for pk, name in names.iterator(chunk_size=5000):
        index.add(pk, name_forms(name))
    return index


def link_records(
    dataset: str,
    records: Iterable[RecordIn],
    *,
    source_import=None,
    thresholds: Thresholds = THRESHOLDS,
) -> dict[str, int]:
    """Attach each record to an organisation (existing or new); returns organisation id by
    source_key. Idempotent: a record already linked keeps its organisation.

    Rules (linkage.py): the same company (or charity) number → that organisation; otherwise the
    best name score against the organisations that share a block key: ≥ T_high → merged
    automatically; T_low ≤ score < T_high (or two organisations equally good) → linked to a new
    organisation and queued as MatchCandidates for an officer; below → a new organisation.
    Pass a whole file's records in one call: the index of known names is built once per call."""
    records = list(records)
    with transaction.atomic():
        existing = dict(
            SourceRecord.objects.filter(dataset=dataset).values_list(
                "source_key", "organisation_id"
            )
        )
        todo: list[RecordIn] = []
        seen: set[str] = set()
        for rec in records:
            if rec.source_key in existing or rec.source_key in seen:
                continue
            if not (rec.name or "").strip():
                raise UserInputError(f"Record {rec.source_key} of {dataset} has no name.")
            if not rec.source_key or len(rec.source_key) > KEY_LENGTH:
                raise UserInputError(
                    f"Record keys of {dataset} must have 1 to {KEY_LENGTH} characters: "
                    f"“{rec.source_key[:40]}”."
                )
            seen.add(rec.source_key)
            todo.append(rec)
        if todo:
            existing.update(_link_new(dataset, todo, source_import, thresholds))
    return {rec.source_key: existing[rec.source_key] for rec in records}


def _link_new(dataset, records, source_import, thresholds) -> dict[str, int]:
    index = build_index(thresholds)
    new_orgs: dict[Hashable, _NewOrganisation] = {}
    gains: dict[int, tuple[str, str]] = {}  # existing organisation → numbers it learns
    plan = []
    for i, rec in enumerate(records):
        party = Party(
            name_forms(rec.name),
            normalise_company_number(rec.company_number),
            normalise_charity_number(rec.charity_number),
        )
        outcome = index.place(party)
        key = outcome.merge_with
        if key is None:
            key = ("new", i)
            new_orgs[key] = _NewOrganisation(
                name=rec.name.strip()[:NAME_LENGTH],
                forms=party.forms,
                company_number=party.company_number,
                charity_number=party.charity_number,
                postcode=_postcode(rec.postcode),
                seed=f"{dataset}\x1f{rec.source_key}",
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
        plan.append((rec, party, key, outcome))

    _create_organisations(new_orgs.values())
    for pk, (number, charity) in gains.items():
        _learn_numbers(Organisation.objects.get(pk=pk), number, charity, user=None)

    def pk_of(key):
        return new_orgs[key].pk if key in new_orgs else key

    created = SourceRecord.objects.bulk_create(
        [
            SourceRecord(
                organisation_id=pk_of(key),
                dataset=dataset,
                source_key=rec.source_key,
                name=rec.name.strip()[:NAME_LENGTH],
                company_number=party.company_number,
                charity_number=party.charity_number,
                postcode=_postcode(rec.postcode),
                raw=rec.raw,
                source_import=source_import,
                matched_by=outcome.how,
                match_score=outcome.score,
            )
            for rec, party, key, outcome in plan
        ],
        batch_size=2000,
    )
    if any(sr.pk is None for sr in created):  # a backend that does not return ids
        ids = dict(
            SourceRecord.objects.filter(
                dataset=dataset, source_key__in=[sr.source_key for sr in created]
            ).values_list("source_key", "pk")
        )
        for sr in created:
            sr.pk = ids[sr.source_key]
    candidates = [
        MatchCandidate(
            record_id=sr.pk,
            organisation_id=pk_of(match.key),
            score=match.score,
            note=outcome.note,
        )
        for sr, (_, _, _, outcome) in zip(created, plan, strict=True)
        for match in outcome.candidates
    ]
    MatchCandidate.objects.bulk_create(candidates, batch_size=2000)
    if candidates:
        log.info(
            "%s: %d record(s) queued for review", dataset, len({c.record_id for c in candidates})
        )
    return {rec.source_key: pk_of(key) for rec, _, key, _ in plan}


def _postcode(value: str) -> str:
    return " ".join((value or "").upper().split())[:8]


def _create_organisations(new_orgs: Iterable[_NewOrganisation]) -> None:
    new_orgs = list(new_orgs)
    if not new_orgs:
        return
    wanted = {
        n.seed: registered_org_id(n.company_number, n.charity_number) or minted_org_id(n.seed)
        for n in new_orgs
    }
    taken = _taken_org_ids(set(wanted.values()))
    objs = []
    for new in new_orgs:
        org_id = wanted[new.seed]
        attempt = 0
        while org_id in taken:
            attempt += 1
            org_id = minted_org_id(new.seed, attempt)
            taken |= _taken_org_ids({org_id})
        taken.add(org_id)
        objs.append(
            Organisation(
                org_id=org_id,
                name=new.name,
                normalised_name=new.forms.primary[:300],
                company_number=new.company_number,
                charity_number=new.charity_number,
                postcode=new.postcode,
                kind=linkage.guess_kind(new.forms, new.company_number, new.charity_number),
            )
        )
    created = Organisation.objects.bulk_create(objs, batch_size=2000)
    if any(o.pk is None for o in created):
        ids = dict(
            Organisation.objects.filter(org_id__in=[o.org_id for o in created]).values_list(
                "org_id", "pk"
            )
        )
        for o in created:
            o.pk = ids[o.org_id]
    for new, org in zip(new_orgs, created, strict=True):
        new.pk = org.pk


def _taken_org_ids(candidates: set[str]) -> set[str]:
    taken = set(Organisation.objects.filter(org_id__in=candidates).values_list("org_id", flat=True))
    taken |= set(OrgIdAlias.objects.filter(org_id__in=candidates).values_list("org_id", flat=True))
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
