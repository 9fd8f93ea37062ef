"""Search tables: date order, date slices, saved per generation, and the searcher using them."""

from __future__ import annotations

import json
import os
import random
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from store.index import tables
from store.index.build import Indexer, fetch_records
from store.index.generations import GRACE_SECONDS, LocalGenerations, ServerGenerations
from store.search import lexical
from store.search import searcher as search
from store.search.searcher import CANDIDATES, Searcher, _dense_in_rows, _filtered_rows
from store.types import DateFilter, period_end
from tests.conftest import FakeEncoder

TOPICS = [
    "Kazakhstan joined the Partnership for Peace programme and sent officers to exercises",
    "The peacekeeping battalion trained with NATO instructors near Almaty every summer",
    "Russia watched the Individual Partnership Action Plan with open suspicion",
    "Parliament ratified the memorandum on host nation support after a long debate",
    "Ministers discussed transit routes to Afghanistan and the northern supply network",
    "Officials said the defence reform plan would follow NATO standards for training",
]


def _record(record_id: str, doc_id: str, published: int, start: int, vector, **extra):
    metadata = {"doc_id": doc_id, "published_ord": published, "start": start, **extra}
    metadata.setdefault("published_until", 0)
    metadata.setdefault("end", start + 10)
    return {"id": record_id, "text": f"text of {record_id}", "metadata": metadata,
            "embedding": np.asarray(vector, dtype=np.float32)}  # fmt: skip


def _period(published: int, precision: str) -> dict[str, int]:
    """The records' date fields for a date (YYYYMMDD, its first day) known to `precision`."""
    if not published:
        return {"published_ord": 0, "published_until": 0}
    start = _day(published)
    until = tables.date_number(period_end(start, precision))
    return {"published_ord": published, "published_until": until}


