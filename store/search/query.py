"""Read a question: its words, its date filters and sort mode, trimmed to a searchable size.

Filters written in the question (documented in the README and `/kz-brief help`):
`since:2008` (from 1 Jan 2008), `before:2006` (before 1 Jan 2006), `in:2005` (during 2005);
each also takes `YYYY-MM` or `YYYY-MM-DD`. `sort:date` asks for a chronological brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from store.types import DateFilter, parse_period, period_end

MAX_QUESTION_CHARS = 1000
_FILTER = re.compile(
    r"(?<!\S)(?P<key>since|after|before|until|in|sort):(?P<value>\S+)", re.IGNORECASE
)


@dataclass(frozen=True)
class ParsedQuestion:
    """The text to search for, with the filters and notes the reader should see."""

    query: str
    filters: DateFilter
    sort: str
    notes: tuple[str, ...]


def _period(value: str) -> tuple[date, date] | None:
    """The first day of a period and the first day after it, for 2005, 2005-06, 2005-06-26."""
    found = parse_period(value)
    if found is None:
        return None
    first, precision = found
    return first, period_end(first, precision)


def parse_question(text: str, sort: str | None = None) -> ParsedQuestion:
    """Split filters out of the question; a too-long question is trimmed with a note."""
    notes: list[str] = []
    since: date | None = None
    before: date | None = None
    chosen_sort = sort or "relevance"
    for match in _FILTER.finditer(text):
        key, value = match.group("key").lower(), match.group("value").rstrip(".,;?!")
        if key == "sort":
            if value.lower() in ("date", "relevance"):
                chosen_sort = value.lower()
            else:
                notes.append(f"ignored sort:{value} (use sort:date or sort:relevance)")
            continue
        period = _period(value)
        if period is None:
            notes.append(f"ignored {key}:{value} (use a year such as {key}:2008)")
            continue
        first, after_end = period
        if key in ("since", "after"):
            since = max(since, first) if since else first
        elif key in ("before", "until"):
            before = min(before, first) if before else first
        else:
            since = max(since, first) if since else first
            before = min(before, after_end) if before else after_end
    query = " ".join(_FILTER.sub(" ", text).split())
    if len(query) > MAX_QUESTION_CHARS:
        cut = query.rfind(" ", 0, MAX_QUESTION_CHARS)
        query = query[: cut if cut > 0 else MAX_QUESTION_CHARS]
        notes.append(f"your question was trimmed to its first {len(query)} characters for search")
    return ParsedQuestion(query, DateFilter(since, before), chosen_sort, tuple(notes))


# Plain-language date words a short follow-up may use ("and in 2009?", "since 2008?").
_PLAIN_FILTER = re.compile(
    r"\b(?P<key>since|after|before|until|in|during)\s+(?P<value>(?:19|20)\d{2})\b", re.IGNORECASE
)
_PLAIN_KEYS = {"during": "in"}
# A follow-up with at most this many words is read together with the thread's first question.
FOLLOW_UP_WORDS = 8


def follow_up_question(first_question: str, follow_up: str) -> str:
    """The question to search for when someone replies in a thread the bot answered.

    A short follow-up ("and in 2009?", "what about Uzbekistan?") borrows the words of the
    thread's first question; its plain date words become filters (`in 2009` -> `in:2009`)
    and replace the first question's filters. A long follow-up stands on its own.
    """
    filters = [
        f"{_PLAIN_KEYS.get(m.group('key').lower(), m.group('key').lower())}:{m.group('value')}"
        for m in _PLAIN_FILTER.finditer(follow_up)
    ]
    if len(follow_up.split()) > FOLLOW_UP_WORDS:
        return " ".join([follow_up, *filters])
    if not filters:  # keep the thread's own filters when the follow-up names no dates
        filters = [f"{key}:{value}" for key, value in _FILTER.findall(first_question)]
    words = _PLAIN_FILTER.sub(" ", follow_up).strip(" ?!.,;:")
    words = re.sub(r"^(?:and|but|so|what about|how about)\b\s*", "", words, flags=re.IGNORECASE)
    return " ".join(
        part for part in [parse_question(first_question).query, words, *filters] if part
    )
