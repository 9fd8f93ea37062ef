"""`kz-brief eval`: how well the search API answers a question set, and where it fails.

A question set is JSON lines, one question each:

    {"id", "question", "kind", "relevant": [substrings], "traits": [...],
     "forbidden": [substrings], "docs": [doc names]}

- A returned passage is *relevant* when it contains one of the `relevant` substrings.
- A question with `relevant` strings is *answerable*: it scores hit@1, hit@k and MRR.
- A question of kind `source` asks about the documents themselves ("who wrote the CACI
  piece"): it is right when the answer's source cards name exactly the `docs` it lists
  (matched by file name, without folders).
- Any other question without `relevant` strings (off-topic, furniture traps) must get no
  passages at all.
- `forbidden` substrings (page furniture) must never be shown.

Measures, each over the questions it applies to:

- hit@1, hit@k, MRR over answerable questions;
- no-match accuracy: the share of questions that must get nothing that got nothing;
- filler rate: of all passages returned to answerable questions that got at least one
  passage, the share that is not relevant (fewer, better passages lower it);
- both sides: of `disagree` questions, the share whose relevant passages come from two or
  more documents (two dated sources that disagree are both shown);
- paraphrased: an answerable question sharing at most PARAPHRASE_WORDS content words with
  every sentence that answers it (computed here, from the source files).

Every question falls in one of two fixed halves by a hash of its id: weights are set on the
`tuning` half and checked on the `checking` half.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from store.api import SearchAPI
from store.errors import StoreError
from store.ingest.sentences import sentence_spans
from store.search.lexical import tokens

# At most this many content words shared with the answering sentence: a paraphrase.
PARAPHRASE_WORDS = 2
SOURCE_KIND = "source"
HALVES = ("tuning", "checking")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    kind: str
    relevant: tuple[str, ...]
    docs: tuple[str, ...] = ()
    traits: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    @property
    def asks_sources(self) -> bool:
        return self.kind == SOURCE_KIND

    @property
    def off_topic(self) -> bool:
        """Must get no passages: neither answerable nor a question about the sources."""
        return not self.relevant and not self.asks_sources

    @property
    def half(self) -> str:
        """The fixed half this question belongs to: a hash of its id, never its content."""
        return HALVES[hashlib.sha256(self.id.encode("utf-8")).digest()[0] % 2]


@dataclass(frozen=True)
class EvalOutcome:
    question: EvalQuestion
    first_relevant_rank: int | None  # 1-based; None when no returned passage is relevant
    returned: int
    relevant_returned: int
    docs_found: frozenset[str]
    relevant_docs: frozenset[str] = frozenset()
    forbidden_shown: bool = False
    card_docs: tuple[str, ...] = ()
    paraphrased: bool = False

    @property
    def right(self) -> bool:
        """The one-word verdict: found (answerable), the right cards (source), or nothing."""
        if self.forbidden_shown:
            return False
        if self.question.asks_sources:
            return set(self.card_docs) == {_name(d) for d in self.question.docs}
        if self.question.answerable:
            return self.first_relevant_rank is not None
        return self.returned == 0


@dataclass
class EvalReport:
    k: int
    outcomes: list[EvalOutcome] = field(default_factory=list)

    def subset(self, keep: Callable[[EvalOutcome], bool]) -> EvalReport:
        return EvalReport(self.k, [o for o in self.outcomes if keep(o)])

    def _answerable(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if o.question.answerable]

    def _off_topic(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if o.question.off_topic]

    @property
    def answerable_count(self) -> int:
        return len(self._answerable())

    def hit_at(self, rank: int) -> float:
        found = self._answerable()
        hits = sum(0 < (o.first_relevant_rank or 0) <= rank for o in found)
        return hits / max(1, len(found))

    @property
    def hit_at_1(self) -> float:
        return self.hit_at(1)

    @property
    def hit_at_k(self) -> float:
        return self.hit_at(self.k)

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
    def off_topic_count(self) -> int:
        return len(self._off_topic())

    @property
    def false_no_match(self) -> int:
        """Answerable questions that got no passage at all."""
        return sum(o.returned == 0 for o in self._answerable())

    @property
    def filler_rate(self) -> float:
        """Of the passages returned to answerable questions that got any, the share that
        is not relevant."""
        answered = [o for o in self._answerable() if o.returned]
        returned = sum(o.returned for o in answered)
        return sum(o.returned - o.relevant_returned for o in answered) / max(1, returned)

    @property
    def passages_per_answer(self) -> float:
        answered = [o for o in self._answerable() if o.returned]
        return sum(o.returned for o in answered) / max(1, len(answered))

    @property
    def forbidden_shown(self) -> int:
        return sum(o.forbidden_shown for o in self.outcomes)

    @property
    def both_sides(self) -> float | None:
        """Of questions where sources disagree, the share shown with two or more of them."""
        disagree = [o for o in self.outcomes if "disagree" in o.question.traits]
        if not disagree:
            return None
        return sum(len(o.relevant_docs) >= 2 for o in disagree) / len(disagree)

    @property
    def card_accuracy(self) -> float | None:
        cards = [o for o in self.outcomes if o.question.asks_sources]
        if not cards:
            return None
        return sum(o.right for o in cards) / len(cards)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (questions answered right, questions)."""
        table: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            done, total = table.get(outcome.question.kind, (0, 0))
            table[outcome.question.kind] = (done + outcome.right, total + 1)
        return table

    def groups(self) -> dict[str, EvalReport]:
        """Named slices of the set: each kind, each trait, the paraphrased and the two halves."""
        slices: dict[str, EvalReport] = {}
        for kind in sorted({o.question.kind for o in self.outcomes}):
            slices[f"kind: {kind}"] = self.subset(lambda o, kind=kind: o.question.kind == kind)
        traits = sorted({t for o in self.outcomes for t in o.question.traits})
        for trait in traits:
            slices[f"trait: {trait}"] = self.subset(lambda o, t=trait: t in o.question.traits)
        slices["paraphrased"] = self.subset(lambda o: o.paraphrased)
        for half in HALVES:
            slices[f"half: {half}"] = self.subset(lambda o, h=half: o.question.half == h)
        return slices

    def failures(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if not o.right]


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
                    traits=tuple(data.get("traits", ())),
                    forbidden=tuple(data.get("forbidden", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}:{number}: not a question record ({exc})") from exc
    return questions


def _name(doc_id: str) -> str:
    """A document's file name without folders: how question sets name documents."""
    return doc_id.rpartition("/")[2]


# ----- paraphrase: content words a question shares with the sentence that answers it ----


def content_words(text: str) -> set[str]:
    """The folded, stemmed words of `text` that carry content (stopwords left out)."""
    return set(tokens(text))


def answering_sentences(snippet: str, texts: Iterable[str]) -> list[str]:
    """The sentences (within their paragraph) that a `relevant` snippet touches, in every
    text that contains it."""
    found = []
    for text in texts:
        start = text.find(snippet)
        while start >= 0:
            end = start + len(snippet)
            paragraph_start = max(
                (m.end() for m in _PARAGRAPH_BREAK.finditer(text, 0, start)), default=0
            )
            following = _PARAGRAPH_BREAK.search(text, end)
            paragraph_end = following.start() if following else len(text)
            for s, e in sentence_spans(text[paragraph_start:paragraph_end], paragraph_start):
                if s < end and e > start:
                    found.append(text[s:e])
            start = text.find(snippet, end)
    return found


def shared_words(question: str, sentences: Sequence[str]) -> int:
    """The most content words the question shares with any one answering sentence."""
    asked = content_words(question)
    return max((len(asked & content_words(s)) for s in sentences), default=len(asked))


def overlaps(questions: Iterable[EvalQuestion], texts: Sequence[str]) -> dict[str, int]:
    """Question id -> content words shared with its best-matching answering sentence,
    for every answerable question whose snippets are found in `texts`."""
    counts = {}
    for question in questions:
        if not question.answerable:
            continue
        sentences = [
            sentence
            for snippet in question.relevant
            for sentence in answering_sentences(snippet, texts)
        ]
        if sentences:
            counts[question.id] = shared_words(question.question, sentences)
    return counts


def source_texts(searcher: SearchAPI) -> list[str]:
    """The full text of every indexed document's file (for the paraphrase count)."""
    texts = []
    for doc in searcher.documents():
        try:
            texts.append(Path(doc.source_path).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return texts


# ----- running a question set --------------------------------------------------------------


def evaluate(
    searcher: SearchAPI,
    questions: Iterable[EvalQuestion],
    k: int = 3,
    overlap: dict[str, int] | None = None,
) -> EvalReport:
    """Ask every question; `overlap` (from `overlaps`) marks the paraphrased ones."""
    report = EvalReport(k=k)
    overlap = overlap or {}
    for question in questions:
        answer = searcher.answer(question.question, k=k)
        relevant = [any(s in hit.quote for s in question.relevant) for hit in answer.hits]
        rank = next((n for n, ok in enumerate(relevant, start=1) if ok), None)
        cards = tuple(_name(card.document.doc_id) for card in answer.sources)
        report.outcomes.append(
            EvalOutcome(
                question=question,
                first_relevant_rank=rank,
                returned=len(answer.hits),
                relevant_returned=sum(relevant),
                docs_found=frozenset(h.doc_id for h in answer.hits),
                relevant_docs=frozenset(
                    h.doc_id for h, ok in zip(answer.hits, relevant, strict=True) if ok
                ),
                forbidden_shown=any(
                    f in hit.quote for hit in answer.hits for f in question.forbidden
                ),
                card_docs=cards,
                paraphrased=overlap.get(question.id, PARAPHRASE_WORDS + 1) <= PARAPHRASE_WORDS,
            )
        )
    return report


def missing_snippets(questions: Iterable[EvalQuestion], texts: Sequence[str]) -> list[str]:
    """`relevant` strings found in none of `texts` (the indexed documents' files): a typo,
    or a question set run on the wrong corpus; such a question can never be answered."""
    return [
        f"{q.id}: {snippet!r}"
        for q in questions
        for snippet in q.relevant
        if not any(snippet in text for text in texts)
    ]
