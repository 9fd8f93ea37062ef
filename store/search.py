"""Hybrid retrieval over the current index generation: the one search API of kz-brief.

Dense (Chroma, cosine) and lexical (BM25 over folded tokens) candidates are fused by
reciprocal rank. A passage is only returned when it is plausibly about the question: its
dense score (the cosine of the passage or of its best sentence window) clears
RELEVANCE_THRESHOLD, or it shares a rare name or code with the question and clears the
lower TERM_MATCH_THRESHOLD. Both
thresholds were set on the project's question set (tests/eval/questions.jsonl); README,
"How the no-match threshold was set", gives the numbers.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from store.embed import Encoder
from store.errors import IndexMissingError, IndexUnavailableError, ModelMismatchError
from store.generations import GenerationStore
from store.index import fetch_records
from store.lexical import LexicalIndex, tokens
from store.query import parse_question
from store.types import Answer, DateFilter, DocumentInfo, Hit, IndexInfo

logger = logging.getLogger(__name__)

RELEVANCE_THRESHOLD = 0.28
TERM_MATCH_THRESHOLD = 0.15
CANDIDATES = 40
RRF_K = 60
NEAR_DUPLICATE_JACCARD = 0.7
WINDOW_ID_PAGE = 20_000
# Beyond this many distinct dates a date filter stays a range (SQLite's bound-variable limit).
MAX_DATES_IN_FILTER = 5_000
# How often (seconds) a searcher checks whether `kz-brief index` switched generations.
REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class _Passage:
    id: str
    doc_id: str
    text: str
    start: int
    end: int
    token_set: frozenset[str]


@dataclass
class _Snapshot:
    """One generation, loaded: swapped whole, so a request never sees two generations."""

    generation: str
    manifest: dict[str, Any]
    collection: Any
    windows: Any
    passages: list[_Passage]
    position: dict[str, int]
    lexical: LexicalIndex
    documents: dict[str, DocumentInfo]
    rare_limit: int
    # Per-generation facts computed once at load instead of on every question: at 100k
    # passages (10k documents) these were most of a question's time.
    window_count: int = 0
    published: np.ndarray | None = None  # date ordinal per passage, 0 when undated
    sorted_documents: tuple[DocumentInfo, ...] = ()
    names: _DocumentNames | None = None
    # Sentence windows per passage (their ids are PASSAGE:0, PASSAGE:1, ...), so a
    # passage's windows are fetched by id: a `where` on passage_id scans every window
    # (25 ms at 300k windows, twice a question). None: look them up by `where` instead.
    window_counts: dict[str, int] | None = None
    # Every published_ord the passages (and so their windows) carry, for date filters.
    stored_dates: tuple[int, ...] = ()


@dataclass
class _DocumentNames:
    """Which documents a question names: token -> documents whose publisher or author
    has that distinctive token, and token -> documents whose title has it."""

    by_source: dict[str, list[str]]
    by_title: dict[str, list[str]]
    title_sizes: dict[str, int]

    def named(self, query_tokens: set[str]) -> set[str]:
        named: set[str] = set()
        shared: dict[str, int] = {}
        for token in query_tokens:
            named.update(self.by_source.get(token, ()))
            for doc_id in self.by_title.get(token, ()):
                shared[doc_id] = shared.get(doc_id, 0) + 1
        named.update(
            doc_id for doc_id, count in shared.items() if count / self.title_sizes[doc_id] >= 0.6
        )
        return named


def _document_info(entry: dict[str, Any]) -> DocumentInfo:
    published = entry.get("published")
    return DocumentInfo(
        doc_id=entry["doc_id"],
        title=entry.get("title") or entry["doc_id"],
        author=entry.get("author"),
        publisher=entry.get("publisher"),
        url=entry.get("url"),
        published=date.fromisoformat(published) if published else None,
        date_basis=entry.get("date_basis", "none"),
        chunk_count=int(entry.get("chunk_count", 0)),
        source_path=entry.get("source_path", ""),
        content_hash=entry.get("content_hash", ""),
        warnings=tuple(entry.get("warnings", ())),
    )


def _date_sort_key(published: date | None) -> tuple[int, date]:
    return (published is None, published or date.max)


class Searcher:
    """Answers questions from whichever generation is current, switching between requests."""

    def __init__(self, generations: GenerationStore, encoder: Encoder, mode: str = "hybrid"):
        """`mode="dense"` turns off the lexical side: the baseline `kz-brief eval` compares."""
        self.generations = generations
        self.encoder = encoder
        self.mode = mode
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._swap_lock = threading.Lock()

    # ----- generations -------------------------------------------------------------------

    def load(self) -> None:
        """Load the current generation and the model now (start-up), not on first question."""
        self._current()
        self.encoder.encode(["warm up"])

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        now = time.monotonic()
        if snapshot is not None and now - self._checked_at < REFRESH_SECONDS:
            return snapshot
        if snapshot is not None and not self._swap_lock.acquire(blocking=False):
            return snapshot  # another request is switching; finish on the old generation
        if snapshot is None:
            self._swap_lock.acquire()
        try:
            self._checked_at = time.monotonic()
            generation = self.generations.current()
            if generation is None:
                if snapshot is not None:
                    return snapshot
                raise IndexMissingError(
                    f"No index at {self.generations.location} yet: run `kz-brief index` "
                    "(or `make index`)."
                )
            if snapshot is None or snapshot.generation != generation:
                self._snapshot = self._open(generation)
                logger.info("serving index generation %s", generation)
            return self._snapshot
        finally:
            self._swap_lock.release()

    def _open(self, generation: str) -> _Snapshot:
        manifest = self.generations.manifest(generation)
        if manifest.get("model") != self.encoder.model_id:
            raise ModelMismatchError(
                f"The index was built with the embedding model {manifest.get('model')!r} "
                f"({manifest.get('dimension')} dimensions), but KZ_EMBEDDING_MODEL is "
                f"{self.encoder.model_id!r}. Run `kz-brief index --rebuild` to re-embed the "
                "corpus with the configured model, or set KZ_EMBEDDING_MODEL back."
            )
        collection = self.generations.collection(generation, "passages")
        windows = self.generations.collection(generation, "sentences")
        try:
            records = list(fetch_records(collection))
            window_count = windows.count()
            window_counts = _window_counts(windows)
        except Exception as exc:
            raise IndexUnavailableError(f"The index could not be read ({exc}).") from exc
        tokenized = []
        for r in records:
            found = tokens(r["text"])  # once per passage: BM25 and the token sets share them
            passage = _Passage(
                id=r["id"],
                doc_id=r["metadata"]["doc_id"],
                text=r["text"],
                start=int(r["metadata"]["start"]),
                end=int(r["metadata"]["end"]),
                token_set=frozenset(found),
            )
            tokenized.append((passage, found))
        tokenized.sort(key=lambda pair: (pair[0].doc_id, pair[0].start))
        passages = [passage for passage, _ in tokenized]
        documents = {d["doc_id"]: _document_info(d) for d in manifest.get("documents", [])}
        lexical = LexicalIndex([p.text for p in passages], [found for _, found in tokenized])
        rare_limit = max(2, math.ceil(0.05 * len(passages)))
        stored_dates = {int(r["metadata"].get("published_ord", 0)) for r in records}
        return _Snapshot(
            generation=generation,
            manifest=manifest,
            collection=collection,
            windows=windows,
            passages=passages,
            position={p.id: i for i, p in enumerate(passages)},
            lexical=lexical,
            documents=documents,
            rare_limit=rare_limit,
            window_count=window_count,
            published=np.array(
                [_ordinal(documents.get(p.doc_id)) for p in passages], dtype=np.int64
            ),
            sorted_documents=tuple(
                sorted(documents.values(), key=lambda d: (_date_sort_key(d.published), d.title))
            ),
            names=_document_names(documents, lexical, rare_limit),
            window_counts=window_counts,
            stored_dates=tuple(sorted(stored_dates)),
        )

    # ----- the search API ----------------------------------------------------------------

    def info(self) -> IndexInfo:
        snapshot = self._current()
        manifest = snapshot.manifest
        return IndexInfo(
            generation=snapshot.generation,
            location=self.generations.location,
            model=manifest.get("model", ""),
            dimension=int(manifest.get("dimension", 0)),
            built_at=manifest.get("built_at", ""),
            documents=tuple(self.documents()),
        )

    def documents(self) -> list[DocumentInfo]:
        return list(self._current().sorted_documents)

    def covers(self) -> str:
        """One sentence naming what the corpus holds, for no-match replies."""
        docs = self.documents()
        if not docs:
            return "The corpus is empty: an admin can add documents and run `kz-brief index`."
        shown = [
            f"“{d.title}” ({d.publisher or 'unknown publisher'}, "
            f"{d.published.isoformat() if d.published else 'undated'})"
            for d in docs[:5]
        ]
        more = f", and {len(docs) - 5} more" if len(docs) > 5 else ""
        return (
            f"The corpus covers Kazakhstan–NATO relations in {len(docs)} document"
            f"{'s' if len(docs) != 1 else ''}: " + "; ".join(shown) + more + "."
        )

    def answer(self, question: str, k: int = 3, sort: str | None = None) -> Answer:
        parsed = parse_question(question, sort)
        notes = list(parsed.notes)
        hits: list[Hit] = []
        if parsed.query.strip():
            hits = self.search(parsed.query, k=k, filters=parsed.filters, sort=parsed.sort)
        else:
            notes.append("there was no question to search for")
        return Answer(
            question=question,
            query=parsed.query,
            hits=tuple(hits),
            filters=parsed.filters,
            sort=parsed.sort,
            notes=tuple(notes),
            covers="" if hits else self.covers(),
        )

    def search(
        self,
        query: str,
        k: int = 3,
        filters: DateFilter | None = None,
        sort: str = "relevance",
    ) -> list[Hit]:
        snapshot = self._current()
        filters = filters or DateFilter()
        if not snapshot.passages or not query.strip() or k < 1:
            return []
        query_vector = self.encoder.encode([query])[0]
        allowed = self._allowed(snapshot, filters)
        dense = self._dense(snapshot, query_vector, filters)
        lexical = self._lexical(snapshot, query, allowed) if self.mode == "hybrid" else []
        fused = self._fuse(dense, lexical)
        cosines = self._cosines(snapshot, query_vector, fused, dense)
        query_tokens = set(tokens(query))
        chosen = self._select(snapshot, fused, cosines, query_tokens, k)
        hits = self._hits(snapshot, chosen, cosines, query, query_vector)
        if sort == "date":
            hits.sort(key=lambda h: _date_sort_key(h.published))
        return hits

    # ----- steps ---------------------------------------------------------------------------

    def _allowed(self, snapshot: _Snapshot, filters: DateFilter) -> np.ndarray | None:
        if filters.is_empty():
            return None
        # Vectorised DateFilter.admits: undated (0) never passes, since inclusive, before not.
        published = snapshot.published
        allowed = published > 0
        if filters.since is not None:
            allowed &= published >= filters.since.toordinal()
        if filters.before is not None:
            allowed &= published < filters.before.toordinal()
        return allowed

    def _dense(
        self, snapshot: _Snapshot, vector: np.ndarray, filters: DateFilter
    ) -> dict[str, float]:
        """Passages by cosine to the question: the passage's own, or its best window's."""
        where = _where(filters, snapshot.stored_dates)
        count = len(snapshot.passages)
        try:
            passages = snapshot.collection.query(
                query_embeddings=[vector],
                n_results=min(CANDIDATES, count),
                where=where,
                include=["distances"],
            )
            windows = snapshot.windows.query(
                query_embeddings=[vector],
                n_results=min(3 * CANDIDATES, max(1, snapshot.window_count)),
                where=where,
                include=["distances", "metadatas"],
            )
        except Exception as exc:
            raise IndexUnavailableError(f"The vector index did not answer ({exc}).") from exc
        scores: dict[str, float] = {}
        for passage_id, distance in zip(passages["ids"][0], passages["distances"][0], strict=True):
            scores[passage_id] = 1.0 - float(distance)
        for meta, distance in zip(windows["metadatas"][0], windows["distances"][0], strict=True):
            passage_id = meta["passage_id"]
            scores[passage_id] = max(scores.get(passage_id, -1.0), 1.0 - float(distance))
        return dict(sorted(scores.items(), key=lambda item: -item[1])[:CANDIDATES])

    def _lexical(self, snapshot: _Snapshot, query: str, allowed: np.ndarray | None) -> list[str]:
        scores = snapshot.lexical.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return [snapshot.passages[i].id for i in order if scores[i] > 0]

    def _fuse(self, dense: dict[str, float], lexical: list[str]) -> list[str]:
        """Reciprocal rank fusion of the two candidate lists."""
        fused: dict[str, float] = {}
        for rank, passage_id in enumerate(dense):
            fused[passage_id] = fused.get(passage_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, passage_id in enumerate(lexical):
            fused[passage_id] = fused.get(passage_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        return sorted(fused, key=lambda i: -fused[i])

    def _cosines(
        self,
        snapshot: _Snapshot,
        vector: np.ndarray,
        fused: list[str],
        dense: dict[str, float],
    ) -> dict[str, float]:
        """Dense score of every candidate, fetching the vectors the dense lists lacked."""
        cosines = dict(dense)
        missing = [i for i in fused if i not in cosines]
        if not missing:
            return cosines
        found = snapshot.collection.get(ids=missing, include=["embeddings"])
        for passage_id, embedding in zip(found["ids"], found["embeddings"], strict=True):
            cosines[passage_id] = float(np.dot(np.asarray(embedding), vector))
        for meta, embedding in self._window_vectors(snapshot, missing):
            passage_id = meta["passage_id"]
            cosines[passage_id] = max(cosines[passage_id], float(np.dot(embedding, vector)))
        return cosines

    def _window_vectors(
        self, snapshot: _Snapshot, passage_ids: list[str]
    ) -> list[tuple[dict[str, Any], np.ndarray]]:
        counts = snapshot.window_counts
        if counts is None:
            found = snapshot.windows.get(
                where={"passage_id": {"$in": passage_ids}}, include=["metadatas", "embeddings"]
            )
        else:
            ids = [f"{p}:{n}" for p in passage_ids for n in range(counts.get(p, 0))]
            if not ids:  # one-sentence passages have no windows
                return []
            found = snapshot.windows.get(ids=ids, include=["metadatas", "embeddings"])
        return [
            (meta, np.asarray(embedding, dtype=np.float32))
            for meta, embedding in zip(found["metadatas"], found["embeddings"], strict=True)
        ]

    def _relevant(
        self,
        snapshot: _Snapshot,
        passage: _Passage,
        cosine: float,
        query_tokens: set[str],
        named: set[str],
    ) -> bool:
        """Above the threshold; or above the lower term-match threshold when it shares a
        rare name with the question or belongs to a document the question names."""
        if cosine >= RELEVANCE_THRESHOLD:
            return True
        if self.mode != "hybrid" or cosine < TERM_MATCH_THRESHOLD:
            return False
        return passage.doc_id in named or bool(self._rare_names(snapshot, passage, query_tokens))

    def _rare_names(
        self, snapshot: _Snapshot, passage: _Passage, query_tokens: set[str]
    ) -> set[str]:
        """Names or codes the question shares with the passage that few passages contain."""
        return {
            t
            for t in query_tokens & passage.token_set & snapshot.lexical.names
            if snapshot.lexical.document_frequency(t) <= snapshot.rare_limit
        }

    def _select(
        self,
        snapshot: _Snapshot,
        fused: list[str],
        cosines: dict[str, float],
        query_tokens: set[str],
        k: int,
    ) -> list[_Passage]:
        """Best relevant passages without near-duplicates, at most `cap` per document
        unless the question names that document; passages held back by the cap only fill
        places no other document's relevant passage could take."""
        named = self._named_documents(snapshot, query_tokens)
        cap = max(2, math.ceil(k / 2))
        candidates = [(snapshot.passages[snapshot.position[i]], cosines[i]) for i in fused]
        relevant = [
            passage
            for passage, cosine in candidates
            if self._relevant(snapshot, passage, cosine, query_tokens, named)
        ]
        chosen: list[_Passage] = []
        held_back: list[_Passage] = []
        per_document: dict[str, int] = {}
        for passage in relevant:
            if len(chosen) == k:
                break
            if any(_near_duplicate(passage, other) for other in chosen):
                continue
            if per_document.get(passage.doc_id, 0) >= cap and passage.doc_id not in named:
                held_back.append(passage)
                continue
            chosen.append(passage)
            per_document[passage.doc_id] = per_document.get(passage.doc_id, 0) + 1
        for passage in held_back:
            if len(chosen) == k:
                break
            if not any(_near_duplicate(passage, other) for other in chosen):
                chosen.append(passage)
        return chosen

    def _named_documents(self, snapshot: _Snapshot, query_tokens: set[str]) -> set[str]:
        """Documents the question names: by a distinctive word of their publisher or author
        (one few passages use, so "Central Asia" does not name the CACI Analyst), or by
        most of their title (looked up in tables built when the generation was loaded)."""
        return snapshot.names.named(query_tokens)

    def _hits(
        self,
        snapshot: _Snapshot,
        chosen: Sequence[_Passage],
        cosines: dict[str, float],
        query: str,
        query_vector: np.ndarray,
    ) -> list[Hit]:
        highlights = self._highlights(snapshot, chosen, query, query_vector)
        hits = []
        for passage, marks in zip(chosen, highlights, strict=True):
            doc = snapshot.documents[passage.doc_id]
            hits.append(
                Hit(
                    quote=passage.text,
                    doc_id=passage.doc_id,
                    chunk_id=passage.id,
                    title=doc.title,
                    author=doc.author,
                    publisher=doc.publisher,
                    url=doc.url,
                    published=doc.published,
                    date_basis=doc.date_basis,
                    score=round(cosines[passage.id], 4),
                    highlights=marks,
                    source_path=doc.source_path,
                    start=passage.start,
                    end=passage.end,
                )
            )
        return hits

    def _highlights(
        self,
        snapshot: _Snapshot,
        chosen: Sequence[_Passage],
        query: str,
        query_vector: np.ndarray,
    ) -> list[tuple[tuple[int, int], ...]]:
        """In each passage, the sentence window closest to the question (offsets in the
        quote); windows were embedded at index time, so this costs no encoding."""
        if not chosen:
            return []
        query_tokens = set(tokens(query))
        best: dict[str, tuple[float, int, int]] = {}
        by_id = {p.id: p for p in chosen}
        for meta, embedding in self._window_vectors(snapshot, list(by_id)):
            passage = by_id[meta["passage_id"]]
            start, end = int(meta["start"]), int(meta["end"])
            words = set(tokens(passage.text[start:end]))
            overlap = len(words & query_tokens) / max(1, len(query_tokens))
            # A pair of sentences must beat its best single sentence clearly to be shown.
            pair_penalty = 0.02 if int(meta.get("sentences", 1)) > 1 else 0.0
            score = float(embedding @ query_vector) + 0.2 * overlap - pair_penalty
            if meta["passage_id"] not in best or score > best[meta["passage_id"]][0]:
                best[meta["passage_id"]] = (score, start, end)
        marks = []
        for passage in chosen:
            if passage.id in best:
                _, start, end = best[passage.id]
                marks.append(((start, end),))
            else:  # a one-sentence passage has no windows: it is its own best sentence
                marks.append(((0, len(passage.text)),))
        return marks


