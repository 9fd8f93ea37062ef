"""From a read document to what the index stores: clean text, a date with its basis, passages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from store.ingest.chunk import ChunkSpan, Span, chunk_document
from store.ingest.clean import Similarity, Verdict, clean, kept_paragraphs
from store.ingest.corpus import SourceDocument
from store.ingest.cues import LIST_MARKER, SPEECH_HEADING, SPEECH_OCCASION
from store.ingest.dates import date_from_text
from store.ingest.provenance import Span as SourceSpan
from store.ingest.provenance import (
    author_from_byline,
    byline,
    dateline,
    degree_lines,
    header,
    name_line,
    sign_off,
    title_byline,
    title_without_byline,
)
from store.ingest.sections import GENRES, document_genre, section_headings
from store.types import period_text

# Bump when cleaning, dating or chunking rules change: documents are then prepared again
# (their passages' vectors are still reused wherever the passage text is unchanged).
PIPELINE_VERSION = "23"


@dataclass(frozen=True)
class PreparedDocument:
    """A document ready to index: its dated facts and its quotable passages."""

    source: SourceDocument
    title: str
    published: date | None  # the first day of the period `date_precision` names
    date_basis: str
    date_note: str
    verdicts: tuple[Verdict, ...]
    chunks: tuple[ChunkSpan, ...]
    warnings: tuple[str, ...]
    date_precision: str = "day"
    headings: tuple[str, ...] = ()  # the section heading above each chunk ("" if none)
    genre: str = ""  # the kind of document its header names ("Policy brief"), or ""
    byline: SourceSpan | None = None  # "By Roger N McDermott ...", verbatim, in the header
    author: str | None = None  # from metadata, else the name its byline gives
    dateline: SourceSpan | None = None  # the header line naming the document's date


def prepare(document: SourceDocument, similarity: Similarity | None = None) -> PreparedDocument:
    """Clean, date and chunk one document; warn when its date is not from metadata.

    `similarity` (embedding cosine, from the indexer's encoder) is one weak extra signal for
    the cleaner's off-topic rule; structure decides without it.
    """
    meta = document.metadata
    verdicts = tuple(clean(document.text, meta.title, similarity))
    kept = kept_paragraphs(verdicts)
    warnings = list(document.warnings)
    precision = "day"  # a dateline names a day; metadata may name a month or a year
    if meta.published is not None and meta.date_basis == "text":
        published, basis, precision = meta.published, "text", meta.date_precision
        found = dict(meta.sources).get("published", "its visible text")
        note = f"published date found at import in the text ({found})"
        warnings.append(f"dated {period_text(published, precision)} only from its text ({found})")
    elif meta.published is not None:
        published, basis, note = meta.published, "metadata", "published date from metadata"
        precision = meta.date_precision
    else:
        decision = date_from_text(document.text, verdicts)
        published, note, precision = decision.published, decision.reason, decision.precision
        # "updated": read from the text, and only the page's last update (see dates.py).
        basis = ("updated" if decision.updated else "text") if published is not None else "none"
        where = (
            "its metadata file has no published date"
            if document.has_metadata
            else ("it has no metadata file")
        )
        if published is not None:
            shown = period_text(published, precision)
            warnings.append(f"dated {shown} only from its text ({note}); {where}")
        else:
            warnings.append(f"undated: {note}; {where}")
    header_byline = byline(verdicts, document.text)
    author = meta.author or (author_from_byline(header_byline.text) if header_byline else None)
    in_title = None
    if header_byline is None:  # no "By ...": a journal's author lines, or a name alone
        found = degree_lines(verdicts, document.text) or name_line(verdicts, document.text)
        if found is None and not meta.title:  # or the headline's own "… by Jane Doe"
            found = in_title = title_byline(verdicts, document.text)
        if found is None:  # or the writer's initials and surname under the text
            found = sign_off(verdicts, document.text)
        if found is not None:
            header_byline, author = found.span, meta.author or found.author
    title = (
        meta.title
        or _title_from_text(verdicts)
        or _title_from_speech_line(verdicts)
        or _title_from_name(document.path)
    )
    if in_title is not None:
        title = title_without_byline(title)
    chunks = chunk_document(document.text, [Span(p.index, p.start, p.end) for p in kept])
    if not chunks:
        warnings.append("no article text found: nothing from it can be quoted")
    return PreparedDocument(
        source=document,
        title=title,
        published=published,
        date_basis=basis,
        date_note=note,
        verdicts=verdicts,
        chunks=tuple(chunks),
        warnings=tuple(warnings),
        date_precision=precision,
        headings=tuple(section_headings(verdicts, chunks)),
        genre=document_genre(verdicts),
        byline=header_byline,
        author=author,
        dateline=dateline(verdicts, published if precision == "day" else None),
    )


def _title_from_text(verdicts: tuple[Verdict, ...]) -> str | None:
    """The headline the cleaner found, without what is not its wording: Markdown heading
    marks, a kind-of-document kicker ("Analysis: ...") and a site name after a bar."""
    lines = [v.paragraph.text for v in verdicts if v.rule == "title"]
    if not lines:
        return None
    title = " ".join(_PLACEHOLDER.sub(" ", " ".join(lines)).split())
    # A quoted title (a speech's) without its quotes; "Kazakhstan :" closed up.
    title = re.sub(r"\s+([:;,])", r"\1", title.strip(' "“”«»„'))
    title = LIST_MARKER.sub("", _MARKDOWN_HEADING.sub("", title))
    unkicked = _KICKER.sub("", title)
    if len(unkicked.split()) >= 3:
        title = unkicked
    head, bar, site = title.rpartition(" | ")
    if bar and len(site.split()) <= 4 and len(head.split()) >= 3:
        title = head
    return title.strip() or None


MIN_SPEECH_TITLE_WORDS = 6


def _title_from_speech_line(verdicts: tuple[Verdict, ...]) -> str | None:
    """A speech page without a headline is named by its heading line ("Keynote speech by
    Jane Doe, Minister ..., at the opening of the forum"), else by its speaker line when it
    names the occasion ("by Jane Doe, Minister ..., at the meeting of ...")."""
    lines = [
        " ".join(v.paragraph.text.split())
        for v in header(verdicts)
        if v.rule == "byline" and len(v.paragraph.text.split()) >= MIN_SPEECH_TITLE_WORDS
    ]
    headings = [line for line in lines if SPEECH_HEADING.match(line)]
    speakers = [line for line in lines if line.startswith("by ") and SPEECH_OCCASION.search(line)]
    return next(iter(headings + speakers), None)


_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
# A page template's field the capture kept unfilled: "({{commentsTotal}})", "{% views %}".
_PLACEHOLDER = re.compile(r"\(?(?:\{\{[^{}]*\}\}|\{%[^{}]*%\}|\$\{[^{}]*\})\)?")
_KICKER = re.compile(
    r"^(?:"
    + "|".join(re.escape(g) for g in (*GENRES, "exclusive", "breaking", "update", "explainer"))
    + r")s?\s*[:|]\s+",
    re.IGNORECASE,
)


def _title_from_name(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip() or path.name
