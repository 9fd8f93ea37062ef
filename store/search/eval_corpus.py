"""The index a question set runs on when it names its own corpus (`kz-brief eval --corpus`).

A question set written for documents outside `seeds/` (tests/eval/hard.jsonl runs on the
seeds, the ingest style pages and tests/eval/corpus) is scored on an index of exactly those
folders, kept under the data dir and updated like any other: a second run re-embeds nothing.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from store.errors import StoreError
from store.index.build import Indexer
from store.index.embed import Encoder
from store.index.generations import LocalGenerations

logger = logging.getLogger(__name__)

EVAL_DIR = "eval"


def corpus_key(folders: Sequence[Path]) -> str:
    """A stable name for a set of folders: the same folders reuse the same index."""
    joined = "\n".join(str(folder.resolve()) for folder in folders)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


def assemble(folders: Sequence[Path], target: Path) -> Path:
    """Copy every folder into `target/<folder name>` (times kept, so an unchanged file is
    known unchanged without being read); returns `target`."""
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        raise StoreError(f"Not a folder: {', '.join(missing)}. Pass folders of documents.")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    used: set[str] = set()
    for folder in folders:
        name = folder.resolve().name or "corpus"
        while name in used:
            name += "_"
        used.add(name)
        shutil.copytree(folder, target / name, copy_function=shutil.copy2)
    return target


def corpus_index(
    folders: Sequence[Path], data_dir: Path, encoder: Encoder, context: bool = True
) -> LocalGenerations:
    """An up-to-date index of `folders` under `data_dir/eval/`; only new text is embedded.
    `context=False` embeds passages bare (bench/ideas.py measures what context is worth)."""
    root = data_dir / EVAL_DIR / (corpus_key(folders) + ("" if context else "-bare"))
    documents = assemble(folders, root / "documents")
    generations = LocalGenerations(root / "index")
    report = Indexer(generations, encoder, context=context).build(documents)
    logger.info(
        "evaluation corpus %s: %d documents, %d texts embedded",
        root,
        len(report.changes),
        report.embedded_texts,
    )
    return generations