def _ordinal(document: DocumentInfo | None) -> int:
    """A document's date as a day number for vectorised filters; 0 when undated."""
    return document.published.toordinal() if document and document.published else 0


def _window_counts(windows: Any) -> dict[str, int] | None:
    """How many sentence windows each passage has, read from the window ids (no documents,
    no vectors); None unless every passage's windows are numbered 0, 1, ... without gaps,
    as the indexer numbers them."""
    counts: dict[str, int] = {}
    highest: dict[str, int] = {}
    offset = 0
    while True:
        ids = windows.get(include=[], limit=WINDOW_ID_PAGE, offset=offset)["ids"]
        for window_id in ids:
            passage_id, _, number = window_id.rpartition(":")
            if not passage_id or not number.isdigit():
                return None
            counts[passage_id] = counts.get(passage_id, 0) + 1
            highest[passage_id] = max(highest.get(passage_id, -1), int(number))
        if len(ids) < WINDOW_ID_PAGE:
            break
        offset += WINDOW_ID_PAGE
    if any(highest[p] + 1 != count for p, count in counts.items()):
        return None
    return counts


def _document_names(
    documents: dict[str, DocumentInfo], lexical: LexicalIndex, rare_limit: int
) -> _DocumentNames:
    """The lookup tables of `_DocumentNames`: a document's publisher or author names it by
    a token few passages contain; its title names it when 60% of its tokens are asked."""
    by_source: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    title_sizes: dict[str, int] = {}
    for doc in documents.values():
        for token in set(tokens(f"{doc.publisher or ''} {doc.author or ''}")):
            if lexical.document_frequency(token) <= rare_limit:
                by_source.setdefault(token, []).append(doc.doc_id)
        title_tokens = set(tokens(doc.title))
        title_sizes[doc.doc_id] = max(1, len(title_tokens))
        for token in title_tokens:
            by_title.setdefault(token, []).append(doc.doc_id)
    return _DocumentNames(by_source, by_title, title_sizes)


