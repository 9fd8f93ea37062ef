"""Tell article text from page furniture in raw web captures, keeping exact character offsets.

Raw captures mix the article with menus, paywall pleas, teaser lists and footers. Embedding
similarity does not separate them on this corpus, so the cleaner reads page *structure*: the
article is one contiguous region that starts after the headline; furniture comes as runs of
short items, blocks under site-section headings, (title, paragraph) teaser pairs and
everything after an author bio or closing credits. A generic furniture vocabulary (never
site-specific strings, in English and Russian) marks paywall, cookie, site-banner and share
boxes, captions and transcript marks wherever they sit, even inside the article; text taken
from PDFs brings page breaks, running headers and footnotes, found from the whole page.
The vocabulary is `cues.py`; the cutting into paragraphs, `paragraphs.py`.
"""

from __future__ import annotations

import functools
import logging
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from store.ingest.cues import (
    AD_NOTICE,
    ADVERT,
    BIO_LABEL,
    BIO_SENTENCE,
    BYLINE,
    BYLINE_ROLE,
    CAPTION,
    CAPTION_START,
    CHROME_WORDS,
    COMMENTS_HEADER,
    COMMENTS_LINK_AT_END,
    CONTENTS_ENTRY,
    COUNTER,
    DATE_AND_SOURCE,
    DISCUSSION,
    EARLIER_REPORT,
    EDITORIAL_NOTE,
    FIELD_ROW,
    ISSUE_MARK,
    KEYWORDS,
    LINK_LINE,
    LIST_MARKER,
    MAX_SOURCE_CREDIT_WORDS,
    MENU_SEPARATOR,
    NAME_WITH_POST,
    NOTICE,
    NUMBERED_HEADING,
    OUTLINE_HEADING,
    PAYWALL_STRONG,
    PAYWALL_WEAK,
    PHOTO_CREDIT,
    PLACE_AND_DATE,
    PLAIN,
    SENTENCE_END,
    SHARE,
    SIGN_OFF,
    SITE_SELF,
    SOCIAL,
    SOURCE_CREDIT,
    SPEAKER,
    STOPWORDS,
    STORY_BY,
    TRANSCRIPT_MARK,
    YEAR,
    is_dateline,
    normalized,
)
from store.ingest.paragraphs import Paragraph, split_paragraphs
from store.ingest.sentences import sentence_spans

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """Keep or drop, with the rule and a reason an admin can read in `index --explain`."""

    paragraph: Paragraph
    kept: bool
    rule: str  # short rule id: "article", "subscription-call", "duplicate", ...
    detail: str  # one human sentence saying why


Similarity = Callable[[str, Sequence[str]], list[float]]
Rule = tuple[str, str]  # (rule id, detail)


# --- what a paragraph says about itself -----------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    words: int
    is_list: bool
    ends_sentence: bool
    citation: bool  # "Name, Title Of A Paper, Publisher, May 2022." reads like prose but is not
    norm: str  # casefolded words without list marker, for comparisons
    turn: bool = False  # a speaker's turn in an interview ("Q: ...", "NAME: ...")
    sentences_before_cut: bool = False  # long, whole sentences inside, no end: cut off?


MIN_CUT_PARAGRAPH_WORDS = 40
# The end of a sentence inside a paragraph: a full stop after a lower-case word, then the
# capital of the next sentence ("... are enlarging. The grounds ...").
INNER_SENTENCE_END = re.compile(r"[a-zа-яё0-9)][.!?][\"'”’»]?\s+[\"“«]?[A-ZА-ЯЁ]")


def _shape(text: str) -> _Shape:
    body = LIST_MARKER.sub("", re.sub(r"^#{1,6}\s+", "", text))  # also Markdown "## Heading"
    tokens = body.split()
    alpha = [t for t in tokens if t[:1].isalpha()]
    capitalised = sum(t[0].isupper() for t in alpha)
    title_cased = bool(alpha) and capitalised >= 0.6 * len(alpha)
    end = SENTENCE_END.search(body)
    # A speaker's turn says something: "ANALYSIS: Kazakhstan and NATO" is a kicker, no turn.
    turn = bool(SPEAKER.match(body) and end) and len(tokens) >= 3
    # A short question is a headline or subheading (unless someone asks it in an interview);
    # a long line ending in ":" introduces a list; one or two words ("Loading...") are a label.
    ends = bool(end and (end.group(1) != "?" or len(tokens) >= 15 or turn)) or (
        len(tokens) >= 8 and body.endswith(":")
    )
    # A capture cut off mid-sentence: its last paragraph holds whole sentences before the cut.
    cut = len(tokens) >= MIN_CUT_PARAGRAPH_WORDS and len(INNER_SENTENCE_END.findall(body)) >= 2
    return _Shape(
        words=len(tokens),
        is_list=bool(LIST_MARKER.match(text)),
        ends_sentence=ends and (len(tokens) >= 3 or turn),
        citation=title_cased and bool(YEAR.search(body)) and body.count(",") >= 2,
        norm=normalized(body),
        turn=turn,
        sentences_before_cut=cut and not ends,
    )


def _cue_rule(text: str, shape: _Shape) -> Rule | None:
    """Paywall, login, newsletter and donation calls; cookie, copyright and terms notices."""
    strong, weak = PAYWALL_STRONG.findall(text), PAYWALL_WEAK.findall(text)
    score = 2 * len(strong) + len(weak)
    if (strong or len(weak) >= 3) and (shape.words <= 30 or score * 12 >= shape.words):
        cues = ", ".join(dict.fromkeys(c.lower() for c in strong + weak))
        return "subscription-call", f"subscription, login or newsletter call (cues: {cues})"
    notices = NOTICE.findall(text)
    if notices and (shape.words <= 40 or len(notices) * 15 >= shape.words):
        cues = ", ".join(dict.fromkeys(c.lower() for c in notices))
        return "site-notice", f"cookie, copyright or terms notice (cues: {cues})"
    about_site = SITE_SELF.findall(text)
    if (len(about_site) >= 2 and shape.words <= 60) or (about_site and shape.words <= 15):
        cues = ", ".join(dict.fromkeys(c.lower() for c in about_site))
        return "site-notice", f"a note about the website itself (cues: {cues})"
    return None


