"""Block Kit for answers, briefs, the sources list and the Home tab: pure functions.

Every piece of user or corpus text goes through `escape` before it is placed in mrkdwn or a
fallback text, so `<!channel>` or `<@U123>` in a question or a document never pings anyone.
Slack's limits are enforced here: 3000 characters per section, 150 per header, 50 blocks per
message (100 per Home tab).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from handlers import messages
from handlers.share import ACTION_ID as SHARE_ACTION_ID
from store.types import Answer, DocumentInfo, Hit, IndexInfo

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_CHARS = 3000
MAX_CONTEXT_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_FALLBACK_CHARS = 3000
MAX_TITLE_CHARS = 300
ELLIPSIS = "…"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|\n")


# --- Text helpers --------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters as entities: nothing in `text` becomes markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def format_date(published: date | None, basis: str) -> str:
    """'26 Jun 2009', '26 Jun 2009 (date inferred from text)' or 'undated'."""
    if published is None or basis == "none":
        return messages.UNDATED
    text = f"{published.day} {_MONTHS[published.month - 1]} {published.year}"
    if basis == "text":
        text += f" ({messages.DATE_INFERRED})"
    return text


def _link(url: str | None, label: str) -> str:
    """`<url|label>` for http(s) URLs, else the (already escaped) label alone."""
    if not url or not url.startswith(("http://", "https://")) or any(c in url for c in " <>"):
        return label
    safe_url = url.replace("&", "&amp;").replace("|", "%7C")
    return f"<{safe_url}|{label}>"


def source_line(
    title: str, url: str | None, publisher: str | None, published: date | None, basis: str
) -> str:
    """'Title — Publisher, 26 Jun 2009', with the title linked when the URL is known."""
    line = _link(url, escape(shorten(title, MAX_TITLE_CHARS)))
    if publisher:
        line += f" — {escape(shorten(publisher, MAX_TITLE_CHARS))}"
    return f"{line}, {format_date(published, basis)}"


def hit_source_line(hit: Hit) -> str:
    return source_line(hit.title, hit.url, hit.publisher, hit.published, hit.date_basis)


# --- Quotes --------------------------------------------------------------------------------


def _merge(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Highlight spans clipped to the text, sorted and merged."""
    clipped = sorted((max(0, s), min(length, e)) for s, e in spans if min(length, e) > max(0, s))
    merged: list[tuple[int, int]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _bold(segment: str) -> str:
    """`*segment*` with surrounding spaces kept outside, as Slack's bold requires."""
    core = segment.strip()
    if not core:
        return escape(segment)
    lead = segment[: len(segment) - len(segment.lstrip())]
    trail = segment[len(segment.rstrip()) :]
    return f"{lead}*{escape(core)}*{trail}"


def _render_quote(text: str, highlights: Sequence[tuple[int, int]]) -> str:
    """A mrkdwn blockquote of `text`, bolding the highlight spans line by line."""
    spans = _merge(highlights, len(text))
    lines = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        pieces = []
        cursor = line_start
        for start, end in spans:
            start, end = max(start, line_start), min(end, line_end)
            if start >= end:
                continue
            pieces.append(escape(text[cursor:start]))
            pieces.append(_bold(text[start:end]))
            cursor = end
        pieces.append(escape(text[cursor:line_end]))
        rendered = "".join(pieces).rstrip()
        lines.append(f"> {rendered}" if rendered.strip() else ">")
        line_start = line_end + 1
    # Blank lines at either end add nothing to a quote.
    while len(lines) > 1 and lines[-1] == ">":
        lines.pop()
    while len(lines) > 1 and lines[0] == ">":
        lines.pop(0)
    return "\n".join(lines)


def _cut(text: str, budget: int) -> str:
    """`text` cut within `budget` characters at a sentence end, else a word boundary."""
    window = text[:budget]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= budget // 2:
        return window[: ends[-1]].rstrip()
    space = max(window.rfind(" "), window.rfind("\n"))
    if space >= budget // 2:
        return window[:space].rstrip()
    return window.rstrip()


def quote_mrkdwn(
    quote: str, highlights: Sequence[tuple[int, int]] = (), limit: int = MAX_SECTION_CHARS
) -> tuple[str, bool]:
    """The quote as a blockquote within `limit` characters, and whether it had to be cut.

    A long quote is cut at a sentence (or word) boundary and ends with ' …'; the caller
    notes the cut next to the source.
    """
    rendered = _render_quote(quote, highlights)
    if len(rendered) <= limit:
        return rendered, False
    budget = limit
    while budget > 1:
        kept = _cut(quote, budget)
        rendered = _render_quote(f"{kept} {ELLIPSIS}", _merge(highlights, len(kept)))
        if len(rendered) <= limit:
            return rendered, True
        budget -= max(len(rendered) - limit, 1)
    return f"> {ELLIPSIS}", True


# --- Answers -------------------------------------------------------------------------------


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": shorten(text, MAX_CONTEXT_CHARS)}],
    }


def _header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": _escaped_within(text, MAX_HEADER_CHARS)},
    }


def _escaped_within(text: str, limit: int) -> str:
    """`escape(text)` shortened so the escaped form (not the raw one) fits `limit`."""
    escaped = escape(text)
    while len(escaped) > limit:
        text = shorten(text, len(text) - (len(escaped) - limit))
        escaped = escape(text)
    return escaped


def hit_blocks(hit: Hit) -> list[Block]:
    """One passage: the quote (highlights in bold), then its source and date."""
    quote, cut = quote_mrkdwn(hit.quote, hit.highlights)
    line = hit_source_line(hit)
    if cut:
        line += f" · {messages.QUOTE_SHORTENED}"
    return [_section(quote), _context(line)]


