"""The pure matching functions, against hand-worked examples (no database)."""

from __future__ import annotations

import pytest

from northstar.organisations import linkage
from northstar.organisations.linkage import (
    ACRONYM_SCORE,
    T_HIGH,
    T_LOW,
    Decision,
    OrganisationIndex,
    Party,
    Thresholds,
    compare,
    forms_score,
    minted_org_id,
    name_forms,
    name_score,
    normalise_charity_number,
    normalise_company_number,
    normalise_name,
    registered_org_id,
)

# --- Identifiers ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3856722", "03856722"),
        (" 03856722 ", "03856722"),
        ("sc 12345", "SC012345"),
        ("OC301234", "OC301234"),
        ("R0000123", "R0000123"),
        ("N/A", ""),
        ("0", ""),
        ("00000000", ""),
        ("Not applicable", ""),
        ("123456789", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_company_numbers_are_normalised_to_eight_characters(raw, expected):
    assert normalise_company_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1 123 456", "1123456"), ("SC012345", "SC012345"), ("NIC100002", "NIC100002"), ("12", "")],
)
def test_charity_numbers(raw, expected):
    assert normalise_charity_number(raw) == expected


def test_org_ids_follow_the_org_id_guide_prefixes():
    assert registered_org_id("03856722") == "GB-COH-03856722"
    assert registered_org_id("", "1123456") == "GB-CHC-1123456"
    assert registered_org_id("", "SC012345") == "GB-SC-SC012345"
    assert registered_org_id("", "NIC100002") == "GB-NIC-100002"
    assert registered_org_id("03856722", "1123456") == "GB-COH-03856722"  # a company number wins
    assert registered_org_id() == ""


def test_minted_ids_are_reproducible_and_distinct():
    first = minted_org_id("iuk\x1f123")
    assert first == minted_org_id("iuk\x1f123")
    assert first.startswith("XI-NORTHSTAR-") and len(first) == len("XI-NORTHSTAR-") + 10
    assert first != minted_org_id("iuk\x1f124")
    assert first != minted_org_id("iuk\x1f123", attempt=1)


# --- Normalisation ---


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("The University of Liverpool", "liverpool university"),
        ("UNIVERSITY OF LIVERPOOL", "liverpool university"),
        ("Univ. of Liverpool", "liverpool university"),
        ("Liverpool University", "liverpool university"),
        ("UNILEVER U.K. LIMITED", "unilever uk"),
        ("Unilever UK Ltd", "unilever uk"),
        ("Pharmaron Biologics (UK) Ltd", "pharmaron biologics uk"),
        ("IBM United Kingdom Limited", "ibm uk"),
        ("Croda International Plc", "croda international"),
        ("SIEMENS PUBLIC LIMITED COMPANY", "siemens"),
        ("Alder Hey Childrens NHS FT", "alder hey childrens nhs foundation trust"),
        ("Alder Hey Children’s NHS Foundation Trust", "alder hey childrens nhs foundation trust"),
        ("WALTON CENTRE NHS FOUNDATION TRUST(THE)", "walton centre nhs foundation trust"),
        (
            "Wirral University Teaching Hosp NHS FT",
            "wirral university teaching hospital nhs foundation trust",
        ),
        ("Science & Technology Facilities Council", "science and technology facility council"),
        ("Albéa Creative UK", "albea creative uk"),
        ("Ørsted", "orsted"),
        ("Everton FC", "everton football club"),
        ("Knowsley Metropolitan Borough Council", "knowsley council"),
        ("Metropolitan Borough of Wirral", "wirral council"),
        ("Smith & Co Ltd", "smith"),
        ("Liverpool School of Tropical Medicine (LSTM)", "liverpool school of tropical medicine"),
    ],
)
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


def test_trading_and_former_names_are_other_forms_of_the_name():
    forms = name_forms("NPL Management Limited t/a National Physical Laboratory")
    assert forms.names == ("npl management", "national physical laboratory")
    forms = name_forms("The Very Group Limited (formerly Shop Direct Limited)")
    assert forms.names == ("very group", "shop direct")


