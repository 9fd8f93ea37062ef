"""Where a document says who wrote it and when: its byline and dateline, as verbatim spans.

A reader who asks "who wrote the CACI piece" is answered from the document's metadata, and
shown the line of the page that says so ("By Roger N McDermott (11/2/2005 issue of the CACI
Analyst)", "Wednesday, 02 November 2005") as a quote, `text == file[start:end]`. Only lines
of the page header (before the article starts) count; a dateline is shown only when it
names the document's own date (a capture date such as EUobserver's "19th Mar 2018" is not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import takewhile

from store.ingest.clean import Verdict
from store.ingest.cues import CHROME_WORDS, NAME_WITH_POST, OUTLINE_HEADING, SPEECH_KINDS
from store.ingest.dates import closing_lines, find_dates
from store.ingest.months import MONTHS
from store.ingest.words import common_words

_BY = re.compile(r"(?:^|\s)by\s+\S|^(?:author|автор)\s*:", re.IGNORECASE)
# Who wrote it, after "By", "Written by", "Posted on ... by", "Author:" or "Speech by" (a
# speech's speaker); credits for other work ("Edited by", "Photo by") name no author.
_WRITER_LABEL = re.compile(
    r"^(?:(?:written\s+|writing\s+|reporting\s+|posted\s+|published\s+)?(?:on\s+[^\n]{1,40}?\s+)?by"
    rf"|(?:(?:opening|closing|keynote|welcoming)\s+)?{SPEECH_KINDS}"
    r"(?:\s+as\s+(?:prepared|delivered)(?:\s+for\s+delivery)?)?\s+by"
    r"|story(?:\s+and\s+(?:photos?|video))?\s+by"
    r"|author|автор)"
    r"\s*:?\s+",
    re.IGNORECASE,
)
_NAME_WORD = r"(?:[A-ZА-ЯЁ][\w'’.-]*|(?:van|von|de|der|al|el|bin|ibn)(?=\s))"
# One name: capitalised words and initials ("Roger N McDermott", "Dana Omarova"); several
# joined by "and", "&" or a comma ("Jane Doe and John Roe").
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}"
_NAMES = re.compile(rf"{_NAME}(?:(?:\s*,\s*|\s+(?:and|&|и)\s+){_NAME})*")
# A post or a desk after the names, not a name: "Jane Doe, Staff Correspondent".
_POST = re.compile(
    r"\b(?:writer|correspondent|reporter|editor|columnist|stringer|contributor|staff|"
    r"analyst|fellow|professor|director|researcher|journalist|bureau|desk|news|agency|"
    r"service|affairs|office|корреспондент|редактор|обозреватель)s?\b",
    re.IGNORECASE,
)
# An office named in place of a name, as a speech's speaker line may: "by NATO Secretary
# General, Jane Doe" names Jane Doe.
_OFFICE = re.compile(
    r"\b(?:minister|secretary|president|ambassador|chair(?:man|woman|person)?|commander|"
    r"general|spokes(?:man|woman|person)|representative|envoy|deputy|head|governor)\b",
    re.IGNORECASE,
)
# An institution after a name, not a second name: "Jane Doe, Armed Forces Academy".
_INSTITUTION = re.compile(
    r"\b(?:academy|university|institute|college|school|center|centre|ministry|forces|army|"
    r"council|committee|foundation|society)\b",
    re.IGNORECASE,
)
# A byline naming a desk, not a person: "By Steppe Wire Staff", "By the News Desk".
_DESK = re.compile(r"\b(?:staff|desk|bureau|service|agency|news|wire)\b", re.IGNORECASE)
# Words that open a post's name before its post word: "Public Affairs", "Senior Fellow".
_POST_OPENERS = frozenset(
    "public senior staff special chief deputy managing contributing associate political "
    "foreign defence defense military news press research".split()
)


# A line holding only a person's name, as papers and some news sites print their author
# under the headline: "Dr Ainur Sagyndykova", "Yuri MOROZOV", "Jane Doe1" (a footnote mark).
_HONORIFIC = r"(?:(?:Dr|Prof|Professor|Mr|Mrs|Ms)\.?\s+)"
_ONE_NAME = rf"{_HONORIFIC}?{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}"
_NAME_ALONE = re.compile(rf"{_HONORIFIC}?(?P<name>{_ONE_NAME}(?:\s+(?:and|&|и)\s+{_ONE_NAME})?)")
# A journal's author line: a name, then a degree ("Jane Doe, Ph.D. (Political Science),
# Senior Fellow ...", "Ivan Petrov, D.Sc. (Philos.), Professor ...", "Cand. Sc.").
_DEGREE = (
    r"(?:Ph\.?\s?D|D\.\s?Sc|Dr\.?\s?Sc|Cand(?:idate)?\.?\s+(?:of\s+)?Sc"
    r"|Doctor of|Professor\b|M\.\s?A\.|M\.\s?Sc)"
)
_DEGREE_LINE = re.compile(rf"(?P<name>{_NAME}),\s+{_DEGREE}")
# Or the name on a line of its own over the degree: "Jane Doe," / "D. Sc. (History), ...".
_NAME_OVER_DEGREE = re.compile(rf"(?P<name>{_NAME}),?")
_DEGREE_START = re.compile(_DEGREE)
# A headline that ends with its writer's name: "Kazakhstan is a pop quiz by Jane Doe".
_TITLE_BY = re.compile(rf"\s+by\s+(?P<name>{_ONE_NAME})\s*$")
# "… hosted by Jane Doe", "… led by …": the one who did what the headline says, no writer.
_PARTICIPLE = re.compile(
    r"(?:ed|en|held|led|made|won|met|sent|paid|said|told|built|brought|set|hit|run|shot|"
    r"struck|caught|kept|left|lost|sought|taught|bought|fought|thought)$",
    re.IGNORECASE,
)
# A name, then the date label: "Jane Doe Published January 12, 2022".
_NAME_THEN_DATE = re.compile(
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})\s+"
    r"(?i:published|posted|updated|опубликовано)\b:?"
)
# Cells of a page's meta row: "19.07.2017 | Comments | Jane Doe", "12 May 2021 · Jane Doe".
_ROW_SEPARATOR = re.compile(r"\s+[|·•]\s+")
# How far under the headline a name line may stand (a subheadline, a date line between).
MAX_LINES_OVER_NAME = 3

# Who wrote a wire story, in its closing credits: "Writing by ...", "Reporting by ...".
_CREDIT = re.compile(r"\b(writing|written|reporting) by\s+(?=[A-ZА-ЯЁ])", re.IGNORECASE)
_LABEL_ALONE = re.compile(r"^\s*(?:author|by|автор)\s*:?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A verbatim span of the document's file."""

    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text}


