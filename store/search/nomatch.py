"""When a passage is good enough to show, and when the honest answer is "nothing on that".

Three general rules, on top of the generation's calibrated threshold (calibrate.py); their
weights are `RankingOptions` (ranking.py):

- **Names the corpus never mentions.** A question that names a place, person, organisation
  or code that no document mentions ("When did Finland join NATO?") is about something
  else: it gets no passages, and a note naming what the corpus does not mention.
- **Names the passage does not mention.** A passage that does not mention a name the
  question asks about (in its text, its document's title and date, or an alias the corpus
  defines) must match the question's meaning much more closely to be shown.
- **Questions about the page, not the article.** Subscriptions, newsletters, mailing
  lists, log-ins, passwords, cookies and privacy policies are page furniture, which is
  never quoted, as are the site's own features (its most read stories, downloads, street
  address and contact details, whether the site is genuine): a question about them gets no
  passages.
- **Focal words held.** A passage shown on its evidence must hold some of the question's
  focal words (its subject words that are not ubiquitous in the corpus), or match the
  question's meaning clearly: a passage about the Northern Distribution Network shares
  "Uzbekistan" with "What is the inflation rate in Uzbekistan?" and nothing it asks about.
- **Evidence, not just similarity.** A passage's evidence is its dense score plus a share of
  the question's subject words it (or its document's context) contains, weighted by how
  rare each word is; it must clear the threshold. A passage that shares a rare name with
  the question, or belongs to a document the question names, needs less.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from store.search.lexical import tokens, words

# A name and a word it begins (Kyrgyz, Kyrgyzstan) are the same name from this length on.
_PREFIX_CHARS = 5
_MONTHS_AND_DAYS = frozenset(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday""".split()
)
# Page furniture a reader may ask about; the cleaner drops it, so no passage can answer.
_PAGE_FEATURES = re.compile(
    r"\b(?:subscri\w*|newsletters?|mailing lists?|paywall|free trial|log ?in|passwords?|"
    r"cookies?|privacy (?:policy|notice)|terms of (?:use|service))\b",
    re.IGNORECASE,
)
# The website and its publisher's office, not what the documents say: the lists of most
# read stories, downloads, contact details, and whether the site itself is genuine.
_SITE_FEATURES = re.compile(
    r"\b(?:most (?:read|popular|viewed|shared|commented)|download\w*|"
    r"(?:street|postal|e-?mail) address(?:es)?|phone numbers?|contact (?:details|us)|"
    r"(?:web ?)?site(?:'s|’s)?\s+(?:is\s+)?(?:genuine|fake|official|secure|safe))\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"[A-Z][\w’'-]*[\w]|[A-Z]")
_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+|[\"“(]\s*)$")


@dataclass(frozen=True)
class AskedName:
    """A name in a question and its folded tokens (a hyphenated name has several)."""

    text: str
    tokens: tuple[str, ...]


def question_names(question: str) -> list[AskedName]:
    """Capitalised words inside the question: names and codes ("Finland", "CSTO",
    "Steppe"), not its first word, months, weekdays or two-letter abbreviations; none when
    the question is written in Title Case (then capitals say nothing)."""
    found = [m for m in _CAPITALISED.finditer(question)]
    words_total = len(re.findall(r"[A-Za-z]+", question))
    if words_total and len(found) / words_total > 0.6:
        return []
    names = []
    for match in found:
        text = match.group(0)
        if _SENTENCE_START.search(question[: match.start()]) or len(text) < 3:
            continue
        # A hyphenated name is mentioned when its parts are ("US-Kazakhstan" by "United
        # States-Kazakhstan" talks is not, "U.S.-Kazakhstan" is), not only written as one.
        folded = tuple(t for w in words(text) for part in w.split("-") for t in tokens(part))
        if not folded or all(w.lower() in _MONTHS_AND_DAYS for w in words(text)):
            continue
        names.append(AskedName(text, folded))
    return names


class Vocabulary:
    """Every token the corpus (passages, titles, publishers, authors) contains, for asking
    whether it mentions a name at all."""

    def __init__(self, known: Iterable[str]):
        self._known = frozenset(known)
        self._sorted = sorted(self._known)

    def mentions(self, token: str) -> bool:
        """True when the corpus has the token, or a word it begins or that begins it
        ("Kyrgyz" / "Kyrgyzstan", "Indian" / "India")."""
        if token in self._known:
            return True
        if len(token) < _PREFIX_CHARS:
            return False
        at = bisect.bisect_left(self._sorted, token)
        if at < len(self._sorted) and self._sorted[at].startswith(token):
            return True
        return any(token[:size] in self._known for size in range(_PREFIX_CHARS, len(token)))

    def unknown(self, names: Sequence[AskedName]) -> list[str]:
        """The names of which the corpus mentions nothing."""
        return [n.text for n in names if not all(self.mentions(t) for t in n.tokens)]


def mentions_name(name: AskedName, passage_tokens: set[str] | frozenset[str]) -> bool:
    """Whether a passage (its tokens with context and aliases) mentions a name."""
    return all(_has(token, passage_tokens) for token in name.tokens)


def _has(token: str, present: set[str] | frozenset[str]) -> bool:
    if token in present:
        return True
    if len(token) < _PREFIX_CHARS:
        return False
    return any(
        len(other) >= _PREFIX_CHARS and (other.startswith(token) or token.startswith(other))
        for other in present
        if other[:3] == token[:3]
    )


def idf_weights(
    subject: Sequence[str], document_frequency: Callable[[str], int], passages: int
) -> dict[str, float]:
    """BM25's idf of each subject word; a word the corpus lacks weighs the most."""
    return {
        token: math.log((passages - df + 0.5) / (df + 0.5) + 1)
        for token in subject
        for df in (document_frequency(token),)
    }


def focal_weights(
    weights: dict[str, float],
    document_frequency: Callable[[str], int],
    passages: int,
    ubiquity: float,
    floor: int,
) -> dict[str, float]:
    """The question's focal words: its subject words (with their idf weights) that are
    not ubiquitous in the corpus, i.e. in fewer than `ubiquity` of its passages (and fewer
    than `floor`, whatever the corpus's size). "Kazakhstan" in a corpus about Kazakhstan
    says little about what a question asks; "inflation" says what it is about."""
    limit = max(ubiquity * passages, floor)
    return {token: w for token, w in weights.items() if document_frequency(token) < limit}


def coverage(weights: dict[str, float], present: set[str] | frozenset[str]) -> float:
    """The idf-weighted share of the question's subject words a passage contains."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for token, w in weights.items() if token in present) / total


def page_feature(question: str, site: bool = True) -> str | None:
    """The page feature (subscription, newsletter, cookies, ...) a question asks about;
    with `site`, also the website's own features (most read, downloads, street address,
    whether the site is genuine: RankingOptions.site_questions)."""
    found = _PAGE_FEATURES.search(question) or (site and _SITE_FEATURES.search(question))
    return found.group(0) if found else None