def test_a_bracketed_acronym_is_kept_aside_and_a_qualifier_gives_a_bare_form():
    lstm = name_forms("Liverpool School of Tropical Medicine (LSTM)")
    assert lstm.acronyms == ("lstm",)
    assert "lstm" in lstm.initials
    gde = name_forms("Alder Hey Children's Hospital (Global Digital Exemplar)")
    assert gde.names == ("alder hey childrens hospital global digital exemplar",)
    assert gde.bare == ("alder hey childrens hospital",)
    assert name_forms("Pharmaron Biologics (UK) Ltd").bare == ()  # (UK) is part of the name


# --- The score, hand-worked ---


def test_equal_names_score_100_and_unrelated_names_0():
    assert name_score("croda europe", "croda europe") == 100.0
    assert name_score("croda europe", "teva uk") == 0.0


def test_score_is_the_weighted_share_of_matched_tokens():
    # croda (1) + international (0.5) vs croda (1) + europe (0.5): 2 of 3 weight matched.
    assert name_score("croda international", "croda europe") == pytest.approx(66.67, abs=0.01)
    # liverpool (1), hope (1), university (0.5) vs liverpool, university: (1.5 + 1.5) / 4.
    assert name_score("liverpool hope university", "liverpool university") == 75.0
    # the trust's weak words (0.1 each) and 'hospital' (0.25): (3 + 3) / (3.3 + 3.25).
    assert name_score(
        "alder hey childrens nhs foundation trust", "alder hey childrens hospital"
    ) == pytest.approx(91.60, abs=0.01)


def test_typos_and_joined_words_still_match():
    typo = name_score("univeristy of liverpool", "liverpool university")
    assert T_HIGH <= typo < 100
    assert name_score("jaguar landover", "jaguar land rover") >= T_HIGH


def test_short_tokens_must_be_equal_and_similar_long_ones_different_enough():
    assert name_score("abb", "abc") == 0.0
    # 'manchester' and 'winchester' are 80% alike: below the token threshold of 85.
    assert name_score("manchester university", "winchester university") == pytest.approx(
        33.33, abs=0.01
    )


def test_acronyms_score_between_the_thresholds():
    assert T_LOW <= ACRONYM_SCORE < T_HIGH
    ljmu = forms_score(name_forms("LJMU"), name_forms("Liverpool John Moores University"))
    assert ljmu == ACRONYM_SCORE
    declared = forms_score(
        name_forms("iiCON"), name_forms("Infection Innovation Consortium (iiCON)")
    )
    assert declared == ACRONYM_SCORE
    assert forms_score(name_forms("LJMU"), name_forms("Liverpool Hope University")) < T_LOW


def test_a_match_through_a_bare_form_is_discounted():
    score = forms_score(
        name_forms("Clatterbridge Cancer Centre (new)"),
        name_forms("Clatterbridge Cancer Centre (original)"),
    )
    assert score == 95.0


# --- The decision rules ---


def test_the_same_company_number_is_the_same_organisation_whatever_the_names():
    result = compare(
        Party.of("The Very Group Limited", "ZZ000221"), Party.of("Shop Direct Limited", "ZZ000221")
    )
    assert (result.decision, result.reason) == (Decision.SAME, "company_number")


def test_different_company_numbers_are_never_the_same_even_with_equal_names():
    result = compare(Party.of("Sequins Ltd", "ZZ900003"), Party.of("Sequins Limited", "ZZ900004"))
    assert result.score == 100.0
    assert (result.decision, result.reason) == (Decision.DIFFERENT, "different_numbers")


def test_a_university_is_never_an_nhs_trust():
    result = compare(
        Party.of("University of Manchester"), Party.of("Manchester University NHS Foundation Trust")
    )
    assert (result.decision, result.reason) == (Decision.DIFFERENT, "different_kinds")