MAX_SHARE_CALL_WORDS = 8


def _navigation_rule(text: str, shape: _Shape) -> Rule | None:
    """Share/follow rows, breadcrumbs, menu labels and 'Read more:' or 'Tags:' link lines."""
    if not shape.ends_sentence and shape.words <= 15:
        if SHARE.match(text) or len(SOCIAL.findall(text)) >= 2:
            return "navigation", "share or follow links"
    if shape.words <= MAX_SHARE_CALL_WORDS and SHARE.match(text) and not text.endswith("."):
        return "navigation", "a call to share the page"  # "Share this article with friends!"
    parts = MENU_SEPARATOR.split(text)
    if len(parts) >= 2 and all(len(p.split()) <= 4 for p in parts):
        if len(parts) >= 3 or shape.words <= 6:
            return "navigation", "breadcrumb or menu row"
    if LINK_LINE.match(text) and shape.words <= 30:
        return "navigation", "menu label or link to other pages"
    return None


# A periodical's volume and issue, with no year: "Volume: 4 Issue: 76".
VOLUME_AND_ISSUE = re.compile(
    r"\bvol(?:ume)?\.?\s*:?\s*\d+\b.*\b(?:issue|no|nr)\.?\s*:?\s*\d+", re.IGNORECASE
)
MAX_BYLINE_WORDS = 40  # a speech's speaker line names the speaker's posts and the occasion
MAX_NAME_WITH_POST_WORDS = 20


def _intrinsic_rule(text: str, shape: _Shape) -> Rule | None:
    """Furniture recognisable from the paragraph alone, wherever it sits on the page."""
    plain = text.translate(PLAIN).strip(" »«›‹→←|*_#>")
    if COUNTER.match(plain):
        return "page-counter", "page counter, page number, reading time or view count"
    if TRANSCRIPT_MARK.match(plain):
        return "transcript-mark", "a timestamp or stage direction in a transcript"
    if is_dateline(plain):
        return "dateline", "a line holding only a date"
    if shape.words <= 10 and DATE_AND_SOURCE.match(plain):
        return "dateline", "a date and the name of its source"
    if shape.words <= 12 and PLACE_AND_DATE.match(plain):
        return "dateline", "a wire story's dateline: its places and date"
    if (
        shape.words <= 20
        and (not shape.ends_sentence or plain.count(",") >= 3)  # a citation may end in "."
        and ((ISSUE_MARK.search(plain) and YEAR.search(plain)) or VOLUME_AND_ISSUE.search(plain))
    ):
        return "issue-line", "the journal issue it appeared in"
    if shape.words <= 15 and CONTENTS_ENTRY.search(plain):
        return "contents", "a table-of-contents entry (heading and page number)"
    if shape.words <= 6 and ADVERT.search(plain):
        return "advert", "advertisement label"
    if shape.words <= 20 and AD_NOTICE.search(plain):
        return "advert", "the site's note about its ads"
    if shape.words <= 60 and KEYWORDS.match(plain):
        return "keywords", "a list of keywords"
    if shape.words <= 60 and STORY_BY.match(plain):
        return "byline", "author, credit or publication line"
    if shape.words <= 60 and (CAPTION.search(plain) or PHOTO_CREDIT.search(plain)):
        return "caption", "photo caption or credit"
    if (
        shape.words <= MAX_SOURCE_CREDIT_WORDS
        and not shape.ends_sentence
        and SOURCE_CREDIT.match(plain)
    ):
        return "credit", "the source the story is credited to"
    credit = plain.lstrip("(")
    if (
        shape.words <= MAX_BYLINE_WORDS
        and BYLINE.match(credit)
        and (shape.words <= 12 or not shape.ends_sentence or SIGN_OFF.match(plain))
    ):
        return "byline", "author, credit or publication line"
    if shape.words <= 8 and not shape.ends_sentence and BYLINE_ROLE.match(credit):
        return "byline", "the writer's post under a byline"
    if shape.words <= MAX_NAME_WITH_POST_WORDS and NAME_WITH_POST.fullmatch(plain):
        return "byline", "the writer's name and post"
    if shape.words <= 60 and EDITORIAL_NOTE.search(plain):
        return "editorial-note", "a note about the text (transcript note or disclaimer)"
    return _cue_rule(plain, shape) or _navigation_rule(plain, shape)


def _mark_keyword_lists(shapes: list[_Shape], rules: list[Rule | None]) -> None:
    """A "Keywords" label on a line of its own: the list is the next line."""
    for i in range(len(rules) - 1):
        label = rules[i]
        if label and label[0] == "keywords" and shapes[i].words <= 3 and rules[i + 1] is None:
            if not shapes[i + 1].ends_sentence:
                rules[i + 1] = ("keywords", "a list of keywords, under its label")


def _fill_sandwiches(rules: list[Rule | None]) -> None:
    """A lone paragraph between two subscription calls is part of the plea (an 'about us')."""
    for i in range(1, len(rules) - 1):
        before, after = rules[i - 1], rules[i + 1]
        if rules[i] is None and before and after and before[0] == after[0] == "subscription-call":
            detail = f"inside a subscription block (between paragraphs {i - 1} and {i + 1})"
            rules[i] = ("subscription-call", detail)


# A footnote mark glued to a word or its punctuation ("... in 2006.1 The plan"), and a note
# that begins with such a number ("1 NATO, Individual Partnership Action Plan, 2006.").
# Marks in brackets count too ("... by 2012.[1]" and a note "[1] Figures from ...").
_FOOTNOTE_MARK = re.compile(r"(?:[^\W\d_][.,;:)\"'”’»]?(\d{1,3})|\S\[(\d{1,3})\])(?=\s|$)")
_FOOTNOTE = re.compile(r"^(?:(\d{1,3})\s+|\[(\d{1,3})\]\s*)[\"“«(]?[A-ZА-ЯЁ]")


