"""A generation's passages, sentence windows and vectors as arrays, in date order.

The searcher holds these in memory so that a question costs two nearest-neighbour queries
in Chroma and some numpy arithmetic: re-scoring lexical candidates, highlighting and
date-filtered search need no Chroma reads (each read cost 5-20 ms at 100k passages).
Passages are ordered by publication date (the first day of a month or a year when only that
is known), so every date filter is one contiguous slice, less the few rows dated to a month
or a year that begins before the filter and ends before it too.

Generations never change once built, so the tables are saved once per generation (by the
indexer, which has every record in hand, or by the first searcher that had to read them
from Chroma) and later start-ups and live swaps read a few files instead of every record.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

# Bump when the saved layout changes: older saved tables are then rebuilt from Chroma.
TABLES_VERSION = 2
TABLES_DIR = "tables"
INFO_FILE = "info.json"
ARRAYS_FILE = "arrays.npz"
TEXTS_FILE = "passages.json"


@dataclass(frozen=True)
class Rows:
    """Passage rows [first, last) a date filter admits; `admitted` (one bool per row of the
    slice) when some rows inside it are not admitted, None when all are."""

    first: int
    last: int
    admitted: np.ndarray | None = None

    def __len__(self) -> int:
        return self.last - self.first


@dataclass
class GenerationTables:
    """Row i describes passage i; passages are sorted by (published, doc_id, start).

    The windows of passage i are rows `window_first[i]:window_first[i + 1]` of the window
    arrays (a one-sentence passage has none), so windows are in date order too.
    """

    passage_ids: list[str]
    doc_ids: list[str]
    texts: list[str]
    starts: np.ndarray  # offset of each passage in its source file
    ends: np.ndarray
    published: np.ndarray  # YYYYMMDD, 0 when undated; ascending
    published_until: np.ndarray  # YYYYMMDD of the first day after the date's period; 0 undated
    vectors: np.ndarray  # float32, one unit vector per passage
    window_first: np.ndarray  # len(passages) + 1 boundaries into the window arrays
    window_starts: np.ndarray  # offsets inside the passage's text
    window_ends: np.ndarray
    window_sentences: np.ndarray  # 1 or 2
    window_passage: np.ndarray  # the passage row of each window
    window_vectors: np.ndarray  # float32
    headings: list[str] | None = None  # the section heading above each passage ("" if none)

    def __len__(self) -> int:
        return len(self.passage_ids)

    def windows_of(self, row: int) -> range:
        return range(int(self.window_first[row]), int(self.window_first[row + 1]))

    def window_cosines(self, row: int, vector: np.ndarray) -> np.ndarray:
        """The cosine of each of passage `row`'s windows (in `windows_of` order) to `vector`."""
        return self.window_vectors[self.window_first[row] : self.window_first[row + 1]] @ vector

    def rows_published(self, since: date | None, before: date | None) -> Rows:
        """The passage rows whose date's period overlaps [since, before); undated passages
        (0) are never inside.

        A period that contains `since` begins no earlier than 1 January of that year (month
        and year periods begin on their first day), so the slice starts there and the rows
        whose period ends by `since` are masked out.
        """
        lowest = date(since.year, 1, 1) if since is not None else None
        first = int(np.searchsorted(self.published, max(date_number(lowest), 1), side="left"))
        last = (
            len(self)
            if before is None
            else int(np.searchsorted(self.published, date_number(before), side="left"))
        )
        last = max(first, last)
        if since is None:
            return Rows(first, last)
        admitted = self.published_until[first:last] > date_number(since)
        return Rows(first, last, None if admitted.all() else admitted)


