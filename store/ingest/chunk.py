"""Cut kept paragraphs into quotable passages that are verbatim spans of the file.

Target size: about TARGET_CHARS characters (roughly 150 word-pieces, well inside the
256-token window of all-MiniLM-L6-v2). A passage is one or more whole paragraphs that stand
next to each other in the file with no dropped paragraph between them; a paragraph longer
than MAX_CHARS is cut between sentences. A passage never starts or ends mid-sentence, and a
single sentence longer than MAX_CHARS stays whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from store.ingest.sentences import sentence_spans

TARGET_CHARS = 700
MAX_CHARS = 1000
# A trailing piece shorter than this is merged into the passage before it.
MIN_CHARS = 200


@dataclass(frozen=True)
class Span:
    """A paragraph's place in the file: index among all paragraphs, and [start, end)."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class ChunkSpan:
    """A passage: `text == source[start:end]`."""

    start: int
    end: int
    text: str

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def chunk_document(source: str, kept: Sequence[Span]) -> list[ChunkSpan]:
    """Passages of the kept paragraphs, in file order."""
    pieces: list[tuple[int, int]] = []
    for run in _adjacent_runs(kept):
        pieces.extend(_pack_run(source, run))
    return [ChunkSpan(start, end, source[start:end]) for start, end in pieces]


def _adjacent_runs(kept: Sequence[Span]) -> list[list[Span]]:
    """Group paragraphs whose indices follow each other: no dropped text between them."""
    runs: list[list[Span]] = []
    for span in sorted(kept, key=lambda s: s.index):
        if runs and runs[-1][-1].index == span.index - 1:
            runs[-1].append(span)
        else:
            runs.append([span])
    return runs


@dataclass(frozen=True)
class _Unit:
    """A whole short paragraph, or one sentence of a long one (`paragraph` = its start)."""

    start: int
    end: int
    paragraph: int
    whole: bool


def _pack_run(source: str, run: list[Span]) -> list[tuple[int, int]]:
    """Greedily join whole paragraphs (or sentences of long ones) up to TARGET_CHARS."""
    units: list[_Unit] = []
    for span in run:
        if span.end - span.start <= MAX_CHARS:
            units.append(_Unit(span.start, span.end, span.start, whole=True))
            continue
        for start, end in sentence_spans(source[span.start : span.end], span.start):
            units.append(_Unit(start, end, span.start, whole=False))
    return _pack(units)


def _joinable(current: _Unit, unit: _Unit) -> bool:
    """Whole paragraphs join whole paragraphs; sentences join sentences of their paragraph.

    So a passage never starts in the middle of one paragraph and ends in the next.
    """
    if current.whole and unit.whole:
        return True
    return not current.whole and not unit.whole and current.paragraph == unit.paragraph


def _pack(units: list[_Unit]) -> list[tuple[int, int]]:
    packed: list[_Unit] = []
    for unit in units:
        if packed:
            current = packed[-1]
            if _joinable(current, unit) and unit.end - current.start <= TARGET_CHARS:
                packed[-1] = _Unit(current.start, unit.end, current.paragraph, current.whole)
                continue
        packed.append(unit)
    return [(unit.start, unit.end) for unit in _merge_short_tails(packed)]


def _merge_short_tails(packed: list[_Unit]) -> list[_Unit]:
    """A tiny last sentence-piece of a long paragraph joins the piece before it."""
    merged: list[_Unit] = []
    for unit in packed:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not unit.whole
            and not previous.whole
            and previous.paragraph == unit.paragraph
            and unit.end - unit.start < MIN_CHARS
            and unit.end - previous.start <= MAX_CHARS
        ):
            merged[-1] = _Unit(previous.start, unit.end, previous.paragraph, whole=False)
        else:
            merged.append(unit)
    return merged


def chunk_id(doc_id: str, chunk: ChunkSpan) -> str:
    """Stable id of a passage: the same text at the same place keeps its id."""
    key = f"{doc_id}\x00{chunk.start}\x00{chunk.end}\x00{chunk.text_hash}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def sentence_windows(text: str) -> list[tuple[int, int, int]]:
    """(start, end, sentence count) of each sentence and each pair of neighbouring
    sentences inside a passage.

    A passage is found by its best window, so one apt sentence inside a long passage
    is not drowned by the rest; a window equal to the whole passage is left out.
    """
    spans = sentence_spans(text)
    windows = [(start, end, 1) for start, end in spans]
    windows += [(spans[i][0], spans[i + 1][1], 2) for i in range(len(spans) - 1)]
    return [w for w in windows if (w[0], w[1]) != (0, len(text))]
