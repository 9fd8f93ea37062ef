"""What a question asks for, and what a passage offers: cues the ranking uses.

A when-question is answered by a passage that holds a date, a how-many question by one that
holds a number, a who-question by one that names a person or a role, and a what-did-X-say
question by one that reports speech. The question's scaffolding ("what did ... say about",
"how many", "which") names the kind of answer, not its subject, so it is kept out of the
lexical query. All rules here are about English question structure, never about a corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.search.aliases import NAME, ROLE_WORDS
from store.search.lexical import tokens, words

WHO, WHEN, HOW_MANY, SAID, WHERE, OTHER = "who", "when", "how-many", "said", "where", "other"

# Words that frame a question without saying what it is about.
SCAFFOLDING = frozenset(
    tokens(
        """what which who whom whose when where why how many much long often did does do
        is are was were say said says tell told describe described explain explained mention
        mentioned according think thought happen happened kind sort type way ever anything
        something there any exactly actually really please know"""
    )
    + "what which who whom whose when where why how many much long often".split()
)
_SPEECH_VERBS = (
    r"say|said|says|tell|told|claim|claimed|warn|warned|stress|stressed|promise|promised|"
    r"call|called|describe|described|argue|argued|think|thought|believe|believed|advise|"
    r"advised|recommend|recommended|suggest|suggested|insist|insisted|propose|proposed|"
    r"admit|admitted|announce|announced|comment|commented|reply|replied"
)
_KIND_PATTERNS = (
    (
        HOW_MANY,
        re.compile(
            r"^\s*(?:how\s+(?:many|much|long|old|big|large|far|often)\b|"
            r"what\s+(?:number|share|percentage|proportion)\b)",
            re.I,
        ),
    ),  # fmt: skip
    (
        WHEN,
        re.compile(
            r"^\s*(?:when\b|since\s+when\b|(?:in|on|by)\s+what\s+(?:year|date|day|"
            r"month)\b|what\s+(?:year|date|day|month)\b)",
            re.I,
        ),
    ),  # fmt: skip
    (
        SAID,
        re.compile(
            rf"^\s*(?:what|how)\s+(?:did|does|do|has|have|had|is|was)\b[^?]*?\b"
            rf"(?:{_SPEECH_VERBS})\b",
            re.I,
        ),
    ),  # fmt: skip
    (
        WHO,
        re.compile(
            r"^\s*(?:who|whom|whose)\b|^\s*which\s+(?:[\w'’-]+\s+){0,2}?(?:person|people|"
            r"man|woman|" + "|".join(sorted(ROLE_WORDS, key=len, reverse=True)) + r")\b",
            re.I,
        ),
    ),  # fmt: skip
    (WHERE, re.compile(r"^\s*(?:where\b|in\s+which\s+(?:city|country|town|place)\b)", re.I)),
)

# How who-questions were read before a role after a modifier counted ("Which Kazakh
# minister ..." was not a who-question); kept to measure the change (bench/ideas.py).
_NARROW_WHO = re.compile(
    r"^\s*(?:who|whom|whose)\b|^\s*which\s+(?:person|people|official|minister|general|"
    r"officer|diplomat|man|woman)\b",
    re.I,
)

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
)
_DATE = re.compile(
    rf"\b(?:1[89]\d\d|20\d\d)s?\b|\b{_MONTH}|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)\b|\b(?:last|next|this)\s+(?:year|month|week|spring|summer|autumn|"
    r"winter)\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half|third|quarter|several)\b",
    re.I,
)
_QUOTE = re.compile(rf"[\"“”]|\b(?:{_SPEECH_VERBS})\b", re.I)
_PERSON = re.compile(NAME)
_ROLE = re.compile(r"\b(?:" + "|".join(sorted(ROLE_WORDS, key=len, reverse=True)) + r")\b", re.I)
_PLACE_HINT = re.compile(r"\b(?:in|at|near|from|outside)\s+[A-Z][a-z]+")


_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class QuestionKind:
    """How a question was read: its kind, the words that carry its subject, and the years
    it asks about in plain words ("the 2016 drills"; filters such as in:2016 are gone)."""

    kind: str
    subject: str  # the question without its scaffolding, for the lexical side
    years: frozenset[int] = frozenset()


def question_kind(question: str, role_modifiers: bool = True) -> QuestionKind:
    """`role_modifiers`: "which" + up to two words + a role word ("Which Kazakh minister")
    asks for a person (RankingOptions.who_role_modifiers)."""
    patterns = _KIND_PATTERNS
    if not role_modifiers:
        patterns = tuple((n, _NARROW_WHO if n == WHO else p) for n, p in _KIND_PATTERNS)
    kind = next((name for name, pattern in patterns if pattern.search(question)), OTHER)
    years = frozenset(int(y) for y in _YEAR.findall(question))
    return QuestionKind(kind, subject_words(question), years)


def of_year(years: frozenset[int], published_year: int | None, text: str) -> bool:
    """Whether a passage belongs to a year the question names: its document is dated in
    it, or its text names it."""
    if not years:
        return False
    if published_year in years:
        return True
    return any(str(year) in text for year in years)


def subject_words(question: str) -> str:
    """The question's words that are not scaffolding ("how many", "what did ... say")."""
    kept = [w for w in words(question) if not set(tokens(w)) <= SCAFFOLDING]
    return " ".join(kept)


def offers(kind: str, text: str) -> bool:
    """Whether a passage offers the kind of answer a question of `kind` asks for."""
    if kind == WHEN:
        return bool(_DATE.search(text))
    if kind == HOW_MANY:
        return bool(_NUMBER.search(text))
    if kind == SAID:
        return bool(_QUOTE.search(text))
    if kind == WHO:
        return bool(_PERSON.search(text) or _ROLE.search(text))
    if kind == WHERE:
        return bool(_PLACE_HINT.search(text))
    return False
