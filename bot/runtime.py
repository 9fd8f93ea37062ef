"""Build the store's objects from settings: one place that knows how they fit together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from store.index.build import Indexer
from store.index.embed import Encoder, open_encoder
from store.index.generations import GenerationStore, open_generations
from store.ingest.corpus import CorpusLimits

if TYPE_CHECKING:
    # The searcher brings BM25 and scipy (~0.2 s): imported only when one is opened, so a
    # no-change `kz-brief index` does not pay for it.
    from store.search.searcher import Searcher


def encoder_for(settings: Settings) -> Encoder:
    return open_encoder(
        settings.embedding_model, settings.embedding_backend, settings.data_dir / "models"
    )


def generations_for(settings: Settings) -> GenerationStore:
    return open_generations(settings.data_dir, settings.chroma_host, settings.chroma_port)


def open_searcher(settings: Settings, *, load: bool = True) -> Searcher:
    """The searcher over the current generation; with `load`, the model and index are
    loaded now, so the first question is answered as fast as the next."""
    from store.search.searcher import Searcher

    searcher = Searcher(generations_for(settings), encoder_for(settings))
    if load:
        searcher.load()
    return searcher


def corpus_limits(settings: Settings) -> CorpusLimits:
    return CorpusLimits(settings.max_document_bytes, settings.follow_outside_links)


def open_indexer(settings: Settings) -> Indexer:
    return Indexer(generations_for(settings), encoder_for(settings), limits=corpus_limits(settings))


def reindex_summary(settings: Settings) -> str:
    """Run the same re-index as `kz-brief index` and describe the result in plain text
    (for `/kz-brief reindex`); a running searcher picks the new generation up by itself."""
    report = open_indexer(settings).build(settings.seeds_dir)
    counts = ", ".join(
        f"{report.count(status)} {status}"
        for status in ("added", "updated", "removed", "unchanged")
    )
    lines = [f"Re-index finished: documents {counts}."]
    if report.switched:
        lines.append(
            f"{report.embedded_texts} texts embedded; now serving generation {report.generation}."
        )
    lines.extend(f"Note: {note}" for note in report.notes)
    warnings = report.warnings
    lines.append(f"Warnings: {len(warnings)}")
    lines.extend(f"• {warning}" for warning in warnings[:20])
    if len(warnings) > 20:
        lines.append(f"… and {len(warnings) - 20} more (run `kz-brief index --dry-run`).")
    return "\n".join(lines)
