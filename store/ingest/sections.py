"""What a document's dropped lines still say about its passages: the section heading each
passage sits under ("## Disaster response", "Risks") and the kind of document it is ("Policy
brief", "Interview", "Press release").

Headings and page headers are dropped from the quotable text, but readers ask by them ("what
does the policy brief recommend"); the indexer adds them to each passage's context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from store.ingest.chunk import ChunkSpan
from store.ingest.clean import Verdict

HEADING_RULES = frozenset({"subheading"})
MAX_HEADING_CHARS = 120
_MARKUP = re.compile(r"^[#*_\s]+|[*_\s]+$")


def section_headings(verdicts: Sequence[Verdict], chunks: Sequence[ChunkSpan]) -> list[str]:
    """For each passage, the text of the last heading before it ("" when none)."""
    headings = [
        (v.paragraph.start, _MARKUP.sub("", v.paragraph.text)[:MAX_HEADING_CHARS])
        for v in verdicts
        if not v.kept and v.rule in HEADING_RULES
    ]
    found = []
    for chunk in chunks:
        before = [text for start, text in headings if start < chunk.start]
        found.append(before[-1] if before else "")
    return found


# Kinds of document a page header names ("POLICY BRIEF No. 14", "Politics | Interview").
GENRES = (
    "policy brief", "press release", "news release", "fact sheet", "op-ed", "analytical article",
    "commentary", "opinion", "editorial", "interview", "statement", "speech", "remarks",
    "transcript", "digest", "newsletter", "analysis", "report", "blog", "review", "feature",
    "column", "brief",
)  # fmt: skip
_GENRE = re.compile(
    r"\b(" + "|".join(re.escape(g) for g in GENRES) + r")(?:e?s)?\b(?:\s+no\.?\s*\d+)?", re.I
)
MAX_HEADER_PARAGRAPHS = 12
MENU_ITEMS = 5
MAX_LABEL_WORDS = 5
_LABEL_BREAK = re.compile(r"\s*(?:[|·•»/]|\n)\s*")


def document_genre(verdicts: Sequence[Verdict]) -> str:
    """The kind of document its header labels name ("Politics | Interview", "POLICY BRIEF
    No. 14", "Published in Analytical Articles"), e.g. "Policy brief"; "" when none does.

    Only the dropped lines before the article count, never the headline (a title's "Review
    Process" names no genre), and never a menu of five or more items (a site's "Opinion"
    section says nothing about this page). A label that is just the genre wins over one
    that only contains it ("Caspian Review | Analysis": Analysis)."""
    header: list[list[str]] = []
    for verdict in verdicts[:MAX_HEADER_PARAGRAPHS]:
        if verdict.kept:
            break
        items = [i.strip() for i in _LABEL_BREAK.split(verdict.paragraph.text) if i.strip()]
        header.append([] if verdict.rule == "title" else items)
    labels: list[str] = []
    for at, items in enumerate(header):
        if len(items) >= MENU_ITEMS or _in_menu_run(header, at):
            continue
        labels += [item for item in items if len(item.split()) <= MAX_LABEL_WORDS]
    for exact in (True, False):
        for label in labels:
            found = _GENRE.fullmatch(label) if exact else _GENRE.search(label)
            if found:
                return found.group(1).capitalize()
    return ""


def _in_menu_run(header: list[list[str]], at: int) -> bool:
    """Whether paragraph `at` is one of MENU_ITEMS or more one-label lines in a row (a menu
    written one item per paragraph)."""

    def single(i: int) -> bool:
        return len(header[i]) == 1 and len(header[i][0].split()) <= 3

    if not single(at):
        return False
    start = at
    while start > 0 and single(start - 1):
        start -= 1
    end = at
    while end + 1 < len(header) and single(end + 1):
        end += 1
    return end - start + 1 >= MENU_ITEMS