def _mark_footnotes(
    paragraphs: list[Paragraph], shapes: list[_Shape], rules: list[Rule | None]
) -> None:
    """A paragraph that starts with a number marked earlier in the text is that footnote."""
    marked: set[str] = set()
    for i, paragraph in enumerate(paragraphs):
        note = _FOOTNOTE.match(paragraph.text)
        number = note and (note.group(1) or note.group(2))
        if number and number in marked and shapes[i].words <= 80 and rules[i] is None:
            rules[i] = ("footnote", f"footnote {number}, marked earlier in the text")
        marked.update(a or b for a, b in _FOOTNOTE_MARK.findall(paragraph.text))


def _mark_running_headers(shapes: list[_Shape], rules: list[Rule | None], paged: bool) -> None:
    """Short lines repeated with only their numbers changed (a running header or footer with
    its page number), or repeated at all on a page-broken text, are page furniture."""
    groups: dict[str, list[int]] = {}
    for i, shape in enumerate(shapes):
        if shape.words <= 15 and not shape.ends_sentence and not shape.is_list:
            key = " ".join(w for w in shape.norm.split() if not w.isdigit())
            if key:
                groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        numbers = {tuple(w for w in shapes[i].norm.split() if w.isdigit()) for i in members}
        if len(members) < 2 or not (paged or len(numbers) > 1):
            continue
        for i in members:
            if rules[i] is None or rules[i][0] == "navigation":
                rules[i] = ("running-header", f"page header or footer, on {len(members)} pages")


# --- what neighbours say --------------------------------------------------------------------


# A report numbers its paragraphs ("1. In 2008, your Rapporteur presented …"): a
# list-marked paragraph this long is prose, not a list item.
MIN_NUMBERED_PARAGRAPH_WORDS = 40


@dataclass
class _Page:
    paragraphs: list[Paragraph]
    shapes: list[_Shape]
    intrinsic: list[Rule | None]
    headings: list[bool]
    cover: int = 0  # paragraphs on a paged text's first page (its cover); 0 if not paged
    # paragraphs that follow the one before them after a single line break, no blank line
    line_broken: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.paragraphs)

    def text(self, i: int) -> str:
        return self.paragraphs[i].text

    @functools.cached_property
    def first_prose(self) -> int:
        """The first paragraph of prose (len(self) if none): found once per page, for the
        many lines asked whether any prose stands above them."""
        return next((i for i in range(len(self)) if self.prose(i)), len(self))

    @functools.cached_property
    def last_prose_opening(self) -> dict[tuple[str, ...], int]:
        """The last paragraph of prose that opens with each run of first words: found once
        per page, for every line asked whether it quotes a paragraph further down."""
        return {_opening(self.shapes[i]): i for i in range(len(self)) if self.prose(i)}

    @functools.cached_property
    def cut_off(self) -> int | None:
        """The last paragraph, when it is the page's only prose and was cut off mid-sentence
        (a capture cut at a length, "... to acquaint the goals and"): a story run into one
        long paragraph under its headline would otherwise leave no article at all."""
        last = len(self) - 1
        if last < 0 or not self.shapes[last].sentences_before_cut:
            return None
        if any(self._sentence_prose(i) for i in range(last)):
            return None
        return last if self._sentence_prose(last, cut=True) else None

    def prose(self, i: int) -> bool:
        """Article-like: a sentence-ended paragraph of some length, not furniture by wording."""
        return self._sentence_prose(i) or (i == len(self) - 1 and i == self.cut_off)

    def _sentence_prose(self, i: int, cut: bool = False) -> bool:
        if not 0 <= i < len(self) or self.intrinsic[i] is not None:
            return False
        shape = self.shapes[i]
        listed = shape.is_list and shape.words < MIN_NUMBERED_PARAGRAPH_WORDS
        ends = shape.ends_sentence or (cut and shape.sentences_before_cut)
        return ends and shape.words >= 8 and not listed and not shape.citation


def _analyse(paragraphs: list[Paragraph], paged: bool = False) -> _Page:
    """What each paragraph is on its own and among the others; `paged`: the text has page
    breaks (form feeds), as text taken from a PDF has."""
    shapes = [_shape(p.text) for p in paragraphs]
    intrinsic = [_intrinsic_rule(p.text, s) for p, s in zip(paragraphs, shapes)]
    _fill_sandwiches(intrinsic)
    _mark_keyword_lists(shapes, intrinsic)
    _mark_footnotes(paragraphs, shapes, intrinsic)
    _mark_running_headers(shapes, intrinsic, paged)
    page = _Page(paragraphs, shapes, intrinsic, [])
    page.headings = [_is_chrome_heading(page, i) for i in range(len(page))]
    return page


def _is_chrome_heading(page: _Page, i: int) -> bool:
    """Site-section headings ('Most read', 'Related posts', 'N comments on ...').

    A line made only of site-chrome words is a heading; one with other words too ('Staff
    publications') is a heading only when items, not prose, follow it.
    """
    text, shape = page.text(i), page.shapes[i]
    if COMMENTS_HEADER.match(text):
        return True
    if page.intrinsic[i] and page.intrinsic[i][0] == "subscription-call" and shape.words <= 3:
        # "## Subscribe", "Newsletter": a box's heading (a price list's "1. €150" is not)
        return not shape.ends_sentence and not shape.is_list
    if (
        page.intrinsic[i]
        or shape.is_list
        or shape.words > 6
        or shape.ends_sentence
        or len(text) > 60
    ):
        return False
    words = re.findall(r"[^\W\d_]+", text.lower().replace("'s", ""))
    if not any(w in CHROME_WORDS for w in words):
        return False
    if _titled_by_its_subject(text):
        return False
    return all(w in CHROME_WORDS or w in STOPWORDS for w in words) or not page.prose(i + 1)


def _titled_by_its_subject(text: str) -> bool:
    """A title naming its subject before a colon ("Kazakhstan: Recent Developments"): a
    section label puts its own word there ("Related: …", "Most read: …")."""
    subject, colon, _ = text.partition(":")
    words = re.findall(r"[^\W\d_]+", subject.lower())
    return bool(colon) and bool(words) and not any(w in CHROME_WORDS for w in words)


