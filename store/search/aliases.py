"""Names the corpus itself defines, so a question in other words still meets the passage.

Writers name a person once with their role ("Bolat Utemuratov, Secretary of the Kazakhstani
Security Council") and then by name alone; they spell an institution out once ("the
Northern Distribution Network (NDN)") and then use the acronym. Readers ask the other way
round ("what did the secretary of the security council believe?"). From the corpus's own
text this module finds:

- acronyms defined next to their long form: "Long Name (ACR)", "ACR (Long Name)",
  "Long Name, known as ACR", "the peacekeeping brigade, KAZBRIG," and capitalised names
  whose initials spell an acronym the corpus uses ("Collective Security Treaty
  Organization" and "CSTO");
- people and their roles, from appositions ("Name, role,", "role, Name,"), titles before a
  name ("foreign minister Marat Tazhin") and "Name, who commands ..." / "Name chairs ...".

Each passage that mentions one side gets the other side's words as extra BM25 tokens
(never in the quote). The rules are about English sentence structure and a general
vocabulary of role words, never about particular names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from store.search.lexical import STOPWORDS as _STOPWORDS
from store.search.lexical import tokens

logger = logging.getLogger(__name__)

# Head words of a role or office (general English, no names).
ROLE_WORDS = frozenset(
    """minister ministers secretary secretary-general general president vice-president chairman
    chairwoman chair chairs head heads chief commander commanders ambassador envoy representative
    spokesperson spokesman spokeswoman adviser advisor official diplomat editor fellow analyst
    correspondent governor mayor deputy leader founder officer colonel captain major lieutenant
    admiral director coordinator attaché attache premier prime speaker senator
    commissioner rapporteur negotiator""".split()
)
# Verbs that state a role: "Name chairs the committee", "Name, who commands the brigade".
ROLE_VERBS = "chairs|heads|leads|commands|runs|directs|manages|presides over|edits"
_PARTICLES = r"(?:de|da|del|der|van|von|al|bin|ibn|la|le)"
_NAME_WORD = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
_INITIAL = r"[A-Z]\."
_TITLE = r"(?:Mr|Mrs|Ms|Dr|Prof|Gen|Col|Lt|Maj|Capt|Adm|Sen)\.?"
# A person: "Bolat Utemuratov", "Jaap de Hoop Scheffer", "Roger N. McDermott", "Mr Nurgaliev".
NAME = (
    rf"(?:(?:{_TITLE}\s+)?{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|{_INITIAL}|{_PARTICLES}))*"
    rf"\s+{_NAME_WORD}|{_TITLE}\s+{_NAME_WORD})"
)
_NAME = re.compile(NAME)
_DETERMINERS = frozenset({"the", "a", "an", "its", "his", "her", "their", "our"})
_ROLE_AFTER = re.compile(r",\s+(?P<role>[^,.;:()\"“”\n]{3,100}?)(?=[,.;)]|$)")
_ROLE_VERB_AFTER = re.compile(
    rf",?\s+(?:who\s+)?(?P<role>(?:{ROLE_VERBS})\s+(?:[^,.;:()\n]|\.(?!\s)){{3,100}})"
)
_CLAUSE_BREAK = re.compile(r"[,.;:()\"“”\n]")
_ACRONYM = r"[A-Z][A-Za-z]{0,2}[A-Z]{1,6}s?"  # NATO, PfP, EADRCC, KAZBRIG, CSTO
_LONG_THEN_ACRONYM = re.compile(rf"(?P<long>[A-Z][^()\n]{{2,120}}?)\s+\((?P<short>{_ACRONYM})\)")
_LOWER_LONG_THEN_ACRONYM = re.compile(
    rf"(?P<long>(?:[a-z][a-z-]+\s+){{1,6}}[a-z][a-z-]+)\s+\((?P<short>{_ACRONYM})\)"
)
_ACRONYM_THEN_LONG = re.compile(rf"\b(?P<short>{_ACRONYM})\s+\((?P<long>[A-Z][^()\n]{{2,120}})\)")
_KNOWN_AS = re.compile(
    rf"(?P<long>[A-Za-z][^,.;:()\n]{{2,120}}?),\s+(?:known as|or|called)\s+"
    rf"(?P<short>{_ACRONYM}|[A-Z][a-z]+)(?![-\w])"
)
_CODE_APPOSITION = re.compile(
    r"(?P<long>[A-Za-z][^,.;:()\n]{2,80}?),\s+(?P<short>[A-Z]{3,})(?=[,.;])"
)
_CAPITALISED_NAME = re.compile(
    r"\b(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?:\s+(?:for|of|and|on|the)?\s*[A-Z][a-z]+(?:-[A-Z][a-z]+)?)+"
)
_SMALL_WORDS = frozenset({"for", "of", "and", "on", "the", "in", "to", "a", "an"})
_MAX_LONG_WORDS = 12


@dataclass
class AliasTable:
    """Both sides of every alias the corpus defines, as folded BM25 tokens."""

    # A token that names something (a surname, an acronym) -> tokens of what it stands for.
    expansions: dict[str, frozenset[str]] = field(default_factory=dict)
    # A long form's tokens (all must be present) -> the acronym token it shortens to.
    contractions: list[tuple[frozenset[str], str]] = field(default_factory=list)

    def add(self, key: str, words: Iterable[str]) -> None:
        extra = frozenset(words) - {key}
        if extra:
            self.expansions[key] = self.expansions.get(key, frozenset()) | extra

    def for_passage(self, passage_tokens: Iterable[str]) -> list[str]:
        """The extra tokens a passage with these tokens gets (none it already has)."""
        present = set(passage_tokens)
        extra: set[str] = set()
        for token in present & self.expansions.keys():
            extra |= self.expansions[token]
        for long_form, short in self.contractions:
            if long_form <= present:
                extra.add(short)
        return sorted(extra - present)

    def __len__(self) -> int:
        return len(self.expansions) + len(self.contractions)


def build_aliases(texts: Sequence[str]) -> AliasTable:
    """Every alias defined anywhere in `texts` (all passages of a generation)."""
    table = AliasTable()
    acronyms_used: set[str] = set()
    for text in texts:
        acronyms_used.update(a.upper() for a in re.findall(r"\b[A-Z][a-z]?[A-Z]{1,7}\b", text))
        for long, short in _acronym_definitions(text):
            _add_acronym(table, long, short)
        for name, role in _person_roles(text):
            surname = _surname_token(name)
            role_tokens = [t for t in tokens(role) if t != surname]
            if surname and role_tokens:
                table.add(surname, role_tokens)
    for text in texts:
        for match in _CAPITALISED_NAME.finditer(text):
            long = match.group(0)
            for short in {_initials(long), _initials(long, small=True)}:
                if short in acronyms_used and len(short) >= 3:
                    _add_acronym(table, long, short)
    logger.debug("%d aliases found in %d passages", len(table), len(texts))
    return table


def _add_acronym(table: AliasTable, long: str, short: str) -> None:
    short_tokens = tokens(short)
    long_tokens = [t for t in tokens(long) if t not in short_tokens]
    if len(short_tokens) != 1 or not long_tokens:
        return
    table.add(short_tokens[0], long_tokens)
    contraction = (frozenset(long_tokens), short_tokens[0])
    if contraction not in table.contractions:
        table.contractions.append(contraction)


def _acronym_definitions(text: str) -> Iterable[tuple[str, str]]:
    """(long form, acronym) pairs defined in one passage."""
    for pattern in (_LONG_THEN_ACRONYM, _LOWER_LONG_THEN_ACRONYM):
        for match in pattern.finditer(text):
            long = _matching_tail(match.group("long"), match.group("short"))
            if long:
                yield long, match.group("short")
    for match in _ACRONYM_THEN_LONG.finditer(text):
        if _initials_match(match.group("long"), match.group("short")):
            yield match.group("long"), match.group("short")
    for pattern in (_KNOWN_AS, _CODE_APPOSITION):
        for match in pattern.finditer(text):
            long = _noun_phrase(match.group("long"))
            if long:
                yield long, match.group("short")


def _person_roles(text: str) -> Iterable[tuple[str, str]]:
    """(name, role phrase) pairs stated in one passage: "Name, role," / "role, Name," /
    "title Name" / "Name, who commands ..." / "Name chairs ..."."""
    for match in _NAME.finditer(text):
        title, name = _split_title(match.group(0))
        if not name or not _looks_personal(name):
            continue
        if title:
            yield name, title
        after = text[match.end() :]
        found = _ROLE_AFTER.match(after)
        if found and (role := _role_phrase(found.group("role"), leading=True)):
            yield name, role
        found = _ROLE_VERB_AFTER.match(after)
        if found:
            yield name, found.group("role")
        before = text[max(0, match.start() - 160) : match.start()]
        clause = _CLAUSE_BREAK.split(before[:-2] if before.endswith(", ") else before)[-1]
        if before.endswith(", "):
            role = _role_phrase(clause)
        else:  # a title right before the name: "Kazakh foreign minister Marat Tazhin"
            words = clause.split()
            ends_in_role = bool(words) and words[-1].lower().strip("’'") in ROLE_WORDS
            role = _role_phrase(" ".join(words[-4:])) if ends_in_role else None
        if role:
            yield name, role


def _split_title(found: str) -> tuple[str | None, str | None]:
    """("Army General", "Mukhtar Altynbayev") from "Army General Mukhtar Altynbayev": the
    capitalised role words a name match starts with are its title."""
    words = found.split()
    last_role = max(
        (i for i, w in enumerate(words) if w.lower().strip("’'.") in ROLE_WORDS), default=-1
    )
    if last_role < 0:
        return None, found
    name = words[last_role + 1 :]
    title = " ".join(w for w in words[: last_role + 1])
    if not name:
        return None, None
    return _role_phrase(title) or title, " ".join(name)


def _role_phrase(clause: str, leading: bool = False) -> str | None:
    """The role noun phrase in a clause: its first role word with the modifiers before it
    ("Kazakh foreign minister", "Russia's envoy to Nato") and what follows; None when it
    names no role or is too long. With `leading`, the role must open the clause."""
    words = clause.split()
    lowered = [w.lower().strip("’'.") for w in words]
    first = next((i for i, w in enumerate(lowered) if w in ROLE_WORDS), None)
    if first is None:
        return None
    start = first
    while start > 0 and start > first - 3:
        previous = lowered[start - 1]
        if previous in _DETERMINERS or (previous in _STOPWORDS and not _possessive(previous)):
            break
        if not words[start - 1][:1].isalpha():
            break
        start -= 1
    if leading and start > 1:
        return None
    phrase = words[start:]
    return " ".join(phrase) if 0 < len(phrase) <= 12 else None


def _possessive(word: str) -> bool:
    return word.endswith(("'s", "’s"))


def _looks_personal(name: str) -> bool:
    """A person's name, not a capitalised phrase: no sentence words such as "The"."""
    first = name.split()[0].lower().rstrip(".")
    return first not in _DETERMINERS and first not in {"in", "on", "at", "for", "but", "and"}


