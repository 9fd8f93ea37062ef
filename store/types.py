"""Plain records shared by the store and its callers (CLI, Slack handlers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Where a document's date came from: its metadata file, a dateline in its text, or nowhere.
DATE_BASES = ("metadata", "text", "none")


@dataclass(frozen=True)
class DateFilter:
    """Date limits taken from a question (`since:2008`, `before:2006`, `in:2005`).

    `since` is inclusive, `before` exclusive; undated documents never pass a filter.
    """

    since: date | None = None
    before: date | None = None

    def is_empty(self) -> bool:
        return self.since is None and self.before is None

    def admits(self, published: date | None) -> bool:
        if self.is_empty():
            return True
        if published is None:
            return False
        if self.since is not None and published < self.since:
            return False
        return not (self.before is not None and published >= self.before)

    def describe(self) -> str:
        """Human wording of the filter, e.g. 'since 2008-01-01, before 2010-01-01'."""
        parts = []
        if self.since is not None:
            parts.append(f"since {self.since.isoformat()}")
        if self.before is not None:
            parts.append(f"before {self.before.isoformat()}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Hit:
    """One quotable passage found for a question.

    `quote` is exactly `source_text[start:end]` of the document's file; `highlights` are
    (start, end) character offsets *inside the quote* of the sentences that best answer.
    """

    quote: str
    doc_id: str
    chunk_id: str
    title: str
    author: str | None
    publisher: str | None
    url: str | None
    published: date | None
    date_basis: str
    score: float
    highlights: tuple[tuple[int, int], ...] = ()
    source_path: str = ""
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Answer:
    """What a question gets: the passages, or an honest no-match, and how it was read."""

    question: str
    query: str
    hits: tuple[Hit, ...]
    filters: DateFilter = field(default_factory=DateFilter)
    sort: str = "relevance"
    notes: tuple[str, ...] = ()
    covers: str = ""

    @property
    def no_match(self) -> bool:
        return not self.hits


@dataclass(frozen=True)
class DocumentInfo:
    """A document as the index knows it (for `status`, `/kz-brief sources`, App Home)."""

    doc_id: str
    title: str
    author: str | None
    publisher: str | None
    url: str | None
    published: date | None
    date_basis: str
    chunk_count: int
    source_path: str
    content_hash: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexInfo:
    """The generation being served: where, which model, when built, what it holds."""

    generation: str
    location: str
    model: str
    dimension: int
    built_at: str
    documents: tuple[DocumentInfo, ...]

    @property
    def chunk_count(self) -> int:
        return sum(d.chunk_count for d in self.documents)
