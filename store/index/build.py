"""`kz-brief index`: turn the seeds folder into a new index generation, incrementally.

Unchanged documents (same file and metadata bytes, same pipeline version) are not even
re-read for cleaning: their passages, sentence windows and vectors are copied from the
current generation. Files whose size and mtime are those the manifest recorded are not read
at all, so a re-index with nothing changed costs a `stat` per file. Changed documents are
prepared again, and any text that is already embedded keeps its vector. Only genuinely new
text reaches the encoder.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from store.errors import IndexUnavailableError
from store.index import tables
from store.index.context import context_line, embedding_text
from store.index.embed import Encoder, Progress, similarity_function
from store.index.generations import KINDS, GenerationStore, new_generation_id
from store.ingest.chunk import chunk_id, sentence_windows
from store.ingest.corpus import CorpusLimits, Fingerprint, KnownDocument, discover
from store.ingest.prepare import PIPELINE_VERSION, PreparedDocument, prepare
from store.types import period_end, period_text

logger = logging.getLogger(__name__)

ADD_BATCH = 1000
FETCH_PAGE = 2000

ProgressFactory = Callable[[int], Progress]
Records = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class DocumentChange:
    """What happened to one document in this build."""

    doc_id: str
    status: str  # added | updated | removed | unchanged
    chunks: int
    warnings: tuple[str, ...] = ()


@dataclass
class IndexReport:
    """The summary `kz-brief index` prints."""

    location: str
    model: str
    generation: str | None = None
    previous: str | None = None
    switched: bool = False
    dry_run: bool = False
    changes: list[DocumentChange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    embedded_texts: int = 0
    reused_passages: int = 0

    def count(self, status: str) -> int:
        return sum(1 for change in self.changes if change.status == status)

    def chunk_count(self, status: str) -> int:
        return sum(change.chunks for change in self.changes if change.status == status)

    @property
    def warnings(self) -> list[str]:
        found = [f"{c.doc_id}: {w}" for c in self.changes for w in c.warnings]
        return found + self.skipped


class Indexer:
    """Builds generations in a generation store with an encoder (loaded only if needed).

    `context=False` embeds passages bare, without their document's context line: only for
    measuring what the context is worth (bench/ideas.py). `limits`: what the seeds folder
    may hold (size, links outside it).
    """

    def __init__(
        self,
        generations: GenerationStore,
        encoder: Encoder,
        context: bool = True,
        limits: CorpusLimits | None = None,
    ):
        self.generations = generations
        self.encoder = encoder
        self.context = context
        self.limits = limits or CorpusLimits()

    def build(
        self,
        seeds_dir: Path,
        *,
        rebuild: bool = False,
        dry_run: bool = False,
        progress: ProgressFactory | None = None,
    ) -> IndexReport:
        """Build (or, with `dry_run`, plan) a new generation from `seeds_dir`."""
        with self.generations.build_lock():
            return self._build(seeds_dir, rebuild=rebuild, dry_run=dry_run, progress=progress)

    def _build(
        self,
        seeds_dir: Path,
        *,
        rebuild: bool,
        dry_run: bool,
        progress: ProgressFactory | None,
    ) -> IndexReport:
        report = IndexReport(location=self.generations.location, model=self.encoder.model_id)
        report.dry_run = dry_run
        previous, old_manifest = self._current(rebuild, report)
        report.previous = previous
        same_model = bool(old_manifest) and old_manifest.get("model") == self.encoder.model_id
        same_recipe = bool(old_manifest) and vector_recipe(old_manifest) == self.encoder.recipe
        if old_manifest and not same_model:
            report.notes.append(
                f"the current index was built with {old_manifest.get('model')}; "
                f"every passage is embedded again with {self.encoder.model_id}"
            )
        elif old_manifest and not same_recipe:
            report.notes.append(
                f"the current index's vectors were made {vector_recipe(old_manifest)!r}; "
                f"every passage is embedded again ({self.encoder.recipe!r}) so that no "
                "generation mixes the two"
            )
        old_docs = {d["doc_id"]: d for d in (old_manifest or {}).get("documents", [])}
        reusable = same_model and same_recipe and not rebuild
        known = _known_documents(old_docs) if reusable else None
        found = discover(seeds_dir, known, self.limits)
        report.skipped = list(found.skipped)

        unchanged: list[dict[str, Any]] = []
        prepared: list[PreparedDocument] = []
        for same in found.unchanged:
            # Same fingerprint as recorded: known unchanged without reading the files.
            old = old_docs[same.doc_id]
            unchanged.append(old)
            report.changes.append(DocumentChange(same.doc_id, "unchanged", old["chunk_count"]))
        for document in found.documents:
            old = old_docs.get(document.doc_id)
            if (
                reusable
                and old is not None
                and old.get("content_hash") == document.content_hash
                and old.get("pipeline") == PIPELINE_VERSION
            ):
                # Same bytes under a new fingerprint (touched, copied): record the new one.
                unchanged.append({**old, "fingerprint": document.fingerprint})
                report.changes.append(
                    DocumentChange(document.doc_id, "unchanged", old["chunk_count"])
                )
                continue
            ready = prepare(document, similarity_function(self.encoder))
            prepared.append(ready)
            status = "updated" if old is not None else "added"
            report.changes.append(
                DocumentChange(document.doc_id, status, len(ready.chunks), ready.warnings)
            )
        current_ids = {d.doc_id for d in found.documents} | {d.doc_id for d in found.unchanged}
        for doc_id, old in old_docs.items():
            if doc_id not in current_ids:
                report.changes.append(DocumentChange(doc_id, "removed", old["chunk_count"]))

        nothing_changed = all(c.status == "unchanged" for c in report.changes)
        if nothing_changed and not rebuild and previous is not None:
            if _calibration_is_current(old_manifest):
                report.generation = previous
                report.notes.append("nothing changed; the current index is up to date")
                return report
            report.notes.append(
                "no document changed, but the no-match threshold was calibrated the old "
                "way: a new generation is calibrated now (every passage reused)"
            )
        if dry_run:
            return report

        old = (
            {kind: self.generations.collection(previous, kind) for kind in KINDS}
            if previous and reusable
            else None
        )
        records = self._carry_over(old, [d["doc_id"] for d in unchanged])
        fresh: Records = {kind: [] for kind in KINDS}
        for ready in prepared:
            for kind, found_records in _records_for(ready, self.context).items():
                fresh[kind].extend(found_records)
        self._embed(fresh, old, report, progress)
        for kind in KINDS:
            records[kind].extend(fresh[kind])
        report.reused_passages += len(records["passages"]) - len(fresh["passages"])

        dimension = self._dimension(records["passages"], old_manifest)
        generation = new_generation_id()
        manifest = {
            "generation": generation,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": self.encoder.model_id,
            "backend": self.encoder.backend,
            "vectors": self.encoder.recipe,
            "dimension": dimension,
            "pipeline": PIPELINE_VERSION,
            "documents": sorted(
                unchanged + [_document_entry(ready) for ready in prepared],
                key=lambda d: d["doc_id"],
            ),
        }
        hint = {"model": self.encoder.model_id, "dimension": dimension}
        for kind in KINDS:
            _add_records(self.generations.create(generation, kind, hint), records[kind])
        # Imported here: a no-change run never needs BM25's libraries (they load in ~0.2 s).
        from store.search.calibrate import MANIFEST_KEY, calibrate

        built = tables.from_records(records["passages"], records["sentences"])
        manifest[MANIFEST_KEY] = calibrate(built, self.encoder).to_manifest()
        self._save_tables(generation, built)
        self.generations.activate(generation, manifest)
        report.generation = generation
        report.switched = True
        keep = {generation} | ({previous} if previous else set())
        removed = self.generations.prune(keep=keep)
        if removed:
            logger.info("removed old index generations: %s", ", ".join(removed))
        self.generations.forget_caches(keep=keep)
        return report

    def _current(
        self, rebuild: bool, report: IndexReport
    ) -> tuple[str | None, dict[str, Any] | None]:
        """The generation being served and its manifest. A rebuild needs neither, so it
        goes on (with a note) when they are damaged: that is how a damaged index is fixed."""
        try:
            previous = self.generations.current()
            return previous, self.generations.manifest(previous) if previous else None
        except IndexUnavailableError as exc:
            if not rebuild:
                raise
            logger.warning("ignoring the damaged index while rebuilding: %s", exc)
            report.notes.append(f"the current index is damaged and was ignored ({exc})")
            return None, None

    def _save_tables(self, generation: str, built: tables.GenerationTables) -> None:
        """Save the searcher's tables (and the aliases its passages define) now, while every
        record is in hand: a bot switching to this generation then reads a few files
        instead of every record from Chroma."""
        from store.search.aliases import aliases_for

        cache = self.generations.cache_dir(generation)
        if cache is None:
            return
        aliases_for(built.texts, cache)
        try:
            tables.save(built, cache / tables.TABLES_DIR, generation)
        except OSError as exc:  # only costs the searcher time: it reads Chroma instead
            logger.warning("could not save the search tables to %s (%s)", cache, exc)

    def _embed(
        self,
        fresh: Records,
        old: dict[str, Any] | None,
        report: IndexReport,
        progress: ProgressFactory | None,
    ) -> None:
        """Give every new record a vector: reused when its text is already embedded."""
        vectors = self._reusable_vectors(old, fresh)
        report.reused_passages = sum(r["text_hash"] in vectors for r in fresh["passages"])
        missing = {
            r["text_hash"]: r.get("embed", r["text"])
            for kind in KINDS
            for r in fresh[kind]
            if r["text_hash"] not in vectors
        }
        if missing:
            advance = progress(len(missing)) if progress else None
            # Shortest first: a batch pads every text to its longest, so mixing a passage
            # with its one-sentence windows wastes most of the work (2-3x slower on CPU).
            order = sorted(missing, key=lambda digest: len(missing[digest]))
            encoded = self.encoder.encode([missing[d] for d in order], progress=advance)
            vectors.update(zip(order, encoded, strict=True))
        report.embedded_texts = len(missing)
        for kind in KINDS:
            for record in fresh[kind]:
                record["embedding"] = vectors[record["text_hash"]]

    def _carry_over(self, old: dict[str, Any] | None, doc_ids: list[str]) -> Records:
        """Records and vectors of unchanged documents, copied from the current generation."""
        records: Records = {kind: [] for kind in KINDS}
        if old is None or not doc_ids:
            return records
        for kind in KINDS:
            where = {"doc_id": {"$in": doc_ids}}
            records[kind] = list(fetch_records(old[kind], where, embeddings=True))
        return records

    def _reusable_vectors(self, old: dict[str, Any] | None, fresh: Records) -> dict[str, Any]:
        """Vectors already computed for any text a changed document still contains."""
        hashes = sorted({r["text_hash"] for kind in KINDS for r in fresh[kind]})
        if old is None or not hashes:
            return {}
        found: dict[str, Any] = {}
        for kind in KINDS:
            for first in range(0, len(hashes), FETCH_PAGE):
                where = {"text_hash": {"$in": hashes[first : first + FETCH_PAGE]}}
                for record in fetch_records(old[kind], where, embeddings=True):
                    found[record["text_hash"]] = record["embedding"]
        return found

    def _dimension(
        self, passages: list[dict[str, Any]], old_manifest: dict[str, Any] | None
    ) -> int:
        if passages:
            return int(len(passages[0]["embedding"]))
        if old_manifest and old_manifest.get("model") == self.encoder.model_id:
            return int(old_manifest["dimension"])
        return self.encoder.dimension()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _records_for(ready: PreparedDocument, context: bool = True) -> Records:
    """The passage records of a prepared document, and the sentence windows inside them.

    A passage is embedded with its document's context line (title, publisher, date and
    section heading); its stored text, the quote, stays the verbatim passage. Vectors are
    reused by the hash of the text that was embedded.
    """
    doc_id = ready.source.doc_id
    # The period the date names, [published, until): what date filters test.
    published = tables.date_number(ready.published)
    until = tables.date_number(
        period_end(ready.published, ready.date_precision) if ready.published else None
    )
    passages: list[dict[str, Any]] = []
    windows: list[dict[str, Any]] = []
    headings = ready.headings or ("",) * len(ready.chunks)
    for chunk, heading in zip(ready.chunks, headings, strict=True):
        passage_id = chunk_id(doc_id, chunk)
        line = context_line(
            ready.title,
            ready.source.metadata.publisher,
            ready.published,
            heading,
            ready.genre,
            ready.date_precision,
        )
        record = _record(
            passage_id,
            chunk.text,
            doc_id,
            (published, until),
            embed=embedding_text(chunk.text, line) if context else chunk.text,
            start=chunk.start,
            end=chunk.end,
            heading=heading,
        )
        passages.append(record)
        for number, (start, end, sentences) in enumerate(sentence_windows(chunk.text)):
            windows.append(
                _record(
                    f"{passage_id}:{number}",
                    chunk.text[start:end],
                    doc_id,
                    (published, until),
                    start=start,
                    end=end,
                    sentences=sentences,
                    passage_id=passage_id,
                )
            )
    return {"passages": passages, "sentences": windows}


def _record(
    record_id: str,
    text: str,
    doc_id: str,
    period: tuple[int, int],
    embed: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A Chroma record. `period`: (first day, first day after) of the document's date as
    YYYYMMDD, 0 undated; `embed`, when given, is what is embedded instead of `text`."""
    digest = text_hash(embed if embed is not None else text)
    metadata = {
        "doc_id": doc_id,
        "text_hash": digest,
        "published_ord": period[0],
        "published_until": period[1],
        **extra,
    }
    record = {"id": record_id, "text": text, "text_hash": digest, "metadata": metadata}
    if embed is not None and embed != text:
        record["embed"] = embed
    return record


