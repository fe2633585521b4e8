"""link_records, the review decisions, merges and splits, against a real database."""

from __future__ import annotations

import pytest
from django.dispatch import receiver

from northstar.core.errors import UserInputError
from northstar.ingest.models import Import
from northstar.organisations import services
from northstar.organisations.linkage import minted_org_id
from northstar.organisations.models import (
    LinkEvent,
    MatchCandidate,
    MatchStatus,
    Organisation,
    OrgIdAlias,
    SourceRecord,
)
from northstar.organisations.services import RecordIn, link_records
from northstar.organisations.signals import records_moved

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved():
    """Every records_moved signal sent during the test."""
    calls = []

    @receiver(records_moved, weak=False)
    def listen(sender, record_ids, from_org, to_org, **kwargs):
        calls.append((sorted(record_ids), from_org.pk, to_org.pk))

    yield calls
    records_moved.disconnect(listen)


# --- Linking ---


def test_variants_of_one_name_become_one_organisation_across_datasets(link):
    first = link(
        "iuk", ("p1", "THE UNIVERSITY OF LIVERPOOL"), ("p2", "Liverpool John Moores University")
    )
    second = link("assets", ("a1", "University of Liverpool"), ("a2", "Univ. of Liverpool"))
    assert second["a1"] == second["a2"] == first["p1"]
    assert first["p2"] != first["p1"]
    org = Organisation.objects.get(pk=first["p1"])
    assert org.org_id == minted_org_id("iuk\x1fp1")
    assert org.kind == "university"
    assert org.normalised_name == "liverpool university"
    assert org.source_records.count() == 3
    assert set(org.source_records.values_list("matched_by", flat=True)) == {"new", "name_exact"}


def test_linking_again_changes_nothing(link):
    rows = [("p1", "Croda Europe Ltd", "ZZ000122"), ("p2", "Unilever UK Ltd")]
    first = link("iuk", *rows)
    counts = (Organisation.objects.count(), SourceRecord.objects.count())
    assert link("iuk", *rows) == first
    assert (Organisation.objects.count(), SourceRecord.objects.count()) == counts


def test_a_record_already_linked_keeps_its_organisation_even_after_a_split(link, reviewer):
    first = link("iuk", ("p1", "Sensor City"), ("p2", "SENSOR CITY"))
    org = Organisation.objects.get(pk=first["p1"])
    new = services.split_records(
        org, [SourceRecord.objects.get(source_key="p2").pk], reviewer, "Another body"
    )
    again = link("iuk", ("p1", "Sensor City"), ("p2", "SENSOR CITY"))
    assert again == {"p1": org.pk, "p2": new.pk}


def test_the_same_company_number_links_whatever_the_name(link):
    result = link(
        "iuk",
        ("p1", "Shop Direct Limited", "ZZ000221"),
        ("p2", "The Very Group Limited", "ZZ000221"),
    )
    assert result["p1"] == result["p2"]
    org = Organisation.objects.get(pk=result["p1"])
    assert org.org_id == "GB-COH-ZZ000221"
    assert org.company_number == "ZZ000221"
    assert org.kind == "company"
    assert SourceRecord.objects.get(source_key="p2").matched_by == "company_number"


def test_different_company_numbers_are_different_organisations_even_with_equal_names(link):
    result = link("iuk", ("p1", "Sequins Ltd", "ZZ900003"), ("p2", "SEQUINS LIMITED", "ZZ900004"))
    assert result["p1"] != result["p2"]
    assert set(Organisation.objects.values_list("org_id", flat=True)) == {
        "GB-COH-ZZ900003",
        "GB-COH-ZZ900004",
    }


def test_short_company_numbers_are_padded(link):
    result = link(
        "iuk", ("p1", "Glass Futures Ltd", "3856722"), ("p2", "Glass Futures", "03856722")
    )
    assert result["p1"] == result["p2"]
    assert Organisation.objects.get().org_id == "GB-COH-03856722"


def test_charity_numbers_link_and_name_the_organisation(db):
    result = link_records(
        "grants",
        [
            RecordIn("g1", "Alder Hey Children's Charity", charity_number="1 164 000"),
            RecordIn("g2", "Alder Hey Childrens Charity Fund", charity_number="1164000"),
        ],
    )
    assert result["g1"] == result["g2"]
    org = Organisation.objects.get()
    assert (org.org_id, org.kind) == ("GB-CHC-1164000", "charity")


