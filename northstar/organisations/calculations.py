"""Measuring the matcher on labelled pairs and choosing its thresholds; and finding, in bulk,
the pairs of names worth scoring when many records are linked at once. Pure functions.

A labelled pair is two organisation records (name, company number) and whether they are the
same organisation. The matcher's automatic decision on a pair is "merge" (score ≥ T_high, or the
same company number), "review" (T_low ≤ score < T_high) or "new" (below T_low, or different
company numbers, or a university and an NHS body). Precision and recall are of the automatic
merge: a pair sent to review counts as not merged.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from .linkage import (
    ACRONYM_SCORE,
    MAX_BLOCK,
    MIN_FUZZY_LENGTH,
    THRESHOLDS,
    TOKEN_MATCH,
    Comparison,
    Decision,
    NameForms,
    Party,
    Thresholds,
    block_keys,
    compare,
    decide_score,
    token_weight,
)


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


# --- Bulk linkage: which pairs of names can reach T_low (services.link_records) ---
#
# Scoring every record against every organisation that shares a block, one pair at a time, is
# what made a 500,000-row first import take minutes. Here the pairs worth scoring are found in
# bulk, and link_records scores only those with linkage.compare (the matcher itself decides):
#
# 1. Candidate pairs share a block, as in linkage.block_keys: a distinctive word (or, for a name
#    without one, a generic word; or two neighbours joined) in a block of at most MAX_BLOCK
#    names (a name whose every block is larger uses its smallest); or two such words that are
#    the same word misspelt (rapidfuzz ratio ≥ TOKEN_MATCH, found among words one edit or two
#    added letters apart and among long words sharing their first four letters, which is what
#    linkage's prefix blocks were for); or a name that is the other's acronym (linkage's
#    initials blocks). OrganisationIndex also shortlists each record's 30 best candidates by
#    rapidfuzz's token_set_ratio; no shortlist here: every pair that passes step 2 is scored.
# 2. For each candidate pair, an upper bound of linkage.name_score, computed with numpy for
#    all pairs at once: the weighted share of tokens that could be matched at all (equal, or a
#    misspelling confirmed by rapidfuzz, or a joined neighbour), as if each matched fully. A
#    pair whose bound is below T_low can never score T_low, so dropping it loses nothing.

LETTER_BITS = 64
_TOKEN_SHARE = TOKEN_MATCH / 200.0  # ratio ≥ TOKEN_MATCH ⇔ LCS ≥ this × (len a + len b)
BOUND_CHUNK_CELLS = 500_000  # pairs × tokens² per numpy step (bounds memory)
REACHABLE_SLICE = 10_000  # new names whose candidate pairs are bounded at once


def letter_mask(word: str) -> int:
    """The letters (a–z, 0–9; other characters hashed onto the remaining bits) in a word."""
    mask = 0
    for char in set(word):
        code = ord(char)
        if 97 <= code <= 122:
            bit = code - 97
        elif 48 <= code <= 57:
            bit = 26 + code - 48
        else:
            bit = 36 + code % (LETTER_BITS - 36)
        mask |= 1 << bit
    return mask


def letter_masks(words: Sequence[str]) -> np.ndarray:
    """letter_mask of each word, vectorised."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    bits = np.where(
        (codes >= 97) & (codes <= 122),
        codes - 97,
        np.where((codes >= 48) & (codes <= 57), codes - 22, 36 + codes % (LETTER_BITS - 36)),
    )
    values = np.left_shift(np.uint64(1), bits.astype(np.uint64))
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    masks = np.zeros(len(words), dtype=np.uint64)
    filled = lengths > 0
    masks[filled] = np.bitwise_or.reduceat(values, starts[filled])
    return masks


def _maybe_similar(len_a, mask_a, len_b, mask_b):
    """Whether fuzz.ratio(a, b) can reach TOKEN_MATCH (vectorised; never wrong when it says
    no). ratio ≥ T ⇔ LCS ≥ T/200·(la + lb), and each letter of a missing from b leaves a
    character of a outside the LCS."""
    only_a = np.bitwise_count(mask_a & ~mask_b)
    only_b = np.bitwise_count(mask_b & ~mask_a)
    room_a = len_a - _TOKEN_SHARE * (len_a + len_b) + 1e-9
    room_b = len_b - _TOKEN_SHARE * (len_a + len_b) + 1e-9
    return (only_a <= room_a) & (only_b <= room_b)


