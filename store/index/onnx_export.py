"""The faster encoder: sentence-transformers' ONNX backend with dynamic int8 quantization.

The ONNX model is exported locally from the model on disk (the bundled all-MiniLM-L6-v2 by
default) the first time it is needed, then cached in the data dir; nothing is downloaded.
The export is written to a temporary folder and renamed into place, so two processes
starting at once never load a half-written model. Like every file in the data dir it is
derived, so it is checked before use: the export records the SHA-256 of each of its files
(`EXPORT_RECORD`), and an export that does not match (truncated, damaged, or written before
the record existed) is exported again, with one warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from store.errors import StoreError

logger = logging.getLogger(__name__)

ONNX_DIR = "onnx"
EXPORT_RECORD = "kz-brief-export.json"
# Libraries that log warnings about a normal export (see `_library_chatter_silenced`).
CHATTY_LIBRARIES = ("sentence_transformers", "transformers", "optimum")


def quantization_target() -> str:
    """The int8 kernel set this CPU runs fastest: avx512_vnni, avx512, avx2, or arm64."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        flags = ""
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    if os.uname().machine in ("aarch64", "arm64"):
        return "arm64"
    return "avx2"


def cached_model_dir(model_path: str, cache_dir: Path) -> Path:
    """Where the quantized export of `model_path` lives in the cache."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model_path).name or model_path)
    return cache_dir / "onnx-int8" / f"{name}-{quantization_target()}"


def quantized_file_name() -> str:
    return f"{ONNX_DIR}/model_qint8_{quantization_target()}.onnx"


def export_onnx_int8(model_path: str, target: Path) -> None:
    """Export `model_path` to ONNX, quantize it to int8, and move the result to `target`."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        staged = work / "model"
        shutil.copytree(model_path, staged)
        logger.info("exporting %s to ONNX and quantizing to int8 (once)", model_path)
        with _library_chatter_silenced():
            model = SentenceTransformer(str(staged), backend="onnx", device="cpu")
            model.save_pretrained(str(staged))
            export_dynamic_quantized_onnx_model(model, quantization_target(), str(staged))
        record = {"sha256": _file_hashes(staged)}
        (staged / EXPORT_RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
        try:
            os.replace(staged, target)
        except OSError:
            if not (target / quantized_file_name()).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _library_chatter_silenced() -> Iterator[None]:
    """Quiet the export's library output: sentence-transformers warns that it is exporting
    (we asked it to) and that the export should be saved (it is), and the tracer warns about
    constants. On an admin's first `make run` that reads as a failure; it is not one."""
    libraries = [logging.getLogger(name) for name in CHATTY_LIBRARIES]
    levels = [library.level for library in libraries]
    for library in libraries:
        library.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for library, level in zip(libraries, levels, strict=True):
            library.setLevel(level)


def load_onnx_int8(model_path: str, cache_dir: Path | None) -> Any:
    """A SentenceTransformer running the cached int8 ONNX model (exported on first use)."""
    from sentence_transformers import SentenceTransformer

    if cache_dir is None:
        raise StoreError("The onnx-int8 backend needs a data dir to cache the exported model.")
    if not Path(model_path).is_dir():
        raise StoreError(
            f"The onnx-int8 backend exports from a local model folder; {model_path!r} is not "
            "one. Point KZ_EMBEDDING_MODEL at a folder, or set KZ_EMBEDDING_BACKEND=torch."
        )
    target = cached_model_dir(model_path, cache_dir)
    problem = export_problem(target)
    if problem is not None:
        if target.exists():
            logger.warning("the exported model in %s is %s; exporting it again", target, problem)
            shutil.rmtree(target, ignore_errors=True)
        try:
            export_onnx_int8(model_path, target)
        except ImportError as exc:
            raise StoreError(
                "KZ_EMBEDDING_BACKEND=onnx-int8 needs optimum-onnx and onnxruntime: "
                "`pip install 'sentence-transformers[onnx]'` (or `make install`)."
            ) from exc
    return SentenceTransformer(
        str(target),
        backend="onnx",
        device="cpu",
        model_kwargs={"file_name": quantized_file_name()},
    )


def export_problem(target: Path) -> str | None:
    """What is wrong with the export in `target` (None: every file is as exported)."""
    if not target.exists():
        return "missing"
    try:
        record = json.loads((target / EXPORT_RECORD).read_text(encoding="utf-8"))
        expected = record["sha256"]
        if not isinstance(expected, dict) or quantized_file_name() not in expected:
            return "missing its record of files"
        if _file_hashes(target) != expected:
            return "damaged (its files do not match their checksums)"
    except FileNotFoundError:
        return "missing its record of files"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"unreadable ({exc})"
    return None


def _file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` but the record itself, by relative path."""
    hashes = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != EXPORT_RECORD:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            hashes[path.relative_to(folder).as_posix()] = digest.hexdigest()
    return hashes
