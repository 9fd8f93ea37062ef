"""How candidates become a ranking: weighted fusion, the question-kind cue, relevance
feedback and the cut that leaves weak passages out. Pure functions over a few dozen
candidates; the searcher supplies the scores.

Every weight lives in `RankingOptions`; each was set on the tuning half of
tests/eval/hard.jsonl and checked on the other half (README, "How retrieval works").
`bench/ideas.py` switches each idea off in turn to show what it is worth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RankingOptions:
    """The ranking's ideas and weights; the defaults are the product's."""

    # Lexical side: BM25 over the passage plus its document's title, publisher, year and
    # section heading, and the aliases the corpus defines; the question's scaffolding out.
    lexical_context: bool = True
    aliases: bool = True
    strip_scaffolding: bool = True
    # A passage's dense ranking score: its best cosine (passage or sentence window) plus
    # this share of the other one.
    window_blend: float = 0.3
    # Fusion: "rrf" (reciprocal rank, each side weighted, rank offset `rrf_k`) or "scores"
    # (dense cosine + lexical_weight x BM25 relative to the question's best BM25 score).
    fusion: str = "scores"
    dense_weight: float = 1.0
    lexical_weight: float = 0.3
    rrf_k: int = 60
    # A passage offering the kind of answer asked for (a date for "when") moves up by this
    # much, in units of a first-place RRF score.
    kind_cue: float = 0.02
    # Pseudo-relevance feedback: the question's vector moved towards its best candidates.
    feedback_weight: float = 0.0
    feedback_passages: int = 3
    # Fewer, better passages: one much weaker than the best is left out: its fused score is
    # more than `cut_below` under the best shown passage's, and its dense score more than
    # `cut_dense` under the best dense score (0: that side is not looked at).
    cut_below: float = 0.25
    cut_dense: float = 0.0


def rrf(ranked: Sequence[int], weight: float, k: int) -> dict[int, float]:
    """Reciprocal-rank scores of a best-first list of rows."""
    return {row: weight / (k + rank + 1) for rank, row in enumerate(ranked)}


def fuse(dense: Sequence[int], lexical: Sequence[int], options: RankingOptions) -> dict[int, float]:
    """Weighted reciprocal rank fusion of the dense and lexical candidate lists."""
    fused = rrf(dense, options.dense_weight, options.rrf_k)
    for row, score in rrf(lexical, options.lexical_weight, options.rrf_k).items():
        fused[row] = fused.get(row, 0.0) + score
    return fused


def fuse_scores(
    cosines: dict[int, float], lexical: dict[int, float], options: RankingOptions
) -> dict[int, float]:
    """Score fusion: dense cosine plus the weighted BM25 score relative to the best one."""
    top = max(lexical.values(), default=0.0)
    fused = {row: options.dense_weight * cosine for row, cosine in cosines.items()}
    if top > 0:
        for row, score in lexical.items():
            fused[row] = fused.get(row, 0.0) + options.lexical_weight * score / top
    return fused


def first_place(options: RankingOptions) -> float:
    """The fused score of a passage ranked first by one side: the unit of every boost."""
    if options.fusion == "scores":
        return max(options.dense_weight, options.lexical_weight)
    return max(options.dense_weight, options.lexical_weight) / (options.rrf_k + 1)


def feedback_vector(question: np.ndarray, best: np.ndarray, weight: float) -> np.ndarray:
    """Rocchio: the question's vector moved towards the mean of its best candidates."""
    if weight <= 0 or not len(best):
        return question
    moved = question + weight * best.mean(axis=0)
    return moved / max(float(np.linalg.norm(moved)), 1e-9)


def strong(scores: Sequence[float], cut_below: float) -> list[bool]:
    """Which passages to show: those whose score is within `cut_below` of the best one's
    (all of them when `cut_below` is 0); the best is always shown."""
    if cut_below <= 0 or not scores:
        return [True] * len(scores)
    best = max(scores)
    return [score >= best - cut_below for score in scores]
