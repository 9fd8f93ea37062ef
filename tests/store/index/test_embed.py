"""Encoders: the bundled model offline, and the int8 ONNX export that answers the same."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pytest

from store.errors import StoreError
from store.index.embed import SentenceTransformerEncoder, resolve_model_path
from store.index.onnx_export import cached_model_dir, export_problem, quantized_file_name


def test_default_model_resolves_to_the_bundled_copy() -> None:
    path = Path(resolve_model_path("all-MiniLM-L6-v2"))
    assert (path / "model.safetensors").exists() and "site-packages" in str(path)


def test_real_encoder_gives_unit_vectors(real_encoder) -> None:
    vectors = real_encoder.encode(["Kazakhstan and NATO", "a banana bread recipe"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_encoder.dimension() == 384


def test_an_unknown_model_name_fails_with_the_fix(tmp_path: Path) -> None:
    encoder = SentenceTransformerEncoder(str(tmp_path / "no-such-model"))
    with pytest.raises(StoreError, match="KZ_EMBEDDING_MODEL"):
        encoder.encode(["x"])


@pytest.mark.slow
def test_onnx_int8_is_exported_locally_cached_and_close_to_torch(
    tmp_path: Path, real_encoder, caplog
) -> None:
    onnx = SentenceTransformerEncoder(backend="onnx-int8", cache_dir=tmp_path / "models")
    texts = ["What is KAZBAT?", "Rogozin said Kazakhstan was Russia's wife.", "pancakes"]
    with warnings.catch_warnings(record=True) as shown, caplog.at_level("INFO"):
        warnings.simplefilter("always")
        quantized = onnx.encode(texts)
    # A first `make run` exports quietly: no library warnings, no tracer warnings.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [str(w.message) for w in shown] == []
    caplog.clear()
    cached = cached_model_dir(resolve_model_path("all-MiniLM-L6-v2"), tmp_path / "models")
    assert (cached / quantized_file_name()).exists()
    agreement = np.sum(quantized * real_encoder.encode(texts), axis=1)
    assert np.all(agreement > 0.97)
    again = SentenceTransformerEncoder(backend="onnx-int8", cache_dir=tmp_path / "models")
    assert np.allclose(again.encode(texts), quantized, atol=1e-6)  # loaded from the cache
    assert export_problem(cached) is None

    # A cached export cut short (a full disk, a crash) is exported again, not loaded.
    model_file = cached / quantized_file_name()
    model_file.write_bytes(model_file.read_bytes()[: model_file.stat().st_size // 2])
    assert "damaged" in (export_problem(cached) or "")
    with caplog.at_level("WARNING", logger="store.index.onnx_export"):
        repaired = SentenceTransformerEncoder(backend="onnx-int8", cache_dir=tmp_path / "models")
        assert np.allclose(repaired.encode(texts), quantized, atol=1e-6)
    ours = [r for r in caplog.records if r.name == "store.index.onnx_export"]
    assert [r.getMessage() for r in ours if r.levelname == "WARNING"] == [
        f"the exported model in {cached} is damaged (its files do not match their checksums); "
        "exporting it again"
    ]
    assert export_problem(cached) is None


@pytest.mark.slow
def test_an_int8_vector_depends_on_its_text_alone(product_encoder) -> None:
    """A passage gets the same vector whatever is embedded with it: in a fresh build, in
    an incremental one, or alone like a question."""
    text = "Kazakhstan joined the Partnership for Peace in 1994 and trains officers with NATO."
    long = "A much longer paragraph about harvests, rail freight and the weather. " * 12
    alone = product_encoder.encode([text])[0]
    after_long = product_encoder.encode([long, text])[1]
    before_short = product_encoder.encode([text, "Short."])[0]
    assert np.array_equal(alone, after_long)
    assert np.array_equal(alone, before_short)
    assert product_encoder.recipe == "onnx-int8, one text per call"