def _near_duplicate(a: _Passage, b: _Passage) -> bool:
    if a.text in b.text or b.text in a.text:
        return True
    union = a.token_set | b.token_set
    return bool(union) and len(a.token_set & b.token_set) / len(union) >= NEAR_DUPLICATE_JACCARD


def _where(filters: DateFilter, stored_dates: Sequence[int] = ()) -> dict[str, Any] | None:
    """The Chroma filter for a date range (undated passages, published_ord 0, never pass).

    Given every published_ord the index holds, the range becomes the list of those inside
    it: the same records, found 2-5x faster (Chroma tests a range against every record;
    a date question took ~1 s at 100k passages).
    """
    if filters.is_empty():
        return None
    since = (
        filters.since.year * 10000 + filters.since.month * 100 + filters.since.day
        if (filters.since)
        else 1
    )
    clauses: list[dict[str, Any]] = [{"published_ord": {"$gte": since}}]
    if filters.before is not None:
        before = filters.before.year * 10000 + filters.before.month * 100 + filters.before.day
        clauses.append({"published_ord": {"$lt": before}})
    else:
        before = None
    inside = [d for d in stored_dates if d >= since and (before is None or d < before)]
    if 0 < len(inside) <= MAX_DATES_IN_FILTER:
        return {"published_ord": {"$in": inside}}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
