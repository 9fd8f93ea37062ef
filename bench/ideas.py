"""What each retrieval idea is worth: the table in README, "How retrieval works".

Scores tests/eval/hard.jsonl (on the seeds, the ingest style pages and tests/eval/corpus)
and the project's first set, tests/eval/questions.jsonl (on the seeds), for today's ranking
as it was before this work, then with each idea added in turn, then the ideas that were
measured and dropped. Weights were set on the tuning half; the checking half is the test.

Usage: .venv/bin/python bench/ideas.py [--work DIR]     (a few minutes; prints Markdown)
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store.index.embed import open_encoder  # noqa: E402
from store.search.eval_corpus import corpus_index  # noqa: E402
from store.search.evaluate import (  # noqa: E402
    EvalReport,
    evaluate,
    load_questions,
    overlaps,
    source_texts,
)
from store.search.ranking import LEGACY, RankingOptions  # noqa: E402
from store.search.searcher import Searcher  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
HARD = REPO / "tests" / "eval" / "hard.jsonl"
OLD = REPO / "tests" / "eval" / "questions.jsonl"
HARD_FOLDERS = [REPO / "seeds", REPO / "tests" / "store" / "ingest" / "pages",
                REPO / "tests" / "eval" / "corpus"]  # fmt: skip

TODAY = LEGACY  # the ranking as it was, with bare passages
PRODUCT = RankingOptions()

# (idea, index with context embedded?, options): each adds one idea to the row before.
STEPS = (
    ("passages embedded with their document's context", True, {}),
    ("BM25 also over title, publisher, year, kind, heading", True, {"lexical_context": True}),
    ("aliases the corpus defines, in BM25", True, {"aliases": True}),
    ("BM25 length normalisation b = 0.5", True, {"bm25_b": PRODUCT.bm25_b}),
    ("score fusion (dense + 0.3 × BM25) instead of RRF", True,
     {"fusion": "scores", "lexical_weight": PRODUCT.lexical_weight,
      "said_lexical_weight": PRODUCT.lexical_weight}),
    ("passage and best window blended", True, {"window_blend": PRODUCT.window_blend}),
    ("question kind as a cue", True, {"kind_cue": PRODUCT.kind_cue}),
    ("a year named in the question as a cue", True, {"year_cue": PRODUCT.year_cue}),
    ("who-questions: a passage stating a matching role moves up", True,
     {"role_cue": PRODUCT.role_cue}),
    ("calibrated threshold, evidence = dense + subject words held", True,
     {"calibrated": True, "coverage_weight": PRODUCT.coverage_weight}),
    ("names the corpus never mentions: no passages", True, {"unknown_names": True}),
    ("questions about page furniture (subscriptions, cookies): no passages", True,
     {"page_questions": True}),
    ("a passage lacking a name asked about: higher bar", True,
     {"missing_name_margin": PRODUCT.missing_name_margin}),
    ("fewer passages: leave out one much weaker than the best", True,
     {"cut_below": PRODUCT.cut_below}),
    ("questions about the sources answered with source cards", True, {"source_cards": True}),
    ("a document named by its kind and year (\"the 2021 policy brief\")", True,
     {"kind_and_year_names": True}),
    ("\"which Kazakh minister\": a role after a modifier is a who-question", True,
     {"who_role_modifiers": True}),
    ("questions about the website itself (most read, downloads, address): no passages", True,
     {"site_questions": True}),
    ("a passage must hold the question's focal words, or match it clearly", True,
     {"focal_share": PRODUCT.focal_share}),
    ("what-did-X-say questions: BM25 weighs half as much (0.15)", True,
     {"said_lexical_weight": PRODUCT.said_lexical_weight}),
)  # fmt: skip
DROPPED = (
    ("question scaffolding out of the BM25 query", {"strip_scaffolding": True}),
    ("pseudo-relevance feedback (0.2, 3 passages)", {"feedback_weight": 0.2}),
    ("pseudo-relevance feedback (0.4, 3 passages)", {"feedback_weight": 0.4}),
    ("reciprocal rank fusion (k = 60) instead of scores", {"fusion": "rrf", "lexical_weight": 1.0}),
    ("reciprocal rank fusion (k = 5)", {"fusion": "rrf", "lexical_weight": 1.0, "rrf_k": 5}),
    ("a stronger kind cue (0.1)", {"kind_cue": 0.1}),
    ("cut on dense score alone (0.1 under the best)", {"cut_below": 0.0, "cut_dense": 0.1}),
    ("words the corpus never uses raise the bar (0.2 × their share)",
     {"unknown_words_margin": 0.2}),
    ("focal words: a looser ubiquity (5% of passages)", {"focal_ubiquity": 0.05}),
    ("focal words: a stricter share (0.15)", {"focal_share": 0.15}),
    ("subject words weigh more in the evidence (0.35)", {"coverage_weight": 0.35}),
    ("BM25 weighs more for every question (0.35)", {"lexical_weight": 0.35}),
)  # fmt: skip


def row(label: str, hard: EvalReport, old: EvalReport) -> str:
    tuning = hard.subset(lambda o: o.question.half == "tuning")
    checking = hard.subset(lambda o: o.question.half == "checking")
    paraphrased = hard.subset(lambda o: o.paraphrased)
    refused = sum(o.returned == 0 for o in hard.outcomes if o.question.off_topic)
    return (
        f"| {label} | {tuning.hit_at_k:.3f} / {tuning.mrr:.3f} | "
        f"{checking.hit_at_k:.3f} / {checking.mrr:.3f} | {hard.hit_at_k:.3f} / {hard.mrr:.3f} | "
        f"{paraphrased.hit_at_k:.3f} | {refused}/{hard.off_topic_count} | "
        f"{hard.false_no_match} | {hard.filler_rate:.3f} | {_cards(hard)} | "
        f"{old.hit_at_k:.3f} / {old.mrr:.3f} |"
    )


def _cards(report: EvalReport) -> str:
    cards = [o for o in report.outcomes if o.question.asks_sources]
    return f"{sum(o.right for o in cards)}/{len(cards)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kz-brief-ideas"))
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    encoder = open_encoder("all-MiniLM-L6-v2", "onnx-int8", args.work / "models")
    hard_questions, old_questions = load_questions(HARD), load_questions(OLD)
    indexes = {
        (name, context): corpus_index(folders, args.work, encoder, context=context)
        for name, folders in (("hard", HARD_FOLDERS), ("old", [REPO / "seeds"]))
        for context in (False, True)
    }
    overlap = overlaps(hard_questions, source_texts(Searcher(indexes["hard", True], encoder)))

    def score(
        context: bool, options: RankingOptions, mode: str = "hybrid"
    ) -> tuple[EvalReport, EvalReport]:
        def searcher(name: str) -> Searcher:
            return Searcher(indexes[name, context], encoder, mode=mode, options=options)

        hard = evaluate(searcher("hard"), hard_questions, 3, overlap)
        return hard, evaluate(searcher("old"), old_questions)

    print("| idea | tuning hit@3 / MRR | checking hit@3 / MRR | all hit@3 / MRR | "
          "paraphrased hit@3 | off-topic refused | answerable refused | filler | "
          "source questions | first set hit@3 / MRR |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    options = TODAY
    print(row("today's ranking (before this work)", *score(False, options)))
    for label, context, change in STEPS:
        options = dataclasses.replace(options, **change)
        print(row(f"+ {label}", *score(context, options)), flush=True)
    assert options == PRODUCT, "the steps must add up to the product's defaults"
    for label, change in DROPPED:
        print(row(f"(dropped) {label}", *score(True, dataclasses.replace(PRODUCT, **change))))
    for label, change in (
        ("product, without aliases", {"aliases": False}),
        ("product, without BM25 context", {"lexical_context": False}),
    ):
        print(row(label, *score(True, dataclasses.replace(PRODUCT, **change))))  # fmt: skip
    print(row("product with bare passages", *score(False, PRODUCT)))
    print(row("baseline: dense only (product's no-match rule)", *score(True, PRODUCT, "dense")))
    print(row("baseline: BM25 only (product's no-match rule)", *score(True, PRODUCT, "lexical")))


if __name__ == "__main__":
    main()