def test_a_fuzzy_match_merges_automatically_above_t_high(link):
    first = link("assets", ("a1", "The Walton Centre"))
    second = link("iuk", ("p1", "WALTON CENTRE NHS FOUNDATION TRUST(THE)"))
    assert second["p1"] == first["a1"]
    record = SourceRecord.objects.get(source_key="p1")
    assert record.matched_by == "name_fuzzy"
    assert record.match_score == pytest.approx(90.91, abs=0.01)
    assert not MatchCandidate.objects.exists()


def test_an_ambiguous_record_gets_its_own_organisation_and_a_review_candidate(link):
    first = link("iuk", ("p1", "University of Liverpool"))
    second = link("assets", ("a1", "Liverpool Hope University"))
    assert second["a1"] != first["p1"]
    candidate = MatchCandidate.objects.get()
    assert candidate.record.source_key == "a1"
    assert candidate.organisation_id == first["p1"]
    assert candidate.score == 75.0
    assert candidate.status == MatchStatus.PENDING
    assert candidate.note


def test_two_equally_good_organisations_are_both_offered_for_review(link):
    link("iuk", ("p1", "Sequins Ltd", "ZZ900003"), ("p2", "Sequins Limited", "ZZ900004"))
    result = link("assets", ("a1", "Sequins"))
    assert result["a1"] not in {
        o.pk for o in Organisation.objects.filter(company_number__startswith="ZZ")
    }
    assert MatchCandidate.objects.filter(record__source_key="a1").count() == 2


def test_records_of_one_batch_link_to_each_other_and_to_organisations_made_in_it(link):
    result = link(
        "iuk",
        ("p1", "Cell and Gene Therapy Catapult Limited"),
        ("p2", "CELL & GENE THERAPY CATAPULT LTD"),
        ("p3", "Liverpool Hope University"),
        ("p4", "LIVERPOOL HOPE UNIVERSITY"),
        ("p5", "University of Liverpool"),
    )
    assert result["p1"] == result["p2"]
    assert result["p3"] == result["p4"]
    assert len(set(result.values())) == 3
    # p5 was compared with the organisation p3 made in the same batch.
    assert MatchCandidate.objects.get().organisation_id == result["p3"]


def test_a_company_number_learnt_later_replaces_a_minted_id_which_still_resolves(link):
    first = link("assets", ("a1", "Croda Europe Ltd"))
    org = Organisation.objects.get(pk=first["a1"])
    minted = org.org_id
    assert minted.startswith("XI-NORTHSTAR-")
    second = link("iuk", ("p1", "CRODA EUROPE LIMITED", "ZZ000122"))
    assert second["p1"] == org.pk
    org.refresh_from_db()
    assert (org.org_id, org.company_number) == ("GB-COH-ZZ000122", "ZZ000122")
    assert OrgIdAlias.objects.get(org_id=minted).organisation == org
    assert services.resolve_org_id(minted) == org
    assert LinkEvent.objects.get(action=LinkEvent.Action.IDENTIFIER).organisation == org
    # A later record with the number links by it.
    assert link("iuk2", ("x", "Croda (Europe)", "ZZ000122"))["x"] == org.pk


def test_the_importer_interface(db):
    record = Import.objects.create(dataset="iuk-participants", file_name="x.xlsx", sha256="0" * 64)
    result = link_records(
        "iuk-participants",
        [
            RecordIn(
                source_key="1001:UNILEVER",
                name="UNILEVER U.K. LIMITED",
                company_number="ZZ000101",
                postcode="ch62 4zd",
                raw={"row": 7},
            )
        ],
        source_import=record,
    )
    source = SourceRecord.objects.get()
    assert result == {"1001:UNILEVER": source.organisation_id}
    assert source.source_import == record
    assert (source.postcode, source.raw) == ("CH62 4ZD", {"row": 7})


def test_a_record_without_a_name_or_with_a_bad_key_is_refused(db):
    with pytest.raises(UserInputError, match="no name"):
        link_records("iuk", [RecordIn("p1", "  ")])
    with pytest.raises(UserInputError, match="1 to 200 characters"):
        link_records("iuk", [RecordIn("k" * 201, "Glass Futures")])
    assert not Organisation.objects.exists()


def test_a_very_long_name_is_kept_to_the_field_length(db):
    result = link_records("iuk", [RecordIn("p1", "Glass Futures " * 40)])
    assert len(Organisation.objects.get(pk=result["p1"]).name) == 300


