"""BM25 over passage text, with tokens folded so spelling variants of names still meet.

Transliterated names and British/American spellings vary across sources (Nazarbaev /
Nazarbayev, Nurgaliev / Nurgaliyev, organisation / organization, co-operation /
cooperation, Tunçer / Tuncer). Query and passages go through the same folding, so any two
spellings that fold alike match; the folding is a general rule, not a list of names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also s t say said says tell told give gave know""".split()
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """A spelling-insensitive key for one lower-case word (stemmed, then folded)."""
    stem = _STEMMER.stemWord(word)
    # A 'y' between vowels is a transliteration glide: Nazarbayev -> nazarbaev.
    stem = re.sub(r"(?<=[aeiou])y(?=[aeiou])", "", stem)
    stem = stem.replace("z", "s").replace("kh", "h").replace("ae", "e")
    # Doubled letters vary in transliteration (Scheffer / Schefer).
    return re.sub(r"(.)\1+", r"\1", stem)


def words(text: str) -> list[str]:
    """Lower-case words without accents; apostrophes dropped ("Nato's" -> "natos")."""
    plain = _strip_accents(text).lower()
    return [m.group(0).replace("'", "").replace("’", "") for m in _WORD.finditer(plain)]


def tokens(text: str) -> list[str]:
    """Folded index/query tokens: hyphenated words count as their parts and as one word."""
    found: list[str] = []
    for word in words(text):
        parts = word.split("-")
        candidates = parts + (["".join(parts)] if len(parts) > 1 else [])
        found.extend(fold(part) for part in candidates if part and part not in _STOPWORDS)
    return found


def name_tokens(texts: Sequence[str]) -> frozenset[str]:
    """Tokens of words the corpus writes like names or codes: capitalised inside a
    sentence (Altynbayev, KAZBAT, PARP) and never in lower case."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group(0)
            key = fold(_strip_accents(word).lower().replace("'", "").replace("’", ""))
            if word[0].islower():
                lower.add(key)
            elif word[0].isupper() and not _starts_sentence(text, match.start()):
                capitalised.add(key)
    return frozenset(capitalised - lower)


def _starts_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \t\"“‘'(")
    return not before or before[-1] in ".!?:\n"


class LexicalIndex:
    """BM25 scores of a query against every passage, in passage order."""

    def __init__(self, texts: Sequence[str]):
        self.size = len(texts)
        self._document_frequency: dict[str, int] = {}
        self.names = name_tokens(texts)
        corpus_tokens = [tokens(text) for text in texts]
        for passage in corpus_tokens:
            for token in set(passage):
                self._document_frequency[token] = self._document_frequency.get(token, 0) + 1
        self._bm25 = bm25s.BM25()
        if self.size:
            self._bm25.index(corpus_tokens, show_progress=False)

    def known(self, query_tokens: Sequence[str]) -> list[str]:
        return [t for t in query_tokens if t in self._document_frequency]

    def document_frequency(self, token: str) -> int:
        return self._document_frequency.get(token, 0)

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per passage (zeros when no query word is in the corpus)."""
        known = self.known(tokens(query))
        if not self.size or not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
