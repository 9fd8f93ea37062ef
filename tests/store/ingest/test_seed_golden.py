"""The seeds index exactly as recorded: a cleaner change that helps new pages must not move
one passage of the two seed documents.

`golden/seeds.json` holds, per seed, every passage the real indexer stored (start, end) and
every paragraph's verdict (its span, keep or drop, and the rule). Regenerate it only for a
change meant to alter the seeds, and say why in the commit:
`.venv/bin/python -m tests.store.ingest.test_seed_golden`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from store.index import tables
from store.index.embed import Encoder, similarity_function
from store.index.generations import LocalGenerations
from store.ingest.corpus import discover
from store.ingest.prepare import prepare
from tests.conftest import SEEDS

GOLDEN = Path(__file__).resolve().parent / "golden" / "seeds.json"


def _verdicts(encoder: Encoder) -> dict[str, list[list[Any]]]:
    """Every seed paragraph's [index, start, end, kept, rule], cleaned as the indexer does
    (with the encoder's similarity as the weak extra signal)."""
    found = {}
    for document in discover(SEEDS).documents:
        ready = prepare(document, similarity_function(encoder))
        found[document.doc_id] = [
            [v.paragraph.index, v.paragraph.start, v.paragraph.end, v.kept, v.rule]
            for v in ready.verdicts
        ]
    return found


def _indexed_passages(data_dir: Path) -> dict[str, list[list[int]]]:
    """[start, end] of every passage in the current generation under `data_dir`, per document."""
    generations = LocalGenerations(data_dir / "index")
    generation = generations.current()
    assert generation is not None
    saved = tables.load(generations.cache_dir(generation) / tables.TABLES_DIR, generation)
    assert saved is not None
    found: dict[str, list[list[int]]] = {}
    for doc_id, start, end in zip(saved.doc_ids, saved.starts, saved.ends, strict=True):
        found.setdefault(doc_id, []).append([int(start), int(end)])
    return {doc_id: sorted(spans) for doc_id, spans in sorted(found.items())}


def test_the_seeds_index_exactly_as_recorded(seeds_index: Path, real_encoder) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert _indexed_passages(seeds_index) == golden["passages"]
    assert _verdicts(real_encoder) == golden["verdicts"]
    # The record is coherent: every passage lies inside the paragraphs recorded as kept.
    for doc_id, spans in golden["passages"].items():
        kept = [(start, end) for _, start, end, keep, _ in golden["verdicts"][doc_id] if keep]
        assert spans and all(
            any(k_start <= start and end <= k_end for k_start, k_end in _joined(kept))
            for start, end in spans
        )


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent kept paragraphs as one span each (a passage may hold several)."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and start - joined[-1][1] <= 2:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _record() -> None:
    """Write the golden file from the code as it is now (a real index in a temp folder)."""
    import tempfile

    from store.index.build import Indexer
    from store.index.embed import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder()
    with tempfile.TemporaryDirectory() as folder:
        Indexer(LocalGenerations(Path(folder) / "index"), encoder).build(SEEDS)
        passages = _indexed_passages(Path(folder))
    golden = {"passages": passages, "verdicts": _verdicts(encoder)}
    GOLDEN.write_text(_dumps(golden), encoding="utf-8")
    print(f"wrote {GOLDEN}")


def _dumps(golden: dict[str, dict[str, list[list[Any]]]]) -> str:
    """JSON with one passage or verdict a line, so a diff shows which one moved."""
    sections = []
    for name, documents in golden.items():
        entries = []
        for doc_id, rows in documents.items():
            lines = ",\n".join(f"   {json.dumps(row)}" for row in rows)
            entries.append(f"  {json.dumps(doc_id)}: [\n{lines}\n  ]")
        sections.append(f" {json.dumps(name)}: {{\n" + ",\n".join(entries) + "\n }")
    return "{\n" + ",\n".join(sections) + "\n}\n"


if __name__ == "__main__":
    _record()
