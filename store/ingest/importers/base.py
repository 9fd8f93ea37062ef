"""What every format's importer returns, and the small rules they share.

An importer turns one source's bytes into the text that becomes `NAME.txt` and the facts
that become `NAME.meta.toml`, each fact with the words saying where it came from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from store.errors import StoreError
from store.ingest.dates import find_dates
from store.ingest.months import LONGEST_FIRST, MONTHS

logger = logging.getLogger(__name__)

FIELDS = ("title", "author", "publisher", "url", "published")


class ImportFailure(StoreError):
    """One source cannot be imported; the message is the one-line reason shown for it."""


@dataclass(frozen=True)
class Found:
    """A fact about a document and where it came from ("JSON-LD datePublished")."""

    value: str
    source: str


@dataclass
class Extracted:
    """A source's text and facts, ready to be written as `NAME.txt` + `NAME.meta.toml`.

    `published` is "YYYY-MM-DD", or "YYYY-MM" / "YYYY" when the source gives no finer date;
    `date_basis` is "metadata", or "text" when the date was found only in the visible text.
    """

    text: str
    kind: str  # "html", "pdf", "docx", "text"
    text_source: str  # how the text was obtained, in words
    title: Found | None = None
    author: Found | None = None
    publisher: Found | None = None
    url: Found | None = None
    published: Found | None = None
    date_basis: str = "metadata"
    notes: list[str] = field(default_factory=list)  # for the admin: what was decided and why
    admin_notes: str | None = None  # the `notes` field to write (from a metadata file beside it)

    def fields(self) -> dict[str, Found]:
        found = {name: getattr(self, name) for name in FIELDS}
        return {name: value for name, value in found.items() if value is not None}


# ----- shared rules ---------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?=$|[T\s])")
_MONTH_YEAR = re.compile(
    # "December 2005", "DECEMBER 2005", "Dec. 2005"; not "may 2005" inside a sentence.
    r"\b(?P<month>"
    + "|".join(
        alternative for name in LONGEST_FIRST for alternative in (name.capitalize(), name.upper())
    )
    + r")\.?,?\s+(?P<year>(?:19|20)\d{2})\b"
)
EARLIEST_YEAR = 1900


def iso_date(value: str, today: date | None = None) -> str | None:
    """'2009-06-26T10:00:00+02:00' -> '2009-06-26'; '2005-12' -> '2005-12'; '2005' -> '2005'.

    The date is taken as the source wrote it (its own time zone). None for anything else,
    or for a date in the future or before 1900.
    """
    match = _ISO_DATE.match(value or "")
    if not match:
        return None
    year, month, day = (int(part) if part else 0 for part in match.groups())
    try:
        first_day = date(year, month or 1, day or 1)
    except ValueError:
        return None
    if year < EARLIEST_YEAR or first_day > (today or date.today()):
        return None
    if day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


def date_in_short_lines(lines: list[str], max_words: int = 12) -> Found | None:
    """A date standing in a short line (a cover, a byline, a dateline) before the prose.

    Full dates first come as written ('14 May 2007' -> '2007-05-14'); a month and year alone
    ('December 2005') gives month precision. Only lines of at most `max_words` words are
    read, so a date mentioned inside the article's prose is never taken as its own.
    """
    for line in lines:
        if len(line.split()) > max_words:
            continue
        mentions = find_dates(line)
        if mentions:
            iso = iso_date(mentions[0].value.isoformat())
            if iso:
                return Found(iso, f"'{mentions[0].text}'")
        match = _MONTH_YEAR.search(line)
        if match:
            month = MONTHS[match.group("month").lower()]
            iso = iso_date(f"{match.group('year')}-{month:02d}")
            if iso:
                return Found(iso, f"'{match.group(0)}'")
    return None


def clean_field(value: object) -> str | None:
    """One line of plain text, or None: control characters and runs of spaces removed."""
    if value is None:
        return None
    text = " ".join(str(value).replace("\x00", " ").split())
    text = "".join(char for char in text if char.isprintable())
    return text or None


def plain_title_words(text: str) -> str:
    """Casefolded words only: to tell whether a title is already a line of the text."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def with_title_line(title: Found | None, body: str) -> str:
    """Start the text with `# Title` unless the title already is one of its first lines.

    The cleaner recognises the headline by the metadata title and never quotes it, so
    putting it at the top costs nothing and anchors where the article starts.
    """
    if title is None:
        return body
    want = plain_title_words(title.value)
    head = [plain_title_words(line) for line in body.splitlines()[:12] if line.strip()]
    if want and want in head:
        return body
    return f"# {title.value}\n\n{body}" if body else f"# {title.value}\n"
