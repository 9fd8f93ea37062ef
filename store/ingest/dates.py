"""Find a document's publication date in its text, knowing that a page can lie about it.

A publication date stands on its own: a line holding only a date, a byline or a "Published"
label, a wire story's opening dateline ("ASTANA, Sept. 14 (Agency) -"), a release's closing
date line. A date inside a sentence of the article is the date of an event, never the
page's own, so only those places are read, from the cleaner's verdicts. Among them:

1. a date labelled as published, posted or issued, or on the byline;
2. an opening dateline with a full date;
3. a line holding only a date (and time) in the page header;
4. another short header line naming a date ("News · Defence · 14.06.2016") or, failing a
   day, a month ("POLICY BRIEF No. 14 · MARCH 2011": month precision) or, failing a
   month, a journal issue line's year ("Vol. 9, Issue 3 (2015)": year precision);
5. a closing date line right after the article;
6. an opening dateline without a year, dated by the year of the page's "Updated" line;
7. an "Updated" / "Last modified" date, only when the page shows no original one, and said
   so in the note (the original may be earlier).

"Captured", "Retrieved", "Accessed" and "Archived" dates say when a copy was made: never a
publication date. Raw captures also begin with an unlabelled capture date, so any candidate
is dropped when a weekday named in the article contradicts it: "Thursday (25 June)" must
fall on that weekday in the year before the candidate date. A document is left undated
rather than dated wrongly. Dates are read in English, Russian and Kazakh (months.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from store.ingest.clean import Verdict, clean
from store.ingest.cues import ISSUE_MARK, LIST_MARKER
from store.ingest.months import ALTERNATION as MONTHS_ALTERNATION
from store.ingest.months import MONTHS

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_MONTH = rf"(?P<month>{MONTHS_ALTERNATION})\b\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
# Kazakh's word after a year: "2022 жылғы", "2022 жылы", "2022 ж.".
_KAZAKH_YEAR = r"ж(?:ылғы|ылы|ыл|\.)?"
_WEEKDAY = r"(?:(?:" + "|".join(WEEKDAYS) + r"),?\s+)?"

# Full dates with a year, in the forms captures use (a time after them is left alone).
_DATE_PATTERNS = [
    # ISO, also with a time: "2022-09-14", "2022-09-14T16:20".
    re.compile(rf"\b{_YEAR}-(?P<month_num>\d{{1,2}})-(?P<day>\d{{1,2}})(?!\d)"),
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    # A comma after the day: "08, Jan 2022" (never an issue's "No. 8, June 2012").
    re.compile(rf"(?<!No\.\s)(?<![№#]\s)\b{_DAY},\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    # Day, month and year joined by hyphens: "10-Jul-2014".
    re.compile(rf"\b{_DAY}-{_MONTH}-{_YEAR}\b", re.IGNORECASE),
    # European day.month.year: "14.09.2022" (dots are never month-first).
    # Russian pages may glue the year's "г." on: "08.02.2019г. в 20:30".
    re.compile(rf"\b(?P<day>\d{{1,2}})\.(?P<month_num>\d{{1,2}})\.{_YEAR}(?:\b|(?=г\.?))"),
    # Kazakh, year first: "2022 жылғы 14 қыркүйек", "2022 ж. 14 қыркүйекте".
    re.compile(rf"\b{_YEAR}\s*{_KAZAKH_YEAR}\s+{_DAY}\s+{_MONTH}", re.IGNORECASE),
]
# Numbers with slashes: "14/09/2022" is day-first, "11/22/2005" month-first; "11/2/2005" could
# be either and reads month-first ("(11/2/2005 issue ...)"), marked ambiguous.
# A page may space the slashes: "05 / 08 / 2013".
_SLASHED = re.compile(rf"\b(?P<first>\d{{1,2}}) ?/ ?(?P<second>\d{{1,2}}) ?/ ?{_YEAR}\b")
# A month named with its year and no day: "March 2011", "MARCH 2011", "сентябрь 2022".
_MONTH_YEAR = [
    re.compile(rf"{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    # Kazakh, year first: "2022 жылғы қыркүйек".
    re.compile(rf"\b{_YEAR}\s*{_KAZAKH_YEAR}\s+{_MONTH}(?!\s*\d)", re.IGNORECASE),
]
# The year in a journal's issue line (clean.ISSUE_MARK), never part of a page range.
_ISSUE_YEAR = re.compile(r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})(?![\d/-])")
# A day number right before a month: "No. 79 June 2012" names no day, "31 June" does.
_DAY_BEFORE = re.compile(r"\b(\d{1,2})\s+$")
# A month and day without a year, as a wire dateline gives them: "Sept. 14", "14 September".
_MONTH_DAY = [
    re.compile(rf"{_MONTH}\s+{_DAY}\b(?!,?\s*\d)", re.IGNORECASE),
    re.compile(rf"{_DAY}\s+{_MONTH}(?!,?\s*\d)", re.IGNORECASE),
]

# A weekday tied to a day and month but no year: "Thursday (25 June)", "on Monday, March 3".
_NAMED_WEEKDAY = r"\b(?P<weekday>" + "|".join(WEEKDAYS) + r")\b[\s,(]+"
_NO_YEAR = r"(?!\s*,?\s*(?:19|20)\d{2})"
_WEEKDAY_REFERENCE = [
    re.compile(_NAMED_WEEKDAY + _DAY + r"\s+" + _MONTH + _NO_YEAR, re.IGNORECASE),
    re.compile(_NAMED_WEEKDAY + _MONTH + r"\s+" + _DAY + r"\b" + _NO_YEAR, re.IGNORECASE),
]

# What a label before a date says it is. The nearest label before the date counts.
_LABELS = [
    (
        "copy",
        re.compile(
            r"\b(?:captured|retrieved|accessed|archived|saved|downloaded|printed|crawled"
            r"|snapshot|сохранено|дата обращения|сақталды)\b",
            re.IGNORECASE,
        ),
    ),
    (  # an infobox row's date of what the page is about: "Active 31 January 2000 – Present"
        "event",
        re.compile(
            r"^\s*(?:active|founded|established|formed|created|born|died|opened|launched"
            r"|commissioned|disbanded|signed|основан\w*|создан\w*|образован\w*|сформирован\w*"
            r"|құрылған)(?![^\W\d_])",  # the value may be glued on: "Active31 January 2000"
            re.IGNORECASE,
        ),
    ),
    (
        "updated",
        re.compile(
            r"\b(?:(?:last\s+)?(?:updated|modified|revised|edited|reviewed)|update"
            r"|обновлено|изменено|жаңартылды|өзгертілді)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "published",
        re.compile(
            r"\b(?:published|posted|issued|released|(?:for\s+)?immediate release|first published"
            r"|dated?|on air"
            r"|опубликовано|дата публикации|жарияланды|жарияланған)\b",
            re.IGNORECASE,
        ),
    ),
]
# The place words before a wire story's opening dateline: "ASTANA, Kazakhstan, ", "Almaty ".
_DATELINE_PLACE = re.compile(r"(?:[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w'.-]*(?:,\s*|\s+)){1,5}")
# What follows the date of an opening dateline: an optional clock time ("Киргизия, 20
# февраля, 2014, 14:12 — ИА Регнум."), an optional "(Agency)", and a dash.
_DATELINE_TAIL = re.compile(
    r"(?:,?\s*\d{1,2}:\d{2}(?:\s*(?i:[ap]\.?m\.?|gmt|utc))?)?"
    r"\s*(?:[,.]?\s*\([^()\n]{1,40}\))?\s*(?:--|[-–—])\s"
)
# A date that opens the first paragraph on its own, before a colon or a dash: "August 26,
# 2011: Russia has agreed ...".
_DATE_LEAD_TAIL = re.compile(r"\s*(?::|--|[-–—])\s")
# Lines that hold a few words besides the date; a sentence longer than this is prose.
MAX_LINE_WORDS = 12
MAX_LABELLED_WORDS = 25
# How many paragraphs after the article a closing date line may stand.
CLOSING_LINES = 4
_NOT_A_SIGNATURE = re.compile(
    r"comment|repl|respon|thought|related|read|more|latest|popular|recommend|news|similar"
    r"|коммент|отзыв|также|новост|популяр",
    re.IGNORECASE,
)
# Rules after which nothing is the article's own (comments, teasers, author bios).
_END_RULES = frozenset(
    {"site-chrome-heading", "off-topic", "after-author-bio", "after-sign-off", "headline-list"}
)


@dataclass(frozen=True)
class DateMention:
    """A date found in the text, with its character offset."""

    value: date
    offset: int
    text: str
    ambiguous: bool = False  # "11/2/2005": read month-first, but could be day-first
    precision: str = "day"  # "month" for "March 2011"


@dataclass(frozen=True)
class DateDecision:
    """The text-derived date of a document (or None) and why, for `index` warnings."""

    published: date | None
    reason: str
    precision: str = "day"
    updated: bool = False  # the date is the page's last update (it shows no original one)


def find_dates(text: str) -> list[DateMention]:
    """Every full (day, month, year) date in `text`, in order of appearance."""
    mentions: dict[int, DateMention] = {}
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _to_date(match)
            if value is not None and match.start() not in mentions:
                mentions[match.start()] = DateMention(value, match.start(), match.group(0))
    for match in _SLASHED.finditer(text):
        first, second = int(match.group("first")), int(match.group("second"))
        month, day = (second, first) if first > 12 else (first, second)
        value = _safe_date(int(match.group("year")), month, day)
        if value is not None and match.start() not in mentions:
            ambiguous = first <= 12 and second <= 12 and first != second
            mentions[match.start()] = DateMention(value, match.start(), match.group(0), ambiguous)
    return [mentions[offset] for offset in sorted(mentions)]


def find_months(text: str) -> list[DateMention]:
    """Months named with a year but no day ("March 2011"), as month-precision mentions."""
    days = find_dates(text)
    found = []
    for pattern in _MONTH_YEAR:
        for match in pattern.finditer(text):
            if any(d.offset <= match.start() < d.offset + len(d.text) for d in days):
                continue  # the month of a full date
            day = _DAY_BEFORE.search(text, 0, match.start())
            if day and 1 <= int(day.group(1)) <= 31:
                continue  # a day was named, though not a real one ("31 June 2012")
            month = MONTHS.get(match.group("month").lower().rstrip("."))
            value = _safe_date(int(match.group("year")), month or 0, 1)
            if value is not None:
                found.append(DateMention(value, match.start(), match.group(0), precision="month"))
    return sorted(found, key=lambda mention: mention.offset)


def find_issue_years(text: str) -> list[DateMention]:
    """The year of a journal issue line ("Volume 9, Issue 3 (2015)"), as a year-precision
    mention; none when the line names no issue or several different years."""
    if not ISSUE_MARK.search(text):
        return []
    years = list(_ISSUE_YEAR.finditer(text))
    if len({match.group("year") for match in years}) != 1:
        return []
    first = years[0]
    value = date(int(first.group("year")), 1, 1)
    return [DateMention(value, first.start(), first.group(0), precision="year")]


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    month = int(groups["month_num"]) if groups.get("month_num") else None
    if month is None and groups.get("month"):
        month = MONTHS.get(groups["month"].lower().rstrip("."))
    return _safe_date(int(groups["year"]), month or 0, int(groups["day"]))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
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


# --- where a page states its own date ------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    mention: DateMention
    tier: int  # 1-7, as in the module docstring
    distance: int  # paragraphs from the headline: nearer is likelier the page's own
    where: str  # for the note: "a byline", "the opening dateline", ...


def date_from_text(text: str, verdicts: Sequence[Verdict] | None = None) -> DateDecision:
    """The publication date a page's own text supports, or None with the reason.

    `verdicts` are the cleaner's (computed here when not given): they tell the page header,
    the article and what follows it apart; the kept paragraphs may contradict a candidate.
    """
    verdicts = list(verdicts) if verdicts is not None else clean(text)
    article = "\n\n".join(v.paragraph.text for v in verdicts if v.kept)
    references = weekday_references(article)
    candidates, copies = _candidates(verdicts)
    rejected: list[str] = []
    for candidate in sorted(candidates, key=lambda c: (c.tier, c.distance, c.mention.offset)):
        mention = candidate.mention
        if contradicts(mention.value, references):
            rejected.append(mention.text)
            continue
        return DateDecision(
            mention.value,
            f"'{mention.text}' on {candidate.where}",
            mention.precision,
            updated=candidate.tier == _UPDATED_TIER,
        )
    if rejected:
        return DateDecision(
            None,
            "header date(s) "
            + ", ".join(f"'{text}'" for text in rejected)
            + " contradicted by weekdays named in the article (likely a capture date)",
        )
    if copies:
        return DateDecision(
            None,
            f"only a capture or retrieval date ('{copies[0].text}'), which says when the copy "
            "was made, not when the page was published",
        )
    return DateDecision(None, "no publication date on its own line, byline or dateline")


def _candidates(verdicts: Sequence[Verdict]) -> tuple[list[_Candidate], list[DateMention]]:
    """Every date the page states as its own, and the capture dates it states (never used)."""
    kept = [i for i, v in enumerate(verdicts) if v.kept]
    header_end = kept[1] if len(kept) > 1 else len(verdicts)
    title = next((i for i, v in enumerate(verdicts) if v.rule == "title"), None)
    anchor = title if title is not None else (kept[0] if kept else 0)
    found: list[_Candidate] = []
    copies: list[DateMention] = []
    updated_years: list[date] = []
    stamps = _page_stamps(verdicts) | _timeline_entries(verdicts)
    for i in range(header_end):
        verdict = verdicts[i]
        distance = abs(i - anchor) * 2 + (i < anchor)  # after the headline first
        if verdict.kept:
            if kept and i == kept[0]:
                found += _opening_dateline(verdict, distance)
            continue
        if i in stamps:
            continue
        for mention, label in _own_dates(verdict, distance, found, copies, updated_years):
            if _stands_alone(verdict, mention, label):
                found.append(_header_candidate(verdict, mention, label, distance))
    for i in closing_lines(verdicts):
        verdict = verdicts[i]
        for mention, label in _own_dates(verdict, i, found, copies, updated_years):
            if mention.precision == "day" and (
                verdict.rule in ("dateline", "byline") or label == "published"
            ):
                found.append(_Candidate(mention, 5, i, "a closing date line after the text"))
    if kept and not any(c.tier <= _OPENING_TIER for c in found):
        header_days = [
            m for v in verdicts[:header_end] if not v.kept for m in find_dates(v.paragraph.text)
        ]
        for i in kept[:2]:  # the opening dateline, or the first after a lone standfirst
            found += _dateline_dated_by_header(verdicts[i], header_days)
    if kept and updated_years:
        found += _yearless_dateline(verdicts[kept[0]], max(updated_years))
    if _written_in_cyrillic(verdicts):
        found = [_read_day_first(c) if c.mention.ambiguous else c for c in found]
    return [c for c in found if not c.mention.ambiguous], copies


def _page_stamps(verdicts: Sequence[Verdict]) -> set[int]:
    """Dropped lines printed the same on every page of a document (a viewer's or printer's
    "8/13/2019 97-1058" over each page): they date the copy, not the document."""
    seen: dict[str, list[int]] = {}
    for i, verdict in enumerate(verdicts):
        text = " ".join(verdict.paragraph.text.split())
        if not verdict.kept and any(c.isdigit() for c in text):
            seen.setdefault(text, []).append(i)
    return {i for lines in seen.values() if len(lines) > 1 for i in lines}


def _timeline_entries(verdicts: Sequence[Verdict]) -> set[int]:
    """Dropped list items in a row that each give a different date (an infobox's history:
    "• 15 May 1992 (as the treaty)" / "• 7 October 2002 (as the organisation)"): dates of
    what the page is about, never of the page."""
    days = [
        {m.value for m in find_dates(v.paragraph.text)}
        if not v.kept and LIST_MARKER.match(v.paragraph.text)
        else set()
        for v in verdicts
    ]
    entries: set[int] = set()
    i = 0
    while i < len(verdicts):
        j = i
        while j < len(verdicts) and days[j]:
            j += 1
        run = range(i, j)
        if len(run) >= MIN_TIMELINE_ENTRIES and len(set().union(*days[i:j])) >= len(run):
            entries.update(run)
        i = j + 1
    return entries


MIN_TIMELINE_ENTRIES = 2


def _written_in_cyrillic(verdicts: Sequence[Verdict]) -> bool:
    """Whether most letters of the kept text are Cyrillic: a Russian or Kazakh page, whose
    numeric dates are day-first ("05/08/2013" is 5 August), never the US month-first."""
    letters = [c for v in verdicts if v.kept for c in v.paragraph.text if c.isalpha()]
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters)
    return bool(letters) and cyrillic > len(letters) / 2


def _read_day_first(candidate: _Candidate) -> _Candidate:
    """An ambiguous slashed date (read month-first) read day-first instead, no longer ambiguous."""
    value = candidate.mention.value
    mention = dataclasses.replace(
        candidate.mention, value=date(value.year, value.day, value.month), ambiguous=False
    )
    return dataclasses.replace(candidate, mention=mention)


_UPDATED_LINE = "an 'Updated' line: no original date on the page, and the original may be earlier"
_UPDATED_TIER = 7  # the last resort, as in the module docstring


def _own_dates(
    verdict: Verdict,
    distance: int,
    found: list[_Candidate],
    copies: list[DateMention],
    updated: list[date],
) -> list[tuple[DateMention, str | None]]:
    """A paragraph's dates, the same way in the header and after the text: a capture date
    goes to `copies` (never used), an 'Updated' date to `updated` and, as the last resort
    (used only when the page states no original date), to `found`; the others are returned
    for the caller to judge by where they stand."""
    others = []
    for mention, label in _labelled_mentions(verdict):
        if label == "copy":
            copies.append(mention)
        elif label == "event":
            continue  # when the subject was founded or signed, not when the page was written
        elif label == "updated":
            updated.append(mention.value)
            found.append(_Candidate(mention, _UPDATED_TIER, distance, _UPDATED_LINE))
        else:
            others.append((mention, label))
    return others


def _labelled_mentions(verdict: Verdict) -> list[tuple[DateMention, str | None]]:
    """Each date of a paragraph (days, else months) with the label nearest before it."""
    text = verdict.paragraph.text
    mentions = find_dates(text) or find_months(text) or find_issue_years(text)
    found = []
    for mention in mentions:
        before = text[: mention.offset]
        label, at = None, -1
        for name, pattern in _LABELS:
            for match in pattern.finditer(before):
                if match.end() > at:
                    label, at = name, match.end()
        found.append((_shifted(mention, verdict.paragraph.start), label))
    return found


def _shifted(mention: DateMention, by: int) -> DateMention:
    return DateMention(
        mention.value, mention.offset + by, mention.text, mention.ambiguous, mention.precision
    )


def _stands_alone(verdict: Verdict, mention: DateMention, label: str | None) -> bool:
    """A date on a line of its own, a byline or a labelled line; never inside a sentence."""
    if verdict.rule in ("dateline", "byline", "title"):
        return verdict.rule != "title"
    text = verdict.paragraph.text.rstrip()
    sentence = text.endswith((".", "!", "?")) and len(text.split()) > 6
    if label is None and sentence and mention.precision != "year":
        return False  # a sentence, even a short one, dates an event (a citation may end so)
    words = len(verdict.paragraph.text.replace(mention.text, " ").split())
    return words <= (MAX_LABELLED_WORDS if label == "published" else MAX_LINE_WORDS)


def _header_candidate(
    verdict: Verdict, mention: DateMention, label: str | None, distance: int
) -> _Candidate:
    if label == "published" or verdict.rule == "byline":
        where = "the byline" if verdict.rule == "byline" else "a 'published' line"
        return _Candidate(mention, 1, distance, f"{where} in the page header")
    if verdict.rule == "dateline" and mention.precision == "day":
        return _Candidate(mention, 3, distance, "a date line in the page header")
    if mention.precision == "month":  # after every short line that names a day
        return _Candidate(mention, 4, 1000 + distance, "a header line naming only a month")
    if mention.precision == "year":  # and after those naming a month
        return _Candidate(mention, 4, 2000 + distance, "a journal issue line naming its year")
    return _Candidate(mention, 4, distance, "a short line in the page header")


def _opening_dateline(verdict: Verdict, distance: int) -> list[_Candidate]:
    """A full date in the first paragraph's dateline: "ASTANA, 14 September 2022 (Agency) -"."""
    text = verdict.paragraph.text
    for mention in find_dates(text[:120]):
        if _is_dateline_at(text, mention.offset, mention.offset + len(mention.text)):
            where = "the opening dateline"
            return [_Candidate(_shifted(mention, verdict.paragraph.start), 2, distance, where)]
    return []


