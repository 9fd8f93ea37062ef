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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from store.errors import IndexMissingError, IndexUnavailableError, ModelMismatchError
from store.index import tables as saved_tables
from store.index.build import fetch_records
from store.index.embed import Encoder
from store.index.generations import GenerationStore
from store.index.tables import GenerationTables, Rows
from store.search import nomatch, ranking, sources
from store.search.aliases import AliasTable, aliases_for
from store.search.calibrate import Calibration
from store.search.calibrate import default as calibrate_default
from store.search.kinds import OTHER, SAID, WHO, of_year, offers, question_kind
from store.search.lexical import LexicalIndex, load_tokens, name_tokens, save_tokens, tokens
from store.search.query import parse_question
from store.search.ranking import RankingOptions
from store.types import (
    Answer,
    DateFilter,
    DocumentInfo,
    Hit,
    IndexInfo,
    SourceCard,
    date_order,
    parse_period,
    period_text,
)

logger = logging.getLogger(__name__)

CANDIDATES = 40
RRF_K = 60
NEAR_DUPLICATE_JACCARD = 0.7
LEXICAL_FILE = "tokens.json"
# How often (seconds) a searcher checks whether `kz-brief index` switched generations.
REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class _Passage:
    row: int
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
    tables: GenerationTables
    passages: list[_Passage]  # in table row order
    position: dict[str, int]  # passage id -> row
    lexical: LexicalIndex
    documents: dict[str, DocumentInfo]
    rare_limit: int
    # Per-generation facts computed once at load instead of on every question.
    sorted_documents: tuple[DocumentInfo, ...] = ()
    names: _DocumentNames | None = None
    calibration: Calibration = field(default_factory=calibrate_default)
    aliases: AliasTable | None = None
    context: dict[str, frozenset[str]] = field(default_factory=dict)  # doc id -> tokens
    vocabulary: nomatch.Vocabulary | None = None


@dataclass(frozen=True)
class _Question:
    """One question as the ranking and the no-match rule read it."""

    text: str
    tokens: frozenset[str]
    names: tuple[nomatch.AskedName, ...]
    weights: dict[str, float]  # idf of each subject word, for the evidence score
    focal: dict[str, float] = field(default_factory=dict)  # those not ubiquitous
    unknown_share: float = 0.0  # the share of their weight on words the corpus never uses


@dataclass
class _DocumentNames:
    """Which documents a question names: token -> documents whose publisher or author
    has that distinctive token, token -> documents whose title has it, and year ->
    documents of that year with the tokens of their kind ("the 2021 policy brief")."""

    by_source: dict[str, list[str]]
    by_title: dict[str, list[str]]
    title_sizes: dict[str, int]
    by_kind_and_year: dict[str, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)

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
        for token in query_tokens:
            named.update(
                doc_id
                for doc_id, kind in self.by_kind_and_year.get(token, ())
                if kind <= query_tokens
            )
        return named


def _document_info(entry: dict[str, Any]) -> DocumentInfo:
    # "2009-06-26", "2005-12" or "2005": the manifest keeps a date as far as it is known.
    period = parse_period(entry["published"]) if entry.get("published") else None
    published, precision = period if period else (None, "day")
    return DocumentInfo(
        doc_id=entry["doc_id"],
        title=entry.get("title") or entry["doc_id"],
        author=entry.get("author"),
        publisher=entry.get("publisher"),
        url=entry.get("url"),
        published=published,
        date_basis=entry.get("date_basis", "none"),
        chunk_count=int(entry.get("chunk_count", 0)),
        source_path=entry.get("source_path", ""),
        content_hash=entry.get("content_hash", ""),
        warnings=tuple(entry.get("warnings", ())),
        date_precision=precision,
        genre=entry.get("genre") or "",
        date_note=entry.get("date_note") or "",
    )


