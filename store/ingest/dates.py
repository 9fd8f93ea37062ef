"""Find a document's publication date in its text, knowing that a page header can lie.

Raw web captures often start with the date the page was *captured*, not published. So a
header date is trusted only when nothing in the article contradicts it: a weekday named
with a day and month ("Thursday (25 June)") must fall on that weekday in the year before
the candidate date. A dateline that is contradicted is reported and dropped, and the
document is left undated rather than dated wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_WEEKDAY = r"(?:(?:" + "|".join(WEEKDAYS) + r"),?\s+)?"

# Full dates with a year, in the forms captures use.
_DATE_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<month_num>\d{{1,2}})-(?P<day>\d{{1,2}})\b"),
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    # US numeric form m/d/yyyy, as in "(11/2/2005 issue ...)".
    re.compile(rf"\b(?P<month_num>\d{{1,2}})/(?P<day>\d{{1,2}})/{_YEAR}\b"),
]

# A weekday tied to a day and month but no year: "Thursday (25 June)", "on Monday, March 3".
_NAMED_WEEKDAY = r"\b(?P<weekday>" + "|".join(WEEKDAYS) + r")\b[\s,(]+"
_NO_YEAR = r"(?!\s*,?\s*(?:19|20)\d{2})"
_WEEKDAY_REFERENCE = [
    re.compile(_NAMED_WEEKDAY + _DAY + r"\s+" + _MONTH + _NO_YEAR, re.IGNORECASE),
    re.compile(_NAMED_WEEKDAY + _MONTH + r"\s+" + _DAY + r"\b" + _NO_YEAR, re.IGNORECASE),
]

# How many characters of the page head count as its header (dateline, headline, byline).
HEADER_CHARS = 600


@dataclass(frozen=True)
class DateMention:
    """A full date found in the text, with its character offset."""

    value: date
    offset: int
    text: str


@dataclass(frozen=True)
class DateDecision:
    """The text-derived date of a document (or None) and why, for `index` warnings."""

    published: date | None
    reason: str


def find_dates(text: str) -> list[DateMention]:
    """Every full (day, month, year) date in `text`, in order of appearance."""
    mentions: dict[int, DateMention] = {}
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _to_date(match)
            if value is not None and match.start() not in mentions:
                mentions[match.start()] = DateMention(value, match.start(), match.group(0))
    return [mentions[offset] for offset in sorted(mentions)]


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    month = int(groups["month_num"]) if groups.get("month_num") else None
    if month is None and groups.get("month"):
        month = MONTHS.get(groups["month"].lower().rstrip("."))
    try:
        return date(int(groups["year"]), month or 0, int(groups["day"]))
    except (TypeError, ValueError):
        return None


def weekday_references(text: str) -> list[tuple[int, int, int]]:
    """(weekday 0=Monday, day, month) for each year-less weekday date in `text`."""
    found: list[tuple[int, int, int]] = []
    for pattern in _WEEKDAY_REFERENCE:
        for match in pattern.finditer(text):
            month = MONTHS.get(match.group("month").lower().rstrip("."))
            if month is None:
                continue
            weekday = WEEKDAYS.index(match.group("weekday").lower())
            found.append((weekday, int(match.group("day")), month))
    return found


def contradicts(candidate: date, references: Sequence[tuple[int, int, int]]) -> bool:
    """True when a weekday reference cannot be a day in the year up to `candidate`.

    An article mentions recent days; if "Thursday (25 June)" was not a Thursday in the
    year before (or a week after) the candidate date, the candidate is not its date.
    """
    for weekday, day, month in references:
        fits = False
        for year in (candidate.year - 1, candidate.year):
            try:
                day_date = date(year, month, day)
            except ValueError:
                continue
            in_window = candidate - timedelta(days=366) <= day_date <= candidate + timedelta(days=7)
            if in_window and day_date.weekday() == weekday:
                fits = True
        if not fits:
            return True
    return False


def date_from_text(text: str, article_text: str) -> DateDecision:
    """The publication date a page's own text supports, or None with the reason.

    Candidates are full dates in the page header (the first HEADER_CHARS characters), first
    to last; `article_text` (the paragraphs the cleaner kept) is what may contradict them.
    """
    references = weekday_references(article_text)
    header_dates = find_dates(text[:HEADER_CHARS])
    rejected: list[str] = []
    for mention in header_dates:
        if contradicts(mention.value, references):
            rejected.append(mention.text)
            continue
        return DateDecision(mention.value, f"dateline '{mention.text}' in the page header")
    if rejected:
        return DateDecision(
            None,
            "header date(s) "
            + ", ".join(f"'{text}'" for text in rejected)
            + " contradicted by weekdays named in the article (likely a capture date)",
        )
    return DateDecision(None, "no dateline found in the page header")