def test_linking_many_records_uses_few_queries(link, django_assert_max_num_queries):
    rows = [(f"p{i}", f"Company Number {i} Ltd") for i in range(300)]
    with django_assert_max_num_queries(20):
        result = link("iuk", *rows)
    assert len(set(result.values())) == 300


# --- The review queue ---


def _queued(link):
    first = link("iuk", ("p1", "University of Liverpool"), ("p2", "UNIVERSITY OF LIVERPOOL"))
    link("assets", ("a1", "Liverpool Hope University"), ("a2", "LIVERPOOL HOPE UNIVERSITY"))
    return Organisation.objects.get(pk=first["p1"]), MatchCandidate.objects.get()


def test_merging_a_candidate_moves_the_record_and_its_organisation(link, reviewer, moved):
    target, candidate = _queued(link)
    holding = candidate.record.organisation
    decided = services.decide_candidate(candidate, reviewer, merge=True)
    assert decided.status == MatchStatus.MERGED
    assert (decided.decided_by, decided.decided_at is not None) == (reviewer, True)
    assert target.source_records.count() == 4
    holding.refresh_from_db()
    assert holding.merged_into == target
    event = LinkEvent.objects.get(action=LinkEvent.Action.MERGE)
    assert (event.organisation, event.other_organisation, event.user) == (target, holding, reviewer)
    assert sorted(event.records) == sorted(
        SourceRecord.objects.filter(dataset="assets").values_list("pk", flat=True)
    )
    assert moved == [(sorted(event.records), holding.pk, target.pk)]
    with pytest.raises(UserInputError, match="already decided"):
        services.decide_candidate(candidate, reviewer, merge=False)


def test_keeping_a_candidate_apart_moves_nothing(link, reviewer, moved):
    target, candidate = _queued(link)
    services.decide_candidate(candidate, reviewer, merge=False)
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.KEPT_APART
    assert target.source_records.count() == 2
    assert LinkEvent.objects.get().action == LinkEvent.Action.KEEP_APART
    assert moved == []


# --- Merging and splitting ---


def test_merge_refuses_different_company_numbers_and_itself(link, reviewer):
    result = link(
        "iuk", ("p1", "Croda International Plc", "ZZ000121"), ("p2", "Croda Europe Ltd", "ZZ000122")
    )
    a, b = (Organisation.objects.get(pk=result[k]) for k in ("p1", "p2"))
    with pytest.raises(UserInputError, match="different company numbers"):
        services.merge_organisations(a, b, reviewer)
    with pytest.raises(UserInputError, match="itself"):
        services.merge_organisations(a, a, reviewer)
    assert not LinkEvent.objects.exists()


def test_merge_keeps_the_registered_id_and_old_ids_resolve(link, reviewer, moved):
    result = link("assets", ("a1", "Cammell Laird"))
    result |= link("iuk", ("p1", "Cammell Laird Shiprepairers & Shipbuilders Ltd", "ZZ000161"))
    minted, company = (Organisation.objects.get(pk=result[k]) for k in ("a1", "p1"))
    assert minted.pk != company.pk
    survivor = services.merge_organisations(minted, company, reviewer, reason="Same shipyard")
    assert survivor == company
    minted.refresh_from_db()
    assert minted.merged_into == company
    assert services.resolve_org_id(minted.org_id) == company
    assert company.source_records.count() == 2
    assert moved == [([SourceRecord.objects.get(source_key="a1").pk], minted.pk, company.pk)]
    # The absorbed organisation no longer takes new records.
    assert link("assets2", ("x", "Cammell Laird"))["x"] == company.pk
    with pytest.raises(UserInputError, match="already merged"):
        services.merge_organisations(minted, company, reviewer)


def test_merge_flattens_earlier_merges(link, reviewer):
    result = link("d", ("1", "Alpha One"), ("2", "Beta Two"), ("3", "Gamma Three"))
    a, b, c = (Organisation.objects.get(pk=result[k]) for k in "123")
    services.merge_organisations(b, c, reviewer)
    services.merge_organisations(a, b, reviewer)
    c.refresh_from_db()
    assert c.merged_into == a
    assert services.resolve_org_id(c.org_id) == a
    assert a.source_records.count() == 3


