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

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from store.files import write_json_atomically
from store.search.lexical import STOPWORDS as _STOPWORDS
from store.search.lexical import fingerprint as lexical_fingerprint
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
_APPOINTED_AS = re.compile(r"\s+as\s+(?P<role>[^,.;:()\n]{3,100})")
_APPOINTING = re.compile(r"\b(?:appoint|name|nominat|elect|choos|chose|select|pick)\w*\s+$", re.I)
_CLAUSE_BREAK = re.compile(r"[,.;:()\"“”\n]")
_ACRONYM = r"[A-Z][A-Za-z]{0,2}[A-Z]{1,6}s?"  # NATO, PfP, EADRCC, KAZBRIG, CSTO
# Each pattern is anchored on what gives a definition away (a parenthesis, "known as", a
# comma before a code), then looks back at the words before it: cheap on any corpus size.
_PARENTHESISED = re.compile(rf"\((?P<short>{_ACRONYM})\)")
_ACRONYM_THEN_LONG = re.compile(rf"\b(?P<short>{_ACRONYM})\s+\((?P<long>[A-Z][^()\n]{{2,120}})\)")
_KNOWN_AS = re.compile(rf",\s+(?:known as|or|called)\s+(?P<short>{_ACRONYM}|[A-Z][a-z]+)(?![-\w])")
_CODE_APPOSITION = re.compile(r",\s+(?P<short>[A-Z]{3,})(?=[,.;])")
_LOOK_BACK = 160
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
    # A long form's tokens (all must be present) and the acronym token it shortens to, filed
    # under each of its tokens, so a passage only tests the long forms it could contain.
    contractions: dict[str, set[tuple[frozenset[str], str]]] = field(default_factory=dict)
    # A person's surname token -> each role phrase stated with their name, as tokens.
    people: dict[str, set[frozenset[str]]] = field(default_factory=dict)

    def add(self, key: str, words: Iterable[str]) -> None:
        extra = frozenset(words) - {key}
        if extra:
            self.expansions[key] = self.expansions.get(key, frozenset()) | extra

    def add_contraction(self, long_form: frozenset[str], short: str) -> None:
        for token in long_form:
            self.contractions.setdefault(token, set()).add((long_form, short))

    def for_passage(self, passage_tokens: Iterable[str]) -> list[str]:
        """The extra tokens a passage with these tokens gets (none it already has)."""
        present = set(passage_tokens)
        extra: set[str] = set()
        for token in present & self.expansions.keys():
            extra |= self.expansions[token]
        for token in present & self.contractions.keys():
            for long_form, short in self.contractions[token]:
                if long_form <= present:
                    extra.add(short)
        return sorted(extra - present)

    def roles_stated(self, passage_tokens: frozenset[str]) -> list[frozenset[str]]:
        """The roles a passage states for people it names: "Bolat Utemuratov, Secretary of
        the Kazakhstani Security Council" states his; "Mr Utemuratov said" states none."""
        return [
            role
            for surname in passage_tokens & self.people.keys()
            for role in self.people[surname]
            if role <= passage_tokens
        ]

    def __len__(self) -> int:
        return len(self.expansions) + len({c for cs in self.contractions.values() for c in cs})


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
                table.people.setdefault(surname, set()).add(frozenset(role_tokens))
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
    table.add_contraction(frozenset(long_tokens), short_tokens[0])


def _acronym_definitions(text: str) -> Iterable[tuple[str, str]]:
    """(long form, acronym) pairs defined in one passage."""
    for match in _PARENTHESISED.finditer(text):
        before = text[max(0, match.start() - _LOOK_BACK) : match.start()]
        long = _matching_tail(_CLAUSE_BREAK.split(before)[-1], match.group("short"))
        if long:
            yield long, match.group("short")
    for match in _ACRONYM_THEN_LONG.finditer(text):
        if _initials_match(match.group("long"), match.group("short")):
            yield match.group("long"), match.group("short")
    for pattern in (_KNOWN_AS, _CODE_APPOSITION):
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - _LOOK_BACK) : match.start()]
            long = _noun_phrase(_CLAUSE_BREAK.split(before)[-1])
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
        found = _APPOINTED_AS.match(after)  # "appointed Tugay Tuncer as its representative"
        if found and _APPOINTING.search(text[max(0, match.start() - 40) : match.start()]):
            if role := _role_phrase(found.group("role")):
                yield name, role
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


# ----- saved with each generation: finding the aliases of 100k passages takes most of a minute

ALIASES_FILE = "aliases.json"


def fingerprint() -> str:
    """Changes whenever aliases could come out differently (this module or the tokens)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(lexical_fingerprint().encode())
    return digest.hexdigest()[:16]


def save_aliases(path: Path, table: AliasTable) -> None:
    contractions = sorted({(tuple(sorted(long)), short) for cs in table.contractions.values()
                           for long, short in cs})  # fmt: skip
    data = {
        "fingerprint": fingerprint(),
        "expansions": {key: sorted(words) for key, words in sorted(table.expansions.items())},
        "contractions": [[list(long), short] for long, short in contractions],
        "people": {
            key: sorted(sorted(role) for role in roles)
            for key, roles in sorted(table.people.items())
        },  # fmt: skip
    }
    write_json_atomically(path, data)


def load_aliases(path: Path) -> AliasTable | None:
    """The saved table, or None when absent, stale or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("fingerprint") != fingerprint():
            return None
        table = AliasTable({key: frozenset(words) for key, words in data["expansions"].items()})
        for long, short in data["contractions"]:
            table.add_contraction(frozenset(long), short)
        table.people = {key: {frozenset(r) for r in roles} for key, roles in data["people"].items()}
        return table
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("saved aliases %s are unusable (%s); finding them again", path, exc)
        return None


def aliases_for(texts: Sequence[str], cache: Path | None) -> AliasTable:
    """The generation's alias table: saved with it, or found now (and saved)."""
    path = cache / ALIASES_FILE if cache else None
    saved = load_aliases(path) if path else None
    if saved is not None:
        return saved
    table = build_aliases(texts)
    if path is not None:
        try:
            save_aliases(path, table)
        except OSError as exc:  # a read-only data dir only costs the next start-up time
            logger.warning("could not save aliases to %s (%s)", path, exc)
    return table