def _known_documents(old_docs: dict[str, dict[str, Any]]) -> dict[str, KnownDocument]:
    """The manifest entries a fingerprint can vouch for: same pipeline, fingerprint recorded
    (manifests written before fingerprints have none: those documents are read and hashed)."""
    known: dict[str, KnownDocument] = {}
    for doc_id, entry in old_docs.items():
        fingerprint = Fingerprint.from_json(entry.get("fingerprint"))
        content_hash = entry.get("content_hash")
        if fingerprint is not None and content_hash and entry.get("pipeline") == PIPELINE_VERSION:
            known[doc_id] = KnownDocument(fingerprint, content_hash)
    return known


def _document_entry(ready: PreparedDocument) -> dict[str, Any]:
    source = ready.source
    meta = source.metadata
    return {
        "doc_id": source.doc_id,
        "source_path": str(source.path),
        "content_hash": source.content_hash,
        # [size, mtime_ns, meta_size, meta_mtime_ns]; null when too fresh to trust.
        "fingerprint": source.fingerprint,
        "pipeline": PIPELINE_VERSION,
        "title": ready.title,
        "author": ready.author,
        "publisher": meta.publisher,
        "url": meta.url,
        # As far as it is known: "2009-06-26", "2005-12" or "2005".
        "published": period_text(ready.published, ready.date_precision)
        if ready.published
        else None,
        "date_basis": ready.date_basis,
        "date_note": ready.date_note,
        "genre": ready.genre,
        # Verbatim spans of the file ({start, end, text}) that say who wrote it and when.
        "byline": ready.byline.to_json() if ready.byline else None,
        "dateline": ready.dateline.to_json() if ready.dateline else None,
        "chunk_count": len(ready.chunks),
        "warnings": list(ready.warnings),
    }


