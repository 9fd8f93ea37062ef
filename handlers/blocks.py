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

from handlers import feedback, messages
from handlers.share import ACTION_ID as SHARE_ACTION_ID
from store.types import (
    Answer,
    DocumentInfo,
    Hit,
    IndexInfo,
    Quote,
    SourceCard,
    date_order,
    period_end,
)

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


_FORMATTING = re.compile(r"[*_~`]")
ZERO_WIDTH_SPACE = "\u200b"


def escape_controls(text: str) -> str:
    """Slack's three control characters as entities: no `<!channel>`, `<@U123>` or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """`text` for mrkdwn, shown as typed: nothing in it becomes markup.

    Control characters become entities (`escape_controls`). mrkdwn has no escape for its
    formatting characters (* _ ~ `), so each is set between zero-width spaces: a marker
    must touch a word on one side and a space or the line's edge on the other to open or
    close bold, italics, strike or code, and a zero-width space on both sides is neither,
    whether Slack counts it as a space or not. The text reads the same.
    """
    return _FORMATTING.sub(
        lambda m: f"{ZERO_WIDTH_SPACE}{m.group()}{ZERO_WIDTH_SPACE}", escape_controls(text)
    )


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _day(published: date) -> str:
    return f"{published.day} {_MONTHS[published.month - 1]} {published.year}"


def date_label(published: date, precision: str = "day") -> str:
    """The date as far as it is known: '26 Jun 2009', 'Dec 2005' or '2005'."""
    if precision == "year":
        return str(published.year)
    if precision == "month":
        return f"{_MONTHS[published.month - 1]} {published.year}"
    return _day(published)


def format_age(published: date, today: date, precision: str = "day") -> str | None:
    """'17 years old' (whole years, else months, else days); None for a future date.

    A month or a year is aged from its last day, so the age is never overstated, and in
    no finer unit than the date has (no '10 days old' for 'Dec 2025')."""
    last = date.fromordinal(period_end(published, precision).toordinal() - 1)
    days = (today - last).days
    if days < 0:
        return None
    months = (today.year - last.year) * 12 + today.month - last.month
    if today.day < last.day:
        months -= 1
    if (precision == "month" and months < 1) or (precision == "year" and months < 12):
        return None
    return messages.age(months // 12, months % 12, days)


def format_date(
    published: date | None, basis: str, today: date | None = None, precision: str = "day"
) -> str:
    """'26 Jun 2009', 'Dec 2005', '26 Jun 2009 (date inferred from text)', '23 May 2022
    (last updated; first published earlier or then)' or 'undated';
    with `today`, the age follows: '26 Jun 2009 · 17 years old'."""
    if published is None or basis == "none":
        return messages.UNDATED
    text = date_label(published, precision)
    if basis == "text":
        text += f" ({messages.DATE_INFERRED})"
    elif basis == "updated":
        text += f" ({messages.DATE_UPDATED})"
    if today is not None and (age := format_age(published, today, precision)):
        text += f" · {age}"
    return text


def _link(url: str | None, label: str) -> str:
    """`<url|label>` for http(s) URLs, else the (already escaped) label alone."""
    if not url or not url.startswith(("http://", "https://")) or any(c in url for c in " <>"):
        return label
    safe_url = url.replace("&", "&amp;").replace("|", "%7C")
    return f"<{safe_url}|{label}>"


def source_line(
    title: str,
    url: str | None,
    publisher: str | None,
    published: date | None,
    basis: str,
    today: date | None = None,
    precision: str = "day",
) -> str:
    """'Title — Publisher, 26 Jun 2009', with the title linked when the URL is known (and
    the source's age when `today` is given)."""
    line = _link(url, escape(shorten(title, MAX_TITLE_CHARS)))
    if publisher:
        line += f" — {escape(shorten(publisher, MAX_TITLE_CHARS))}"
    return f"{line}, {format_date(published, basis, today, precision)}"


def hit_source_line(hit: Hit, today: date | None = None) -> str:
    return source_line(
        hit.title, hit.url, hit.publisher, hit.published, hit.date_basis, today, hit.date_precision
    )


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
    """`escape_controls(text)` shortened so the escaped form (not the raw one) fits `limit`
    (plain_text needs no more: Slack shows it as it is)."""
    escaped = escape_controls(text)
    while len(escaped) > limit:
        text = shorten(text, len(text) - (len(escaped) - limit))
        escaped = escape_controls(text)
    return escaped


def feedback_blocks(hit: Hit, index: int) -> list[Block]:
    """The "Useful / Outdated / Wrong source" buttons for one passage (none if it has no
    value that fits Slack's limit)."""
    value = feedback.encode(hit)
    if value is None:
        return []
    return [
        {
            "type": "actions",
            "block_id": f"feedback-{index}",
            "elements": [
                {
                    "type": "button",
                    "action_id": feedback.ACTION_IDS[flag],
                    "text": {"type": "plain_text", "text": messages.FEEDBACK_LABELS[flag]},
                    "value": value,
                }
                for flag in feedback.FLAGS
            ],
        }
    ]


def hit_blocks(
    hit: Hit, today: date | None = None, feedback_index: int | None = None
) -> list[Block]:
    """One passage: the quote (highlights in bold), its source, date and age, and (with a
    `feedback_index`) the feedback buttons."""
    quote, cut = quote_mrkdwn(hit.quote, hit.highlights)
    line = hit_source_line(hit, today)
    if cut:
        line += f" · {messages.QUOTE_SHORTENED}"
    buttons = feedback_blocks(hit, feedback_index) if feedback_index is not None else []
    return [_section(quote), _context(line), *buttons]


# A date as far as it is known: the first day of its period, and its precision.
_KnownDate = tuple[date, str]


def _known_date(hit: Hit) -> _KnownDate | None:
    if hit.date_basis == "none" or hit.published is None:
        return None
    return hit.published, hit.date_precision


def _distinct_dates(hits: Sequence[Hit]) -> list[_KnownDate]:
    found = {known for hit in hits if (known := _known_date(hit)) is not None}
    return sorted(found, key=lambda known: date_order(*known))


def ordered_hits(answer: Answer) -> tuple[Hit, ...]:
    """The passages in the order shown: a brief as the store sorted it (oldest first); a
    relevance answer drawing on sources of different dates newest first, undated last (best
    match first among passages of one date); otherwise best match first."""
    if answer.sort == "date" or len(_distinct_dates(answer.hits)) < 2:
        return answer.hits
    return tuple(sorted(answer.hits, key=_newest_first))


def _newest_first(hit: Hit) -> tuple[bool, int, int]:
    """Sort key: newest first, undated last; ties keep their order (best match first)."""
    undated, day, precision = date_order(hit.published, hit.date_precision)
    return (undated or hit.date_basis == "none", -day, -precision)


def date_span(hits: Sequence[Hit]) -> str | None:
    """'2005–2009', or '2 Mar – 26 Jun 2009' within one year ('Mar – 26 Jun 2009' when a
    date is known to the month; '2009' when one is known only to that year); None for fewer
    than 2 dates."""
    dates = _distinct_dates(hits)
    if len(dates) < 2:
        return None
    (oldest, oldest_precision), (newest, newest_precision) = dates[0], dates[-1]
    if oldest.year != newest.year:
        return f"{oldest.year}–{newest.year}"
    if "year" in (oldest_precision, newest_precision):
        return str(oldest.year)
    start = date_label(oldest, oldest_precision).rsplit(" ", 1)[0]
    return f"{start} – {date_label(newest, newest_precision)}"


def span_line(answer: Answer) -> str | None:
    """'Sources span 2005–2009; newest first' when the passages differ in date."""
    span = date_span(answer.hits)
    if span is None:
        return None
    order = messages.OLDEST_FIRST if answer.sort == "date" else messages.NEWEST_FIRST
    undated = any(_known_date(hit) is None for hit in answer.hits)
    return messages.sources_span(span, order, undated)


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
    answer: Answer,
    *,
    share_value: str | None = None,
    shared_by: str | None = None,
    today: date | None = None,
    feedback_buttons: bool = False,
    notes: Sequence[str] = (),
) -> list[Block]:
    """The whole reply to a question or a brief, within 50 blocks.

    Above the passages: what was searched (filters, the store's notes such as trimming, and
    `notes` from the handler) and, when sources differ in date, their span and order.
    `share_value` adds the *Share in channel* button (private slash-command answers);
    `shared_by` (a Slack user ID) credits whoever shared a public copy; `today` adds each
    source's age; `feedback_buttons` adds the feedback buttons under each passage.
    """
    head: list[Block] = [_header(_answer_title(answer))]
    span = None if answer.no_match else span_line(answer)
    lines: list[str] = []
    if shared_by:
        lines.append(messages.shared_by(shared_by))
    lines.extend(escape(note) for note in notes)
    if answer.sources:
        lines.append(messages.SOURCE_CARDS_NOTE)
    elif not answer.no_match:
        order = messages.OLDEST_FIRST if answer.sort == "date" else messages.BEST_MATCH_FIRST
        lines.append(messages.answer_summary(len(answer.hits), None if span else order))
    if not answer.filters.is_empty():
        lines.append(messages.searched(answer.filters.describe()))
    lines.extend(escape(note) for note in answer.notes)
    head.append(_context(" · ".join(lines)))
    if span:
        head.append(_context(span))

    tail = share_blocks(share_value) if share_value else []
    if answer.sources:
        cards = [source_card_blocks(card, today) for card in answer.sources]
        return _fit(head, cards, tail, MAX_BLOCKS)
    if answer.no_match:
        text = messages.no_match(
            escape(shorten(answer.question, 500)),
            answer.filters.describe(),
            escape(answer.covers),
        )
        return [*head, _section(shorten(text, MAX_SECTION_CHARS)), *tail]

    groups = [
        hit_blocks(hit, today, index if feedback_buttons else None)
        for index, hit in enumerate(ordered_hits(answer))
    ]
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


def answer_text(answer: Answer, today: date | None = None) -> str:
    """The plain notification text for an answer (shown where blocks cannot be)."""
    question = escape(shorten(answer.question, 200))
    if answer.sources:
        first = answer.sources[0].document
        by = f" by {first.author}" if first.author else ""
        of = f" — {first.publisher}" if first.publisher else ""
        when = format_date(first.published, first.date_basis, today, first.date_precision)
        text = (
            f"{messages.source_cards_summary(len(answer.sources))}: "
            f"{escape(shorten(first.title, 300))}{escape(by)}{escape(of)}, {when}"
        )
        return shorten(text, MAX_FALLBACK_CHARS)
    if answer.no_match:
        return messages.no_match_fallback(question)
    first = ordered_hits(answer)[0]
    text = (
        f"{messages.answer_fallback(len(answer.hits), question)}: "
        f"“{escape(shorten(' '.join(first.quote.split()), 300))}” "
        f"({hit_source_line(first, today)})"
    )
    return shorten(text, MAX_FALLBACK_CHARS)


# --- Source cards --------------------------------------------------------------------------


def source_card_lines(card: SourceCard, today: date | None = None) -> list[str]:
    """The card's facts, one per line, mrkdwn (escaped): title (linked), author and
    publisher, date with where it came from, kind of document."""
    doc = card.document
    title = _link(doc.url, f"*{escape(shorten(doc.title, MAX_TITLE_CHARS))}*")
    author = escape(doc.author) if doc.author else messages.AUTHOR_UNKNOWN
    publisher = escape(doc.publisher) if doc.publisher else messages.PUBLISHER_UNKNOWN
    date_line = format_date(doc.published, doc.date_basis, today, doc.date_precision)
    lines = [
        title,
        f"{author} · {publisher}",
        f"{date_line} — {escape(messages.date_basis(doc.date_basis, doc.date_note))}",
    ]
    if doc.genre:
        lines.append(escape(doc.genre))
    if doc.url:
        lines.append(_link(doc.url, escape(shorten(doc.url, MAX_TITLE_CHARS))))
    return lines


def card_quotes(card: SourceCard) -> list[tuple[str, Quote]]:
    """(label, quote) for the byline and the dateline the page has; once when one line is
    both ("Posted on 3 October 2022 by ...")."""
    found: list[tuple[str, Quote]] = []
    if card.byline is not None:
        found.append((messages.BYLINE, card.byline))
    if card.dateline is not None and card.dateline != card.byline:
        found.append((messages.DATELINE, card.dateline))
    return found


def source_card_blocks(card: SourceCard, today: date | None = None) -> list[Block]:
    """One source card: its facts, then its byline and dateline quoted verbatim with the
    file and character offsets they come from."""
    blocks = [_section(shorten("\n".join(source_card_lines(card, today)), MAX_SECTION_CHARS))]
    path = card.document.source_path.rpartition("/")[2] or card.document.doc_id
    for label, quote in card_quotes(card):
        rendered, _ = quote_mrkdwn(quote.text)
        blocks.append(_section(rendered))
        blocks.append(_context(escape(messages.quoted_from(label, path, quote.start, quote.end))))
    return blocks


# --- Usage and sources ---------------------------------------------------------------------


def usage_blocks() -> list[Block]:
    return [_header(messages.USAGE_TITLE), _section(messages.USAGE)]


def document_line(doc: DocumentInfo, today: date | None = None) -> str:
    line = source_line(
        doc.title, doc.url, doc.publisher, doc.published, doc.date_basis, today, doc.date_precision
    )
    return f"• {line} ({messages.chunk_count(doc.chunk_count)})"


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


def sources_blocks(documents: Sequence[DocumentInfo], today: date | None = None) -> list[Block]:
    """The indexed documents with dates, date basis and age, within 50 blocks."""
    head = [_header(messages.SOURCES_TITLE)]
    if not documents:
        return [*head, _section(messages.NO_DOCUMENTS)]
    sections = _line_sections([document_line(doc, today) for doc in documents])
    return [*head, *sections[: MAX_BLOCKS - 1]]


def sources_text(documents: Sequence[DocumentInfo]) -> str:
    return messages.sources_fallback(len(documents))


# --- App Home ------------------------------------------------------------------------------


def home_view(
    info: IndexInfo | None, documents: Sequence[DocumentInfo], today: date | None = None
) -> dict[str, Any]:
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
            lines = [document_line(doc, today) for doc in documents]
            blocks.extend(_line_sections(lines)[:60])
        else:
            blocks.append(_section(messages.NO_DOCUMENTS))
    blocks.append({"type": "divider"})
    blocks.append(_section(f"{messages.HOME_HOW}\n{messages.HOME_HOW_TEXT}"))
    examples = "\n".join(f"• `{escape(q)}`" for q in messages.EXAMPLE_QUESTIONS)
    blocks.append(_section(f"{messages.HOME_EXAMPLES}\n{examples}"))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


# --- Plain notes (apologies, the re-index summary) -----------------------------------------


def text_blocks(text: str) -> list[Block]:
    """`text` (escaped here) in sections of at most 3000 characters each."""
    return _line_sections(escape(text).split("\n"))[:MAX_BLOCKS]
