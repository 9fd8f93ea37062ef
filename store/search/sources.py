"""Questions about the sources themselves, answered from their metadata as source cards.

"Who wrote the CACI piece?", "When was the EUobserver article published?", "What do you
have from 2022?" ask about documents, not about what they say; a passage would answer them
only by accident. Such a question is recognised by its English form (who wrote / who
published / when was ... published / what do you have from ...), the documents it means
are found by their own details (publisher, author, title, kind of document, year), and the
answer is one card per document: title, author, publisher, date and where the date came
from, link, and the byline or dateline of the page quoted verbatim where it has one.

A question that looks like one but names no document ("who wrote the 2016 exercise
scenario?") is searched like any other.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from store.search.lexical import tokens
from store.types import DateFilter, DocumentInfo, Quote, SourceCard

AUTHOR, DATE, LIST = "author", "date", "list"
# How many cards a listing shows at most ("what do you have from 2022?").
MAX_CARDS = 10
# A document is meant when its details hold this share of the question's distinctive words.
NAMED_SHARE = 0.5

_DOC_WORDS = (
    r"(?:article|piece|story|report|brief|paper|interview|op-?ed|commentary|analysis|"
    r"release|speech|transcript|post|blog|document|text|item|episode|podcast|digest|sheet)"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        AUTHOR,
        re.compile(
            r"^\s*who\s+(?:wrote|authored|penned|published|ran|put\s+out|"
            r"is\s+the\s+(?:author|writer|publisher)\s+of|was\s+the\s+(?:author|"
            r"writer|publisher)\s+of)\b",
            re.I,
        ),
    ),  # fmt: skip
    (
        AUTHOR,
        re.compile(
            r"^\s*(?:which|what)\s+(?:outlet|publication|publisher|site|newspaper|"
            r"think[- ]tank|organi[sz]ation)\s+(?:published|ran|put\s+out|"
            r"wrote)\b",
            re.I,
        ),
    ),  # fmt: skip
    (
        DATE,
        re.compile(
            r"^\s*(?:when|what\s+(?:date|day|year|month)|on\s+what\s+date|in\s+what\s+"
            r"year)\s+(?:was|were|is|did|does)\b.*\b(?:published|written|released|"
            r"come\s+out|came\s+out|appear|appeared|run|ran|posted|issued|dated|"
            r"publish|write|release|post)\b",
            re.I,
        ),
    ),  # fmt: skip
    (
        LIST,
        re.compile(
            rf"^\s*(?:what|which)\s+(?:do\s+you\s+have|{_DOC_WORDS}s?|sources?|"
            r"documents?)\b.*\b(?:from|in|of|dated|published|written)\b",
            re.I,
        ),
    ),
    (
        LIST,
        re.compile(
            r"^\s*(?:list|show)\s+(?:me\s+)?(?:the\s+|your\s+|all\s+)?(?:sources|"
            r"documents)\b",
            re.I,
        ),
    ),  # fmt: skip
)
_SCAFFOLDING = frozenset(
    tokens(
        """who wrote authored penned published publish ran put out author writer publisher
        outlet publication site newspaper when date day year month released come came
        appear appeared run posted issued dated write release post list show sources source
        documents document article piece story item text have from dated written"""
    )
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


_DOC_WORD = re.compile(rf"\b{_DOC_WORDS}s?\b", re.I)


@dataclass(frozen=True)
class SourceQuestion:
    """A question about sources: what it asks (author, date, list), its distinctive words,
    the years it names, and whether it calls its subject a document ("the CACI piece")."""

    asks: str
    subject: tuple[str, ...]  # folded words, scaffolding left out
    years: tuple[int, ...]
    names_a_document: bool


def source_question(question: str) -> SourceQuestion | None:
    """The question read as one about the sources, or None."""
    for asks, pattern in _PATTERNS:
        if pattern.search(question):
            subject = tuple(t for t in tokens(_YEAR.sub(" ", question)) if t not in _SCAFFOLDING)
            years = tuple(int(y) for y in _YEAR.findall(question))
            return SourceQuestion(asks, subject, years, bool(_DOC_WORD.search(question)))
    return None


def document_tokens(doc: DocumentInfo) -> frozenset[str]:
    """The words a reader names a document by: its title, publisher, author and kind."""
    return frozenset(tokens(f"{doc.title} {doc.publisher or ''} {doc.author or ''} {doc.genre}"))


def meant(
    asked: SourceQuestion,
    documents: Sequence[DocumentInfo],
    named_by: Callable[[DocumentInfo], frozenset[str]] = document_tokens,
    filters: DateFilter | None = None,
) -> list[DocumentInfo]:
    """The documents a source question means, best first; [] when it names none.

    A document is meant when its details hold at least NAMED_SHARE of the question's
    distinctive words (each weighted by how few documents have it), and it is of a year
    the question names; a listing with only a year (or a date filter) means every document
    of that period.
    """
    filters = filters or DateFilter()
    period = [d for d in documents if _in_years(d, asked.years) and filters.admits(
        d.published, d.date_precision)]  # fmt: skip
    words = [t for t in dict.fromkeys(asked.subject)]
    if not words:
        named_a_period = bool(asked.years) or not filters.is_empty()
        return period[:MAX_CARDS] if asked.asks == LIST and named_a_period else []
    names = {d.doc_id: named_by(d) for d in documents}
    weights = {t: _idf(t, names.values()) for t in words}
    total = sum(weights.values())
    scored = []
    for doc in period:
        share = sum(w for t, w in weights.items() if t in names[doc.doc_id]) / total
        if share >= NAMED_SHARE:
            scored.append((share, doc))
    if not scored:
        return []
    scored.sort(key=lambda item: -item[0])
    if asked.asks != LIST:  # who wrote / when: the best-named documents only
        scored = [(share, doc) for share, doc in scored if share >= scored[0][0]]
    return [doc for _, doc in scored[:MAX_CARDS]]


def _idf(token: str, named: Iterable[frozenset[str]]) -> float:
    named = list(named)
    having = sum(token in words for words in named)
    return math.log((len(named) + 1) / (having + 0.5))


def _in_years(doc: DocumentInfo, years: Sequence[int]) -> bool:
    if not years:
        return True
    return doc.published is not None and doc.published.year in years


def card(doc: DocumentInfo, entry: dict[str, Any]) -> SourceCard:
    """A document's source card, with the byline and dateline the index recorded."""
    return SourceCard(doc, _quote(entry.get("byline")), _quote(entry.get("dateline")))


def _quote(span: Any) -> Quote | None:
    if not isinstance(span, dict):
        return None
    try:
        return Quote(str(span["text"]), int(span["start"]), int(span["end"]))
    except (KeyError, TypeError, ValueError):
        return None


def sort_key(card_: SourceCard) -> tuple[bool, date]:
    published = card_.document.published
    return (published is None, published or date.max)
