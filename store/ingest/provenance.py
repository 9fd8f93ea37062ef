"""Where a document says who wrote it and when: its byline and dateline, as verbatim spans.

A reader who asks "who wrote the CACI piece" is answered from the document's metadata, and
shown the line of the page that says so ("By Roger N McDermott (11/2/2005 issue of the CACI
Analyst)", "Wednesday, 02 November 2005") as a quote, `text == file[start:end]`. Only lines
of the page header (before the article starts) count; a dateline is shown only when it
names the document's own date (a capture date such as EUobserver's "19th Mar 2018" is not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from store.ingest.clean import Verdict
from store.ingest.dates import closing_lines, find_dates

_BY = re.compile(r"(?:^|\s)by\s+\S", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A verbatim span of the document's file."""

    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text}


def header(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The dropped paragraphs before the first kept one: the page header."""
    found = []
    for verdict in verdicts:
        if verdict.kept:
            break
        found.append(verdict)
    return found


def byline(verdicts: Sequence[Verdict]) -> Span | None:
    """The header's byline: a line the cleaner read as a byline that names someone ("By X",
    "Posted on 3 October 2022 by X")."""
    for verdict in header(verdicts):
        if verdict.rule == "byline" and _BY.search(verdict.paragraph.text):
            return _span(verdict)
    return None


def dateline(verdicts: Sequence[Verdict], published: date | None) -> Span | None:
    """The header line that names the document's date, when it has one; else the closing
    date line right after the text ("Astana, 14.09.2022" under a release or transcript)."""
    if published is None:
        return None
    for verdict in [*header(verdicts), *(verdicts[i] for i in closing_lines(verdicts))]:
        if verdict.rule in ("dateline", "byline") and any(
            mention.value == published for mention in find_dates(verdict.paragraph.text)
        ):
            return _span(verdict)
    return None


def _span(verdict: Verdict) -> Span:
    paragraph = verdict.paragraph
    return Span(paragraph.start, paragraph.end, paragraph.text)
