"""Finding in bulk the pairs of names worth scoring (calculations: similar_words, NameTable's
bound of name_score, candidate_pairs, reachable_pairs), without a database."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.organisations import calculations, linkage, services
from northstar.organisations.calculations import (
    NameTable,
    letter_mask,
    letter_masks,
    reachable_pairs,
    similar_words,
)
from northstar.organisations.linkage import T_LOW, forms_score, name_forms, name_score


def bounds(pairs: list[tuple[str, str]]) -> list[float]:
    strings = sorted({s for pair in pairs for s in pair})
    at = {s: i for i, s in enumerate(strings)}
    table = NameTable(strings)
    x = np.array([at[a] for a, _ in pairs])
    y = np.array([at[b] for _, b in pairs])
    return table.score_bounds(x, y, cutoff=0.0).tolist()


# --- Misspelt words ---


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("univeristy", "university"),  # two letters swapped
        ("unilevr", "unilever"),  # a letter dropped
        ("xniversity", "university"),  # the first letter changed (no shared prefix)
        ("parmex", "parmexka"),  # two letters added
        ("landover", "landrover"),
        ("manchestre", "manchester"),
    ],
)
def test_misspellings_are_found(a, b):
    assert linkage.fuzz.ratio(a, b) >= linkage.TOKEN_MATCH
    found = similar_words([a, b, "liverpool", "croda"])
    assert (a, b) in found and (b, a) in found


def test_different_words_are_not_similar_and_short_words_are_left_out():
    found = similar_words(["kalover", "brisator", "fendel", "alder", "alger", "uni", "unit"])
    assert found == set()  # 'alder'/'alger' (5 letters, one changed) score 80 < 85


def test_only_pairs_with_a_wanted_word_are_returned():
    words = ["unilever", "unilevr", "manchester", "manchestre"]
    assert similar_words(words, wanted=["unilevr"]) == {
        ("unilevr", "unilever"),
        ("unilever", "unilevr"),
    }


def test_letter_masks_agree_with_the_scalar_version():
    words = ["abc", "zz09", "", "é", "straße", "ødegaard", "x y"]
    assert letter_masks(words).tolist() == [letter_mask(w) for w in words]


# --- The bound of name_score ---


def test_the_bound_is_exact_when_every_matched_token_matches_fully():
    pairs = [
        ("liverpool university", "liverpool university"),
        ("liverpool university", "liverpool hope university"),
        ("kalo brisator", "kalo fendel"),
        ("walton centre", "walton centre nhs foundation trust"),
        ("landover", "land rover"),
    ]
    got = bounds(pairs)
    for (a, b), bound in zip(pairs, got, strict=True):
        assert bound >= name_score(a, b) - 0.01
    assert got[0] == 100.0
    assert got[1] == pytest.approx(75.0)
    assert got[2] == pytest.approx(50.0)
    assert got[4] == 100.0  # 'landover' matches 'land' + 'rover' joined


def test_a_misspelling_counts_in_the_bound_only_when_rapidfuzz_confirms_it():
    [misspelt, different] = bounds(
        [("liverpool univeristy", "liverpool university"), ("kalo brisator", "kalo brisxyzq")]
    )
    assert misspelt == 100.0 >= name_score("liverpool univeristy", "liverpool university")
    assert different == pytest.approx(50.0)


def test_the_bound_is_never_below_the_score_on_the_labelled_names():
    pairs = services.read_labelled_pairs()
    strings = sorted(
        {
            s
            for p in pairs
            for name in (p.name_a, p.name_b)
            for s in (*name_forms(name).names, *name_forms(name).bare)
        }
    )
    every = list(itertools.combinations(strings, 2))
    for (a, b), bound in zip(every, bounds(every), strict=True):
        assert bound >= name_score(a, b) - 0.01, (a, b)


SYLLABLES = ["ka", "lo", "ve", "ri", "sa", "tor", "min", "del", "univ", "ersity", "12", "345"]
WORDS = ["university", "the", "of", "nhs", "trust", "centre", "uk", "and", "landrover", "land"]
token = st.one_of(
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4).map("".join),
)
name = st.lists(token, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(name, name), min_size=1, max_size=20))
def test_the_bound_is_never_below_the_score(pairs):
    for (a, b), bound in zip(pairs, bounds(pairs), strict=True):
        assert bound >= name_score(a, b) - 0.01, (a, b)


# --- The pairs worth scoring ---


def test_every_labelled_pair_that_can_reach_t_low_is_found():
    """The bulk search loses none of the labelled pairs the matcher would merge or queue."""
    pairs = services.read_labelled_pairs()
    forms = list(dict.fromkeys(name_forms(n) for p in pairs for n in (p.name_a, p.name_b)))
    at = {f: i for i, f in enumerate(forms)}
    found = set(reachable_pairs(forms, [True] * len(forms)))
    reaching = 0
    for p in pairs:
        a, b = at[name_forms(p.name_a)], at[name_forms(p.name_b)]
        if a != b and forms_score(forms[a], forms[b]) >= T_LOW:
            reaching += 1
            assert (min(a, b), max(a, b)) in found, (p.line, p.name_a, p.name_b)
    assert reaching >= 60  # the set has 80 such pairs (others are equal names or numbers)


def test_pairs_are_only_those_that_can_reach_t_low_and_involve_a_new_name():
    names = [
        "University of Liverpool",
        "Liverpool Hope University",
        "Liverpool John Moores University",
        "LJMU",
        "Unilever UK Ltd",
        "Unilevr U.K. Limited",
        "Croda Europe Ltd",
    ]
    forms = [name_forms(n) for n in names]
    new = [False, True, False, True, False, True, False]
    found = reachable_pairs(forms, new)
    assert found == sorted(found)
    assert (0, 1) in found  # 75: a question for an officer
    assert (2, 3) in found  # an acronym
    assert (4, 5) in found  # a misspelling
    assert all(new[a] or new[b] for a, b in found)
    assert not any(6 in pair for pair in found)
    for a, b in found:
        assert forms_score(forms[a], forms[b]) >= T_LOW


def test_a_huge_block_is_not_used_when_a_name_has_a_smaller_one(monkeypatch):
    names = [f"Liverpool {w} Ltd" for w in ("Alpha", "Zebra", "Quince", "Mango", "Orchid")]
    forms = [name_forms(n) for n in names]
    pairs, _ = calculations.candidate_pairs(forms, [True] * len(forms), max_block=3)
    assert pairs.height == 0  # 'liverpool' is in five names: each uses its own word's block
    pairs, _ = calculations.candidate_pairs(forms, [True] * len(forms), max_block=5)
    assert pairs.height == 10


def test_the_python_and_polars_searches_for_near_words_agree():
    syllables = ["ka", "lo", "ve", "ri", "sa", "tor", "min", "del", "qua", "zen", "por", "bri"]
    rng = random.Random(3)
    words = list({"".join(rng.choices(syllables, k=rng.randint(2, 5))) for _ in range(800)})
    words += [w[:2] + "q" + w[2:] for w in words[:100]] + [w + "ab" for w in words[100:200]]
    pool = sorted({w for w in words if len(w) >= 5})
    wanted = set(pool[::3])
    small = calculations._near_words_small(pool, wanted)
    assert len(small) > 100
    assert small == calculations._near_words_frame(pool, wanted)