def test_split_moves_records_to_a_new_organisation(link, reviewer, moved):
    result = link(
        "iuk",
        ("p1", "Liverpool Science Park"),
        ("p2", "LIVERPOOL SCIENCE PARK LIMITED"),
        ("p3", "Liverpool Science Park Ltd"),
    )
    org = Organisation.objects.get(pk=result["p1"])
    ids = list(
        SourceRecord.objects.filter(source_key__in=["p2", "p3"]).values_list("pk", flat=True)
    )
    new = services.split_records(org, ids, reviewer, "A different company of the same name")
    assert new.org_id == minted_org_id(f"split\x1fiuk\x1f{'p2'}")
    assert set(new.source_records.values_list("pk", flat=True)) == set(ids)
    assert set(new.source_records.values_list("matched_by", flat=True)) == {"officer"}
    assert list(org.source_records.values_list("source_key", flat=True)) == ["p1"]
    event = LinkEvent.objects.get(action=LinkEvent.Action.SPLIT)
    assert (event.organisation, event.other_organisation, event.reason) == (
        org,
        new,
        "A different company of the same name",
    )
    assert moved == [(sorted(ids), org.pk, new.pk)]


@pytest.mark.parametrize(
    ("which", "reason", "message"),
    [
        ([], "Because", "at least one record"),
        (["p1", "p2"], "Because", "Leave at least one record"),
        (["other"], "Because", "do not belong"),
        (["p2"], "  ", "Say why"),
    ],
)
def test_split_refusals(link, reviewer, which, reason, message):
    result = link("iuk", ("p1", "Sensor City"), ("p2", "SENSOR CITY"))
    link("x", ("other", "Something Else Entirely"))
    org = Organisation.objects.get(pk=result["p1"])
    ids = list(SourceRecord.objects.filter(source_key__in=which).values_list("pk", flat=True))
    with pytest.raises(UserInputError, match=message):
        services.split_records(org, ids, reviewer, reason)
    assert org.source_records.count() == 2
    assert not LinkEvent.objects.exists()


def test_split_off_company_records_take_their_company_id_with_them(link, reviewer):
    result = link("assets", ("a1", "Croda Europe Ltd"))
    result |= link("iuk", ("p1", "CRODA EUROPE LIMITED", "ZZ000122"))
    org = Organisation.objects.get(pk=result["a1"])
    assert result["p1"] == org.pk
    minted = OrgIdAlias.objects.get().org_id
    new = services.split_records(
        org, [SourceRecord.objects.get(source_key="p1").pk], reviewer, "The register meant the plc"
    )
    org.refresh_from_db()
    assert (new.org_id, new.company_number) == ("GB-COH-ZZ000122", "ZZ000122")
    assert (org.org_id, org.company_number) == (minted, "")
    assert not OrgIdAlias.objects.exists()


def test_split_records_with_their_own_company_number_get_a_company_id(link, reviewer):
    result = link("assets", ("a1", "Teva UK"))
    result |= link("iuk", ("p1", "TEVA UK LIMITED", "ZZ000201"), ("p2", "Teva UK Ltd"))
    org = Organisation.objects.get(pk=result["a1"])
    assert org.org_id == "GB-COH-ZZ000201" and org.source_records.count() == 3
    new = services.split_records(
        org, [SourceRecord.objects.get(source_key="a1").pk], reviewer, "Another Teva"
    )
    assert new.org_id.startswith("XI-NORTHSTAR-")
    org.refresh_from_db()
    assert org.org_id == "GB-COH-ZZ000201"  # it keeps its number: p1 still carries it


def test_set_registered_number(link, reviewer):
    result = link("assets", ("a1", "Glass Futures"), ("a2", "Teva UK"))
    link("iuk", ("p1", "Matalan Retail Ltd", "ZZ000211"))
    glass = Organisation.objects.get(pk=result["a1"])
    services.set_registered_number(glass, company_number="ZZ000231", user=reviewer)
    glass.refresh_from_db()
    assert glass.org_id == "GB-COH-ZZ000231"
    with pytest.raises(UserInputError, match="already"):
        services.set_registered_number(glass, company_number="ZZ000232")
    teva = Organisation.objects.get(pk=result["a2"])
    with pytest.raises(UserInputError, match="merge the two"):
        services.set_registered_number(teva, company_number="ZZ000211")
    with pytest.raises(UserInputError, match="not a Companies House number"):
        services.set_registered_number(teva, company_number="N/A")