def _records(count: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Passages of documents with random dates (some undated, some known only to a month
    or a year), each with 0-3 windows."""
    rng = random.Random(seed)
    passages, windows = [], []
    for n in range(count):
        doc = f"doc-{n % 9}"
        precision = ("day", "month", "year")[n % 3]
        day = 1 if precision != "day" else rng.randrange(1, 29)
        month = 1 if precision == "year" else rng.randrange(1, 13)
        published = 0 if n % 9 == 0 else (2000 + n % 9) * 10000 + month * 100 + day
        passage_id = f"{doc}:{n}"
        dates = _period(published, precision)
        passages.append(_record(passage_id, doc, 0, n * 100, rng.random() * np.ones(4), **dates))
        for w in range(rng.randrange(0, 4)):
            windows.append(
                _record(
                    f"{passage_id}:{w}",
                    doc,
                    0,
                    w * 5,
                    np.ones(4),
                    passage_id=passage_id,
                    sentences=1 + w % 2,
                    end=w * 5 + 4,
                    **dates,
                )  # fmt: skip
            )
    rng.shuffle(passages)
    rng.shuffle(windows)
    return passages, windows


def test_passages_are_in_date_order_and_each_owns_its_windows() -> None:
    passages, windows = _records(60)
    built = tables.from_records(passages, windows)
    assert list(built.published) == sorted(built.published)
    assert built.published[0] == 0  # undated passages come first, outside every date slice
    owner = {w["id"]: w["metadata"]["passage_id"] for w in windows}
    per_passage = {p["id"]: 0 for p in passages}
    for window_id in owner:
        per_passage[owner[window_id]] += 1
    for row, passage_id in enumerate(built.passage_ids):
        found = built.windows_of(row)
        assert len(found) == per_passage[passage_id]
        assert all(built.window_passage[w] == row for w in found)
        starts = [int(built.window_starts[w]) for w in found]
        assert starts == sorted(starts)


def test_a_date_filter_admits_exactly_the_rows_whose_period_overlaps_it() -> None:
    built = tables.from_records(*_records(300))
    bounds = [(None, 20050101), (20030101, None), (20030101, 20050601), (None, None),
              (20200101, None), (20050601, 20030101),
              # boundaries inside month and year periods
              (20030615, None), (None, 20040615), (20050301, 20050302),
              (20061231, 20070101)]  # fmt: skip
    masked = 0
    for since, before in bounds:
        rows = built.rows_published(_day(since), _day(before))
        admitted = set(range(rows.first, rows.last))
        if rows.admitted is not None:
            masked += 1
            admitted = {row for row in admitted if rows.admitted[row - rows.first]}
        expected = {
            row
            for row, (day, until) in enumerate(
                zip(built.published, built.published_until, strict=True)
            )
            if day > 0 and (since is None or until > since) and (before is None or day < before)
        }
        assert admitted == expected, (since, before)
        # The slice holds at most the rows of since's own year that end before it.
        if since is not None:
            assert all(
                built.published[row] >= since // 10000 * 10000
                for row in range(rows.first, rows.last)
            )
    assert masked  # some boundary did fall inside a period


def _day(number: int | None) -> date | None:
    """YYYYMMDD -> date: the test states bounds in the records' own encoding."""
    return None if number is None else date(number // 10000, number // 100 % 100, number % 100)


def test_saved_tables_load_back_equal_and_only_for_their_generation(tmp_path: Path) -> None:
    built = tables.from_records(*_records(50))
    folder = tmp_path / "cache" / "tables"
    tables.save(built, folder, "g1")
    again = tables.load(folder, "g1")
    assert again is not None and again.passage_ids == built.passage_ids
    assert again.texts == built.texts and again.doc_ids == built.doc_ids
    assert again.text_hashes == built.text_hashes
    for name in ("published", "vectors", "window_first", "window_passage", "window_vectors"):
        assert np.array_equal(getattr(again, name), getattr(built, name))
    assert tables.load(tmp_path / "nowhere", "g1") is None
    assert not [p for p in folder.parent.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(tables.DamagedTablesError, match="generation 'g1'"):
        tables.load(folder, "g2")

    # Another layout (an older kz-brief) is not damage: simply read from Chroma again.
    info = json.loads((folder / tables.INFO_FILE).read_text())
    (folder / tables.INFO_FILE).write_text(json.dumps({**info, "version": -1}))
    assert tables.load(folder, "g1") is None


def _saved(tmp_path: Path) -> Path:
    folder = tmp_path / "tables"
    tables.save(tables.from_records(*_records(40)), folder, "g1")
    return folder


def _flip_a_bit(path: Path, at: float) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda f: (f / tables.ARRAYS_FILE).write_bytes(b"not numpy"), "checksum"),
        (
            lambda f: (f / tables.ARRAYS_FILE).write_bytes(
                (f / tables.ARRAYS_FILE).read_bytes()[:-100]
            ),
            "checksum",
        ),
        (lambda f: _flip_a_bit(f / tables.ARRAYS_FILE, 0.7), "checksum"),
        (lambda f: _flip_a_bit(f / tables.TEXTS_FILE, 0.5), "checksum"),
        (lambda f: (f / tables.INFO_FILE).write_text("{trunc"), "unreadable"),
        (lambda f: (f / tables.INFO_FILE).write_text("[]"), "not a JSON object"),
        (lambda f: (f / tables.TEXTS_FILE).unlink(), "unreadable"),
    ],
)
def test_damaged_saved_tables_are_reported_never_loaded(tmp_path: Path, damage, reason) -> None:
    folder = _saved(tmp_path)
    damage(folder)
    with pytest.raises(tables.DamagedTablesError, match=reason):
        tables.load(folder, "g1")


def _rewrite_texts(folder: Path, change) -> None:
    """Change passages.json and record the new file's checksum, as a buggy writer would:
    only the per-passage checks can tell."""
    texts = json.loads((folder / tables.TEXTS_FILE).read_text())
    change(texts)
    (folder / tables.TEXTS_FILE).write_text(json.dumps(texts))
    info = json.loads((folder / tables.INFO_FILE).read_text())
    info["sha256"][tables.TEXTS_FILE] = tables._file_sha256(folder / tables.TEXTS_FILE)
    (folder / tables.INFO_FILE).write_text(json.dumps(info))


def test_texts_out_of_line_with_their_ids_are_caught_even_with_a_good_checksum(
    tmp_path: Path,
) -> None:
    folder = _saved(tmp_path)
    # Texts shifted by one row against their ids and hashes: quotes under the wrong ids.
    _rewrite_texts(folder, lambda t: t.update(texts=t["texts"][1:] + t["texts"][:1]))
    with pytest.raises(tables.DamagedTablesError, match="does not match its hash"):
        tables.load(folder, "g1")
    folder = _saved(tmp_path / "again")
    _rewrite_texts(folder, lambda t: t.update(texts=t["texts"][:-1]))
    with pytest.raises(tables.DamagedTablesError, match="40 entries"):
        tables.load(folder, "g1")