def _answer_title(answer: Answer) -> str:
    if answer.sort == "date":
        return messages.brief_header(answer.question)
    return messages.answer_header(answer.question)


def share_blocks(value: str) -> list[Block]:
    return [
        {
            "type": "actions",
            "block_id": "share",
            "elements": [
                {
                    "type": "button",
                    "action_id": SHARE_ACTION_ID,
                    "text": {"type": "plain_text", "text": messages.SHARE_BUTTON},
                    "value": value,
                }
            ],
        }
    ]


def answer_blocks(
    answer: Answer, *, share_value: str | None = None, shared_by: str | None = None
) -> list[Block]:
    """The whole reply to a question or a brief, within 50 blocks.

    `share_value` adds the *Share in channel* button (private slash-command answers);
    `shared_by` (a Slack user ID) credits whoever shared a public copy.
    """
    head: list[Block] = [_header(_answer_title(answer))]
    notes: list[str] = []
    if shared_by:
        notes.append(messages.shared_by(shared_by))
    if not answer.no_match:
        notes.append(messages.answer_summary(len(answer.hits), answer.sort))
    if not answer.filters.is_empty():
        notes.append(messages.filters_note(answer.filters.describe()))
    notes.extend(escape(note) for note in answer.notes)
    head.append(_context(" · ".join(notes)))

    tail = share_blocks(share_value) if share_value else []
    if answer.no_match:
        text = messages.no_match(
            escape(shorten(answer.question, 500)),
            answer.filters.describe(),
            escape(answer.covers),
        )
        return [*head, _section(shorten(text, MAX_SECTION_CHARS)), *tail]

    groups = [hit_blocks(hit) for hit in answer.hits]
    return _fit(head, groups, tail, MAX_BLOCKS)


def _fit(
    head: list[Block], groups: list[list[Block]], tail: list[Block], max_blocks: int
) -> list[Block]:
    """Head, groups separated by dividers, and tail; drop trailing groups past `max_blocks`."""
    shown = len(groups)

    def size(n: int) -> int:
        hidden_note = 1 if n < len(groups) else 0
        return len(head) + sum(len(g) for g in groups[:n]) + max(n - 1, 0) + hidden_note + len(tail)

    while shown > 0 and size(shown) > max_blocks:
        shown -= 1
    body: list[Block] = []
    for index, group in enumerate(groups[:shown]):
        if index:
            body.append({"type": "divider"})
        body.extend(group)
    if shown < len(groups):
        body.append(_context(messages.more_not_shown(len(groups) - shown)))
    return [*head, *body, *tail]


def answer_text(answer: Answer) -> str:
    """The plain notification text for an answer (shown where blocks cannot be)."""
    question = escape(shorten(answer.question, 200))
    if answer.no_match:
        return messages.no_match_fallback(question)
    first = answer.hits[0]
    text = (
        f"{messages.answer_fallback(len(answer.hits), question)}: "
        f"“{escape(shorten(' '.join(first.quote.split()), 300))}” "
        f"({hit_source_line(first)})"
    )
    return shorten(text, MAX_FALLBACK_CHARS)


# --- Usage and sources ---------------------------------------------------------------------


def usage_blocks() -> list[Block]:
    return [_header(messages.USAGE_TITLE), _section(messages.USAGE)]


def document_line(doc: DocumentInfo) -> str:
    return (
        f"• {source_line(doc.title, doc.url, doc.publisher, doc.published, doc.date_basis)}"
        f" ({messages.chunk_count(doc.chunk_count)})"
    )


def _line_sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into as few sections as fit 3000 characters each."""
    sections: list[Block] = []
    current = ""
    for line in lines:
        line = shorten(line, MAX_SECTION_CHARS)
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            sections.append(_section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(_section(current))
    return sections


def sources_blocks(documents: Sequence[DocumentInfo]) -> list[Block]:
    """The indexed documents with dates and date basis, within 50 blocks."""
    head = [_header(messages.SOURCES_TITLE)]
    if not documents:
        return [*head, _section(messages.NO_DOCUMENTS)]
    sections = _line_sections([document_line(doc) for doc in documents])
    return [*head, *sections[: MAX_BLOCKS - 1]]


def sources_text(documents: Sequence[DocumentInfo]) -> str:
    return messages.sources_fallback(len(documents))


# --- App Home ------------------------------------------------------------------------------


def home_view(info: IndexInfo | None, documents: Sequence[DocumentInfo]) -> dict[str, Any]:
    """The Home tab: what the bot knows, how to ask, and example questions."""
    blocks: list[Block] = [_header(messages.HOME_TITLE), _section(messages.HOME_INTRO)]
    blocks.append({"type": "divider"})
    blocks.append(_section(messages.HOME_KNOWS))
    if info is None:
        blocks.append(_section(messages.HOME_INDEX_MISSING))
    else:
        blocks.append(
            _context(
                messages.home_index_line(
                    escape(info.built_at), len(documents), info.chunk_count, escape(info.model)
                )
            )
        )
        if documents:
            blocks.extend(_line_sections([document_line(doc) for doc in documents])[:60])
        else:
            blocks.append(_section(messages.NO_DOCUMENTS))
    blocks.append({"type": "divider"})
    blocks.append(_section(f"{messages.HOME_HOW}\n{messages.HOME_HOW_TEXT}"))
    examples = "\n".join(f"• `{escape(q)}`" for q in messages.EXAMPLE_QUESTIONS)
    blocks.append(_section(f"{messages.HOME_EXAMPLES}\n{examples}"))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
