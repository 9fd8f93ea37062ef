"""Build the store's objects from settings: one place that knows how they fit together."""

from __future__ import annotations

from bot.config import Settings
from store.embed import Encoder, open_encoder
from store.generations import GenerationStore, open_generations
from store.index import Indexer
from store.search import Searcher


def encoder_for(settings: Settings) -> Encoder:
    return open_encoder(
        settings.embedding_model, settings.embedding_backend, settings.data_dir / "models"
    )


def generations_for(settings: Settings) -> GenerationStore:
    return open_generations(settings.data_dir, settings.chroma_host, settings.chroma_port)


def open_searcher(settings: Settings, *, load: bool = True) -> Searcher:
    """The searcher over the current generation; with `load`, the model and index are
    loaded now, so the first question is answered as fast as the next."""
    searcher = Searcher(generations_for(settings), encoder_for(settings))
    if load:
        searcher.load()
    return searcher


def open_indexer(settings: Settings) -> Indexer:
    return Indexer(generations_for(settings), encoder_for(settings))