def _dated_corpus(folder: Path, documents: int = 24) -> Path:
    folder.mkdir(parents=True)
    for n in range(documents):
        year = 2000 + n % 12
        paragraphs = [
            f"{TOPICS[(n + k) % len(TOPICS)]} in {year}. {TOPICS[(n + 2 * k + 1) % len(TOPICS)]}"
            f" according to report {n}. Nothing else was said."
            for k in range(3)
        ]
        (folder / f"doc{n:02d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        # Most dated to the day; every fifth to a month, every eleventh to a year only.
        given = f"{year}" if n % 11 == 3 else f"{year}-{1 + n % 12:02d}"
        if n % 5 and n % 11 != 3:
            given += "-15"
        published = "" if n % 7 == 0 else f'published = "{given}"\n'
        (folder / f"doc{n:02d}.meta.toml").write_text(f'title = "Report {n}"\n{published}')
    return folder


@pytest.fixture
def dated_index(tmp_path: Path) -> tuple[LocalGenerations, FakeEncoder]:
    generations = LocalGenerations(tmp_path / "data" / "index")
    encoder = FakeEncoder()
    Indexer(generations, encoder).build(_dated_corpus(tmp_path / "seeds"))
    return generations, encoder


def test_date_filtered_candidates_equal_chromas_own_filtered_search(dated_index) -> None:
    generations, encoder = dated_index
    searcher = Searcher(generations, encoder)
    snapshot = searcher._current()
    assert len(snapshot.tables.window_passage) > len(snapshot.passages)  # windows are searched
    partial: set[str] = set()
    for question in ["peacekeeping battalion training", "transit routes to Afghanistan"]:
        vector = encoder.encode([question])[0]
        for filters in [DateFilter(since=date(2005, 1, 1)),
                        DateFilter(since=date(2003, 1, 1), before=date(2006, 1, 1)),
                        # boundaries inside the month- and year-precision documents' periods
                        DateFilter(since=date(2005, 6, 20)),
                        DateFilter(since=date(2003, 4, 20), before=date(2008, 6, 10))]:  # fmt: skip
            rows = _filtered_rows(snapshot.tables, filters)
            found = _dense_in_rows(snapshot.tables, vector, rows)
            ours = {snapshot.passages[row].id: round(score, 4) for row, score in found.items()}
            documents = [snapshot.documents[snapshot.passages[r].doc_id] for r in found]
            assert ours and all(filters.admits(d.published, d.date_precision) for d in documents)
            assert ours == _chroma_filtered(snapshot, vector, filters)
            partial |= {d.date_precision for d in documents}
    assert partial == {"day", "month", "year"}


def _chroma_filtered(snapshot, vector, filters: DateFilter) -> dict[str, float]:
    """The same candidates from Chroma's own `where` search (exact on a collection this
    small): passage cosine, or its best window's, the CANDIDATES best."""
    since = int(filters.since.strftime("%Y%m%d"))
    clauses = [{"published_until": {"$gt": since}}]  # the date's period ends after `since`
    if filters.before:
        clauses.append({"published_ord": {"$lt": int(filters.before.strftime("%Y%m%d"))}})
    where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
    scores: dict[str, float] = {}
    passages = snapshot.collection.query(
        query_embeddings=[vector], n_results=CANDIDATES, where=where, include=["distances"]
    )
    for passage_id, distance in zip(passages["ids"][0], passages["distances"][0], strict=True):
        scores[passage_id] = 1 - distance
    windows = snapshot.windows.query(
        query_embeddings=[vector], n_results=3 * CANDIDATES, where=where, include=["distances"]
    )
    for window_id, distance in zip(windows["ids"][0], windows["distances"][0], strict=True):
        passage_id = window_id.rpartition(":")[0]
        scores[passage_id] = max(scores.get(passage_id, -1.0), 1 - distance)
    best = sorted(scores.items(), key=lambda item: -item[1])[:CANDIDATES]
    return {passage_id: round(score, 4) for passage_id, score in best}


class _NoReads:
    """A Chroma collection that may be queried, counted and sampled by id (how saved tables
    are checked), but not read record by record."""

    def __init__(self, collection):
        self._collection = collection

    def query(self, **kwargs):
        return self._collection.query(**kwargs)

    def count(self):
        return self._collection.count()

    def get(self, **kwargs):
        if kwargs.get("ids") is not None and len(kwargs["ids"]) <= tables.CHROMA_SAMPLE:
            return self._collection.get(**kwargs)
        raise AssertionError("read every record from Chroma instead of the saved tables")


class _QueryOnlyGenerations(LocalGenerations):
    def collection(self, generation: str, kind: str = "passages"):
        return _NoReads(super().collection(generation, kind))


def test_a_restart_reads_saved_files_not_every_chroma_record(dated_index, monkeypatch) -> None:
    generations, encoder = dated_index
    first = Searcher(generations, encoder)
    expected = first.search("peacekeeping battalion training", k=5)
    cache = generations.cache_dir(generations.current())
    assert (cache / tables.TABLES_DIR / tables.INFO_FILE).exists()

    # Passage tokens and names come from the saved file, vectors and texts from the tables.
    tokenized: list[str] = []
    monkeypatch.setattr(search, "tokens", lambda text: tokenized.append(text) or [])
    monkeypatch.setattr(search, "name_tokens", _forbidden)
    restarted = Searcher(_QueryOnlyGenerations(generations.root), encoder)
    restarted._current()
    monkeypatch.undo()
    assert not set(tokenized) & set(first._current().tables.texts)
    assert restarted.search("peacekeeping battalion training", k=5) == expected


def _forbidden(texts) -> frozenset[str]:
    raise AssertionError("found the name tokens again instead of reading the saved ones")


def test_saved_tokens_from_other_code_are_not_used(dated_index, monkeypatch) -> None:
    generations, encoder = dated_index
    Searcher(generations, encoder)._current()
    saved = generations.cache_dir(generations.current()) / "tokens.json"
    count = len(json.loads(saved.read_text())["tokens"])
    assert lexical.load_tokens(saved, count) is not None
    assert lexical.load_tokens(saved, count + 1) is None
    monkeypatch.setattr(lexical, "fingerprint", lambda: "another-version")
    assert lexical.load_tokens(saved, count) is None


def test_a_new_generation_is_served_without_reading_chroma_records(dated_index) -> None:
    generations, encoder = dated_index  # the indexer saved the tables with the generation
    searcher = Searcher(_QueryOnlyGenerations(generations.root), encoder)
    hits = searcher.answer("transit routes to Afghanistan since:2004", k=4).hits
    assert hits and all(h.published and h.published >= date(2004, 1, 1) for h in hits)
    for hit in hits:
        source = Path(hit.source_path).read_text(encoding="utf-8")
        assert source[hit.start : hit.end] == hit.quote


def test_a_replica_forgets_caches_of_generations_it_no_longer_serves(tmp_path: Path) -> None:
    cache_root = tmp_path / "cache"
    generations = ServerGenerations("127.0.0.1", 9, cache_root=cache_root)  # never contacted
    for name in ("g-old", "g-served", "g-recent"):
        (cache_root / name / tables.TABLES_DIR).mkdir(parents=True)
    long_ago = time.time() - GRACE_SECONDS - 60
    for name in ("g-old", "g-served"):
        os.utime(cache_root / name, (long_ago, long_ago))
    generations.forget_caches(keep={"g-served"})
    # A generation switched away from less than the grace period ago may still be answering.
    assert sorted(p.name for p in cache_root.iterdir()) == ["g-recent", "g-served"]


def test_saved_tables_that_do_not_match_chroma_are_rebuilt_with_one_warning(
    tmp_path, seeds_copy, caplog
) -> None:
    generations = LocalGenerations(tmp_path / "data" / "index")
    encoder = FakeEncoder()
    generation = Indexer(generations, encoder).build(seeds_copy).generation
    kept = {
        kind: [
            r
            for r in fetch_records(generations.collection(generation, kind), embeddings=True)
            if not r["metadata"]["doc_id"].startswith("euobserver")
        ]
        for kind in ("passages", "sentences")
    }
    cache = generations.cache_dir(generation) / tables.TABLES_DIR
    # Whole and self-consistent, but of fewer passages than the generation holds.
    tables.save(tables.from_records(kept["passages"], kept["sentences"]), cache, generation)
    hits = Searcher(generations, encoder).search("a lover and a wife at the security forum")
    assert hits and hits[0].doc_id.startswith("euobserver")
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "rebuilding them from Chroma" in warnings[0].getMessage()
    rebuilt = tables.load(cache, generation)
    assert rebuilt is not None and len(rebuilt) == generations.collection(generation).count()


def test_unusable_saved_tables_are_read_again_and_replaced(dated_index) -> None:
    generations, encoder = dated_index
    generation = generations.current()
    folder = generations.cache_dir(generation) / tables.TABLES_DIR
    (folder / tables.ARRAYS_FILE).write_bytes(b"truncated by a full disk")
    expected = Searcher(generations, encoder).search("transit routes to Afghanistan", k=4)
    assert expected
    assert tables.load(folder, generation) is not None  # written again, whole
    restarted = Searcher(_QueryOnlyGenerations(generations.root), encoder)
    assert restarted.search("transit routes to Afghanistan", k=4) == expected
