"""link_records on many records at once: per party, in a fixed order, exact matches in bulk,
and the same decisions as the matcher; against a real database."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest
from django.db import transaction

from northstar.organisations import calculations, services
from northstar.organisations.linkage import THRESHOLDS, Decision
from northstar.organisations.models import (
    LinkEvent,
    MatchCandidate,
    Organisation,
    OrgIdAlias,
    SourceRecord,
)
from northstar.organisations.services import RecordIn, link_records
from northstar.organisations.tests.test_labelled_pairs import PRECISION_TARGET, RECALL_TARGET

pytestmark = pytest.mark.django_db

# Participants as a publisher lists them: the same organisations spelt several ways, with and
# without their company numbers, some close enough to need an officer.
ROWS = [
    ("Glass Futures Ltd", "3856722"),
    ("GLASS FUTURES LIMITED", "03856722"),
    ("Glass Futures", ""),
    ("glass futures ltd.", ""),
    ("Croda Europe Ltd", "ZZ000122"),
    ("Croda (Europe) Limited", ""),
    ("Sequins Ltd", "ZZ900003"),
    ("Sequins Limited", "ZZ900004"),
    ("Sequins", ""),
    ("University of Liverpool", ""),
    ("THE UNIVERSITY OF LIVERPOOL", ""),
    ("Liverpool Hope University", ""),
    ("Liverpool John Moores University", ""),
    ("LJMU", ""),
    ("Unilever U.K. Limited", ""),
    ("Unilevr UK Ltd", ""),
    ("Alder Hey Children's NHS Foundation Trust", ""),
    ("Alder Hey Childrens NHS FT", ""),
    ("Sensor City", ""),
    ("SENSOR CITY", ""),
]


def records(order_seed: int | None = None) -> list[RecordIn]:
    """Each row in three projects; shuffled when a seed is given."""
    out = [
        RecordIn(f"{project}:{i}", name, number, raw={"project": project})
        for project in (1001, 1002, 1003)
        for i, (name, number) in enumerate(ROWS)
    ]
    if order_seed is not None:
        random.Random(order_seed).shuffle(out)
    return out


def outcome() -> dict:
    """What the linking decided, in terms that do not depend on database ids."""
    org_of = {
        r.source_key: r.organisation.org_id
        for r in SourceRecord.objects.select_related("organisation")
    }
    return {
        "organisations": sorted(
            Organisation.objects.values_list("org_id", "name", "company_number", "kind")
        ),
        "records": sorted(
            SourceRecord.objects.values_list(
                "source_key", "organisation__org_id", "matched_by", "match_score"
            )
        ),
        "candidates": sorted(
            (c.record.source_key, c.organisation.org_id, c.score)
            for c in MatchCandidate.objects.select_related("record", "organisation")
        ),
        "groups": sorted(
            sorted(k for k, o in org_of.items() if o == org) for org in set(org_of.values())
        ),
    }


def clear() -> None:
    MatchCandidate.objects.all().delete()
    SourceRecord.objects.all().delete()
    LinkEvent.objects.all().delete()
    OrgIdAlias.objects.all().delete()
    Organisation.objects.all().delete()


def test_the_same_records_in_any_order_make_the_same_organisations():
    link_records("iuk", records())
    first = outcome()
    assert first["candidates"], "the set has ambiguous names"
    for seed in (1, 2, 3):
        clear()
        link_records("iuk", records(seed))
        assert outcome() == first
    # ... and in one call or many, as long as the parties meet in the same order.
    clear()
    link_records("iuk", records(4))
    assert outcome() == first


def test_a_frame_of_records_links_as_the_same_records_do():
    link_records("iuk", records())
    first = outcome()
    raw = {r.source_key: r.raw for r in SourceRecord.objects.all()}
    clear()
    frame = pl.DataFrame(
        {
            "source_key": [r.source_key for r in records(7)],
            "name": [r.name for r in records(7)],
            "company_number": [r.company_number for r in records(7)],
            "raw": [json.dumps(r.raw) for r in records(7)],
        }
    )
    result = link_records("iuk", frame)
    assert outcome() == first
    assert {r.source_key: r.raw for r in SourceRecord.objects.all()} == raw
    assert result == dict(SourceRecord.objects.values_list("source_key", "organisation_id"))


def test_exact_matches_company_numbers_and_spellings_of_a_name():
    result = link_records("iuk", records())
    glass = {result[f"{p}:{i}"] for p in (1001, 1002, 1003) for i in range(4)}
    assert len(glass) == 1  # padded number, LTD/Limited, case, punctuation, no number
    org = Organisation.objects.get(pk=glass.pop())
    assert (org.org_id, org.company_number) == ("GB-COH-03856722", "03856722")
    # Its most common spelling names it (all four appear three times: the first in order).
    assert org.name == "GLASS FUTURES LIMITED"
    assert result["1001:10"] == result["1001:9"] == result["1003:10"]  # 'The', case
    assert result["1001:19"] == result["1001:18"]
    assert result["1001:17"] == result["1001:16"]  # 'NHS FT'
    assert result["1001:15"] == result["1001:14"]  # a misspelling, merged by name
    assert result["1001:5"] == result["1001:4"]  # the number is learnt from the named record
    # Different company numbers stay apart; the bare name is a question, not a merge.
    assert len({result["1001:6"], result["1001:7"], result["1001:8"]}) == 3
    sequins = MatchCandidate.objects.filter(record__name="Sequins")
    assert {c.organisation.company_number for c in sequins} == {"ZZ900003", "ZZ900004"}
    # A party is placed once: only its first record carries the review question.
    assert sequins.values("record").distinct().count() == 1
    how = dict(SourceRecord.objects.values_list("source_key", "matched_by"))
    assert how["1002:1"] == "company_number"
    assert how["1002:3"] == "name_exact"


def test_exact_matches_against_organisations_already_known_are_made_in_bulk(
    django_assert_max_num_queries,
):
    link_records("first", records())
    before = Organisation.objects.count()
    again = [
        RecordIn(f"x{i}", name.lower().replace("ltd", "limited"), number)
        for i, (name, number) in enumerate(ROWS)
    ]
    # A number of queries that does not grow with the records (no query per record).
    with django_assert_max_num_queries(20):
        result = link_records("second", again)
    assert Organisation.objects.count() == before + 1  # 'sequins': a new question, as before
    first = dict(
        SourceRecord.objects.filter(dataset="first").values_list("source_key", "organisation_id")
    )
    for i in range(len(ROWS)):
        if ROWS[i][0] != "Sequins":  # a question for an officer, as before
            assert result[f"x{i}"] == first[f"1001:{i}"], ROWS[i]
    assert SourceRecord.objects.get(dataset="second", source_key="x0").matched_by == (
        "company_number"
    )


def test_linking_the_labelled_pairs_makes_the_matchers_decisions():
    """Each labelled pair linked in one call merges exactly when the matcher says 'same': the
    bulk search for pairs to score loses none, and precision and recall stay on target."""
    pairs = services.read_labelled_pairs()
    scored = calculations.score_pairs(pairs)
    true_merges = false_merges = 0
    for item in scored:
        p = item.pair
        with transaction.atomic():
            ids = link_records(
                f"pair-{p.line}",
                [
                    RecordIn("a", p.name_a, p.company_number_a),
                    RecordIn("b", p.name_b, p.company_number_b),
                ],
            )
            merged = ids["a"] == ids["b"]
            transaction.set_rollback(True)
        assert merged == (item.decision(THRESHOLDS) is Decision.SAME), (p.line, p.name_a, p.name_b)
        true_merges += merged and p.same
        false_merges += merged and not p.same
    same = sum(p.same for p in pairs)
    assert true_merges / (true_merges + false_merges) >= PRECISION_TARGET
    assert true_merges / same >= RECALL_TARGET
