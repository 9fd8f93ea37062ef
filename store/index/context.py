"""The text a passage is embedded as: its document's context, then the verbatim passage.

A passage alone often lacks what a reader asks by: "the 2016 exercise" when the passage
says "this year's", "the think-tank brief" when only the title says so, a section heading
("Risks") that the passage never repeats. The embedding sees one line of context before
the passage; the quote stays the verbatim passage, and only passages (not their sentence
windows, which find the one apt sentence) carry it.
"""

from __future__ import annotations

from datetime import date

_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def context_line(
    title: str | None,
    publisher: str | None,
    published: date | None,
    heading: str = "",
    genre: str = "",
    precision: str = "day",
) -> str:
    """The line "Title — Publisher, June 2009. Policy brief. Heading" (missing parts left
    out; a date known only to the year is "2009")."""
    parts = [part for part in (title, publisher) if part]
    line = " — ".join(parts)
    if published is not None:
        month = "" if precision == "year" else f"{_MONTHS[published.month - 1]} "
        line += f", {month}{published.year}"
    for part in (genre, heading):
        if part:
            line += f". {part}"
    return line.strip(" ,.")


def embedding_text(passage: str, context: str) -> str:
    """What the encoder sees for a passage."""
    return f"{context}.\n{passage}" if context else passage