class NameTable:
    """Distinct normalised names (the strings of NameForms) as padded arrays of token ids, with
    each token's weight, length, letters, and each pair of neighbours joined."""

    def __init__(self, strings: Sequence[str]):
        vocab: dict[str, int] = {}
        words: list[str] = []

        def word_id(word: str) -> int:
            found = vocab.get(word)
            if found is None:
                found = vocab[word] = len(words)
                words.append(word)
            return found

        split = [s.split() for s in strings]
        width = max(2, max((len(t) for t in split), default=0))
        self.tokens = np.full((len(strings), width), -1, dtype=np.int32)
        self.joined = np.full((len(strings), width - 1), -1, dtype=np.int32)
        self.count = np.zeros(len(strings), dtype=np.int32)
        for i, tokens in enumerate(split):
            self.count[i] = len(tokens)
            for p, token in enumerate(tokens):
                self.tokens[i, p] = word_id(token)
            for p in range(len(tokens) - 1):
                self.joined[i, p] = word_id(tokens[p] + tokens[p + 1])
        self.words = words
        # Index -1 (padding) reads the extra last element: no length, no letters, no weight.
        self.length = np.array([len(w) for w in words] + [0], dtype=np.float64)
        self.digits = np.array([w.isdigit() for w in words] + [True], dtype=bool)
        self.letters = np.append(letter_masks(words), np.uint64(0))
        self.weight = np.array([token_weight(w) for w in words] + [0.0], dtype=np.float64)
        self.total = self.weight[self.tokens].sum(axis=1)
        self._similar: dict[int, bool] = {}  # (a, b) word ids → fuzz.ratio ≥ TOKEN_MATCH

    def similar(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """fuzz.ratio(word a, word b) ≥ TOKEN_MATCH, for arrays of word ids (rapidfuzz, once
        per distinct pair)."""
        if len(a) == 0:
            return np.zeros(0, dtype=bool)
        base = len(self.words) + 1
        keys = np.minimum(a, b).astype(np.int64) * base + np.maximum(a, b)
        unique, inverse = np.unique(keys, return_inverse=True)
        todo = [int(k) for k in unique if int(k) not in self._similar]
        if todo:
            left = [self.words[k // base] for k in todo]
            right = [self.words[k % base] for k in todo]
            scores = process.cpdist(
                left, right, scorer=fuzz.ratio, score_cutoff=TOKEN_MATCH, workers=-1
            )
            for k, score in zip(todo, np.asarray(scores).tolist(), strict=True):
                self._similar[k] = score >= TOKEN_MATCH
        found = np.fromiter((self._similar[int(k)] for k in unique), dtype=bool, count=len(unique))
        return found[inverse.reshape(-1)]

    def score_bounds(self, x: np.ndarray, y: np.ndarray, cutoff: float) -> np.ndarray:
        """An upper bound of linkage.name_score(strings[x], strings[y]) for each pair; exact
        enough to decide whether a pair can reach `cutoff` (rapidfuzz confirms misspellings only
        for pairs that could reach it otherwise)."""
        out = np.zeros(len(x), dtype=np.float64)
        widths = np.maximum(2, np.maximum(self.count[x], self.count[y]))
        for width in np.unique(widths).tolist():
            same = np.nonzero(widths == width)[0]
            step = max(1, BOUND_CHUNK_CELLS // (width * width))
            for start in range(0, len(same), step):
                chunk = same[start : start + step]
                out[chunk] = self._bounds(x[chunk], y[chunk], width, cutoff)
        return out

    def _bounds(self, x, y, width, cutoff) -> np.ndarray:
        tx, ty = self.tokens[x, :width], self.tokens[y, :width]
        jx, jy = self.joined[x, : width - 1], self.joined[y, : width - 1]
        lx, ly, ljx, ljy = self.length[tx], self.length[ty], self.length[jx], self.length[jy]
        mx, my, mjx, mjy = self.letters[tx], self.letters[ty], self.letters[jx], self.letters[jy]
        dx, dy, djx, djy = self.digits[tx], self.digits[ty], self.digits[jx], self.digits[jy]
        valid_x, valid_y = tx >= 0, ty >= 0
        equal = (tx[:, :, None] == ty[:, None, :]) & valid_x[:, :, None]
        hit_x, hit_y = equal.any(axis=2), equal.any(axis=1)
        # Tokens not matched exactly that are long enough to match a misspelling or a join.
        rest_x = valid_x & ~hit_x & (lx >= MIN_FUZZY_LENGTH)
        rest_y = valid_y & ~hit_y & (ly >= MIN_FUZZY_LENGTH)
        word_x = valid_x & ~dx & (lx >= MIN_FUZZY_LENGTH)
        word_y = valid_y & ~dy & (ly >= MIN_FUZZY_LENGTH)
        join_x = (jx >= 0) & ~djx & (ljx >= MIN_FUZZY_LENGTH)
        join_y = (jy >= 0) & ~djy & (ljy >= MIN_FUZZY_LENGTH)

        def maybe(pre, la, ma, lb, mb):
            """The cells (pair, token, other token) of `pre` that may be misspellings."""
            i, p, q = np.nonzero(pre)
            keep = _maybe_similar(la[i, p], ma[i, p], lb[i, q], mb[i, q])
            return i[keep], p[keep], q[keep]

        # A leftover token of one side against each token of the other: maybe misspelt.
        xy = maybe((rest_x & ~dx)[:, :, None] & word_y[:, None, :], lx, mx, ly, my)
        yx = maybe((rest_y & ~dy)[:, :, None] & word_x[:, None, :], ly, my, lx, mx)
        # A leftover token against two neighbours of the other side joined: equal, or maybe
        # misspelt ('landover' ~ 'land' + 'rover').
        xj_equal = np.nonzero(
            rest_x[:, :, None] & (tx[:, :, None] == jy[:, None, :]) & (jy >= 0)[:, None, :]
        )
        yj_equal = np.nonzero(
            rest_y[:, :, None] & (ty[:, :, None] == jx[:, None, :]) & (jx >= 0)[:, None, :]
        )
        xj = maybe(
            (rest_x & ~dx)[:, :, None] & join_y[:, None, :] & (tx[:, :, None] != jy[:, None, :]),
            lx,
            mx,
            ljy,
            mjy,
        )
        yj = maybe(
            (rest_y & ~dy)[:, :, None] & join_x[:, None, :] & (ty[:, :, None] != jx[:, None, :]),
            ly,
            my,
            ljx,
            mjx,
        )
        total = self.total[x] + self.total[y]
        weight_x, weight_y = self.weight[tx], self.weight[ty]

        def bound(xy, yx, xj, yj) -> np.ndarray:
            # As linkage._matches: a match marks the token on both sides; a token matching two
            # joined neighbours marks both of them.
            hx, hy = hit_x.copy(), hit_y.copy()
            for (i, p, q), mine, other in ((xy, hx, hy), (yx, hy, hx)):
                mine[i, p] = True
                other[i, q] = True
            for (i, p, q), mine, other in (
                (xj, hx, hy),
                (xj_equal, hx, hy),
                (yj, hy, hx),
                (yj_equal, hy, hx),
            ):
                mine[i, p] = True
                other[i, q] = True
                other[i, q + 1] = True
            matched = (weight_x * hx).sum(axis=1) + (weight_y * hy).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(total > 0, 100.0 * matched / total, 100.0)

        optimistic = bound(xy, yx, xj, yj)
        check = optimistic >= cutoff
        if not check.any():
            return optimistic

        def confirmed(cells, a, b):
            """The cells of pairs that could reach the cutoff whose words are misspellings."""
            i, p, q = cells
            keep = check[i]
            i, p, q = i[keep], p[keep], q[keep]
            ok = self.similar(a[i, p], b[i, q])
            return i[ok], p[ok], q[ok]

        exact = bound(
            confirmed(xy, tx, ty),
            confirmed(yx, ty, tx),
            confirmed(xj, tx, jy),
            confirmed(yj, ty, jx),
        )
        return np.where(check, exact, optimistic)


def acronym_codes(forms: NameForms) -> tuple[set[str], set[str]]:
    """(what the name may be an acronym as, what acronyms name it): as linkage's acronym rule
    reads them ('LJMU' / the initials of 'Liverpool John Moores University')."""
    singles = {n for n in forms.names if " " not in n and 2 <= len(n) <= 8} | set(forms.acronyms)
    return singles, set(forms.initials) | set(forms.acronyms)


SMALL_POOL = 3000  # words: fewer are compared in Python, more with Polars


def _near_words_small(pool: list[str], wanted: set[str]) -> set[tuple[str, str]]:
    """Pairs (a < b) one edit apart or two letters apart in length (see _near_words_frame)."""
    by_variant: dict[str, list[str]] = {}
    for word in pool:
        for variant in {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}:
            by_variant.setdefault(variant, []).append(word)
    near = {
        (a, b) if a < b else (b, a)
        for group in by_variant.values()
        for a, b in itertools.combinations(group, 2)
    }
    present = set(pool)
    for word in pool:
        if len(word) >= 8:
            for i, j in itertools.combinations(range(len(word)), 2):
                shorter = word[:i] + word[i + 1 : j] + word[j + 1 :]
                if shorter in present:
                    near.add((shorter, word) if shorter < word else (word, shorter))
    return {(a, b) for a, b in near if a in wanted or b in wanted}


def _near_words_frame(pool: list[str], wanted: set[str]) -> set[tuple[str, str]]:
    """Pairs (a < b) of words one edit apart (they share a variant: the word itself or the word
    less one letter), or two letters apart in length (the longer less two letters is the
    shorter: 'parmex' / 'parmexka'; ratio ≥ 85 from eight letters). Words of one length at a
    time, against those one and two letters longer (memory stays small)."""
    by_length: dict[int, list[str]] = {}
    for word in pool:
        by_length.setdefault(len(word), []).append(word)
    word = pl.col("word")

    def less(i: int, j: int | None = None) -> pl.Expr:
        """The word without its letter i (and j)."""
        if j is None:
            return (word.str.slice(0, i) + word.str.slice(i + 1)).alias("variant")
        return (
            word.str.slice(0, i) + word.str.slice(i + 1, j - i - 1) + word.str.slice(j + 1)
        ).alias("variant")

    def frame(length: int) -> pl.LazyFrame:
        return pl.LazyFrame({"word": by_length.get(length, [])}, schema={"word": pl.String})

    found: list[pl.DataFrame] = []
    for length in sorted(by_length):
        same = frame(length)
        # One letter changed, or two swapped: a shared variant less one letter.
        dropped = pl.concat([same.select("word", less(i)) for i in range(length)]).unique()
        changed = dropped.join(dropped, on="variant", suffix="_other").select("word", "word_other")
        as_variant = same.select(
            pl.col("word").alias("word_other"), pl.col("word").alias("variant")
        )
        # One letter added: the longer less one letter is the shorter.
        added = pl.concat(
            [frame(length + 1).select("word", less(i)) for i in range(length + 1)]
        ).join(as_variant, on="variant")
        parts = [changed, added.select("word", "word_other")]
        if length + 2 >= 8 and length + 2 in by_length:
            two = pl.concat(
                [
                    frame(length + 2).select("word", less(i, j))
                    for i in range(length + 2)
                    for j in range(i + 1, length + 2)
                ]
            ).join(as_variant, on="variant")
            parts.append(two.select("word", "word_other"))
        found.append(
            pl.concat(parts)
            .filter(pl.col("word") != pl.col("word_other"))
            .select(
                pl.min_horizontal("word", "word_other").alias("a"),
                pl.max_horizontal("word", "word_other").alias("b"),
            )
            .unique()
            .collect()
        )
    near = (
        pl.concat(found).unique()
        if found
        else pl.DataFrame(schema={"a": pl.String, "b": pl.String})
    )
    if not wanted >= set(pool):
        wanted_words = pl.Series(sorted(wanted), dtype=pl.String).implode()
        near = near.filter(pl.col("a").is_in(wanted_words) | pl.col("b").is_in(wanted_words))
    return set(near.iter_rows())


def similar_words(
    words: Iterable[str], wanted: Iterable[str] | None = None
) -> set[tuple[str, str]]:
    """Pairs (a, b), both ways, of different words that are the same word misspelt (rapidfuzz
    ratio ≥ TOKEN_MATCH): among words one edit apart (a letter added, dropped, changed or two
    swapped) or two letters added, and among words of seven or more letters that share their
    first four (linkage's prefix blocks). Only pairs with a word in `wanted` (default: all).
    (Misspellings further apart, in long words, can still reach the ratio; they are not looked
    for.)"""
    pool = sorted({w for w in words if len(w) >= MIN_FUZZY_LENGTH and not w.isdigit()})
    wanted = set(pool) if wanted is None else set(wanted)
    if len(pool) <= SMALL_POOL:
        maybe = _near_words_small(pool, wanted)
    else:
        maybe = _near_words_frame(pool, wanted)
    ordered = sorted(maybe)
    scores = process.cpdist(
        [a for a, _ in ordered],
        [b for _, b in ordered],
        scorer=fuzz.ratio,
        score_cutoff=TOKEN_MATCH,
        workers=-1,
    )
    found = {
        p for p, s in zip(ordered, np.asarray(scores).tolist(), strict=True) if s >= TOKEN_MATCH
    }
    by_prefix: dict[str, list[str]] = {}
    for word in pool:
        if len(word) >= 7:
            by_prefix.setdefault(word[:4], []).append(word)
    for group in by_prefix.values():
        queries = [w for w in group if w in wanted]
        if len(group) < 2 or not queries:
            continue
        scores = process.cdist(
            queries, group, scorer=fuzz.ratio, score_cutoff=TOKEN_MATCH, workers=-1
        )
        for i, j in zip(*np.nonzero(np.asarray(scores) >= TOKEN_MATCH), strict=True):
            if queries[i] != group[j]:
                found.add((queries[i], group[j]))
    return found | {(b, a) for a, b in found}


class Blocks:
    """The blocks of a pool of names (see above), for finding candidate pairs of some of them."""

    def __init__(
        self, forms: Sequence[NameForms], new: Sequence[bool], *, max_block: int = MAX_BLOCK
    ):
        self.size = len(forms)
        key_ids: dict[str, int] = {}
        code_ids: dict[str, int] = {}
        key_rows: tuple[list[int], list[int]] = ([], [])
        code_rows: tuple[list[int], list[int], list[bool]] = ([], [], [])
        for i, f in enumerate(forms):
            for key in block_keys(f):
                if key.startswith("t:"):
                    key_rows[0].append(i)
                    key_rows[1].append(key_ids.setdefault(key[2:], len(key_ids)))
            singles, longs = acronym_codes(f)
            for codes, single in ((singles, True), (longs, False)):
                for code in codes:
                    code_rows[0].append(i)
                    code_rows[1].append(code_ids.setdefault(code, len(code_ids)))
                    code_rows[2].append(single)
        fresh = pl.Series("form", [i for i, is_new in enumerate(new) if is_new], dtype=pl.Int32)
        self.keys = (
            pl.DataFrame({"form": key_rows[0], "key": key_rows[1]}, schema=_pair_schema("key"))
            .unique()
            .with_columns(pl.len().over("key").alias("size"))
        )
        # A name's blocks: those of at most max_block names, or else its smallest.
        mine = self.keys.filter(pl.col("form").is_in(fresh.implode()))
        small_enough = pl.col("size") <= max_block
        self.usable = pl.concat(
            [
                mine.filter(small_enough),
                mine.filter(~pl.col("form").is_in(mine.filter(small_enough)["form"].implode()))
                .sort("size", "key")
                .group_by("form", maintain_order=True)
                .first(),
            ]
        ).select("form", "key")
        self.small = self.keys.filter(small_enough).select("form", "key")
        words = list(key_ids)
        similar = similar_words(words, [words[k] for k in self.usable["key"].unique().to_list()])
        self.similar = pl.DataFrame(
            {
                "key": [key_ids[a] for a, _ in similar],
                "key_other": [key_ids[b] for _, b in similar],
            },
            schema={"key": pl.Int32, "key_other": pl.Int32},
        )
        codes = pl.DataFrame(
            {"form": code_rows[0], "code": code_rows[1], "single": code_rows[2]},
            schema={**_pair_schema("code"), "single": pl.Boolean},
        ).unique()
        codes = codes.filter(pl.col("form").n_unique().over("code") <= max_block)
        self.singles, self.longs = codes.filter("single"), codes.filter(~pl.col("single"))
        self.fresh = fresh

    def pairs(self, fresh: pl.Series | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Candidate pairs (a < b) with a name of `fresh` (default: every new name), and the
        pairs related as name and acronym. Two frames of columns a, b."""
        fresh = self.fresh if fresh is None else fresh
        usable = self.usable.filter(pl.col("form").is_in(fresh.implode()))
        exact = usable.join(self.keys.select("form", "key"), on="key", suffix="_other")
        fuzzy = usable.join(self.similar, on="key").join(
            self.small.rename({"form": "form_other", "key": "key_other"}), on="key_other"
        )
        pairs = _ordered(
            [exact.select("form", "form_other"), fuzzy.select("form", "form_other")], self.size
        )
        related = pl.concat(
            [
                self.singles.filter(pl.col("form").is_in(fresh.implode()))
                .join(self.longs, on="code", suffix="_other")
                .select("form", "form_other"),
                self.longs.filter(pl.col("form").is_in(fresh.implode()))
                .join(self.singles, on="code", suffix="_other")
                .select("form", "form_other"),
            ]
        )
        return pairs, _ordered([related], self.size)


def candidate_pairs(
    forms: Sequence[NameForms], new: Sequence[bool], *, max_block: int = MAX_BLOCK
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pairs (a < b, indexes into `forms`, at least one of them new) that share a block (see
    above), and the pairs related as name and acronym. Two frames of columns a, b."""
    return Blocks(forms, new, max_block=max_block).pairs()


def _pair_schema(column: str) -> dict:
    return {"form": pl.Int32, column: pl.Int32}


def _ordered(parts: list[pl.DataFrame], size: int) -> pl.DataFrame:
    """Distinct unordered pairs (a < b) of different forms."""
    codes = pl.concat(
        [
            part.filter(pl.col("form") != pl.col("form_other")).select(
                (
                    pl.min_horizontal("form", "form_other").cast(pl.Int64) * size
                    + pl.max_horizontal("form", "form_other")
                ).alias("code")
            )
            for part in parts
        ]
    ).unique()
    return codes.select(
        (pl.col("code") // size).cast(pl.Int32).alias("a"),
        (pl.col("code") % size).cast(pl.Int32).alias("b"),
    )


def reachable_pairs(
    forms: Sequence[NameForms],
    new: Sequence[bool],
    *,
    low: float = THRESHOLDS.low,
    max_block: int = MAX_BLOCK,
) -> list[tuple[int, int]]:
    """The pairs of names (a < b, indexes into `forms`, at least one new) whose forms_score can
    reach `low`: the candidate pairs, less those whose every pair of name forms is bounded below
    `low`. Sorted."""
    if not any(new):
        return []
    blocks = Blocks(forms, new, max_block=max_block)
    strings = sorted({s for f in forms for s in (*f.names, *f.bare)})
    string_id = {s: i for i, s in enumerate(strings)}
    of_form = pl.DataFrame(
        [
            (i, string_id[s])
            for i, f in enumerate(forms)
            for s in dict.fromkeys((*f.names, *f.bare))
        ],
        schema={"form": pl.Int32, "string": pl.Int32},
        orient="row",
    )
    table = NameTable(strings)
    # name_score rounds to two decimals: a bound a hair under `low` may still round up to it.
    cutoff = low - 0.01
    found: list[pl.DataFrame] = []
    seen = pl.DataFrame(schema={"code": pl.Int64})
    # A slice of the new names at a time: the candidate pairs of all of them at once would hold
    # millions of rows.
    for start in range(0, len(blocks.fresh), REACHABLE_SLICE):
        pairs, acronyms = blocks.pairs(blocks.fresh.slice(start, REACHABLE_SLICE))
        # Two new names may be paired from either side: bound each pair once.
        code = (pl.col("a").cast(pl.Int64) * len(forms) + pl.col("b")).alias("code")
        pairs = pairs.with_columns(code).join(seen, on="code", how="anti")
        seen = pl.concat([seen, pairs.select("code")])
        pairs = pairs.drop("code")
        if low <= ACRONYM_SCORE:  # an acronym scores ACRONYM_SCORE whatever its words
            pairs = pairs.join(acronyms, on=["a", "b"], how="anti")
        else:
            pairs, acronyms = pl.concat([pairs, acronyms]).unique(), acronyms.clear()
        strings_of = pairs.join(of_form.rename({"form": "a", "string": "x"}), on="a").join(
            of_form.rename({"form": "b", "string": "y"}), on="b"
        )
        del pairs
        distinct = strings_of.select(
            pl.min_horizontal("x", "y").alias("x"), pl.max_horizontal("x", "y").alias("y")
        ).unique()
        bounds = table.score_bounds(distinct["x"].to_numpy(), distinct["y"].to_numpy(), cutoff)
        kept = distinct.filter(pl.Series(bounds >= cutoff)).select("x", "y")
        del distinct, bounds
        reached = strings_of.join(
            pl.concat([kept, kept.select(pl.col("y").alias("x"), pl.col("x").alias("y"))]),
            on=["x", "y"],
            how="semi",
        ).select("a", "b")
        found += [reached, acronyms]
    return list(pl.concat(found).unique().sort("a", "b").iter_rows())
