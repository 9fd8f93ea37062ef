"""A running searcher picks up a generation built by `kz-brief index` in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from store.generations import LocalGenerations
from store.index import Indexer
from store.search import REFRESH_SECONDS, Searcher

pytestmark = pytest.mark.slow

NEW_ARTICLE = """Steppe Eagle drills

Kazakhstan's peacekeeping brigade trained with NATO partners in the Steppe Eagle exercise near
Almaty, practising convoy escort and casualty evacuation under a multinational command.

Officers said the Steppe Eagle exercise showed the brigade could meet NATO standards for
interoperability, a goal set when the partnership plan was agreed.
"""


def test_questions_keep_being_answered_while_a_reindex_switches(seeds_copy, tmp_path, real_encoder):
    data_dir = tmp_path / "data"
    generations = LocalGenerations(data_dir / "index")
    first = Indexer(generations, real_encoder).build(seeds_copy).generation
    searcher = Searcher(generations, real_encoder)
    searcher.load()
    assert not searcher.search("Steppe Eagle exercise")

    (seeds_copy / "steppe-eagle.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    environment = {**os.environ, "KZ_SEEDS_DIR": str(seeds_copy), "KZ_DATA_DIR": str(data_dir)}
    reindex = subprocess.Popen(
        [sys.executable, "-m", "bot", "index"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served: list[str] = []
    deadline = time.monotonic() + 180
    finished_at: float | None = None
    while time.monotonic() < deadline:
        answer = searcher.answer("What is KAZBAT?")  # must never fail or come back empty
        assert answer.hits and "KAZBAT" in answer.hits[0].quote
        served.append(searcher.info().generation)
        if finished_at is None and reindex.poll() is not None:
            finished_at = time.monotonic()
        if finished_at is not None and time.monotonic() - finished_at > 2 * REFRESH_SECONDS:
            break
        time.sleep(0.05)
    assert reindex.wait(timeout=10) == 0, reindex.stderr.read() if reindex.stderr else ""

    second = generations.current()
    assert second != first
    assert served[0] == first and served[-1] == second
    switch = served.index(second)
    assert all(g == second for g in served[switch:]), "never back to the old generation"
    hits = searcher.search("Steppe Eagle exercise")
    assert hits and hits[0].doc_id == "steppe-eagle"