def header(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The dropped paragraphs before the first kept one: the page header."""
    found = []
    for verdict in verdicts:
        if verdict.kept:
            break
        found.append(verdict)
    return found


def opening(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The page header, and the dropped lines between a lone standfirst (the first kept
    paragraph) and the next kept one, where some papers print "BY Jane Doe"."""
    lines = header(verdicts)
    rest = verdicts[len(lines) + 1 :]
    for verdict in rest:
        if verdict.kept:
            break
        lines.append(verdict)
    return lines


def byline(verdicts: Sequence[Verdict], text: str) -> Span | None:
    """The header's byline: a line the cleaner read as a byline that names someone ("By X",
    "Posted on 3 October 2022 by X"); a label alone ("Author:") with the name on the next
    line is quoted with it (from `text`, the file's text)."""
    lines = opening(verdicts)
    for n, verdict in enumerate(lines):
        if verdict.rule != "byline" or not _BY.search(verdict.paragraph.text):
            continue
        return _label_and_name(lines, n, text) or _span(verdict)
    closing = [verdicts[i] for i in closing_lines(verdicts)]
    for n, verdict in enumerate(closing):  # a closing "By ..." or a wire story's credits
        line = verdict.paragraph.text
        if verdict.rule != "byline":
            continue
        if _CREDIT.search(line) or author_from_byline(line):
            return _span(verdict)
        if found := _label_and_name(closing, n, text):
            return found
    return None


def _label_and_name(lines: Sequence[Verdict], n: int, text: str) -> Span | None:
    """A label alone ("Author:") with the name on the next line: both, quoted together."""
    label = lines[n].paragraph
    after = lines[n + 1].paragraph if n + 1 < len(lines) else None
    if after is None or not _LABEL_ALONE.match(label.text):
        return None
    if not author_from_byline(f"{label.text} {after.text}"):
        return None
    return Span(label.start, after.end, text[label.start : after.end])


@dataclass(frozen=True)
class AuthorLine:
    """A header line that names the author without a "By", and the name it gives."""

    span: Span
    author: str


def degree_lines(verdicts: Sequence[Verdict], text: str) -> AuthorLine | None:
    """A journal's author lines in the header, each a name and the author's degree and
    post ("Jane Doe, Ph.D. (Political Science), Senior Fellow at ..."): one span over all
    of them, as the file has them, naming every author ("A and B")."""
    lines = header(verdicts)
    first = next((n for n, v in enumerate(lines) if _DEGREE_LINE.match(v.paragraph.text)), None)
    if first is None:
        return _name_over_degree(lines, text)
    matches = list(takewhile(bool, (_DEGREE_LINE.match(v.paragraph.text) for v in lines[first:])))
    found = lines[first : first + len(matches)]
    start, end = found[0].paragraph.start, found[-1].paragraph.end
    names = [match.group("name") for match in matches]
    joined = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    return AuthorLine(Span(start, end, text[start:end]), _title_cased(joined))


def _name_over_degree(lines: Sequence[Verdict], text: str) -> AuthorLine | None:
    """A name alone on a header line (maybe closed by a comma) over a line opening with the
    author's degree ("Jane Doe," / "D. Sc. (Political sciences), Institute of ..."): both
    lines, quoted together."""
    for above, below in zip(lines, lines[1:]):
        found = _NAME_OVER_DEGREE.fullmatch(above.paragraph.text.strip())
        if not found or not _DEGREE_START.match(below.paragraph.text.strip()):
            continue
        if _names_a_person(found.group("name"), text):
            start, end = above.paragraph.start, below.paragraph.end
            return AuthorLine(Span(start, end, text[start:end]), _title_cased(found.group("name")))
    return None


# A writer's sign-off under the text: initials and the surname in capitals ("А. ИВАНОВА",
# "J. DOE"), as Russian-language papers print it.
_SIGN_OFF_NAME = re.compile(r"(?:[A-ZА-ЯЁ]\.\s?){1,2}[A-ZА-ЯЁ][A-ZА-ЯЁ'’-]{2,}(?:-[A-ZА-ЯЁ]{2,})?")


def sign_off(verdicts: Sequence[Verdict], text: str) -> AuthorLine | None:
    """The writer's initials and surname alone on the first line after the text."""
    for i in closing_lines(verdicts)[:1]:
        line = verdicts[i].paragraph.text.strip()
        if _SIGN_OFF_NAME.fullmatch(line):
            return AuthorLine(_span(verdicts[i]), _title_cased(line))
    return None


def title_byline(verdicts: Sequence[Verdict], text: str) -> AuthorLine | None:
    """A headline that ends with "by" and its writer's name ("For a new alliance, Kazakhstan
    is a test by Jane Doe"), not with whoever did what it reports ("… hosted by Jane Doe")."""
    titles = [v for v in verdicts if v.rule == "title"]
    if not titles:
        return None
    line = titles[-1].paragraph
    found = _TITLE_BY.search(line.text)
    if found is None or not line.text[: found.start()].split():
        return None
    if _PARTICIPLE.search(line.text[: found.start()].split()[-1]):
        return None
    if not _names_a_person(found.group("name"), text, vouched=True):
        return None
    return AuthorLine(_span(titles[-1]), _title_cased(found.group("name")))


def title_without_byline(title: str) -> str:
    """The headline without the "by Jane Doe" that `title_byline` read its writer from."""
    found = _TITLE_BY.search(title)
    return title[: found.start()].rstrip(" ,-–—") if found else title


def name_line(verdicts: Sequence[Verdict], text: str) -> AuthorLine | None:
    """A line just under the headline that holds only a person's name (a paper's "Dr Ainur
    Sagyndykova", a news site's author without "By"), or a header row that gives the date
    and ends with the name, or opens with it ("Jane Doe Published 12 May 2021"). A name is
    told from a label such as "Photo Gallery" or "Research Division" by its words: none is
    a post, a desk or a site's word, not all are common English words, and none appears in
    lower case anywhere in the file (`text`), as a label's words often do."""
    lines = header(verdicts)
    for verdict in lines:  # "19.07.2017 | Comments | 312 Jane Doe": a page's meta row
        line = verdict.paragraph.text
        if (found := _name_with_post(line)) and _names_a_person(found, text, vouched=True):
            return AuthorLine(_span(verdict), _title_cased(found))
        found = _row_name(line) or _name_before_date(line)
        if found and _names_a_person(found, text):
            return AuthorLine(_span(verdict), _title_cased(found))
    titles = [n for n, verdict in enumerate(lines) if verdict.rule == "title"]
    if not titles:
        return None
    for verdict in lines[titles[-1] + 1 : titles[-1] + 1 + MAX_LINES_OVER_NAME]:
        found = _name_alone(verdict.paragraph.text)
        if found and _names_a_person(found, text):
            return AuthorLine(_span(verdict), _title_cased(found))
    return None


def _name_with_post(line: str) -> str | None:
    """The name before the writer's post in brackets: "Jane Doe (Security Analyst)"."""
    found = NAME_WITH_POST.fullmatch(line.strip())
    return found.group("name") if found else None


def _name_before_date(line: str) -> str | None:
    """The name that opens a header line before its date: "Jane Doe Published January 12,
    2022 | 08:28 PM"."""
    found = _NAME_THEN_DATE.match(line.strip())
    if found is None or not find_dates(line[found.end() :]):
        return None
    return found.group("name")


def _row_name(line: str) -> str | None:
    """The name in the last cell of a header row that also holds the date ("19.07.2017 |
    Comments | International Relations | 312 Jane Doe"; a view count may precede it)."""
    cells = _ROW_SEPARATOR.split(line.strip())
    if len(cells) < 2 or not any(find_dates(cell) for cell in cells[:-1]):
        return None
    return _name_alone(cells[-1].lstrip("0123456789 "))


def _name_alone(line: str) -> str | None:
    """The name a line holds and nothing else, without a footnote mark ("Jane Doe1"); a
    report's outline heading ("IV. CONCLUSIONS") is none."""
    if OUTLINE_HEADING.match(line.strip()):
        return None
    found = _NAME_ALONE.fullmatch(line.strip().rstrip("0123456789*"))
    return found.group("name") if found else None


def _names_a_person(name: str, text: str, vouched: bool = False) -> bool:
    """Whether `name` reads as a person's name rather than a label; `vouched`: a "by"
    before it or a writer's post after it already says a person is named, so common words
    may make it up."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", name) if w not in ("and", "и")]
    if _POST.search(name) or _DESK.search(name):
        return False
    if any(word.casefold() in CHROME_WORDS for word in words):
        return False
    if not vouched and all(word.casefold() in common_words() for word in words):
        return False  # "Photo Gallery", "Available Downloads"; "Helen Marsh" is missed
    return not any(
        re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", text)
        for word in words
        if len(word) > 2
    )


def _title_cased(name: str) -> str:
    """Names in capitals ("Yuri MOROZOV") in title case."""
    return " ".join(w.title() if w.isupper() and len(w) > 2 else w for w in name.split())


def author_from_byline(line: str) -> str | None:
    """The writer a byline names ("By Roger N McDermott (11/2/2005 issue ...)" -> "Roger N
    McDermott"); names in capitals are given in title case. None when the line credits
    someone for other work or names no one."""
    # "Author:" over the name reads as one line; otherwise only the first line counts.
    joined = " ".join(line.split()) if _LABEL_ALONE.match(line.split("\n", 1)[0]) else line
    credit = joined.strip().split("\n", 1)[0]
    credits = sorted(_CREDIT.finditer(credit), key=lambda m: m.group(1).lower() == "reporting")
    if credits:  # "(Reporting by A in Almaty; Writing by B; Editing by C)": B, else A
        credit = credit[credits[0].start(1) :]
    label = _WRITER_LABEL.match(credit)
    if label is None:
        return None
    names = _NAMES.match(credit[label.end() :])
    if names is None:
        return None
    found_names = _without_unit(
        _without_trailing_month(names.group(0), credit[label.end() + names.end() :])
    )
    lead, *others = re.split(r"\s*,\s*", found_names.rstrip(" ,."))
    if _OFFICE.search(lead) and not _DESK.search(lead):
        lead = _without_office(lead)  # "NATO Secretary General Lord Example": Lord Example
        if not lead and others:
            lead, *others = others  # "NATO Secretary General, Jane Example": Jane Example
    parts = [_without_post(lead), *others]
    while len(parts) > 1 and (
        _POST.search(parts[-1]) or _OFFICE.search(parts[-1]) or _INSTITUTION.search(parts[-1])
    ):
        parts.pop()  # "..., Staff Correspondents", "..., Senior Fellow at ...", "..., Academy"
    if not parts[0] or any(_POST.search(part) or _OFFICE.search(part) for part in parts[1:]):
        return None
    found = ", ".join(parts)
    return found.title() if found.isupper() else found


def _without_office(name: str) -> str:
    """The name after the office that opens it ("Deputy Secretary General Jane Example" ->
    "Jane Example"); "" when no name follows ("Deputy Minister")."""
    *_, last = _OFFICE.finditer(name)
    rest = name[last.end() :].split()
    return " ".join(rest) if len(rest) >= 2 else ""


# Where a byline's name gives way to the writer's unit or institution: "By Maj. Jane Doe
# U.S. Army Central", "By Jane Doe Army Public Affairs".
_UNIT_START = re.compile(
    r"\s+(?:(?:[A-Z]\.){2,}|(?:Army|Navy|Air|Marine|Force|Command|Corps|Ministry|Department|"
    r"University|Institute|Center|Centre)\b)"
)


def _without_unit(names: str) -> str:
    """Each name without a unit or institution run on after it ("Maj. Jane Doe U.S. Army"
    -> "Maj. Jane Doe"), when at least two words of name remain; after a military rank, a
    name is two words, or three with an initial, when four words or more follow the rank
    ("Sgt. Jane Doe Arizona National Guard" -> "Sgt. Jane Doe"). Joint names are cut one by
    one: "Col. Jane Doe and John Roe" keeps both."""
    parts = _NAME_JOINER.split(names)
    return "".join(part if n % 2 else _one_without_unit(part) for n, part in enumerate(parts))


_NAME_JOINER = re.compile(r"(\s*,\s*|\s+(?:and|&|и)\s+)")


def _one_without_unit(names: str) -> str:
    ranked = _RANK_AND_NAME.match(names)
    if ranked and len(names[ranked.start("name") :].split()) >= MIN_WORDS_OVER_RANKED_NAME:
        return ranked.group(0)
    found = _UNIT_START.search(names)
    if found is None or len(names[: found.start()].split()) < 2:
        return names
    return names[: found.start()]


_RANK_AND_NAME = re.compile(
    r"(?:(?:Staff|Master|Sgt\.?|Sergeant|First|Command|Lt\.?|Lieutenant)\s+)?"
    r"(?:Sgt|Spc|Pfc|Pvt|Cpl|Lt|Capt|Maj|Col|Gen|Cmdr|Adm|Ens|SSgt|MSgt|TSgt|SrA|A1C|"
    r"Sergeant|Corporal|Private|Specialist|Lieutenant|Captain|Major|Colonel|General)\.?"
    r"\s+(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z]\.)?\s+[A-Z][\w'’-]+)"
)
# Words after a rank that are more than a name: "Jane Doe Arizona National …" (a name of
# three words, "Jane Doe Smith", is left whole).
MIN_WORDS_OVER_RANKED_NAME = 4


def _without_trailing_month(names: str, after: str) -> str:
    """ "By Jane Doe March 3, 2019": the month is the date's, not the name's."""
    words = names.split()
    if (
        len(words) > 2
        and words[-1].casefold().rstrip(".") in MONTHS
        and after[:2].strip()[:1].isdigit()
    ):
        return " ".join(words[:-1])
    return names


def _without_post(name: str) -> str:
    """A name without the post written after it: "Desiree Doe Public Affairs" -> "Desiree
    Doe"; "" when the words are a post or a desk ("Staff Correspondent", "Wire Staff")."""
    post = _POST.search(name)
    if post is None:
        return name
    if _DESK.search(name):
        return ""
    words = name[: post.start()].split()
    while words and words[-1].casefold() in _POST_OPENERS:
        words.pop()
    return " ".join(words) if len(words) >= 2 else ""


def dateline(verdicts: Sequence[Verdict], published: date | None) -> Span | None:
    """The header line that names the document's date, when it has one; else the closing
    date line right after the text ("Astana, 14.09.2022" under a release or transcript)."""
    if published is None:
        return None
    for verdict in [*header(verdicts), *(verdicts[i] for i in closing_lines(verdicts))]:
        if verdict.rule in ("dateline", "byline") and any(
            mention.value == published for mention in find_dates(verdict.paragraph.text)
        ):
            return _span(verdict)
    return None


def _span(verdict: Verdict) -> Span:
    paragraph = verdict.paragraph
    return Span(paragraph.start, paragraph.end, paragraph.text)
