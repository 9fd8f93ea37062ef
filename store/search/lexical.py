"""BM25 over passage text, with tokens folded so spelling variants of names still meet.

Transliterated names and British/American spellings vary across sources (Nazarbaev /
Nazarbayev, Nurgaliev / Nurgaliyev, organisation / organization, co-operation /
cooperation, Tunçer / Tuncer). Query and passages go through the same folding, so any two
spellings that fold alike match; the folding is a general rule, not a list of names.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from itertools import chain
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from store.files import write_json_atomically

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also s t say said says tell told give gave know""".split()
)


class _CombiningMarks(dict):
    """A `str.translate` table deleting combining marks, filled in as characters are met:
    C-speed per character instead of a Python generator (it runs on every passage)."""

    def __missing__(self, code: int) -> str | None:
        value = None if unicodedata.combining(chr(code)) else chr(code)
        self[code] = value
        return value


_COMBINING_MARKS = _CombiningMarks()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return decomposed.translate(_COMBINING_MARKS)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """A spelling-insensitive key for one lower-case word (stemmed, then folded)."""
    stem = _STEMMER.stemWord(word)
    # A 'y' between vowels is a transliteration glide: Nazarbayev -> nazarbaev.
    stem = re.sub(r"(?<=[aeiou])y(?=[aeiou])", "", stem)
    stem = stem.replace("z", "s").replace("kh", "h").replace("ae", "e")
    # Doubled letters vary in transliteration (Scheffer / Schefer).
    return re.sub(r"(.)\1+", r"\1", stem)


# Dotted abbreviations are one word: "U.S." is written "US" as often, "U.N." "UN".
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}")


def words(text: str) -> list[str]:
    """Lower-case words without accents; apostrophes dropped ("Nato's" -> "natos") and
    abbreviations undotted ("U.S." -> "us")."""
    plain = _strip_accents(_DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)).lower()
    return [word.replace("'", "").replace("’", "") for word in _WORD.findall(plain)]


def tokens(text: str) -> list[str]:
    """Folded index/query tokens: hyphenated words count as their parts and as one word."""
    found: list[str] = []
    for word in words(text):
        found.extend(_word_tokens(word))
    return found


@lru_cache(maxsize=200_000)
def _word_tokens(word: str) -> tuple[str, ...]:
    """The tokens of one word; cached, since a corpus repeats its words endlessly."""
    parts = word.split("-")
    candidates = parts + (["".join(parts)] if len(parts) > 1 else [])
    return tuple(fold(part) for part in candidates if part and part not in STOPWORDS)


