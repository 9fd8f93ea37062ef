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

Saved tables are derived data and never trusted: `info.json` records the format version,
the generation, the counts, the dimension and a SHA-256 of each file; every passage text is
saved with its own hash and hashed again at load; `check` then compares the counts, and the
texts of a sample of ids, with Chroma itself. Anything that does
not verify is reported by `load` / `check` (the searcher then reads Chroma and saves the
tables again), never served.
"""

from __future__ import annotations

import hashlib
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
TABLES_VERSION = 4
TABLES_DIR = "tables"
INFO_FILE = "info.json"
ARRAYS_FILE = "arrays.npz"
TEXTS_FILE = "passages.json"
ARRAY_NAMES = (
    "starts ends published published_until vectors window_first window_starts window_ends "
    "window_sentences window_passage window_vectors"
).split()
# Ids checked against Chroma's own text hashes at every load: a few milliseconds, where
# reading every record's metadata costs about 5 s per 100k passages (most of a restart).
CHROMA_SAMPLE = 64
_HASH_CHUNK = 1 << 20


class DamagedTablesError(Exception):
    """Saved tables that do not verify; the message says what is wrong."""


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
    text_hashes: list[str]  # SHA-256 of each passage text (the quote, as Chroma stores it)
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

    def texts_digest(self) -> str:
        """One hash of every passage id and text hash, in row order: what files derived
        from these texts (the saved BM25 tokens) are tied to."""
        digest = hashlib.sha256()
        for passage_id, text_hash in zip(self.passage_ids, self.text_hashes, strict=True):
            digest.update(f"{passage_id}\0{text_hash}\n".encode())
        return digest.hexdigest()

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
        text_hashes=[text_sha256(r["text"]) for r in ordered],
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
        np.savez(temporary / ARRAYS_FILE, **{name: getattr(tables, name) for name in ARRAY_NAMES})
        texts = {
            "ids": tables.passage_ids,
            "doc_ids": tables.doc_ids,
            "texts": tables.texts,
            "text_hashes": tables.text_hashes,
            "headings": tables.headings or [""] * len(tables),
        }
        (temporary / TEXTS_FILE).write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
        info = {
            "version": TABLES_VERSION,
            "generation": generation,
            "passages": len(tables),
            "windows": len(tables.window_passage),
            "dimension": int(tables.vectors.shape[1]),
            "sha256": {name: _file_sha256(temporary / name) for name in (ARRAYS_FILE, TEXTS_FILE)},
        }
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
    """Saved tables of `generation`, verified; None when there are none (never saved, or
    saved by another version of this code: the caller reads Chroma instead, silently).

    Raises DamagedTablesError when files are there but do not verify: truncated, a flipped
    bit, texts out of line with their ids, counts that disagree.
    """
    try:
        info = json.loads((directory / INFO_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DamagedTablesError(f"{INFO_FILE} is unreadable ({exc})") from exc
    if not isinstance(info, dict):
        raise DamagedTablesError(f"{INFO_FILE} is not a JSON object")
    if info.get("version") != TABLES_VERSION:
        return None  # another layout: not damage, simply not ours to read
    if info.get("generation") != generation:
        raise DamagedTablesError(
            f"they belong to generation {info.get('generation')!r}, not {generation}"
        )
    try:
        checksums = info["sha256"]
        for name in (ARRAYS_FILE, TEXTS_FILE):
            if _file_sha256(directory / name) != checksums[name]:
                raise DamagedTablesError(f"{name} does not match its checksum")
        texts = json.loads((directory / TEXTS_FILE).read_text(encoding="utf-8"))
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
            loaded = {name: arrays[name] for name in ARRAY_NAMES}
        tables = GenerationTables(
            passage_ids=texts["ids"],
            doc_ids=texts["doc_ids"],
            texts=texts["texts"],
            text_hashes=texts["text_hashes"],
            headings=texts["headings"],
            **loaded,
        )
    except DamagedTablesError:
        raise
    except Exception as exc:  # OSError, ValueError, KeyError, TypeError, BadZipFile, ...
        raise DamagedTablesError(f"unreadable ({type(exc).__name__}: {exc})") from exc
    _check_structure(tables, info)
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


def _check_structure(tables: GenerationTables, info: dict[str, Any]) -> None:
    """Counts, shapes and orderings the searcher relies on, and every text against the
    hash recorded for its id."""
    n, windows, dimension = info.get("passages"), info.get("windows"), info.get("dimension")
    lists = (tables.passage_ids, tables.doc_ids, tables.texts, tables.text_hashes)
    if any(not isinstance(values, list) or len(values) != n for values in lists):
        raise DamagedTablesError(f"the passage lists do not hold {n} entries each")
    if not all(isinstance(value, str) for values in lists for value in values):
        raise DamagedTablesError("a passage id, text or hash is not a string")
    if tables.headings is not None and (
        not isinstance(tables.headings, list) or len(tables.headings) != n
    ):
        raise DamagedTablesError(f"the headings do not hold {n} entries")
    per_passage = (tables.starts, tables.ends, tables.published, tables.published_until)
    if any(array.shape != (n,) for array in per_passage) or tables.vectors.shape != (
        n,
        dimension,
    ):
        raise DamagedTablesError("the passage arrays do not match the passage count")
    per_window = (
        tables.window_starts,
        tables.window_ends,
        tables.window_sentences,
        tables.window_passage,
    )
    if any(array.shape != (windows,) for array in per_window) or tables.window_vectors.shape != (
        windows,
        dimension,
    ):
        raise DamagedTablesError("the window arrays do not match the window count")
    first = tables.window_first
    if first.shape != (n + 1,) or first[0] != 0 or first[-1] != windows:
        raise DamagedTablesError("the window boundaries do not match the counts")
    if np.any(np.diff(first) < 0) or np.any(np.diff(tables.published) < 0):
        raise DamagedTablesError("rows are out of order")
    if windows and not np.array_equal(
        tables.window_passage, np.repeat(np.arange(n), np.diff(first))
    ):
        raise DamagedTablesError("windows are out of line with their passages")
    for row, (text, expected) in enumerate(zip(tables.texts, tables.text_hashes, strict=True)):
        if text_sha256(text) != expected:
            raise DamagedTablesError(
                f"the text of passage {tables.passage_ids[row]} does not match its hash"
            )


def check(tables: GenerationTables, passages: Any, windows: Any, generation: str) -> None:
    """Raise DamagedTablesError unless the tables agree with the generation's Chroma
    collections: the same counts, and for a sample of rows (spread over the whole table)
    the same ids holding the same passage texts. Costs one count each and one small read."""
    try:
        counts = (passages.count(), windows.count())
        rows = _sample_rows(len(tables), CHROMA_SAMPLE, seed=generation)
        ids = [tables.passage_ids[row] for row in rows]
        found = passages.get(ids=ids, include=["documents"]) if ids else {"ids": []}
    except Exception as exc:  # the caller decides whether Chroma is reachable at all
        raise DamagedTablesError(f"could not be checked against Chroma ({exc})") from exc
    if counts != (len(tables), len(tables.window_passage)):
        raise DamagedTablesError(
            f"they hold {len(tables)} passages and {len(tables.window_passage)} windows, "
            f"Chroma {counts[0]} and {counts[1]}"
        )
    held = {
        record_id: text_sha256(text or "")
        for record_id, text in zip(found["ids"], found.get("documents") or [], strict=False)
    }
    for row in rows:
        if held.get(tables.passage_ids[row]) != tables.text_hashes[row]:
            raise DamagedTablesError(
                f"passage {tables.passage_ids[row]} differs from the one in Chroma"
            )


def _sample_rows(count: int, size: int, seed: str) -> list[int]:
    """Up to `size` rows: the first, the last, evenly spread ones and a few chosen by `seed`
    (so a shift anywhere in the table is caught, whichever rows it starts at)."""
    if count <= size:
        return list(range(count))
    spread = {int(i) for i in np.linspace(0, count - 1, size // 2)}
    rng = np.random.default_rng(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16))
    spread.update(int(i) for i in rng.choice(count, size=size - len(spread), replace=False))
    return sorted(spread)


def text_sha256(text: str) -> str:
    """The text hash the indexer stores with every record (`text_hash` metadata)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _matrix(vectors: list[Any], dimension: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.asarray(np.vstack(vectors), dtype=np.float32)