class Searcher:
    """Answers questions from whichever generation is current, switching between requests."""

    def __init__(
        self,
        generations: GenerationStore,
        encoder: Encoder,
        mode: str = "hybrid",
        options: RankingOptions | None = None,
    ):
        """`mode` "dense" or "lexical" ranks by one side only: the baselines `kz-brief eval`
        compares (the no-match rule and diversity stay the product's). `options` turn the
        ranking's ideas on and off (the defaults are the product's; bench/ideas.py)."""
        self.generations = generations
        self.encoder = encoder
        self.mode = mode
        self.options = options or RankingOptions()
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._swap_lock = threading.Lock()
        self._model_error: Exception | None = None
        self._unloadable: set[str] = set()  # generations that failed to load
        self._pointer_problem: str | None = None  # last unreadable-pointer warning

    # ----- generations -------------------------------------------------------------------

    def check(self) -> str:
        """The generation a load would serve, checked without loading anything heavy: a
        missing or damaged index, or one built with another model, is an error at once."""
        generation = self._pointer()
        self._check_model(self.generations.manifest(generation))
        return generation

    def load(self) -> None:
        """Load the current generation and the model now (start-up), not on first question;
        side by side, since each takes seconds and they wait on different things. The index
        is checked first: without one, loading the model (an ONNX export, the first time)
        would only delay the message that says so."""
        self.check()
        model = threading.Thread(target=self._warm_up_model, name="load-model", daemon=True)
        model.start()
        try:
            self._current()
        finally:
            model.join()
        if self._model_error is not None:
            raise self._model_error

    def _warm_up_model(self) -> None:
        try:
            self.encoder.encode(["warm up"])
        except Exception as exc:  # raised again by `load`, in the caller's thread
            self._model_error = exc

    def refresh(self) -> None:
        """Serve the current generation from now on, waiting while it loads: after an
        in-process re-index, so "now serving" is true when the admin reads it."""
        with self._swap_lock:
            self._checked_at = time.monotonic()
            generation = self._pointer()
            if self._snapshot is None or generation != self._snapshot.generation:
                self._snapshot = self._open(generation)
                logger.info("serving index generation %s", generation)

    def _current(self) -> _Snapshot:
        """The snapshot to answer from. A new generation is loaded on a background thread
        while questions are still answered from the old one, and then swapped in whole:
        no question waits for a load (seconds at 100k passages) or sees two generations."""
        snapshot = self._snapshot
        if snapshot is None:
            self.refresh()  # nothing to answer from yet: every caller waits for the load
            assert self._snapshot is not None
            return self._snapshot
        if time.monotonic() - self._checked_at >= REFRESH_SECONDS:
            self._checked_at = time.monotonic()
            self._switch_in_background(snapshot)
        return self._snapshot or snapshot

    def _pointer(self) -> str:
        generation = self.generations.current()
        if generation is None:
            raise IndexMissingError(
                f"No index at {self.generations.location} yet: run `kz-brief index` "
                "(or `make index`)."
            )
        return generation

    def _switch_in_background(self, serving: _Snapshot) -> None:
        try:
            generation = self.generations.current()
        except Exception as exc:  # a damaged pointer: keep answering from what is loaded
            if str(exc) != self._pointer_problem:  # said once, not every second
                self._pointer_problem = str(exc)
                logger.warning("cannot read the index pointer (%s); still serving %s", exc,
                               serving.generation)  # fmt: skip
            return
        if self._pointer_problem is not None:
            self._pointer_problem = None
            logger.info("the index pointer is readable again")
        if generation in (None, serving.generation) or generation in self._unloadable:
            return
        if not self._swap_lock.acquire(blocking=False):
            return  # a load is already under way
        loader = threading.Thread(
            target=self._load_and_swap, args=(generation,), name="load-generation", daemon=True
        )
        loader.start()

    def _load_and_swap(self, generation: str) -> None:
        """On the loader thread, which holds the swap lock until it is done."""
        try:
            loaded = self._open(generation)
        except Exception as exc:
            self._unloadable.add(generation)  # not retried every second; a newer one will be
            logger.error("cannot switch to index generation %s (%s); still serving %s",
                         generation, exc, self._snapshot and self._snapshot.generation)  # fmt: skip
        else:
            self._snapshot = loaded
            logger.info("serving index generation %s", generation)
        finally:
            self._swap_lock.release()

    def _check_model(self, manifest: dict[str, Any]) -> None:
        if manifest.get("model") != self.encoder.model_id:
            raise ModelMismatchError(
                f"The index was built with the embedding model {manifest.get('model')!r} "
                f"({manifest.get('dimension')} dimensions), but KZ_EMBEDDING_MODEL is "
                f"{self.encoder.model_id!r}. Run `kz-brief index --rebuild` to re-embed the "
                "corpus with the configured model, or set KZ_EMBEDDING_MODEL back."
            )

    def _open(self, generation: str) -> _Snapshot:
        manifest = self.generations.manifest(generation)
        self._check_model(manifest)
        collection = self.generations.collection(generation, "passages")
        windows = self.generations.collection(generation, "sentences")
        cache = self.generations.cache_dir(generation)
        tables = self._tables(generation, collection, windows, cache)
        found, names = self._tokens(tables, cache)  # BM25 and the token sets share them
        passages = [
            _Passage(
                row=row,
                id=tables.passage_ids[row],
                doc_id=tables.doc_ids[row],
                text=tables.texts[row],
                start=int(tables.starts[row]),
                end=int(tables.ends[row]),
                token_set=frozenset(found[row]),
            )
            for row in range(len(tables))
        ]
        documents = {d["doc_id"]: _document_info(d) for d in manifest.get("documents", [])}
        aliases = aliases_for(tables.texts, cache) if self.options.aliases else None
        context = {doc_id: frozenset(_context_tokens(doc)) for doc_id, doc in documents.items()}
        authors = {t for doc in documents.values() for t in tokens(doc.author or "")}
        lexical = LexicalIndex(
            tables.texts,
            self._lexical_tokens(tables, context, aliases, found),
            names,
            found,
            b=self.options.bm25_b,
        )
        rare_limit = max(2, math.ceil(0.05 * len(passages)))
        keep = {generation}
        if self._snapshot is not None:  # it answers until this generation is swapped in
            keep.add(self._snapshot.generation)
        self.generations.forget_caches(keep=keep)
        return _Snapshot(
            generation=generation,
            manifest=manifest,
            collection=collection,
            windows=windows,
            tables=tables,
            passages=passages,
            position={p.id: p.row for p in passages},
            lexical=lexical,
            documents=documents,
            rare_limit=rare_limit,
            sorted_documents=tuple(
                sorted(
                    documents.values(),
                    key=lambda d: (date_order(d.published, d.date_precision), d.title),
                )
            ),
            names=_document_names(documents, lexical, rare_limit, self.options.kind_and_year_names),
            calibration=Calibration.from_manifest(manifest),
            aliases=aliases,
            context=context,
            vocabulary=nomatch.Vocabulary(lexical.vocabulary() | set(authors)),
        )

    def _tables(
        self, generation: str, collection: Any, windows: Any, cache: Path | None
    ) -> GenerationTables:
        """The generation's saved tables, verified; read from Chroma (and saved again) when
        there are none or they do not verify (one warning says why)."""
        directory = cache / saved_tables.TABLES_DIR if cache else None
        try:
            saved = saved_tables.load(directory, generation) if directory else None
            if saved is not None:
                saved_tables.check(saved, collection, windows, generation)
                return saved
        except saved_tables.DamagedTablesError as exc:
            logger.warning(
                "saved search tables in %s are damaged (%s); rebuilding them from Chroma",
                directory,
                exc,
            )
        logger.info("reading index generation %s from Chroma", generation)
        try:
            read = saved_tables.from_records(
                fetch_records(collection, embeddings=True),
                fetch_records(windows, embeddings=True, texts=False),
            )
        except Exception as exc:
            raise IndexUnavailableError(f"The index could not be read ({exc}).") from exc
        if directory is not None:
            try:
                saved_tables.save(read, directory, generation)
            except OSError as exc:  # a read-only data dir only costs start-up time
                logger.warning("could not save index tables to %s (%s)", directory, exc)
        return read

    def _tokens(
        self, tables: GenerationTables, cache: Path | None
    ) -> tuple[list[list[str]], frozenset[str]]:
        """Every passage's tokens and the corpus's name tokens: saved after the first load
        of a generation (tokenizing 100k passages takes most of a minute on 2 cores)."""
        path = cache / LEXICAL_FILE if cache else None
        texts_key = tables.texts_digest()
        saved = load_tokens(path, len(tables), texts_key) if path else None
        if saved is not None:
            return saved
        found = [tokens(text) for text in tables.texts]
        names = name_tokens(tables.texts)
        if path is not None:
            try:
                save_tokens(path, found, names, texts_key)
            except OSError as exc:
                logger.warning("could not save passage tokens to %s (%s)", path, exc)
        return found, names

    def _lexical_tokens(
        self,
        tables: GenerationTables,
        context: dict[str, frozenset[str]],
        aliases: AliasTable | None,
        found: list[list[str]],
    ) -> list[list[str]]:
        """What BM25 indexes for each passage: its own tokens, its document's context
        (title, publisher, year, section heading) and the aliases the corpus defines for
        what it mentions (store/search/aliases.py). The quote itself never changes."""
        if not (self.options.lexical_context or aliases):
            return found
        headings = tables.headings or [""] * len(tables)
        extended = []
        for row, passage_tokens in enumerate(found):
            extra: list[str] = []
            if self.options.lexical_context:
                extra += sorted(context.get(tables.doc_ids[row], ())) + tokens(headings[row])
            if aliases is not None:
                extra += aliases.for_passage(passage_tokens)
            extended.append(passage_tokens + extra)
        return extended

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

    def passage(self, chunk_id: str) -> Hit | None:
        """Passage `chunk_id` of the generation being served; None when it holds none."""
        snapshot = self._current()
        row = snapshot.position.get(chunk_id)
        return None if row is None else _hit(snapshot, snapshot.passages[row], 0.0)

    def covers(self) -> str:
        """One sentence naming what the corpus holds, for no-match replies."""
        docs = self.documents()
        if not docs:
            return "The corpus is empty: an admin can add documents and run `kz-brief index`."
        shown = [
            f"“{d.title}” ({d.publisher or 'unknown publisher'}, "
            f"{period_text(d.published, d.date_precision) if d.published else 'undated'})"
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
        cards: tuple[SourceCard, ...] = ()
        if parsed.query.strip():
            cards = self._source_cards(parsed.query, parsed.filters, k)
            if not cards:
                hits, found_notes = self._search(parsed.query, k, parsed.filters, parsed.sort)
                notes += found_notes
        else:
            notes.append("there was no question to search for")
        return Answer(
            question=question,
            query=parsed.query,
            hits=tuple(hits),
            filters=parsed.filters,
            sort=parsed.sort,
            notes=tuple(notes),
            covers="" if hits or cards else self.covers(),
            sources=cards,
        )

    def _source_cards(self, query: str, filters: DateFilter, k: int) -> tuple[SourceCard, ...]:
        """Cards for a question about the sources themselves (store/search/sources.py);
        none for any other question. A question that calls its subject a document ("the
        podcast episode with ...") but names none by its details is answered with the
        document of the best passage about it."""
        asked = sources.source_question(query)
        if asked is None or self.mode != "hybrid" or not self.options.source_cards:
            return ()
        snapshot = self._current()
        meant = sources.meant(asked, snapshot.sorted_documents, filters=filters)
        if not meant and asked.asks != sources.LIST and asked.names_a_document:
            hits, _ = self._search(query, k, filters, "relevance")
            meant = [snapshot.documents[hits[0].doc_id]] if hits else []
        entries = {e["doc_id"]: e for e in snapshot.manifest.get("documents", [])}
        return tuple(sources.card(doc, entries.get(doc.doc_id, {})) for doc in meant)

    def search(
        self,
        query: str,
        k: int = 3,
        filters: DateFilter | None = None,
        sort: str = "relevance",
    ) -> list[Hit]:
        return self._search(query, k, filters or DateFilter(), sort)[0]

    def _search(
        self, query: str, k: int, filters: DateFilter, sort: str
    ) -> tuple[list[Hit], list[str]]:
        """The hits for a question, and notes for the reader (names the corpus lacks)."""
        snapshot = self._current()
        if not snapshot.passages or not query.strip() or k < 1:
            return [], []
        asked = self._question(snapshot, query)
        unknown = snapshot.vocabulary.unknown(asked.names) if snapshot.vocabulary else []
        if unknown and self.mode == "hybrid" and self.options.unknown_names:
            return [], [_never_mentioned(unknown)]
        options = self.options
        feature = (
            nomatch.page_feature(query, options.site_questions) if options.page_questions else None
        )
        if feature and self.mode == "hybrid":
            return [], [f"“{feature}” is about the website, not what its documents say"]
        query_vector = self.encoder.encode([query])[0]
        kind = question_kind(query, options.who_role_modifiers)
        rows = _filtered_rows(snapshot.tables, filters)
        dense = self._dense(snapshot, query_vector, rows) if self.mode != "lexical" else {}
        lexical_query = kind.subject if options.strip_scaffolding and kind.subject else query
        lexical = self._lexical(snapshot, lexical_query, rows) if self.mode != "dense" else {}
        candidates = list(dict.fromkeys([*dense, *lexical]))
        cosines, blended = self._dense_scores(snapshot, query_vector, candidates)
        if options.feedback_weight > 0 and self.mode != "lexical":
            query_vector = self._feedback(snapshot, query_vector, candidates, blended)
            cosines, blended = self._dense_scores(snapshot, query_vector, candidates)
        dense_side = {row: blended[row] for row in dense} if self.mode != "lexical" else {}
        if options.fusion == "scores":
            weight = options.said_lexical_weight if kind.kind == SAID else None
            fused = ranking.fuse_scores(dense_side, lexical, options, weight)
        else:
            dense_order = sorted(dense_side, key=lambda row: -dense_side[row])
            fused = ranking.fuse(dense_order, list(lexical), options)
        if options.kind_cue > 0 and kind.kind != OTHER:
            boost = options.kind_cue * ranking.first_place(options)
            for row in fused:
                if offers(kind.kind, snapshot.passages[row].text):
                    fused[row] += boost
        if options.role_cue > 0 and kind.kind == WHO and snapshot.aliases is not None:
            boost = options.role_cue * ranking.first_place(options)
            # Only words the corpus has can match a role; a word it lacks weighs nothing here.
            known = {t: w for t, w in asked.weights.items() if snapshot.lexical.known([t])}
            for row in fused:
                roles = snapshot.aliases.roles_stated(snapshot.passages[row].token_set)
                if roles:
                    fused[row] += boost * max(nomatch.coverage(known, r) for r in roles)
        if options.year_cue > 0 and kind.years:
            boost = options.year_cue * ranking.first_place(options)
            for row in fused:
                passage = snapshot.passages[row]
                doc = snapshot.documents.get(passage.doc_id)
                year = doc.published.year if doc and doc.published else None
                if of_year(kind.years, year, passage.text):
                    fused[row] += boost
        order = sorted(fused, key=lambda row: -fused[row])
        chosen = self._select(snapshot, order, cosines, asked, k)
        if sort != "date":  # a dated brief lists every relevant passage, oldest first
            chosen = self._strong(chosen, fused, cosines)
        hits = self._hits(snapshot, chosen, cosines, query, query_vector)
        if sort == "date":
            hits.sort(key=lambda h: date_order(h.published, h.date_precision))
        return hits, []

    def _question(self, snapshot: _Snapshot, query: str) -> _Question:
        subject = list(dict.fromkeys(tokens(question_kind(query).subject)))
        weights = nomatch.idf_weights(
            subject, snapshot.lexical.document_frequency, len(snapshot.passages)
        )
        focal = nomatch.focal_weights(
            weights,
            snapshot.lexical.document_frequency,
            len(snapshot.passages),
            self.options.focal_ubiquity,
            ranking.FOCAL_MIN_PASSAGES,
        )
        unknown = {t: w for t, w in weights.items() if not snapshot.lexical.document_frequency(t)}
        return _Question(
            text=query,
            tokens=frozenset(tokens(query)),
            names=tuple(nomatch.question_names(query)),
            weights=weights,
            focal=focal,
            unknown_share=sum(unknown.values()) / (sum(weights.values()) or 1.0),
        )

    def _feedback(
        self,
        snapshot: _Snapshot,
        vector: np.ndarray,
        candidates: list[int],
        scores: dict[int, float],
    ) -> np.ndarray:
        """Pseudo-relevance feedback: the question moved towards its best dense candidates."""
        options = self.options
        best = sorted(candidates, key=lambda row: -scores[row])[: options.feedback_passages]
        return ranking.feedback_vector(
            vector, snapshot.tables.vectors[best], options.feedback_weight
        )

    def _dense(
        self, snapshot: _Snapshot, vector: np.ndarray, rows: Rows | None
    ) -> dict[int, float]:
        """Passages by cosine to the question: the passage's own, or its best window's.

        Without a date filter Chroma's HNSW indexes find them; with one, the filter is a
        slice of the date-ordered tables, searched exactly here (Chroma would test the
        filter against every record: up to a second at 100k passages).
        """
        if rows is not None:
            return _dense_in_rows(snapshot.tables, vector, rows)
        count = len(snapshot.passages)
        try:
            passages = snapshot.collection.query(
                query_embeddings=[vector],
                n_results=min(CANDIDATES, count),
                include=["distances"],
            )
            windows = snapshot.windows.query(
                query_embeddings=[vector],
                n_results=min(3 * CANDIDATES, max(1, len(snapshot.tables.window_passage))),
                include=["distances"],
            )
        except Exception as exc:
            raise IndexUnavailableError(f"The vector index did not answer ({exc}).") from exc
        scores: dict[int, float] = {}
        try:
            found = zip(passages["ids"][0], passages["distances"][0], strict=True)
            for passage_id, distance in found:
                scores[snapshot.position[passage_id]] = 1.0 - float(distance)
            found = zip(windows["ids"][0], windows["distances"][0], strict=True)
            for window_id, distance in found:
                # The indexer names window n of passage P "P:n" (store.index.build._records_for).
                row = snapshot.position[window_id.rpartition(":")[0]]
                scores[row] = max(scores.get(row, -1.0), 1.0 - float(distance))
        except KeyError as exc:
            raise IndexUnavailableError(
                f"Index generation {snapshot.generation} is inconsistent: Chroma returned "
                f"{exc} which its saved tables lack. Run `kz-brief index --rebuild`."
            ) from exc
        return _best(scores)

    def _lexical(self, snapshot: _Snapshot, query: str, rows: Rows | None) -> dict[int, float]:
        """The best passages by BM25, best first, with their scores."""
        scores = snapshot.lexical.scores(query)
        if rows is not None:
            inside = np.zeros_like(scores)
            inside[rows.first : rows.last] = scores[rows.first : rows.last]
            if rows.admitted is not None:
                inside[rows.first : rows.last][~rows.admitted] = 0
            scores = inside
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return {int(row): float(scores[row]) for row in order if scores[row] > 0}

    def _dense_scores(
        self, snapshot: _Snapshot, vector: np.ndarray, rows: list[int]
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Two dense scores per candidate, exact, from the tables: the cosine of the passage
        or of its best sentence window (what the no-match threshold is calibrated on), and
        the ranking score, which also credits the weaker of the two
        (`RankingOptions.window_blend`): a passage that answers as a whole *and* in one
        sentence ranks above one that only has an apt sentence."""
        cosines: dict[int, float] = {}
        blended: dict[int, float] = {}
        tables = snapshot.tables
        blend = self.options.window_blend
        for row in rows:
            passage = float(tables.vectors[row] @ vector)
            windows = tables.window_cosines(row, vector)
            window = float(windows.max()) if len(windows) else passage
            cosines[row] = max(passage, window)
            blended[row] = cosines[row] + blend * min(passage, window)
        return cosines, blended

    def _relevant(
        self,
        snapshot: _Snapshot,
        passage: _Passage,
        cosine: float,
        asked: _Question,
        named: set[str],
    ) -> bool:
        """Whether a passage is good enough to show (store/search/nomatch.py): its evidence
        (dense score plus the share of the question's subject words it holds) clears the
        generation's calibrated threshold, raised when it lacks a name the question asks
        about; or it clears the lower term-match threshold and shares a rare name with the
        question or belongs to a document the question names."""
        options = self.options
        gate = snapshot.calibration if options.calibrated else calibrate_default()
        if self.mode == "dense":
            return cosine >= gate.threshold
        present = self._present(snapshot, passage)
        bar = gate.threshold
        if any(not nomatch.mentions_name(name, present) for name in asked.names):
            bar += options.missing_name_margin
        bar += options.unknown_words_margin * asked.unknown_share
        evidence = cosine + options.coverage_weight * nomatch.coverage(asked.weights, present)
        if evidence >= bar and self._focal_held(gate.threshold, cosine, asked, present):
            return True
        if cosine < gate.term_threshold:
            return False
        return passage.doc_id in named or bool(
            self._rare_names(snapshot, passage, set(asked.tokens))
        )

    def _focal_held(
        self, threshold: float, cosine: float, asked: _Question, present: frozenset[str]
    ) -> bool:
        """Whether a passage holds enough of the question's focal words, or matches its
        meaning clearly enough not to need them (RankingOptions.focal_share)."""
        options = self.options
        if options.focal_share <= 0 or not asked.focal:
            return True
        if cosine >= threshold + options.focal_dense_margin:
            return True
        return nomatch.coverage(asked.focal, present) >= options.focal_share

    def _present(self, snapshot: _Snapshot, passage: _Passage) -> frozenset[str]:
        """A passage's tokens with its document's context, its heading and its aliases."""
        extra = set(snapshot.context.get(passage.doc_id, ()))
        doc = snapshot.documents.get(passage.doc_id)
        if doc is not None and doc.author:  # the author names the passage's document too
            extra.update(tokens(doc.author))
        headings = snapshot.tables.headings
        if headings and headings[passage.row]:
            extra.update(tokens(headings[passage.row]))
        if snapshot.aliases is not None:
            extra.update(snapshot.aliases.for_passage(passage.token_set))
        return passage.token_set | extra

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
        fused: list[int],
        cosines: dict[int, float],
        asked: _Question,
        k: int,
    ) -> list[_Passage]:
        """Best relevant passages without near-duplicates, at most `cap` per document
        unless the question names that document; passages held back by the cap only fill
        places no other document's relevant passage could take."""
        named = self._named_documents(snapshot, set(asked.tokens))
        cap = max(2, math.ceil(k / 2))
        # Judged lazily, best first: most questions stop after a handful of candidates.
        relevant = (
            snapshot.passages[row]
            for row in fused
            if self._relevant(snapshot, snapshot.passages[row], cosines[row], asked, named)
        )
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

    def _strong(
        self, chosen: list[_Passage], fused: dict[int, float], cosines: dict[int, float]
    ) -> list[_Passage]:
        """Fewer, better passages: leave out one much weaker than the best (ranking.py)."""
        options = self.options
        by_fused = ranking.strong([fused[p.row] for p in chosen], options.cut_below)
        by_dense = ranking.strong([cosines[p.row] for p in chosen], options.cut_dense)
        if options.cut_dense <= 0:
            by_dense = by_fused
        if options.cut_below <= 0:
            by_fused = by_dense
        keep = [a or b for a, b in zip(by_fused, by_dense, strict=True)]
        return [passage for passage, shown in zip(chosen, keep, strict=True) if shown]

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
        return [
            _hit(snapshot, passage, round(cosines[passage.row], 4), marks)
            for passage, marks in zip(chosen, highlights, strict=True)
        ]

    def _highlights(
        self,
        snapshot: _Snapshot,
        chosen: Sequence[_Passage],
        query: str,
        query_vector: np.ndarray,
    ) -> list[tuple[tuple[int, int], ...]]:
        """In each passage, the sentence window closest to the question (offsets in the
        quote); windows were embedded at index time, so this costs no encoding."""
        query_tokens = set(tokens(query))
        tables = snapshot.tables
        marks = []
        for passage in chosen:
            windows = tables.windows_of(passage.row)
            if not windows:  # a one-sentence passage is its own best sentence
                marks.append(((0, len(passage.text)),))
                continue
            cosines = tables.window_cosines(passage.row, query_vector)
            best: tuple[float, int, int] | None = None
            for window, cosine in zip(windows, cosines, strict=True):
                start, end = int(tables.window_starts[window]), int(tables.window_ends[window])
                words = set(tokens(passage.text[start:end]))
                overlap = len(words & query_tokens) / max(1, len(query_tokens))
                # A pair of sentences must beat its best single sentence clearly to be shown.
                pair_penalty = 0.02 if tables.window_sentences[window] > 1 else 0.0
                score = float(cosine) + 0.2 * overlap - pair_penalty
                if best is None or score > best[0]:
                    best = (score, start, end)
            assert best is not None
            marks.append(((best[1], best[2]),))
        return marks


def _never_mentioned(names: list[str]) -> str:
    listed = ", ".join(dict.fromkeys(names))
    return f"nothing in the corpus mentions {listed}"


def _context_tokens(doc: DocumentInfo | None) -> list[str]:
    """BM25 tokens of what a passage's document says about itself: title, publisher,
    publication year and kind ("the 2016 exercise" where the text says "this year's", "the
    policy brief" where only the page header says so)."""
    if doc is None:
        return []
    year = str(doc.published.year) if doc.published else ""
    return tokens(f"{doc.title} {doc.publisher or ''} {year} {doc.genre}")


def _hit(
    snapshot: _Snapshot,
    passage: _Passage,
    score: float,
    highlights: tuple[tuple[int, int], ...] = (),
) -> Hit:
    doc = snapshot.documents[passage.doc_id]
    return Hit(
        quote=passage.text,
        doc_id=passage.doc_id,
        chunk_id=passage.id,
        title=doc.title,
        author=doc.author,
        publisher=doc.publisher,
        url=doc.url,
        published=doc.published,
        date_precision=doc.date_precision,
        date_basis=doc.date_basis,
        score=score,
        highlights=highlights,
        source_path=doc.source_path,
        start=passage.start,
        end=passage.end,
    )


def _filtered_rows(tables: GenerationTables, filters: DateFilter) -> Rows | None:
    """The passage rows a date filter admits (a slice, tables being in date order)."""
    if filters.is_empty():
        return None
    return tables.rows_published(filters.since, filters.before)


def _dense_in_rows(tables: GenerationTables, vector: np.ndarray, rows: Rows) -> dict[int, float]:
    """Exact nearest passages and windows among the admitted passage rows."""
    scores: dict[int, float] = {}
    first, last = rows.first, rows.last
    if last <= first:
        return scores
    passage_scores = tables.vectors[first:last] @ vector
    window_first, window_last = int(tables.window_first[first]), int(tables.window_first[last])
    window_scores = tables.window_vectors[window_first:window_last] @ vector
    if rows.admitted is not None:
        passage_scores[~rows.admitted] = -np.inf
        owners = tables.window_passage[window_first:window_last] - first
        window_scores[~rows.admitted[owners]] = -np.inf
    for offset in _top(passage_scores, CANDIDATES):
        if np.isfinite(passage_scores[offset]):
            scores[first + int(offset)] = float(passage_scores[offset])
    for offset in _top(window_scores, 3 * CANDIDATES):
        if not np.isfinite(window_scores[offset]):
            continue
        row = int(tables.window_passage[window_first + offset])
        scores[row] = max(scores.get(row, -1.0), float(window_scores[offset]))
    return _best(scores)


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` highest scores (unordered)."""
    if len(scores) <= count:
        return np.arange(len(scores))
    return np.argpartition(-scores, count)[:count]


def _best(scores: dict[int, float]) -> dict[int, float]:
    """The CANDIDATES best-scored rows, best first."""
    return dict(sorted(scores.items(), key=lambda item: -item[1])[:CANDIDATES])


def _document_names(
    documents: dict[str, DocumentInfo],
    lexical: LexicalIndex,
    rare_limit: int,
    kind_and_year: bool = True,
) -> _DocumentNames:
    """The lookup tables of `_DocumentNames`: a document's publisher or author names it by
    a token few passages contain; its title names it when 60% of its tokens are asked; its
    kind and year ("the 2021 policy brief", "the 1999 op-ed") name it when both are asked
    (`kind_and_year`, RankingOptions.kind_and_year_names)."""
    by_source: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    title_sizes: dict[str, int] = {}
    by_kind_and_year: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for doc in documents.values():
        kind = frozenset(tokens(doc.genre))
        if kind_and_year and kind and doc.published is not None:
            year = str(doc.published.year)
            by_kind_and_year.setdefault(year, []).append((doc.doc_id, kind))
        for token in set(tokens(f"{doc.publisher or ''} {doc.author or ''}")):
            if lexical.document_frequency(token) <= rare_limit:
                by_source.setdefault(token, []).append(doc.doc_id)
        title_tokens = set(tokens(doc.title))
        title_sizes[doc.doc_id] = max(1, len(title_tokens))
        for token in title_tokens:
            by_title.setdefault(token, []).append(doc.doc_id)
    return _DocumentNames(by_source, by_title, title_sizes, by_kind_and_year)


def _near_duplicate(a: _Passage, b: _Passage) -> bool:
    if a.text in b.text or b.text in a.text:
        return True
    union = a.token_set | b.token_set
    return bool(union) and len(a.token_set & b.token_set) / len(union) >= NEAR_DUPLICATE_JACCARD
