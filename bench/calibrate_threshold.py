"""Print the score distributions the no-match thresholds in store/search/searcher.py were set from.

For every question of a question set it prints the best dense score among the candidates
(passage or sentence-window cosine) and, for answerable questions, the dense score of the
first relevant passage. A good RELEVANCE_THRESHOLD sits between the highest off-topic best
score and the lowest relevant score; TERM_MATCH_THRESHOLD is the floor for passages that
share a rare word (a name, a code) with the question.

Usage: python bench/calibrate_threshold.py [tests/eval/questions.jsonl]
(run from a folder whose index `kz-brief index` has built)
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import load_settings
from bot.runtime import open_searcher
from store.search.evaluate import load_questions
from store.search.lexical import tokens
from store.search.query import parse_question


def main(path: Path) -> None:
    searcher = open_searcher(load_settings())
    snapshot = searcher._current()
    off_topic, relevant = [], []
    for question in load_questions(path):
        parsed = parse_question(question.question)
        vector = searcher.encoder.encode([parsed.query])[0]
        dense = searcher._dense(snapshot, vector, parsed.filters)
        lexical = searcher._lexical(
            snapshot, parsed.query, searcher._allowed(snapshot, parsed.filters)
        )
        fused = searcher._fuse(dense, lexical)
        cosines = searcher._cosines(snapshot, vector, fused, dense)
        best = max(cosines.values(), default=0.0)
        query_tokens = set(tokens(parsed.query))
        rare = sorted(
            {
                t
                for i in fused
                for t in searcher._rare_names(
                    snapshot, snapshot.passages[snapshot.position[i]], query_tokens
                )
            }
        )
        if question.off_topic:
            off_topic.append((best, question.id, rare))
            continue
        scores = [
            cosines[i]
            for i in fused
            if any(s in snapshot.passages[snapshot.position[i]].text for s in question.relevant)
        ]
        relevant.append((max(scores, default=float("nan")), question.id, rare))
    print("off-topic questions, best dense score (highest first):")
    for score, qid, rare in sorted(off_topic, reverse=True):
        print(f"  {qid}: {score:.3f} rare names matched: {rare or '-'}")
    print("answerable questions, dense score of the best relevant passage (lowest first):")
    for score, qid, rare in sorted(relevant)[:12]:
        print(f"  {qid}: {score:.3f} rare names matched: {rare or '-'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/eval/questions.jsonl"))