def test_thresholds_decide_by_name():
    t = Thresholds(high=85, low=75)
    assert (
        compare(Party.of("Glass Futures"), Party.of("GLASS FUTURES LIMITED"), t).decision
        == Decision.SAME
    )
    review = compare(Party.of("Liverpool Hope University"), Party.of("University of Liverpool"), t)
    assert (review.decision, review.score) == (Decision.REVIEW, 75.0)
    assert (
        compare(Party.of("Everton FC"), Party.of("Liverpool FC"), t).decision == Decision.DIFFERENT
    )
    with pytest.raises(ValueError):
        Thresholds(high=70, low=80)


def test_guess_kind():
    assert linkage.guess_kind(name_forms("Alder Hey Children's NHS FT")) == "nhs"
    assert linkage.guess_kind(name_forms("University of Liverpool")) == "university"
    assert linkage.guess_kind(name_forms("Halton Borough Council")) == "public_body"
    assert linkage.guess_kind(name_forms("Glass Futures Ltd"), "ZZ000231") == "company"
    assert linkage.guess_kind(name_forms("Some Trust"), "", "1123456") == "charity"


# --- The index and its blocking ---


def _index(*rows) -> OrganisationIndex:
    index = OrganisationIndex()
    for key, name, *number in rows:
        index.add(key, name_forms(name), *(number or []))
    return index


def test_index_places_by_number_then_by_name():
    index = _index((1, "University of Liverpool"), (2, "Croda Europe Ltd", "ZZ000122"))
    assert index.place(Party.of("Anything at all", "ZZ000122")).merge_with == 2
    outcome = index.place(Party.of("THE UNIVERSITY OF LIVERPOOL"))
    assert (outcome.merge_with, outcome.how) == (1, "name_exact")
    fuzzy = index.place(Party.of("Univeristy of Liverpool"))
    assert (fuzzy.merge_with, fuzzy.how) == (1, "name_fuzzy")


def test_index_queues_ambiguous_records():
    index = _index((1, "University of Liverpool"))
    outcome = index.place(Party.of("Liverpool Hope University"))
    assert outcome.merge_with is None
    assert [(m.key, m.score) for m in outcome.candidates] == [(1, 75.0)]


def test_two_equally_good_organisations_go_to_review_not_to_either():
    index = _index((1, "Sequins Ltd", "ZZ900003"), (2, "Sequins Limited", "ZZ900004"))
    outcome = index.place(Party.of("SEQUINS"))
    assert outcome.merge_with is None
    assert sorted(m.key for m in outcome.candidates) == [1, 2]


def test_a_record_with_another_company_number_is_not_merged_by_name():
    index = _index((1, "Croda Europe Ltd", "ZZ000122"))
    outcome = index.place(Party.of("CRODA EUROPE LIMITED", "ZZ000999"))
    assert outcome.merge_with is None and outcome.candidates == []


def test_acronyms_find_their_organisation_through_the_index():
    index = _index((1, "Liverpool John Moores University"), (2, "University of Liverpool"))
    outcome = index.place(Party.of("LJMU"))
    assert [m.key for m in outcome.candidates] == [1]


def test_blocking_compares_a_record_with_few_organisations():
    words = [f"{a}{b}{c}" for a in "bcdfgh" for b in "aeiou" for c in "klmnprstvz"]  # 300 words
    index = OrganisationIndex()
    n = 0
    for i, first in enumerate(words):
        for second in words[i % 7 :: 23][:15]:
            index.add(n, name_forms(f"{first} {second} Liverpool Ltd"))
            n += 1
    assert len(index.entries) > 3500
    index.scored = 0
    outcome = index.place(Party.of(f"{words[10]} {words[10 % 7]} Liverpool Limited"))
    assert outcome.merge_with is not None
    # Without blocking this would be thousands of comparisons; the 'liverpool' block is skipped.
    assert index.scored <= linkage.RERANK_LIMIT
    index.scored = 0
    index.place(Party.of("Liverpool Ltd"))  # only the huge block: pre-ranked with rapidfuzz
    assert index.scored <= linkage.RERANK_LIMIT