def name_tokens(texts: Sequence[str]) -> frozenset[str]:
    """Tokens of words the corpus writes like names or codes: capitalised inside a
    sentence (Altynbayev, KAZBAT, PARP) and never in lower case."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group(0)
            if word[0].islower():
                lower.add(_name_key(word))
            elif word[0].isupper() and not _starts_sentence(text, match.start()):
                capitalised.add(_name_key(word))
    return frozenset(capitalised - lower)


@lru_cache(maxsize=200_000)
def _name_key(word: str) -> str:
    return fold(_strip_accents(word).lower().replace("'", "").replace("’", ""))


def _starts_sentence(text: str, index: int) -> bool:
    # Same as text[:index].rstrip(...) without copying the text before every word.
    while index > 0 and text[index - 1] in " \t\"“‘'(":
        index -= 1
    return index == 0 or text[index - 1] in ".!?:\n"


# BM25's term saturation and length normalisation (bm25s' defaults); the searcher sets b.
BM25_K1 = 1.5
BM25_B = 0.75


class LexicalIndex:
    """BM25 scores of a query against every passage, in passage order."""

    def __init__(
        self,
        texts: Sequence[str],
        tokenized: Sequence[list[str]] | None = None,
        names: frozenset[str] | None = None,
        own_tokens: Sequence[list[str]] | None = None,
        b: float = BM25_B,
    ):
        """`tokenized` and `names`, when given, are `[tokens(t) for t in texts]` and
        `name_tokens(texts)`, already computed (or read from a cache) by the caller:
        they are most of the time a load takes. When BM25 indexes more than the text
        (context, aliases), `own_tokens` are the text's own: how rare a word is counts in
        what the passages themselves say. `b` is BM25's length normalisation."""
        self.size = len(texts)
        self.names = names if names is not None else name_tokens(texts)
        corpus_tokens = list(tokenized) if tokenized is not None else [tokens(t) for t in texts]
        self._document_frequency: dict[str, int] = Counter(
            chain.from_iterable(set(passage) for passage in own_tokens or corpus_tokens)
        )
        self._indexed = set(chain.from_iterable(corpus_tokens)) if own_tokens is not None else None
        self._bm25 = bm25s.BM25(k1=BM25_K1, b=b)
        if self.size:
            self._bm25.index(corpus_tokens, show_progress=False)

    def vocabulary(self) -> set[str]:
        """Every token some passage has (with its context and aliases)."""
        return set(self._indexed or self._document_frequency)

    def known(self, query_tokens: Sequence[str]) -> list[str]:
        indexed = self._indexed or self._document_frequency
        return [t for t in query_tokens if t in indexed]

    def document_frequency(self, token: str) -> int:
        return self._document_frequency.get(token, 0)

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per passage (zeros when no query word is in the corpus)."""
        known = self.known(tokens(query))
        if not self.size or not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """Changes whenever tokens or names could come out differently: this module's code
    or the stemmer's version. Saved tokens carry it, so stale ones are never used."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(version("PyStemmer").encode())
    return digest.hexdigest()[:16]


def save_tokens(
    path: Path,
    tokenized: Sequence[list[str]],
    names: frozenset[str],
    texts_key: str | None = None,
) -> None:
    """Write the tokens of every passage and the name tokens, atomically, with what is
    needed to verify them: the tokenizer's fingerprint, the texts they were made from
    (`texts_key`, see `GenerationTables.texts_digest`), the count and a checksum."""
    lines = [" ".join(passage) for passage in tokenized]  # tokens hold no spaces
    ordered_names = sorted(names)
    data = {
        "fingerprint": fingerprint(),
        "texts": texts_key,
        "count": len(lines),
        "sha256": _tokens_checksum(lines, ordered_names),
        "tokens": lines,
        "names": ordered_names,
    }
    write_json_atomically(path, data)


def load_tokens(
    path: Path, count: int, texts_key: str | None = None
) -> tuple[list[list[str]], frozenset[str]] | None:
    """Saved tokens for `count` passages made from the texts `texts_key` names; None when
    absent, made by other code, or damaged (the caller tokenizes again; damage is logged)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("saved tokens %s are unreadable (%s); tokenizing again", path, exc)
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint():
        return None  # written by other tokenizer code: stale, not damaged
    problem = _tokens_problem(data, count, texts_key)
    if problem:
        logger.warning("saved tokens %s are damaged (%s); tokenizing again", path, problem)
        return None
    return [line.split() for line in data["tokens"]], frozenset(data["names"])


def _tokens_problem(data: dict, count: int, texts_key: str | None) -> str | None:
    lines, names = data.get("tokens"), data.get("names")
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        return "the tokens are not a list of strings"
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return "the names are not a list of strings"
    if len(lines) != count or data.get("count") != count:
        return f"they hold {len(lines)} passages, the index {count}"
    if texts_key is not None and data.get("texts") != texts_key:
        return "they were made from other passage texts"
    if data.get("sha256") != _tokens_checksum(lines, names):
        return "they do not match their checksum"
    return None


def _tokens_checksum(lines: Sequence[str], names: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    digest.update(b"\0")
    for name in names:
        digest.update(name.encode("utf-8") + b"\n")
    return digest.hexdigest()