def _block_end(page: _Page, h: int) -> int:
    """A chrome heading's block runs until the next article-like paragraph or heading."""
    k = h + 1
    while k < len(page) and not page.prose(k) and not page.headings[k]:
        k += 1
    return k


def _runs(page: _Page, member: Callable[[int], bool]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in filter(member, range(len(page))):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _structural_rules(page: _Page) -> list[Rule | None]:
    """Items under chrome headings, runs of headline-like list items, runs of short lines."""
    rules: list[Rule | None] = [None] * len(page)
    for h in filter(page.headings.__getitem__, range(len(page))):
        heading = _quote(page.text(h))
        for k in range(h + 1, _block_end(page, h)):
            rules[k] = ("site-chrome-heading", f"under heading {heading}")
    for run in _runs(page, lambda i: page.shapes[i].is_list):
        introduced = run[0] > 0 and page.text(run[0] - 1).endswith(":")
        bare = sum(not re.search(r"[.;,:]$", page.text(i)) for i in run)
        if len(run) >= 2 and not introduced and bare * 2 > len(run):
            for i in run:
                rules[i] = ("headline-list", f"one of {len(run)} headline-like list items")
    for run in (r for r in _runs(page, lambda i: _short_item(page.shapes[i])) if len(r) >= 3):
        if statistics.median(page.shapes[i].words for i in run) <= 3:
            rule = ("navigation", f"one of {len(run)} very short lines (menu or link labels)")
        else:
            rule = ("headline-list", f"one of {len(run)} short headline-like lines")
        for i in run:
            rules[i] = rule
    return rules


def _short_item(shape: _Shape) -> bool:
    return not shape.is_list and not shape.ends_sentence and shape.words <= 15


def _quote(text: str) -> str:
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


# --- the article region ---------------------------------------------------------------------


def _subheading(page: _Page, i: int) -> bool:
    """A short unpunctuated line inside the article; a numbered one ("2. The Kazakh
    course") only when prose follows it, since a numbered list of headlines does not, and
    a bulleted one ("• Framework for cooperation", a tabbed page's section) only when prose
    follows it and no list item stands next to it."""
    shape = page.shapes[i]
    if page.intrinsic[i] or page.headings[i]:
        return False
    if shape.is_list and not (page.prose(i + 1) and _list_heading(page, i)):
        return False
    return not shape.ends_sentence and shape.words <= 12


def _list_heading(page: _Page, i: int) -> bool:
    """A list-marked line that heads a section: numbered, or a bullet on its own."""
    return bool(NUMBERED_HEADING.match(page.text(i))) or _lone_bullet(page, i)


def _lone_bullet(page: _Page, i: int) -> bool:
    """A bulleted line with no list item next to it: a heading some sites mark so."""
    before = i > 0 and page.shapes[i - 1].is_list
    after = i + 1 < len(page) and page.shapes[i + 1].is_list
    return page.shapes[i].is_list and not before and not after


MAX_CAPTION_WORDS = 30


def _caption_between_paragraphs(page: _Page, i: int) -> bool:
    """A line too long for a subheading that holds no sentence end at all, with paragraphs
    of prose above and below it, is a caption set between them."""
    shape = page.shapes[i]
    if shape.ends_sentence or shape.is_list or shape.turn or page.intrinsic[i]:
        return False
    text = page.text(i).rstrip()
    if not 12 < shape.words <= MAX_CAPTION_WORDS or re.search(r"[.!?:;,\-–—]$|[.!?]\W", text):
        return False  # no sentence in it, nor one running on to the next line
    if _wrapped_prose(page, i):
        return False
    return page.prose(i - 1) and page.prose(i + 1)


def _prose_run(page: _Page, s: int, across_subheadings: bool) -> int:
    """Count article-like paragraphs from `s` on, stepping over inserted furniture (a paywall
    box), hard-wrapped lines that run on into the next and, with `across_subheadings`, over
    subheadings that prose follows."""
    count, k = 0, s
    while k < len(page):
        if page.prose(k):
            count += 1
        elif BIO_LABEL.match(page.text(k).translate(PLAIN)):
            break  # "About the author": what follows is a bio, whatever else it is
        elif _wrapped_prose(page, k):
            pass  # the first line of a paragraph broken over lines: the run goes on
        elif page.intrinsic[k] is None:
            if not (across_subheadings and _subheading(page, k) and page.prose(k + 1)):
                break
        k += 1
    return count


# Preference order for where the article starts: two prose paragraphs in a row (teasers come
# one at a time), then two separated only by subheadings, then any prose at all.
_RUN_TIERS = ((2, False), (2, True), (1, True))


def _find_headline(page: _Page, title: str | None) -> range | None:
    """The lines of the metadata title if the page shows it (a long title may be broken over
    two or three lines), else the line right above the first prose run."""
    want = normalized(title or "")
    norms = [shape.norm for shape in page.shapes]
    if want and want in norms:
        return range(norms.index(want), norms.index(want) + 1)
    near = [i for i, have in enumerate(norms) if want and _near_title(have, want)]
    if near:
        return range(near[0], near[0] + 1)
    for i in range(len(page)) if want else ():
        for last in range(i + 1, min(i + 3, len(page))):
            if " ".join(norms[i : last + 1]) == want:
                return range(i, last + 1)
    starts: dict[int, int] = {}  # first prose paragraph after a candidate -> last such candidate
    for i in filter(lambda i: _headline_candidate(page, i), range(len(page))):
        s = _first_prose_under(page, i)
        if s is not None:
            starts[s] = i
    for min_run, across in _RUN_TIERS:
        for s in sorted(starts):
            if _prose_run(page, s, across) >= min_run:
                head = _headline_above_lead(page, starts[s])
                if head is None and _prose_above(page, starts[s]) >= MIN_PROSE_ABOVE_SUBHEADING:
                    return None  # paragraphs above and prose below: a subheading
                head = _headline_over_dek(page, starts[s]) if head is None else head
                head = _headline_over_quoted_line(page, head)
                return range(_title_top(page, head), head + 1)
    return _cover_title(page)


MIN_PROSE_ABOVE_SUBHEADING = 2  # one paragraph above a headline may be its standfirst


def _first_prose_under(page: _Page, i: int) -> int | None:
    """The first prose paragraph within a few lines under line `i`; or, above all the prose,
    the one right after the headline's byline or date lines and a bulleted box of
    highlights ("• Agreement allows up to 4,000 flights a year")."""
    near = next((k for k in range(i + 1, min(len(page), i + 6)) if page.prose(k)), None)
    if near is not None or page.first_prose < i:
        return near
    k = i + 1
    while k < len(page) and page.intrinsic[k] is not None:
        k += 1
    if k >= len(page) or not page.shapes[k].is_list:
        return None
    while k < len(page) and page.shapes[k].is_list and not page.prose(k):
        k += 1
    return k if page.prose(k) else None


def _prose_above(page: _Page, line: int) -> int:
    """How many prose paragraphs stand right above a line, with nothing between."""
    k = line - 1
    while page.prose(k):
        k -= 1
    return line - 1 - k


MAX_LEAD_PARAGRAPHS = 2
MAX_HEADER_LINES = 6


def _headline_above_lead(page: _Page, line: int) -> int | None:
    """A photo caption between a page's lead paragraph and the rest reads like a headline
    over prose. When the line chosen has prose right above and below it, and above that
    lead stand a headline and its date or byline lines with no prose before them, that
    headline is the page's: its index, else None."""
    if not (page.prose(line - 1) and page.prose(line + 1)):
        return None
    lead = _prose_above(page, line)
    if lead > MAX_LEAD_PARAGRAPHS:
        return None
    k = line - 1 - lead
    dated, lowest = False, k - MAX_HEADER_LINES
    while k >= max(0, lowest) and not _headline_candidate(page, k):
        rule = page.intrinsic[k]
        dated = dated or bool(rule and rule[0] in ("dateline", "byline"))
        k -= 1
    if k < max(0, lowest) or page.first_prose < k:
        return None
    if dated:
        return k
    # Undated: a reference page's short title over its one intro paragraph, then its first
    # section's heading ("NATO's relations with X" / intro / "Framework for cooperation").
    first_section = page.shapes[line].words <= MAX_SECTION_HEADING_WORDS
    return k if first_section and lead == 1 and _tops_the_page(page, k) else None


MAX_SECTION_HEADING_WORDS = 6


def _tops_the_page(page: _Page, k: int) -> bool:
    """Line `k` is the first line of the page that is not furniture."""
    return all(page.intrinsic[i] or page.headings[i] for i in range(k))


MIN_HEADLINE_OVER_DEK_WORDS = 4


def _headline_over_dek(page: _Page, line: int) -> int:
    """The headline when two headline-shaped lines stand one over the other at the top of
    a page: a headline over its subheadline or photo caption ("Minister to visit Kazakhstan
    for talks" over "The trip starts on Monday"), the upper one. The lower stays the
    headline when the upper is short (a section label, "Aerospace & Defense"), is a
    breadcrumb that ends with it, or has a third long one above it (a list of stories); a
    cover's "Jane Doe The Title" under "The Title" gives way to the title alone. A photo
    credit, a date or a byline line may stand between the two."""
    upper = line - 1
    while line - upper <= MAX_LINES_UNDER_HEADLINE and (
        _between_headline_and_dek(page, upper) or _repeats(page, upper, line)
    ):
        upper -= 1
    if upper < 0 or not _headline_candidate(page, upper) or page.first_prose < upper:
        return line
    if upper > 0 and _long_headline_candidate(page, upper - 1):
        return line
    low, up = page.shapes[line].norm, page.shapes[upper].norm
    if up in low:
        return upper if low != up else line
    if low in up:
        return line
    return upper if _long_headline_candidate(page, upper) else line


MAX_LINES_UNDER_HEADLINE = 2  # header lines a headline and its subheadline may enclose


MIN_QUOTED_WORDS = 8  # words a caption shares with the sentence of the article it quotes


def _headline_over_quoted_line(page: _Page, line: int) -> int:
    """A headline-shaped line that opens like a paragraph further down is a pull-quote or
    a caption quoting the text; the headline is the headline-shaped line above it, over at
    most a standfirst and header lines, with no prose above it. `line` when there is none."""
    if not _quotes_later_paragraph(page, line):
        return line
    prose_between = 0
    for k in range(line - 1, -1, -1):
        if page.prose(k):
            prose_between += 1
            if prose_between > MAX_LEAD_PARAGRAPHS:
                return line
        elif _long_headline_candidate(page, k):
            return k if page.first_prose >= k else line
    return line


def _quotes_later_paragraph(page: _Page, i: int) -> bool:
    """Line `i` opens with the same words as a paragraph of prose further down."""
    opening = _opening(page.shapes[i])
    return len(opening) == MIN_QUOTED_WORDS and page.last_prose_opening.get(opening, -1) > i


def _opening(shape: _Shape) -> tuple[str, ...]:
    return tuple(shape.norm.split()[:MIN_QUOTED_WORDS])


def _repeats(page: _Page, i: int, line: int) -> bool:
    """Line `i` says again what `line` says (a caption printed twice, under and over its
    photo)."""
    return i >= 0 and page.shapes[i].norm == page.shapes[line].norm


def _between_headline_and_dek(page: _Page, i: int) -> bool:
    rule = page.intrinsic[i] if i >= 0 else None
    return bool(rule) and rule[0] in ("caption", "dateline", "byline")


def _long_headline_candidate(page: _Page, i: int) -> bool:
    return _headline_candidate(page, i) and page.shapes[i].words >= MIN_HEADLINE_OVER_DEK_WORDS


def _title_top(page: _Page, head: int) -> int:
    """The first line of a title that ends at line `head`: the line above too when the
    title is broken after a colon or is a speech's kind over its occasion, and every line
    above in capitals that the same block wraps ("BORDERS AND BRIGADES:" / "KAZAKHSTAN'S
    PEACEKEEPING" / "COOPERATION WITH NATO")."""
    if _title_opening(page, head):
        return head - 1
    top = head
    while (
        top > 0
        and top in page.line_broken
        and _capitals_title_line(page, top)
        and _capitals_title_line(page, top - 1)
    ):
        top -= 1
    return top


def _capitals_title_line(page: _Page, i: int) -> bool:
    """A line of two words or more all in capitals, not furniture: part of a cover title."""
    text, shape = page.text(i), page.shapes[i]
    letters = [c for c in text if c.isalpha()]
    return (
        bool(letters)
        and all(c.isupper() for c in letters)
        and shape.words >= 2
        and not shape.is_list
        and not OUTLINE_HEADING.match(text.strip())
        and page.intrinsic[i] is None
        and not page.headings[i]
    )


def _title_opening(page: _Page, head: int) -> bool:
    """A title broken after its colon ("NATO and Kazakhstan:" over "Meeting new challenges
    together"), or a speech's kind over its occasion ("Welcoming remarks" over "by the
    Secretary General at the opening of the forum")."""
    i = head - 1
    if i < 0 or page.intrinsic[i] or page.headings[i] or page.shapes[i].is_list:
        return False
    opening = page.text(i).rstrip()
    if opening.endswith(":") and 2 <= page.shapes[i].words <= 12:
        return True
    continued = re.match(r"(?:by|with) ", page.text(head))
    return bool(continued) and page.shapes[i].words <= 4 and not re.search(r"[.!?,;]$", opening)


def _cover_title(page: _Page) -> range | None:
    """A report's title on its cover page: the first line there that is neither in capitals
    (the institution) nor a date, byline or label; "Women in Uniform:" runs on to the next."""
    for i in range(min(page.cover, MAX_COVER_LINES)):
        text, shape = page.text(i), page.shapes[i]
        if page.intrinsic[i] or shape.is_list or shape.ends_sentence or text.isupper():
            continue
        if not 2 <= shape.words <= 25:
            continue
        if text.endswith(":") and i + 1 < page.cover and not page.intrinsic[i + 1]:
            return range(i, i + 2)
        return range(i, i + 1)
    return None


MAX_COVER_LINES = 8


def _near_title(have: str, want: str) -> bool:
    """Title and headline differ by a site suffix or a kicker ('... | Site', 'Analysis: ...')."""
    if not have:
        return False
    return (want in have and len(have) <= 1.5 * len(want)) or (
        have in want and len(have) >= 0.6 * len(want)
    )


def _headline_candidate(page: _Page, i: int) -> bool:
    """A line shaped like a headline: 3-25 words, no sentence end, not furniture, and not
    in a list (a lone bulleted line above all the prose may be: "• Kazakhstan and
    peacekeeping"; below it, a lone bullet heads a section)."""
    shape, text = page.shapes[i], page.text(i)
    header_bullet = (  # five words at least: a bulleted name or menu item is shorter
        _lone_bullet(page, i)
        and shape.words >= 5
        and not NUMBERED_HEADING.match(text)
        and page.first_prose >= i
    )
    listed = shape.is_list and not header_bullet
    plain = page.intrinsic[i] is None and not page.headings[i] and not listed
    return (
        plain
        and not shape.ends_sentence
        and 3 <= shape.words <= 25
        and text[-1] not in ":;,"
        and not _ends_a_sentence_inside(text)
        and not _wrapped_prose(page, i)
        and not _over_photo_credit(page, i)
        and _mostly_words(text)
        and not _series_label(text.strip())
        and not SECTION_LABEL.match(text.strip())
        and not COMMENTS_LINK_AT_END.search(text)
        and not _among_field_rows(page, i)
        and not CHAPTER_HEADING.match(text.strip())
        and not OUTLINE_HEADING.match(text.strip())
    )


# A chapter or part of a longer text: "Chapter One: The New NATO", "Part II", "Глава 1".
CHAPTER_HEADING = re.compile(
    r"(?:chapter|part|section|глава|часть|раздел)\s+(?:\d+|[ivxlc]+|one|two|three|four|five|"
    r"six|seven|eight|nine|ten|первая|вторая|третья|первый|второй|третий)\b",
    re.IGNORECASE,
)


# A publication series and its number, on a line of its own: "Research Paper 79",
# "Fellowship Monograph 10", "Policy Brief No. 14": what the document is, not its title.
SERIES_NUMBER = re.compile(
    r"(?:[\w-]+\s+){0,2}(?i:paper|monograph|report|brief|series|study|studies|working paper)"
    r"\s+(?i:no\.?\s*|#\s*)?(?!(?:19|20)\d\d\b)\d{1,4}"  # a year ends a title: "Annual Report 2015"
)


def _among_field_rows(page: _Page, i: int) -> bool:
    """A labelled row next to another ("Author: …" / "Related inquiry: …" / "Date
    Published: …"): one of the page's fields, not its headline."""
    if not FIELD_ROW.match(page.text(i)):
        return False
    return any(FIELD_ROW.match(page.text(k)) for k in (i - 1, i + 1) if 0 <= k < len(page))


def _series_label(text: str) -> bool:
    """A line naming the series, alone or after its publisher: "(NATO Defense College
    “NDC Fellowship Monograph Series”) Fellowship Monograph 10"."""
    found = SERIES_NUMBER.search(text)
    if found is None or found.end() != len(text):
        return False
    before = text[: found.start()].strip()  # a headline may end with one: "New ...: Paper 79"
    return not before or (before[0] == "(" and before[-1] == ")")


# A section of a paper that opens its line: "Abstract: …", "Аннотация научной статьи …".
# The line is that section, never the paper's title ("Keywords: …" is already furniture:
# KEYWORDS).
SECTION_LABEL = re.compile(r"(?i:abstract|annotation|аннотация)\b|(?i:summary|резюме)\s*[:.—–-]")


def _mostly_words(text: str) -> bool:
    """Half the tokens at least are words, not numbers ("or +1 (703) 428-0711" is no
    headline; "Steppe Eagle 2015" is)."""
    tokens = text.split()
    words = [t for t in tokens if re.search(r"[^\W\d_]{2,}", t)]
    return len(words) >= 2 and 2 * len(words) >= len(tokens)


def _over_photo_credit(page: _Page, i: int) -> bool:
    """A line right above a photo's credit ("Фото: Jane Doe/Agency", "Photo: …"), with
    prose above it, is that photo's caption (a headline may stand over a photo's credit
    too, but with no prose above it)."""
    below = i + 1
    if below >= len(page) or not CAPTION_START.match(page.text(below).translate(PLAIN)):
        return False
    return page.first_prose < i


def _ends_a_sentence_inside(text: str) -> bool:
    """A full stop ends a sentence before the line does ("... two countries. Finally, the
    paper ..."): wrapped prose, not a headline. A question may open a headline ("Why does
    Kazakhstan need NATO? A centre opens in Almaty")."""
    spans = sentence_spans(text)
    return any(text[start:end].rstrip("\"'”’»)]").endswith(".") for start, end in spans[:-1])


MIN_WRAPPED_LINE_WORDS = 12  # a headline broken over lines breaks sooner than a text column


def _wrapped_prose(page: _Page, i: int) -> bool:
    """A long line whose sentence runs on into the next line (hard-wrapped text, as from a
    PDF: "... in their desire to cut" / "short radical extremist activities ...")."""
    return (
        page.shapes[i].words >= MIN_WRAPPED_LINE_WORDS
        and i + 1 in page.line_broken
        and page.text(i + 1)[:1].islower()
    )


def _region_start(page: _Page, head: int | None) -> int | None:
    """First prose after the headline; without one, the start of the first run of prose."""
    if head is not None:
        return next((k for k in range(head + 1, len(page)) if page.prose(k)), None)
    for min_run, across in _RUN_TIERS:
        for k in range(len(page)):
            if page.prose(k) and _prose_run(page, k, across) >= min_run:
                return k
    return None


def _title_line(page: _Page, i: int) -> bool:
    """A teaser's headline: 5-20 words, unpunctuated. Section subheadings are usually shorter,
    and an interviewer's question followed by its answer is no teaser."""
    if not 0 <= i < len(page) or page.intrinsic[i] or page.headings[i]:
        return False
    shape = page.shapes[i]
    if shape.is_list or shape.turn:
        return False
    return 5 <= shape.words <= 20 and not re.search(r"[.!:;,]$", page.text(i))


def _teaser_pairs(page: _Page, i: int) -> int:
    """How many (short title line, single paragraph) pairs follow one another from `i`."""
    pairs = 0
    while (
        _title_line(page, i)
        and page.prose(i + 1)
        and page.shapes[i + 1].words <= 60
        and (_title_line(page, i + 2) or not page.prose(i + 2))
    ):
        pairs, i = pairs + 1, i + 2
    return pairs


def _teaser_evidence(
    page: _Page, i: int, pairs: int, start: int, similarity: Similarity | None, reference: str
) -> list[str]:
    """Reasons to read a run of pairs as teasers of other stories; two are needed.

    An article's own sections also look like (subheading, paragraph), so one weak sign is not
    enough: many pairs in a row, a title or teaser repeated later on the page, and (when the
    caller gives a similarity) teasers far less like the article than its own paragraphs.
    """
    reasons = [f"{pairs} (title, paragraph) pairs in a row"] if pairs >= 2 else []
    if pairs >= 3:
        reasons.append("three or more")
    norms = [shape.norm for shape in page.shapes]
    if any(norms[k] in norms[k + 1 :] for k in range(i, i + 2 * pairs)):
        reasons.append("repeated later on the page")
    teasers = range(i + 1, i + 2 * pairs, 2)
    if similarity is not None and _unlike_article(page, teasers, start, similarity, reference):
        reasons.append("unlike the article's own paragraphs")
    return reasons if len(reasons) >= 2 else []


def _unlike_article(
    page: _Page, teasers: range, start: int, similarity: Similarity, reference: str
) -> bool:
    """Weak signal: teasers score well below the median of the article's own paragraphs."""
    article = [page.text(k) for k in range(start, teasers.start) if page.prose(k)]
    if not article:
        return False
    try:
        scores = similarity(reference, article + [page.text(k) for k in teasers])
    except Exception:  # an optional signal must never break indexing
        logger.warning("similarity function failed; cleaning without it", exc_info=True)
        return False
    own = statistics.median(scores[: len(article)])
    return statistics.fmean(scores[len(article) :]) < 0.5 * own


def _region_end(
    page: _Page, start: int, similarity: Similarity | None, reference: str
) -> tuple[int, Rule]:
    """Where the article stops: an author bio, a site-chrome heading, or a run of teasers."""
    i = start + 1
    while i < len(page):
        text = page.text(i).translate(PLAIN)
        implicit_bio = BIO_SENTENCE.match(text) and page.shapes[i].words <= 80
        if BIO_LABEL.match(text) or (implicit_bio and not page.prose(i + 1)):
            return i, ("after-author-bio", f"after the author bio (paragraph {i})")
        if SIGN_OFF.match(text):
            return i + 1, ("after-sign-off", f"after the closing credits (paragraph {i})")
        if EARLIER_REPORT.match(text) and not any(map(page.prose, range(i + 1, len(page)))):
            return i, ("off-topic", f"from the pointer to an earlier story on (paragraph {i})")
        if page.headings[i]:
            after = _block_end(page, i)
            discussion = DISCUSSION.search(page.text(i))  # comments are prose too, never resume
            if page.prose(after) and page.prose(after + 1) and not discussion:
                i = after  # an inserted box: the article resumes after it
                continue
            return i, ("off-topic", f"after the article ended at heading {_quote(page.text(i))}")
        pairs = _teaser_pairs(page, i)
        reasons = _teaser_evidence(page, i, pairs, start, similarity, reference) if pairs else []
        if reasons:
            return i, ("off-topic", f"teaser of another story ({'; '.join(reasons)})")
        i += 1
    return len(page), ("off-topic", "after the article")


# --- verdicts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    head: range | None  # the headline's paragraphs (one, or a title broken over lines)
    start: int  # first article paragraph
    end: int  # first paragraph after the article
    end_rule: Rule  # what paragraphs after the article are dropped as, unless more specific


def _find_region(page: _Page, title: str | None, similarity: Similarity | None) -> _Region:
    head = _find_headline(page, title)
    start = _region_start(page, head[-1] if head else None)
    if start is None and head is not None:  # the title matched a line below all the prose
        head, start = None, _region_start(page, None)
    if start is None:
        return _Region(head, len(page), len(page), ("off-topic", "no article prose found"))
    headline = title or (page.text(head[-1]) if head is not None else "")
    reference = f"{headline}\n{page.text(start)}".strip()
    return _Region(head, start, *_region_end(page, start, similarity, reference))


def _decide(page: _Page, i: int, region: _Region, structural: list[Rule | None]) -> Rule | None:
    """The rule for paragraph `i`, or None to keep it as article text."""
    start, end, end_rule = region.start, region.end, region.end_rule
    if region.head is not None and i in region.head:
        return "title", "the headline: document metadata, not a quotable passage"
    if i == end and end_rule[0] == "after-author-bio":
        return "after-author-bio", "the author bio; everything after it is page furniture"
    if page.intrinsic[i]:
        return page.intrinsic[i]
    if page.headings[i]:
        return "site-chrome-heading", f"site section heading {_quote(page.text(i))}"
    if structural[i]:
        return structural[i]
    if start <= i < end:
        if not page.prose(i) and _over_photo_credit(page, i):
            return "caption", "the caption over a photo's credit"
        if _subheading(page, i):
            return "subheading", "short section heading inside the article"
        if _caption_between_paragraphs(page, i):
            return "caption", "an unpunctuated line between two paragraphs: a photo caption"
        if not page.prose(i) and _quotes_later_paragraph(page, i):
            return "caption", "a caption or pull-quote repeating a sentence of the article"
        if page.shapes[i].citation and i > 0 and re.fullmatch(r"\d{1,3}", page.text(i - 1)):
            return "footnote", "a reference under its footnote number (text from a PDF)"
        return None
    if i > start:
        return end_rule
    if page.prose(i):
        return "off-topic", f"prose outside the article region (it starts at paragraph {start})"
    return "before-article", f"page header before the article (it starts at paragraph {start})"


def _relation(a: str, b: str, wa: frozenset[str], wb: frozenset[str]) -> str | None:
    """How normalized text `a` (words `wa`) relates to `b`: 'same', 'a-in-b', 'b-in-a' or None."""
    if a == b:
        return "same"
    if _quotable_alone(a) and wa <= wb and f" {a} " in f" {b} ":  # word sets: a cheap filter
        return "a-in-b"
    if _quotable_alone(b) and wb <= wa and f" {b} " in f" {a} ":
        return "b-in-a"
    small, large = sorted((len(wa), len(wb)))
    if small >= 8 and small >= 0.9 * large and len(wa & wb) >= 0.9 * len(wa | wb):  # near copy
        return "a-in-b" if len(a) < len(b) else "b-in-a"
    return None


def _quotable_alone(norm: str) -> bool:
    """Long enough that finding it inside another paragraph means a repeat, not a common
    phrase: 30 characters, or four words ("thank you" alone is not a repeat)."""
    return len(norm) >= 30 or norm.count(" ") >= 3


def _mark_duplicates(page: _Page, rules: list[Rule | None]) -> None:
    """Among kept paragraphs, drop exact, contained and near copies; the longer one stays."""
    kept = [i for i, rule in enumerate(rules) if rule is None]
    words = {i: frozenset(page.shapes[i].norm.split()) for i in kept}
    for pos, i in enumerate(kept):
        for j in kept[pos + 1 :]:
            if rules[i] is not None:
                break
            if rules[j] is not None:
                continue
            relation = _relation(page.shapes[i].norm, page.shapes[j].norm, words[i], words[j])
            if relation == "a-in-b":
                rules[i] = ("duplicate", f"contained in paragraph {j}")
            elif relation:
                how = "same text as" if relation == "same" else "contained in"
                rules[j] = ("duplicate", f"{how} paragraph {i}")


def clean(
    text: str, title: str | None = None, similarity: Similarity | None = None
) -> list[Verdict]:
    """One verdict per paragraph of split_paragraphs(text, title), in order.

    `title` (from metadata) pins the headline; `similarity` is an optional weak signal, used
    only to help decide whether (title, paragraph) pairs after the article are teasers.
    """
    paragraphs = split_paragraphs(text, title)
    if not paragraphs:
        return []
    page = _analyse(paragraphs, paged="\f" in text)
    if "\f" in text:
        first_break = text.index("\f")
        page.cover = sum(p.start < first_break for p in paragraphs)
    page.line_broken = frozenset(
        i for i in range(1, len(paragraphs))
        if text.count("\n", paragraphs[i - 1].end, paragraphs[i].start) <= 1
    )  # fmt: skip
    region = _find_region(page, title, similarity)
    structural = _structural_rules(page)
    rules = [_decide(page, i, region, structural) for i in range(len(page))]
    _mark_duplicates(page, rules)
    logger.debug(
        "kept %d of %d paragraphs; article region %d-%d",
        rules.count(None), len(rules), region.start, region.end - 1,
    )  # fmt: skip
    article = ("article", f"inside the article region (paragraphs {region.start}-{region.end - 1})")
    return [Verdict(p, rule is None, *(rule or article)) for p, rule in zip(paragraphs, rules)]


def kept_paragraphs(verdicts: Sequence[Verdict]) -> list[Paragraph]:
    """The quotable paragraphs, in document order: what the chunker works from."""
    return [v.paragraph for v in verdicts if v.kept]


def format_explanation(verdicts: Sequence[Verdict]) -> list[str]:
    """Lines for `kz-brief index --explain FILE`: why each paragraph was kept or dropped."""
    lines = []
    for v in verdicts:
        preview = " ".join(v.paragraph.text.split())
        preview = preview[:69] + "…" if len(preview) > 70 else preview
        verdict = "KEEP" if v.kept else "DROP"
        lines.append(f"{v.paragraph.index:>4} {verdict} {v.rule:<19} {v.detail} | {preview}")
    return lines
