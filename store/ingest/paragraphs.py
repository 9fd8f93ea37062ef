"""Cut a document's text into paragraphs with exact character offsets: on blank lines, on
single line breaks unless a block is wrapped prose (a fixed width, or a PDF's column with no
blank lines at all), with a headline or a date run into the first line split off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.ingest.cues import (
    BYLINE,
    CAPTION_START,
    FIELD_ROW,
    LIST_MARKER,
    PLAIN,
    SENTENCE_END,
    STOPWORDS,
    is_dateline,
    normalized,
)


@dataclass(frozen=True)
class Paragraph:
    """A verbatim span of the file: quotes are cut from these, so offsets must be exact."""

    index: int  # 0-based position in the document
    start: int  # character offset into the decoded file text
    end: int  # exclusive; text == source[start:end]
    text: str  # verbatim, stripped of surrounding whitespace


def split_paragraphs(text: str, title: str | None = None) -> list[Paragraph]:
    """Split on blank lines, and on single newlines unless a block is hard-wrapped prose.

    Raw captures put separate paragraphs on consecutive lines, so each line is a paragraph
    unless its block reads as one paragraph wrapped at a fixed width. A page break (form
    feed) or a line laid out in columns (a PDF's running header with its page number) always
    stands apart, and a headline run into the first paragraph on one line is split off it
    (`title`, from metadata, helps find where it ends).
    """
    blocks: list[list[tuple[int, int]]] = [[]]
    for line in re.finditer(r"^.*$", text, re.MULTILINE):  # "." stops at "\n"; "\r" is kept
        stripped = line.group().strip()
        if "\f" in line.group() and blocks[-1]:
            blocks.append([])  # a new page
        if stripped:
            start = line.start() + len(line.group()) - len(line.group().lstrip())
            if _COLUMN_GAP.search(stripped):  # a layout line: never part of wrapped prose
                blocks.extend([[(start, start + len(stripped))], []])
                continue
            blocks[-1].append((start, start + len(stripped)))
        elif blocks[-1]:
            blocks.append([])
    spans: list[tuple[int, int]] = []
    for block in filter(None, blocks):
        if _is_hard_wrapped([text[s:e] for s, e in block]):
            spans.append((block[0][0], block[-1][1]))
        else:
            spans.extend(_wrapped_runs(text, block))
    spans = _split_run_in_headline(text, _split_leading_date(text, spans), title)
    spans = [_inside_block_tag(text, s, e) for s, e in spans]
    return [Paragraph(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


# A paragraph saved with its HTML markup: "<p>Kazakh sappers began ...</p>".
_BLOCK_TAG = re.compile(
    r"<(?P<tag>p|div|h[1-6]|li|blockquote|td|span)\b[^<>]*>\s*(?P<inner>.*?)\s*</(?P=tag)\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _inside_block_tag(text: str, start: int, end: int) -> tuple[int, int]:
    """A paragraph wrapped in one block tag is its words only: what readers quote."""
    found = _BLOCK_TAG.fullmatch(text, start, end)
    if found is None or not found.group("inner"):
        return start, end
    return found.start("inner"), found.end("inner")


# A capture that starts with its date and runs on into the page: "date 2015-06-23 ASTANA.
# AGENCY - The drills ...", "Published: 14.09.2022 Kazakhstan hosts ...", "05 / 08 /
# 2013The annual exercise ...".
_LEADING_DATE = re.compile(
    r"^(?:(?i:date|published|posted|опубликовано)\s*:?\s+)?"
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2} ?[./] ?\d{1,2} ?[./] ?\d{4})(?:[ T]\d{1,2}:\d{2})?"
    r"(?=\s*[A-ZА-ЯЁ\"“«])"
)
_LEADING_LINES = 3


def _split_leading_date(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A date at the very start of a page's first lines, run into its headline or first
    paragraph, is a line of its own: the dater reads it and no passage quotes it."""
    for n, (start, end) in enumerate(spans[:_LEADING_LINES]):
        line = text[start:end]
        found = _LEADING_DATE.match(line)
        if found is None:
            continue
        rest = _next_word(line, found.end())
        if len(line[rest:].split()) >= 2:
            return _split_span(spans, n, found.end(), rest)
    return spans


def _next_word(line: str, at: int, skip: str | None = None) -> int:
    """Where the text after `at` resumes past whitespace (and the `skip` characters)."""
    return len(line) - len(line[at:].lstrip(skip))


def _split_span(
    spans: list[tuple[int, int]], n: int, head_end: int, tail_start: int
) -> list[tuple[int, int]]:
    """Span `n` cut in two at offsets into it: its head up to `head_end`, its tail from
    `tail_start` (what lies between, spaces or a dash, belongs to neither)."""
    start, end = spans[n]
    return [*spans[:n], (start, start + head_end), (start + tail_start, end), *spans[n + 1 :]]


_COLUMN_GAP = re.compile(r"\S {4,}\S")
# A story's opening dateline: "ALMATY, Aug 8 (Agency) - " or "Astana, 14 September 2022 – ".
_OPENING_DATELINE = re.compile(
    r"(?:[A-ZА-ЯЁ][A-ZА-ЯЁ'-]+(?: [A-ZА-ЯЁ][A-ZА-ЯЁ'-]+){0,2}|[A-ZА-ЯЁ][a-zа-яё'-]+)"
    r",? (?:[A-Z][a-z]{2,8}\.? \d{1,2}|\d{1,2} [^\W\d_]{3,9})(?:,? \d{4})?"
    r"(?: \([^()]{2,40}\))? [-–—] \S"
)


def _split_run_in_headline(
    text: str, spans: list[tuple[int, int]], title: str | None
) -> list[tuple[int, int]]:
    """Split a headline that runs into the first paragraph on the same line ("Kazakhstan to
    host drills ALMATY, Aug 8 (Agency) - Kazakhstan will ...") into headline and paragraph.

    The headline ends where the metadata title ends; without a title, where an opening
    dateline begins after a headline's worth of words. Only the first paragraph that reads
    as prose is looked at, and it is split only when the rest is a paragraph on its own."""
    want = normalized(title or "")
    if want and any(normalized(text[s:e]) == want for s, e in spans):
        return spans  # the headline has a line of its own
    for n, (start, end) in enumerate(spans):
        line = text[start:end]
        cut = _title_end(line, want) if want else _dateline_start(line)
        if cut is not None:
            rest = _next_word(line, cut, " \t:|–—-")
            if len(line[rest:].split()) >= 8:
                return _split_span(spans, n, len(line[:cut].rstrip()), rest)
        if SENTENCE_END.search(line) and len(line.split()) >= 8:
            break  # the first prose paragraph had no headline in it
    return spans


def _title_end(line: str, want: str) -> int | None:
    """Where the metadata title (normalized words `want`) ends, if `line` begins with it."""
    # The title ends at a word boundary, or where the next word starts with no space.
    pattern = r"\W*" + r"\W+".join(map(re.escape, want.split())) + r"(?:\b|(?-i:(?=[A-ZА-ЯЁ])))"
    found = re.match(pattern, line, re.IGNORECASE)
    return found.end() if found else None


def _dateline_start(line: str) -> int | None:
    """Where an opening dateline begins after 4-25 words that read as a headline."""
    for found in _OPENING_DATELINE.finditer(line):
        head = line[: found.start()].split()
        if (
            4 <= len(head) <= 25
            and head[0][:1].isupper()
            and not re.search(r"[.!?:;,]$", head[-1])
            and head[-1].casefold() not in STOPWORDS
            and not any(re.search(r"[.!?]$", word) for word in head)
        ):
            return found.start()
    return None


MIN_RUN_BLOCK_LINES = 6
MIN_FILLED_LINES = 2


def _wrapped_runs(text: str, block: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Text taken from a PDF often has no blank lines at all: its paragraphs, headings,
    contents and footnotes are one block. There a paragraph is a run of lines each filled
    to the column's width (so the next word would not have fitted on it), ended by a
    shorter line; every other line stands alone."""
    lines = [text[s:e] for s, e in block]
    if len(block) < MIN_RUN_BLOCK_LINES:
        return block
    fills = []
    for n, (line, after) in enumerate(zip(lines, lines[1:])):
        width = max(len(other) for other in lines[max(0, n - 1) : n + 2])  # the local column
        filled = (
            50 <= width <= 110
            and len(line) >= 0.75 * width
            and len(line) + 1 + len(after.split()[0]) > width
        )
        fills.append(
            (filled or _runs_on(line, after))
            and not LIST_MARKER.match(after)
            and not _CLAUSE_NUMBER.match(after)
            and not FIELD_ROW.match(after)
        )
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(block):
        run = 0
        while i + run < len(fills) and fills[i + run]:
            run += 1
        # Two filled lines at least: one wide line over a short one is a heading and its
        # item as often as a paragraph.
        last = i + run if run >= MIN_FILLED_LINES else i
        spans.append((block[i][0], block[last][1]))
        i = last + 1
    return spans


MIN_RUN_ON_CHARS = 40
# A numbered clause of an official text opens a paragraph: "1.2. At the same time, …".
_CLAUSE_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})+\.?\s")


def _runs_on(line: str, after: str) -> bool:
    """A sentence broken across lines at no fixed width (text copied from a PDF or a
    hard-wrapped page): a long line without an end, and the next one goes on in lower case."""
    return (
        len(line) >= MIN_RUN_ON_CHARS
        and not re.search(r"[.!?:;…\"”»]$", line)
        and after[:1].islower()
    )


def _is_hard_wrapped(lines: list[str]) -> bool:
    """A block whose lines (but the last) fill a similar width of 50-100 chars is one paragraph."""
    if len(lines) < 2 or any(LIST_MARKER.match(line) for line in lines):
        return False
    # A headline with its date or byline on the next line is two lines, not wrapped prose.
    last = lines[-1].translate(PLAIN)
    if is_dateline(last) or (BYLINE.match(last) and len(last.split()) <= 12):
        return False
    if any(CAPTION_START.match(line) for line in lines[1:]):
        return False  # a photo's caption or credit under a headline starts a line of its own
    if any(FIELD_ROW.match(line) for line in lines[1:]):
        return False  # "Publication: …", "By:": a page's field rows under its headline
    widths = [len(line) for line in lines[:-1]]
    width = max(widths)
    if not 50 <= width <= 100 or min(widths) < 0.6 * width or len(lines[-1]) > 1.15 * width + 5:
        return False
    # Wrapped text breaks a line only where the next word would not have fitted on it.
    return all(len(a) + 1 + len(b.split()[0]) > width for a, b in zip(lines, lines[1:]))
