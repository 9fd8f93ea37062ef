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
from handlers.blocks import format_date, ordered_hits, span_line
from store.types import Answer, Hit, period_text


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
    }


def answer_json_line(answer: Answer) -> str:
    return json.dumps(answer_as_json(answer), ensure_ascii=False)