def fetch_records(
    collection: Any,
    where: dict[str, Any] | None = None,
    *,
    embeddings: bool = False,
    texts: bool = True,
) -> Iterable[dict[str, Any]]:
    """Every record of a collection (or those matching `where`), page by page; without
    `texts` the records' "text" is None (sentence windows' texts are rarely needed)."""
    include = (
        ["metadatas"] + (["documents"] if texts else []) + (["embeddings"] if embeddings else [])
    )
    offset = 0
    while True:
        page = collection.get(where=where, include=include, limit=FETCH_PAGE, offset=offset)
        ids = page["ids"]
        for position, record_id in enumerate(ids):
            metadata = page["metadatas"][position]
            record = {
                "id": record_id,
                "text": page["documents"][position] if texts else None,
                "text_hash": metadata["text_hash"],
                "metadata": metadata,
            }
            if embeddings:
                record["embedding"] = np.asarray(page["embeddings"][position], dtype=np.float32)
            yield record
        if len(ids) < FETCH_PAGE:
            return
        offset += FETCH_PAGE


def _add_records(collection: Any, records: list[dict[str, Any]]) -> None:
    for first in range(0, len(records), ADD_BATCH):
        batch = records[first : first + ADD_BATCH]
        collection.add(
            ids=[r["id"] for r in batch],
            documents=[r["text"] for r in batch],
            metadatas=[r["metadata"] for r in batch],
            embeddings=np.vstack([r["embedding"] for r in batch]),
        )


def _calibration_is_current(manifest: dict[str, Any] | None) -> bool:
    """Whether the generation's no-match threshold was calibrated as `calibrate` does today."""
    # Imported here, as in `_build`: the check itself needs only the manifest.
    from store.search.calibrate import Calibration

    return Calibration.from_manifest(manifest or {}).is_current()


def vector_recipe(manifest: dict[str, Any]) -> str:
    """How a generation's vectors were made; before manifests said so, by backend alone."""
    return str(manifest.get("vectors") or manifest.get("backend") or "torch")