def _is_role(phrase: str) -> bool:
    found = [w.lower().strip("’'") for w in re.findall(r"[A-Za-z’'-]+", phrase)]
    return 0 < len(found) <= 14 and any(w in ROLE_WORDS for w in found)


def _surname_token(name: str) -> str | None:
    parts = tokens(name.split()[-1])
    return parts[-1] if parts else None


def _noun_phrase(clause: str) -> str | None:
    """The noun phrase a clause ends with: after its last determiner or possessive, taking
    in "of"/"for" phrases ("the Partnership for Peace Training Centre of the Armed Forces
    of Kazakhstan", "Kazakhstan's peacekeeping brigade"); None when long."""
    words = clause.split()
    lowered = [w.lower() for w in words]
    start = 0
    for i in range(len(words) - 1, -1, -1):
        if lowered[i] in _DETERMINERS or lowered[i] in ("who", "which", "that"):
            if i > 0 and lowered[i - 1] in ("of", "for") and lowered[i] in _DETERMINERS:
                continue
            start = i + 1
            break
        if _possessive(lowered[i]):
            start = i
            break
    phrase = words[start:]
    return " ".join(phrase) if 0 < len(phrase) <= _MAX_LONG_WORDS else None


def _words_with_parts(text: str) -> list[str]:
    words: list[str] = []
    for word in re.findall(r"[A-Za-z’']+(?:-[A-Za-z’']+)*", text):
        words.extend(part for part in word.split("-") if part)
    return words


def _initials(text: str, small: bool = False) -> str:
    """ "CSTO" from "Collective Security Treaty Organization"; with `small`, small words
    count too ("PFP" from "Partnership for Peace")."""
    words = _words_with_parts(text)
    return "".join(w[0].upper() for w in words if small or w.lower() not in _SMALL_WORDS)


def _initials_match(long: str, short: str) -> bool:
    letters = short.rstrip("s").upper()
    return letters in (_initials(long), _initials(long, small=True))


def _matching_tail(long: str, short: str) -> str | None:
    """The shortest tail of `long` whose initials spell `short` (small words may count or
    not): "... Partnership for Peace Planning and Review Process (PARP)" gives "Planning
    and Review Process"."""
    words = long.split()
    for size in range(1, min(len(words), _MAX_LONG_WORDS) + 1):
        tail = " ".join(words[-size:])
        if _initials_match(tail, short):
            return tail
    return None
