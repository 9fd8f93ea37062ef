"""A stand-in for `store.search.searcher.Searcher` over the real seed files, and a misbehaving one.

`FakeSearcher` quotes real, verbatim spans of `seeds/*.txt` (sliced by offset, never pasted)
with the two documents' publication dates. `ControlledSearcher` wraps any `SearchAPI` (this
fake or the real searcher) so a test can slow it down or make it raise, and records what
was asked.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from store.types import Answer, DateFilter, DocumentInfo, Hit, IndexInfo

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
OFF_TOPIC = ("recipe", "password", "football")
COVERS = (
    "The corpus covers Kazakhstan–NATO relations in 2 documents from 2005 to 2009 "
    "(CACI Analyst, EUobserver)."
)
MAX_QUOTE = 900


@dataclass(frozen=True)
class _Doc:
    file: str
    doc_id: str
    title: str
    author: str | None
    publisher: str
    url: str | None
    published: date
    basis: str


DOCS = (
    _Doc(
        "caci-2005-kazakhstan-legal-basis-nato.txt",
        "caci-2005-kazakhstan-legal-basis-nato",
        "Kazakhstan Lays Legal Basis for Deeper Cooperation with NATO",
        "Roger N McDermott",
        "CACI Analyst",
        "https://www.cacianalyst.org/publications/analytical-articles/item/10449",
        date(2005, 11, 2),
        "metadata",
    ),
    _Doc(
        "euobserver-2009-nato-woos-kazakhstan.txt",
        "euobserver-2009-nato-woos-kazakhstan",
        "Nato woos Kazakhstan at security forum",
        None,
        "EUobserver",
        None,
        date(2009, 6, 26),
        "metadata",
    ),
)

_SENTENCE_END = re.compile(r"[.!?][\"'”’]?(?=\s|$)")
_FILTER = re.compile(r"\b(since|before|in):(\d{4})\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]{4,}")


def seed_text(file: str) -> str:
    return (SEEDS_DIR / file).read_text(encoding="utf-8")


def _passages(doc: _Doc) -> list[Hit]:
    """Paragraphs that mention NATO, cut at a sentence end, as verbatim spans with offsets."""
    text = seed_text(doc.file)
    hits: list[Hit] = []
    seen: set[str] = set()
    for n, match in enumerate(re.finditer(r"[^\n]+", text)):
        start, end = match.span()
        paragraph = text[start:end]
        if len(paragraph.strip()) < 200 or "nato" not in paragraph.lower():
            continue
        if end - start > MAX_QUOTE:
            ends = [m.end() for m in _SENTENCE_END.finditer(paragraph, 0, MAX_QUOTE)]
            end = start + (ends[-1] if ends else MAX_QUOTE)
        quote = text[start:end]
        if quote in seen:  # the CACI page repeats its first paragraph
            continue
        seen.add(quote)
        first = _SENTENCE_END.search(quote)
        highlight = ((0, first.end()),) if first else ()
        hits.append(
            Hit(
                quote=quote,
                doc_id=doc.doc_id,
                chunk_id=f"{doc.doc_id}:{n}",
                title=doc.title,
                author=doc.author,
                publisher=doc.publisher,
                url=doc.url,
                published=doc.published,
                date_basis=doc.basis,
                score=0.0,
                highlights=highlight,
                source_path=f"seeds/{doc.file}",
                start=start,
                end=end,
            )
        )
    return hits


def _filters(question: str) -> DateFilter:
    since = before = None
    for word, year_text in _FILTER.findall(question):
        year = int(year_text)
        if word.lower() in ("since", "in"):
            since = date(year, 1, 1)
        if word.lower() == "before":
            before = date(year, 1, 1)
        if word.lower() == "in":
            before = date(year + 1, 1, 1)
    return DateFilter(since=since, before=before)


class FakeSearcher:
    """Word-overlap search over the seed passages; honest no-match for off-topic questions."""

    def __init__(self) -> None:
        self._docs = DOCS
        self._hits = [hit for doc in DOCS for hit in _passages(doc)]

    def answer(self, question: str, k: int = 3, sort: str | None = None) -> Answer:
        notes: tuple[str, ...] = ()
        if len(question) > 1000:
            question, notes = question[:1000], ("question trimmed to 1000 characters",)
        filters = _filters(question)
        query = " ".join(_FILTER.sub(" ", question).split())
        order = sort or ("date" if "sort:date" in question else "relevance")
        hits: list[Hit] = []
        if not any(word in question.lower() for word in OFF_TOPIC):
            hits = self.search(query, k=k, filters=filters, sort=order)
        return Answer(
            question=question,
            query=query,
            hits=tuple(hits),
            filters=filters,
            sort=order,
            notes=notes,
            covers=COVERS if not hits else "",
        )

    def search(
        self,
        query: str,
        k: int = 3,
        filters: DateFilter | None = None,
        sort: str = "relevance",
    ) -> list[Hit]:
        words = set(_WORD.findall(query.lower()))
        admitted = [
            h for h in self._hits if (filters or DateFilter()).admits(h.published, h.date_precision)
        ]
        scored = sorted(
            admitted,
            key=lambda h: -len(words & set(_WORD.findall(h.quote.lower()))),
        )
        best = scored[:k]
        if sort == "date":
            best.sort(key=lambda h: (h.published is None, h.published or date.max))
        return best

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(
                doc_id=doc.doc_id,
                title=doc.title,
                author=doc.author,
                publisher=doc.publisher,
                url=doc.url,
                published=doc.published,
                date_basis=doc.basis,
                chunk_count=sum(1 for h in self._hits if h.doc_id == doc.doc_id),
                source_path=f"seeds/{doc.file}",
            )
            for doc in self._docs
        ]

    def info(self) -> IndexInfo:
        return IndexInfo(
            generation="gen-test",
            location="(in memory)",
            model="fake-word-overlap",
            dimension=0,
            built_at="2025-01-01T00:00:00Z",
            documents=tuple(self.documents()),
        )

    def refresh(self) -> None:
        """Nothing to switch to: the hits are fixed."""

    def passage(self, chunk_id: str) -> Hit | None:
        return next((hit for hit in self._hits if hit.chunk_id == chunk_id), None)


class ControlledSearcher:
    """Any SearchAPI, plus knobs: `delay` seconds before each call, `fail_next(exc, times)`."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.delay = 0.0
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self._failures: list[Exception] = []
        self._lock = threading.Lock()

    def fail_next(self, error: Exception, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([error] * times)

    def _before(self, name: str, *args: object) -> None:
        with self._lock:
            self.calls.append((name, args))
            failure = self._failures.pop(0) if self._failures else None
        if self.delay:
            time.sleep(self.delay)
        if failure is not None:
            raise failure

    def questions(self) -> list[str]:
        with self._lock:
            return [str(args[0]) for name, args in self.calls if name == "answer"]

    def answer(self, question: str, k: int = 3, sort: str | None = None) -> Answer:
        self._before("answer", question, k, sort)
        return self.inner.answer(question, k=k, sort=sort)  # type: ignore[attr-defined]

    def search(
        self,
        query: str,
        k: int = 3,
        filters: DateFilter | None = None,
        sort: str = "relevance",
    ) -> list[Hit]:
        self._before("search", query, k, filters, sort)
        return self.inner.search(query, k=k, filters=filters, sort=sort)  # type: ignore[attr-defined]

    def documents(self) -> list[DocumentInfo]:
        self._before("documents")
        return self.inner.documents()  # type: ignore[attr-defined]

    def info(self) -> IndexInfo:
        self._before("info")
        return self.inner.info()  # type: ignore[attr-defined]

    def refresh(self) -> None:
        self._before("refresh")
        self.inner.refresh()  # type: ignore[attr-defined]

    def passage(self, chunk_id: str) -> Hit | None:
        # Not counted as a call: it is how feedback is checked, not a search.
        return self.inner.passage(chunk_id)  # type: ignore[attr-defined]