def date_number(day: date | None) -> int:
    """A date as the int YYYYMMDD (0 when undated): how records store `published_ord`,
    comparable in Chroma `where` filters and in numpy."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0


def from_records(
    passages: Iterable[dict[str, Any]], windows: Iterable[dict[str, Any]]
) -> GenerationTables:
    """Tables from index records ({id, text, metadata, embedding}); window texts unused."""
    ordered = sorted(
        passages,
        key=lambda r: (
            int(r["metadata"].get("published_ord", 0)),
            r["metadata"]["doc_id"],
            int(r["metadata"]["start"]),
        ),
    )
    row_of = {r["id"]: row for row, r in enumerate(ordered)}
    placed = []
    for window in windows:
        meta = window["metadata"]
        row = row_of.get(meta["passage_id"])
        if row is None:  # cannot happen in a generation the indexer wrote; never fatal
            logger.warning("window %s has no passage in its generation", window["id"])
            continue
        placed.append((row, int(meta["start"]), int(meta["end"]), window))
    placed.sort(key=lambda item: item[:3])
    counts = np.bincount(
        np.array([row for row, *_ in placed], dtype=np.int64), minlength=len(ordered)
    )
    dimension = len(ordered[0]["embedding"]) if ordered else 0
    return GenerationTables(
        passage_ids=[r["id"] for r in ordered],
        doc_ids=[r["metadata"]["doc_id"] for r in ordered],
        texts=[r["text"] for r in ordered],
        starts=_ints(int(r["metadata"]["start"]) for r in ordered),
        ends=_ints(int(r["metadata"]["end"]) for r in ordered),
        published=_ints(int(r["metadata"].get("published_ord", 0)) for r in ordered),
        published_until=_ints(_until(r["metadata"]) for r in ordered),
        vectors=_matrix([r["embedding"] for r in ordered], dimension),
        window_first=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        window_starts=_ints(start for _, start, _, _ in placed),
        window_ends=_ints(end for _, _, end, _ in placed),
        window_sentences=_ints(int(w["metadata"].get("sentences", 1)) for *_, w in placed),
        window_passage=_ints(row for row, *_ in placed),
        window_vectors=_matrix([w["embedding"] for *_, w in placed], dimension),
        headings=[str(r["metadata"].get("heading") or "") for r in ordered],
    )


def save(tables: GenerationTables, directory: Path, generation: str) -> None:
    """Write the tables to `directory` atomically: a reader sees all of them or none."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}.tmp")
    temporary.mkdir()
    try:
        arrays = {
            name: getattr(tables, name)
            for name in (
                "starts ends published published_until vectors window_first window_starts "
                "window_ends window_sentences window_passage window_vectors"
            ).split()
        }
        np.savez(temporary / ARRAYS_FILE, **arrays)
        texts = {
            "ids": tables.passage_ids,
            "doc_ids": tables.doc_ids,
            "texts": tables.texts,
            "headings": tables.headings or [""] * len(tables),
        }
        (temporary / TEXTS_FILE).write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
        info = {"version": TABLES_VERSION, "generation": generation, "passages": len(tables)}
        (temporary / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
        _move_into_place(temporary, directory)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _move_into_place(ready: Path, directory: Path) -> None:
    """Rename `ready` to `directory`, first moving aside tables already there (unusable
    ones, or another process's copy of the same): a directory cannot be renamed over."""
    try:
        os.replace(ready, directory)
        return
    except OSError:
        if not directory.exists():
            raise
    old = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}.old")
    os.replace(directory, old)
    os.replace(ready, directory)
    shutil.rmtree(old, ignore_errors=True)


def load(directory: Path, generation: str) -> GenerationTables | None:
    """Saved tables of `generation`, or None when there are none usable (absent, written
    by another version, or unreadable: the caller then reads Chroma instead)."""
    try:
        info = json.loads((directory / INFO_FILE).read_text(encoding="utf-8"))
        if info.get("version") != TABLES_VERSION or info.get("generation") != generation:
            return None
        texts = json.loads((directory / TEXTS_FILE).read_text(encoding="utf-8"))
        with np.load(directory / ARRAYS_FILE) as arrays:
            loaded = {name: arrays[name] for name in arrays.files}
        tables = GenerationTables(
            passage_ids=texts["ids"],
            doc_ids=texts["doc_ids"],
            texts=texts["texts"],
            headings=texts["headings"],
            **loaded,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("saved index tables in %s are unusable (%s); reading Chroma", directory, exc)
        return None
    if len(tables) != info.get("passages") or len(tables.window_first) != len(tables) + 1:
        logger.warning("saved index tables in %s are inconsistent; reading Chroma", directory)
        return None
    return tables


def _until(metadata: dict[str, Any]) -> int:
    """The record's `published_until`; records written before dates had a precision were all
    dated to the day, so theirs is the day after `published_ord`."""
    if "published_until" in metadata:
        return int(metadata["published_until"])
    day = int(metadata.get("published_ord", 0))
    if not day:
        return 0
    return date_number(
        date.fromordinal(date(day // 10000, day // 100 % 100, day % 100).toordinal() + 1)
    )


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _matrix(vectors: list[Any], dimension: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.asarray(np.vstack(vectors), dtype=np.float32)
