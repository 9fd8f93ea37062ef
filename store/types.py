"""Plain records shared by the store and its callers (CLI, Slack handlers)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# Where a document's date came from: its metadata file, a dateline in its text, only its
# text's "Updated" line (the original may be earlier), or nowhere.
DATE_BASES = ("metadata", "text", "updated", "none")
# How much of a date is known: "2005-12-14", "2005-12" or "2005". A partial date is stored
# as the first day of its period together with its precision.
DATE_PRECISIONS = ("day", "month", "year")
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")


def parse_period(text: str) -> tuple[date, str] | None:
    """'2005' -> (2005-01-01, 'year'), '2005-12' -> (2005-12-01, 'month'),
    '2005-12-14' -> (2005-12-14, 'day'); None when `text` is no such date."""
    match = _PERIOD.match(text.strip())
    if not match:
        return None
    year, month, day = match.group("year", "month", "day")
    try:
        if day is not None:
            return date(int(year), int(month), int(day)), "day"
        if month is not None:
            return date(int(year), int(month), 1), "month"
        return date(int(year), 1, 1), "year"
    except ValueError:
        return None


def period_end(start: date, precision: str) -> date:
    """The first day after the period that begins on `start` (exclusive end)."""
    if precision == "year":
        return date(start.year + 1, 1, 1)
    if precision == "month":
        return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return date.fromordinal(start.toordinal() + 1)


def period_text(start: date, precision: str) -> str:
    """The date as far as it is known, in ISO form: '2005', '2005-12' or '2005-12-14'."""
    if precision == "year":
        return f"{start.year:04d}"
    if precision == "month":
        return f"{start.year:04d}-{start.month:02d}"
    return start.isoformat()


def date_order(published: date | None, precision: str = "day") -> tuple[bool, int, int]:
    """Sort key, oldest first and undated last: a period sorts at its first day, after a
    more precise date on that same day (Dec 2005 after 1 Dec 2005, 2005 after 1 Jan 2005)."""
    if published is None:
        return (True, 0, 0)
    return (False, published.toordinal(), DATE_PRECISIONS.index(precision))


@dataclass(frozen=True)
class DateFilter:
    """Date limits taken from a question (`since:2008`, `before:2006`, `in:2005`).

    `since` is inclusive, `before` exclusive; undated documents never pass a filter. A date
    known only to a month or a year passes when any day of its period is inside the limits:
    Dec 2005 passes `in:2005` and `since:2005-12-15`, not `since:2006` or `before:2005-12`.
    """

    since: date | None = None
    before: date | None = None

    def is_empty(self) -> bool:
        return self.since is None and self.before is None

    def admits(self, published: date | None, precision: str = "day") -> bool:
        if self.is_empty():
            return True
        if published is None:
            return False
        if self.since is not None and period_end(published, precision) <= self.since:
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
    `published` is the first day of the period `date_precision` names (day, month, year).
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
    date_precision: str = "day"


@dataclass(frozen=True)
class Quote:
    """A verbatim span of a document's file: `text == file[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SourceCard:
    """The answer to a question about a source itself ("who wrote the CACI piece", "what
    do you have from 2022?"): its metadata, and the lines of its page header that say who
    wrote it and when, quoted verbatim where the text has them."""

    document: DocumentInfo
    byline: Quote | None = None
    dateline: Quote | None = None


@dataclass(frozen=True)
class Answer:
    """What a question gets: the passages (or, for a question about the sources, source
    cards), or an honest no-match, and how it was read."""

    question: str
    query: str
    hits: tuple[Hit, ...]
    filters: DateFilter = field(default_factory=DateFilter)
    sort: str = "relevance"
    notes: tuple[str, ...] = ()
    covers: str = ""
    sources: tuple[SourceCard, ...] = ()

    @property
    def no_match(self) -> bool:
        return not self.hits and not self.sources


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
    date_precision: str = "day"
    genre: str = ""  # the kind of document its header names ("Policy brief"), or ""
    date_note: str = ""  # where the date came from, in words ("dateline '...' in the header")


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
