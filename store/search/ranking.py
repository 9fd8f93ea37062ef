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
    # section heading, and the aliases the corpus defines. Leaving the question's scaffolding
    # ("how many", "what did ... say") out of the BM25 query was measured and dropped: BM25's
    # own idf already weighs those words down, and no kind of question gained.
    lexical_context: bool = True
    aliases: bool = True
    strip_scaffolding: bool = False
    # BM25's length normalisation: lower than bm25s' 0.75 spares long passages, whose one
    # apt sentence is otherwise diluted.
    bm25_b: float = 0.5
    # A passage's dense ranking score: its best cosine (passage or sentence window) plus
    # this share of the other one.
    window_blend: float = 0.3
    # Fusion: "rrf" (reciprocal rank, each side weighted, rank offset `rrf_k`) or "scores"
    # (dense cosine + lexical_weight x BM25 relative to the question's best BM25 score).
    fusion: str = "scores"
    dense_weight: float = 1.0
    lexical_weight: float = 0.3
    # A "what did X say/claim about Y" question: its words are a speech verb and a role
    # ("Moscow's ambassador", "the MP") that BM25 finds in every quote and interview turn,
    # so its lexical side weighs less (set on the tuning half; README, stop 20).
    said_lexical_weight: float = 0.15
    rrf_k: int = 60
    # A passage offering the kind of answer asked for (a date for "when") moves up by this
    # much, in units of a first-place RRF score.
    kind_cue: float = 0.02
    # A passage of a year the question names in plain words ("the 2016 drills": dated that
    # year, or naming it) moves up by this much.
    year_cue: float = 0.1
    # A who-question: a passage stating the role of a person it names moves up by this much
    # times the (rarity-weighted) share of the question's words that role holds.
    role_cue: float = 0.2
    # Pseudo-relevance feedback: the question's vector moved towards its best candidates.
    feedback_weight: float = 0.0
    feedback_passages: int = 3
    # Fewer, better passages: one much weaker than the best is left out: its fused score is
    # more than `cut_below` under the best shown passage's, and its dense score more than
    # `cut_dense` under the best dense score (0: that side is not looked at).
    cut_below: float = 0.25
    cut_dense: float = 0.0
    # The no-match rule (store/search/nomatch.py): the generation's calibrated threshold
    # (else the fixed 0.28 / 0.15 of old), refusing names the corpus never mentions, a
    # higher bar for a passage lacking a name the question asks about, and the weight of
    # the subject words a passage holds in its evidence; a question about page furniture
    # (subscriptions, cookies, ...) gets no passages.
    calibrated: bool = True
    unknown_names: bool = True
    page_questions: bool = True
    # ... and questions about the website itself (most read stories, downloads, its street
    # address or contact details, whether it is genuine).
    site_questions: bool = True
    # Questions about the sources themselves answered with source cards (sources.py).
    source_cards: bool = True
    # A question naming a document by its kind and year ("the 2021 policy brief") names
    # that document: its passages are not capped at half the places, and need less evidence.
    kind_and_year_names: bool = True
    # "Which Kazakh minister ...": a role word after a modifier or two is a who-question
    # (before, only "which minister ..." was), so the who cues apply to it.
    who_role_modifiers: bool = True
    missing_name_margin: float = 0.1
    coverage_weight: float = 0.3
    # Focal words: the question's subject words that are not ubiquitous in the corpus (in
    # fewer than `focal_ubiquity` of its passages, and never fewer than FOCAL_MIN_PASSAGES).
    # A passage shown on its evidence must hold at least `focal_share` of their (rarity)
    # weight, or match the question's meaning clearly: dense score at least
    # `focal_dense_margin` above the threshold (0 share: not looked at). "What is the
    # inflation rate in Uzbekistan?" is then not answered by a passage that only shares
    # "Uzbekistan" with it.
    focal_share: float = 0.1
    focal_ubiquity: float = 0.1
    focal_dense_margin: float = 0.1
    # Measured and dropped: the bar raised by this much times the share of the question's
    # subject weight that the corpus never uses ("wheat", "inflation"); answerable
    # paraphrases use words the corpus lacks as often as off-topic questions do.
    unknown_words_margin: float = 0.0


# A word in this many passages is never ubiquitous, however small the corpus.
FOCAL_MIN_PASSAGES = 5


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
    cosines: dict[int, float],
    lexical: dict[int, float],
    options: RankingOptions,
    lexical_weight: float | None = None,
) -> dict[int, float]:
    """Score fusion: dense cosine plus the weighted BM25 score relative to the best one
    (`lexical_weight`, else the options' own)."""
    weight = options.lexical_weight if lexical_weight is None else lexical_weight
    top = max(lexical.values(), default=0.0)
    fused = {row: options.dense_weight * cosine for row, cosine in cosines.items()}
    if top > 0:
        for row, score in lexical.items():
            fused[row] = fused.get(row, 0.0) + weight * score / top
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


# The ranking as it was before the hard question set (tests/eval/hard.jsonl): bare BM25,
# reciprocal rank fusion, the fixed no-match threshold, every place filled. Kept to measure
# against (bench/ideas.py, tests/store/search/test_search.py); never served.
LEGACY = RankingOptions(
    lexical_context=False,
    aliases=False,
    strip_scaffolding=False,
    bm25_b=0.75,
    window_blend=0.0,
    fusion="rrf",
    lexical_weight=1.0,
    kind_cue=0.0,
    year_cue=0.0,
    cut_below=0.0,
    calibrated=False,
    unknown_names=False,
    page_questions=False,
    role_cue=0.0,
    missing_name_margin=0.0,
    coverage_weight=0.0,
    source_cards=False,
    kind_and_year_names=False,
    who_role_modifiers=False,
    site_questions=False,
    focal_share=0.0,
)
