"""Sentence boundaries as character spans, so chunks and highlights never cut a sentence."""

from __future__ import annotations

import re

# Words that end with a period without ending the sentence ("Mr Scheffer", "Gen. Altynbayev",
# "в 2010 г. Министр", "15 млн. тенге").
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen col lt maj capt sgt adm cmdr gov sen rep st jr sr no nos vs etc
    e.g i.e cf al inc ltd co corp dept univ approx fig vol pp op jan feb mar apr jun jul aug
    sep sept oct nov dec г гг им ул тыс млн млрд др пр см ген""".split()
)

# Capitals that may open a sentence: Latin, Russian and Kazakh Cyrillic.
UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_BOUNDARY = re.compile(rf"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«„(\[]?[{UPPER}0-9])")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, shifted by `offset`, whitespace excluded."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if _is_abbreviation(text, match.start()):
            continue
        if end > start:
            spans.append((offset + start, offset + end))
        start = _skip_space(text, end)
    tail_end = len(text.rstrip())
    if tail_end > start:
        spans.append((offset + start, offset + tail_end))
    return spans


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _is_abbreviation(text: str, period_at: int) -> bool:
    """True when the period at `period_at` closes an abbreviation, an initial or an acronym."""
    if text[period_at] != ".":
        return False
    word_start = period_at
    while (
        word_start > 0
        and not text[word_start - 1].isspace()
        and text[word_start - 1] not in "(\"“'‘«„"
    ):
        word_start -= 1
    word = text[word_start:period_at]
    if not word:
        return False
    if word.lower() in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isupper():  # an initial: "Roger N. McDermott"
        return True
    return bool(re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word))  # "U.S", "e.g", "т.е"
