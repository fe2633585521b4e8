"""Measuring the matcher on labelled pairs, and choosing its thresholds. Pure functions.

A labelled pair is two organisation records (name, company number) and whether they are the
same organisation. The matcher's automatic decision on a pair is "merge" (score ≥ T_high, or the
same company number), "review" (T_low ≤ score < T_high) or "new" (below T_low, or different
company numbers, or a university and an NHS body). Precision and recall are of the automatic
merge: a pair sent to review counts as not merged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .linkage import THRESHOLDS, Comparison, Decision, Party, Thresholds, compare, decide_score


@dataclass(frozen=True)
class LabelledPair:
    name_a: str
    company_number_a: str
    name_b: str
    company_number_b: str
    same: bool
    note: str = ""
    line: int = 0  # line in the labelled file, for reports


@dataclass(frozen=True)
class ScoredPair:
    pair: LabelledPair
    comparison: Comparison

    def decision(self, thresholds: Thresholds) -> Decision:
        """The decision at `thresholds`: the number and kind rules do not depend on them."""
        if self.comparison.reason == "name":
            return decide_score(self.comparison.score, thresholds)
        return self.comparison.decision


@dataclass(frozen=True)
class Evaluation:
    thresholds: Thresholds
    pairs: int
    same_pairs: int
    true_merges: int  # same organisation, merged automatically
    false_merges: int  # different organisations, merged automatically
    missed: int  # same organisation, not merged automatically (reviewed or lost)
    reviewed: int  # pairs sent to the review queue
    reviewed_same: int
    lost: int  # same organisation, scored below T_low: no merge, no review
    false_merge_lines: tuple[int, ...]
    missed_lines: tuple[int, ...]

    @property
    def precision(self) -> float:
        """Share of automatic merges that are right (1.0 when nothing was merged)."""
        merged = self.true_merges + self.false_merges
        return self.true_merges / merged if merged else 1.0

    @property
    def recall(self) -> float:
        """Share of same-organisation pairs merged automatically."""
        return self.true_merges / self.same_pairs if self.same_pairs else 1.0

    @property
    def review_share(self) -> float:
        """Share of all pairs that an officer would be asked about."""
        return self.reviewed / self.pairs if self.pairs else 0.0

    @property
    def recall_with_review(self) -> float:
        """Share of same-organisation pairs merged or put in front of an officer."""
        return (self.same_pairs - self.lost) / self.same_pairs if self.same_pairs else 1.0


def score_pairs(pairs: Sequence[LabelledPair]) -> list[ScoredPair]:
    return [
        ScoredPair(
            pair,
            compare(
                Party.of(pair.name_a, pair.company_number_a),
                Party.of(pair.name_b, pair.company_number_b),
            ),
        )
        for pair in pairs
    ]


def evaluate_scored(scored: Sequence[ScoredPair], thresholds: Thresholds) -> Evaluation:
    tp = fp = reviewed = reviewed_same = lost = 0
    false_lines: list[int] = []
    missed_lines: list[int] = []
    for item in scored:
        decision = item.decision(thresholds)
        same = item.pair.same
        if decision is Decision.SAME:
            if same:
                tp += 1
            else:
                fp += 1
                false_lines.append(item.pair.line)
        else:
            if decision is Decision.REVIEW:
                reviewed += 1
                reviewed_same += same
            elif same:
                lost += 1
            if same:
                missed_lines.append(item.pair.line)
    same_pairs = sum(1 for item in scored if item.pair.same)
    return Evaluation(
        thresholds=thresholds,
        pairs=len(scored),
        same_pairs=same_pairs,
        true_merges=tp,
        false_merges=fp,
        missed=same_pairs - tp,
        reviewed=reviewed,
        reviewed_same=reviewed_same,
        lost=lost,
        false_merge_lines=tuple(false_lines),
        missed_lines=tuple(missed_lines),
    )


def evaluate(pairs: Sequence[LabelledPair], thresholds: Thresholds = THRESHOLDS) -> Evaluation:
    """Precision and recall of the automatic merge, and the review share, on labelled pairs."""
    return evaluate_scored(score_pairs(pairs), thresholds)


# The rule that chose T_HIGH and T_LOW (linkage.py), re-run by the tests and the report command.
HIGH_MARGIN = 2.0
REVIEW_COVERAGE = 0.97


def choose_thresholds(
    scored: Sequence[ScoredPair],
    *,
    margin: float = HIGH_MARGIN,
    coverage: float = REVIEW_COVERAGE,
) -> Thresholds:
    """T_high: the highest name score of any pair of *different* organisations (that no number or
    kind rule already keeps apart), rounded up to a whole number, plus `margin` points; so on the
    labelled set no different pair merges, with room to spare.
    T_low: the largest whole number (≤ T_high) at which at least `coverage` of the
    same-organisation pairs still merge or reach the review queue."""
    by_name = [s for s in scored if s.comparison.reason == "name"]
    top_different = max((s.comparison.score for s in by_name if not s.pair.same), default=0.0)
    high = min(100.0, math.ceil(top_different) + margin)
    same = [s for s in scored if s.pair.same]
    if not same:
        return Thresholds(high=high, low=high)
    always = sum(
        1 for s in same if s.comparison.reason != "name" and s.decision(THRESHOLDS) is Decision.SAME
    )
    scores = [s.comparison.score for s in same if s.comparison.reason == "name"]
    low = 0.0
    for t in range(int(high), -1, -1):
        reached = always + sum(1 for x in scores if x >= t)
        if reached / len(same) >= coverage:
            low = float(t)
            break
    return Thresholds(high=high, low=low)


def split_halves(pairs: Sequence[LabelledPair]) -> tuple[list[LabelledPair], list[LabelledPair]]:
    """Odd and even lines: a deterministic split for a held-out check of the threshold rule."""
    return [p for i, p in enumerate(pairs) if i % 2 == 0], [
        p for i, p in enumerate(pairs) if i % 2 == 1
    ]