def _is_dateline_at(text: str, start: int, end: int) -> bool:
    if start == 0:
        return bool(_DATE_LEAD_TAIL.match(text, end))
    place = _DATELINE_PLACE.fullmatch(text[:start])
    return bool(place) and bool(_DATELINE_TAIL.match(text, end))


_OPENING_TIER = 2  # an opening dateline's tier, as in the module docstring


def _dateline_dated_by_header(verdict: Verdict, header_days: list[DateMention]) -> list[_Candidate]:
    """ "YEREVAN, 9 Jan — Agency.": a year-less opening dateline takes its year from a full
    date in the page header naming the same day and month (a caption's or a stamp's)."""
    opening = next(_yearless_openings(verdict.paragraph.text), None)
    if opening is None:
        return []
    (month, day), at, shown = opening
    same = [m.value for m in header_days if (m.value.month, m.value.day) == (month, day)]
    if not same:
        return []
    mention = DateMention(same[0], verdict.paragraph.start + at, shown)
    where = f"the opening dateline (no year; the year of {same[0]} in the page header)"
    return [_Candidate(mention, _OPENING_TIER, 0, where)]


def _yearless_openings(text: str) -> Iterator[tuple[tuple[int, int], int, str]]:
    """The (month, day) of each year-less dateline reading that opens `text` (one per
    pattern), with its offset and its words; month 0 for a name the table lacks."""
    for pattern in _MONTH_DAY:
        match = pattern.search(text[:80])
        if match and _is_dateline_at(text, match.start(), match.end()):
            month = MONTHS.get(match.group("month").lower().rstrip("."), 0)
            yield (month, int(match.group("day"))), match.start(), match.group(0)


