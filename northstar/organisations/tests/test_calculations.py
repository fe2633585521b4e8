"""Precision, recall and the threshold rule, on small hand-worked sets (no database)."""

from __future__ import annotations

import pytest

from northstar.organisations.calculations import (
    LabelledPair,
    choose_thresholds,
    evaluate,
    evaluate_scored,
    score_pairs,
    split_halves,
)
from northstar.organisations.linkage import Thresholds

PAIRS = [
    # same, merges automatically (100)
    LabelledPair("University of Liverpool", "", "THE UNIVERSITY OF LIVERPOOL", "", True, line=2),
    # same, by company number
    LabelledPair("The Very Group Limited", "ZZ1", "Shop Direct Limited", "ZZ1", True, line=3),
    # same, 75: review at (85, 70), merged at (70, 60)
    LabelledPair("Hartree Centre", "", "STFC Hartree Centre", "", True, line=4),
    # same, 50: lost below any sensible T_low
    LabelledPair(
        "University of Cambridge",
        "",
        "The Chancellor, Masters and Scholars of the University of Cambridge",
        "",
        True,
        line=5,
    ),
    # different, 75: review at (85, 70), a wrong merge at (70, 60)
    LabelledPair("Liverpool Hope University", "", "University of Liverpool", "", False, line=6),
    # different, 100 but different numbers: never merged
    LabelledPair("Sequins Ltd", "ZZ3", "Sequins Limited", "ZZ4", False, line=7),
    # different, 50
    LabelledPair("Everton FC", "", "Liverpool FC", "", False, line=8),
]


def test_evaluation_counts_by_hand():
    e = evaluate(PAIRS, Thresholds(high=85, low=70))
    # merges: lines 2, 3 (both right); review: 4 (same), 6 (different); lost: 5.
    assert (e.true_merges, e.false_merges, e.missed, e.reviewed, e.reviewed_same, e.lost) == (
        2,
        0,
        2,
        2,
        1,
        1,
    )
    assert e.precision == 1.0
    assert e.recall == pytest.approx(2 / 4)
    assert e.review_share == pytest.approx(2 / 7)
    assert e.recall_with_review == pytest.approx(3 / 4)
    assert e.false_merge_lines == () and e.missed_lines == (4, 5)


def test_lower_thresholds_trade_precision_for_recall():
    e = evaluate(PAIRS, Thresholds(high=70, low=60))
    # merges: 2, 3, 4 right; 6 wrong.
    assert (e.true_merges, e.false_merges) == (3, 1)
    assert e.precision == pytest.approx(3 / 4)
    assert e.recall == pytest.approx(3 / 4)
    assert e.false_merge_lines == (6,)


def test_precision_is_one_when_nothing_merges():
    e = evaluate(PAIRS[4:], Thresholds(high=100, low=100))
    assert e.true_merges == e.false_merges == 0
    assert e.precision == 1.0


def test_the_threshold_rule_by_hand():
    scored = score_pairs(PAIRS)
    # the highest different pair decided by name scores 75 (line 6; line 7 is kept apart by its
    # numbers): T_high = 75 + 2. Same pairs: 4, of which line 3 always merges; 97% of 4 needs all
    # 4, so T_low must reach line 5 at 50.
    assert choose_thresholds(scored) == Thresholds(high=77, low=50)
    # 75% coverage: 3 of the 4 → T_low at line 4's 75.
    assert choose_thresholds(scored, coverage=0.75) == Thresholds(high=77, low=75)
    assert choose_thresholds(scored, margin=5, coverage=0.75) == Thresholds(high=80, low=75)
    result = evaluate_scored(scored, choose_thresholds(scored, coverage=0.75))
    assert result.false_merges == 0


def test_split_halves_alternates():
    first, second = split_halves(PAIRS)
    assert [p.line for p in first] == [2, 4, 6, 8]
    assert [p.line for p in second] == [3, 5, 7]
