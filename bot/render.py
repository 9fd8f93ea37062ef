"""Answers rendered for a terminal (`kz-brief ask`, `kz-brief chat`) and as JSON lines.

The terminal shows the same content as Slack: the same order, dates, ages and notes, taken
from the Slack reply builders so the two never drift apart.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from handlers import messages
from handlers.blocks import card_quotes, format_date, ordered_hits, span_line
from store.types import Answer, Hit, SourceCard, period_text


def hit_source_line(hit: Hit, today: date) -> str:
    """'Title — Publisher, 26 Jun 2009 · 17 years old', saying when the date is inferred."""
    source = hit.title + (f" — {hit.publisher}" if hit.publisher else "")
    return f"{source}, {format_date(hit.published, hit.date_basis, today, hit.date_precision)}"


def quote_text(hit: Hit) -> Text:
    """The verbatim quote with its highlighted sentences in bold."""
    text = Text(hit.quote)
    for start, end in hit.highlights:
        text.stylize("bold", start, end)
    return text


def render_answer(console: Console, answer: Answer, today: date | None = None) -> None:
    """Print an answer: what was searched, the quotes with their sources, or a no-match."""
    today = today or date.today()
    if not answer.filters.is_empty():
        console.print(Text(messages.searched(answer.filters.describe()), style="dim"))
    for note in answer.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    if answer.sources:
        console.print(Text(messages.SOURCE_CARDS_NOTE, style="dim"))
        for number, card in enumerate(answer.sources, start=1):
            console.print(card_panel(card, number, today))
        return
    if answer.no_match:
        console.print("Nothing in the corpus on that.", style="bold")
        if answer.covers:
            console.print(answer.covers, markup=False, highlight=False)
        return
    if span := span_line(answer):
        console.print(Text(span, style="dim"))
    for number, hit in enumerate(ordered_hits(answer), start=1):
        source = Text(hit_source_line(hit, today), style="cyan")
        if hit.url:
            source.append(f"\n{hit.url}", style="dim")
        console.print(
            Panel(
                Group(quote_text(hit), Text(""), source),
                title=f"[{number}]",
                title_align="left",
            )
        )


def card_panel(card: SourceCard, number: int, today: date) -> Panel:
    """A source card for the terminal: the document's facts, then its byline and dateline
    quoted verbatim with where in the file they are."""
    doc = card.document
    lines = [
        Text(doc.title, style="bold"),
        Text(
            f"{doc.author or messages.AUTHOR_UNKNOWN} · "
            f"{doc.publisher or messages.PUBLISHER_UNKNOWN}"
        ),  # fmt: skip
        Text(
            f"{format_date(doc.published, doc.date_basis, today, doc.date_precision)} — "
            f"{messages.date_basis(doc.date_basis, doc.date_note)}",
            style="cyan",
        ),
    ]
    if doc.genre:
        lines.append(Text(doc.genre))
    if doc.url:
        lines.append(Text(doc.url, style="dim"))
    path = doc.source_path.rpartition("/")[2] or doc.doc_id
    for label, quote in card_quotes(card):
        lines += [
            Text(""),
            Text(quote.text, style="italic"),
            Text(messages.quoted_from(label, path, quote.start, quote.end), style="dim"),
        ]
    return Panel(Group(*lines), title=Text(f"source {number}"), title_align="left")


def card_as_json(card: SourceCard) -> dict[str, Any]:
    """A source card in `--json`: the document's facts and its byline and dateline as
    verbatim spans of its file (`text == file[start:end]`), or null."""
    doc = card.document
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "author": doc.author,
        "publisher": doc.publisher,
        "url": doc.url,
        "published": period_text(doc.published, doc.date_precision) if doc.published else None,
        "date_precision": doc.date_precision if doc.published else None,
        "date_basis": doc.date_basis,
        "date_note": doc.date_note,
        "kind": doc.genre or None,
        "source_path": doc.source_path,
        "byline": _span_json(card.byline),
        "dateline": _span_json(card.dateline),
    }


def _span_json(quote: Any) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {"text": quote.text, "start": quote.start, "end": quote.end}


def answer_as_json(answer: Answer) -> dict[str, Any]:
    """The `--json` record: one object per question. `published` is the date as far as it
    is known ("2009-06-26", "2005-12", "2005"), `date_precision` says which (null undated)."""
    return {
        "query": answer.question,
        "no_match": answer.no_match,
        "results": [
            {
                "quote": hit.quote,
                "doc_id": hit.doc_id,
                "chunk_id": hit.chunk_id,
                "title": hit.title,
                "author": hit.author,
                "publisher": hit.publisher,
                "url": hit.url,
                "published": period_text(hit.published, hit.date_precision)
                if hit.published
                else None,
                "date_precision": hit.date_precision if hit.published else None,
                "date_basis": hit.date_basis,
                "score": hit.score,
                "highlights": [list(span) for span in hit.highlights],
            }
            for hit in answer.hits
        ],
        "sources": [card_as_json(card) for card in answer.sources],
    }


def answer_json_line(answer: Answer) -> str:
    return json.dumps(answer_as_json(answer), ensure_ascii=False)