def _yearless_dateline(verdict: Verdict, updated: date) -> list[_Candidate]:
    """ "ASTANA, Sept. 14 (Agency) -": the year is the one that puts it last on or before the
    page's own 'Updated' date."""
    for (month, day), at, shown in _yearless_openings(verdict.paragraph.text):
        value = _safe_date(updated.year, month, day)
        if value is not None and value > updated:
            value = _safe_date(updated.year - 1, month, day)
        if value is not None:
            mention = DateMention(value, verdict.paragraph.start + at, shown)
            where = f"the opening dateline (no year; the year of the 'Updated' date {updated})"
            return [_Candidate(mention, 6, 0, where)]
    return []


def closing_lines(verdicts: Sequence[Verdict]) -> list[int]:
    """The few dropped paragraphs right after the article, up to comments or teasers: where
    a release's closing date line stands (read here, and quoted by provenance.dateline)."""
    kept = [i for i, v in enumerate(verdicts) if v.kept]
    if not kept:
        return []
    found = []
    for i in range(kept[-1] + 1, min(len(verdicts), kept[-1] + 1 + CLOSING_LINES)):
        if verdicts[i].rule in _END_RULES:
            # A signature above the date ("Press service of the Ministry") may read as a
            # heading; comments, related stories and teasers end the article's foot.
            heading = verdicts[i].rule == "site-chrome-heading"
            if not heading or _NOT_A_SIGNATURE.search(verdicts[i].paragraph.text):
                break
        if verdicts[i].rule == "page-counter" and re.search(
            r"comment|response|repl", verdicts[i].paragraph.text, re.IGNORECASE
        ):
            break
        found.append(i)
    return found
