"""`kz-brief eval`: hit@k, MRR and no-match accuracy of the search API on a question set.

A question set is JSON lines: {"id", "question", "kind", "relevant": [substrings], "docs"}.
A returned passage is relevant when it contains one of the `relevant` substrings; a
question with no `relevant` strings is off-topic and must get no passages at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from store.api import SearchAPI
from store.errors import StoreError


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    kind: str
    relevant: tuple[str, ...]
    docs: tuple[str, ...]

    @property
    def off_topic(self) -> bool:
        return not self.relevant


@dataclass(frozen=True)
class EvalOutcome:
    question: EvalQuestion
    first_relevant_rank: int | None  # 1-based; None when no returned passage is relevant
    returned: int
    docs_found: frozenset[str]


@dataclass
class EvalReport:
    k: int
    outcomes: list[EvalOutcome] = field(default_factory=list)

    def _answerable(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if not o.question.off_topic]

    def _off_topic(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if o.question.off_topic]

    @property
    def hit_at_k(self) -> float:
        found = self._answerable()
        return sum(o.first_relevant_rank is not None for o in found) / max(1, len(found))

    @property
    def mrr(self) -> float:
        found = self._answerable()
        return sum(1 / o.first_relevant_rank for o in found if o.first_relevant_rank) / max(
            1, len(found)
        )

    @property
    def no_match_accuracy(self) -> float:
        off = self._off_topic()
        return sum(o.returned == 0 for o in off) / max(1, len(off))

    @property
    def false_no_match(self) -> int:
        return sum(o.returned == 0 for o in self._answerable())

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (questions answered right, questions)."""
        table: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            right = (
                outcome.returned == 0
                if outcome.question.off_topic
                else outcome.first_relevant_rank is not None
            )
            done, total = table.get(outcome.question.kind, (0, 0))
            table[outcome.question.kind] = (done + right, total + 1)
        return table

    def failures(self) -> list[EvalOutcome]:
        return [
            o
            for o in self.outcomes
            if (o.returned != 0 if o.question.off_topic else o.first_relevant_rank is None)
        ]


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSON-lines question set; a malformed line names its line number."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise StoreError(f"Cannot read the question set {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(data.get("id", number)),
                    question=data["question"],
                    kind=data.get("kind", "question"),
                    relevant=tuple(data.get("relevant", ())),
                    docs=tuple(data.get("docs", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}:{number}: not a question record ({exc})") from exc
    return questions


def evaluate(searcher: SearchAPI, questions: Iterable[EvalQuestion], k: int = 3) -> EvalReport:
    report = EvalReport(k=k)
    for question in questions:
        answer = searcher.answer(question.question, k=k)
        rank = next(
            (
                position
                for position, hit in enumerate(answer.hits, start=1)
                if any(snippet in hit.quote for snippet in question.relevant)
            ),
            None,
        )
        report.outcomes.append(
            EvalOutcome(question, rank, len(answer.hits), frozenset(h.doc_id for h in answer.hits))
        )
    return report
