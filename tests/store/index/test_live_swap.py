"""A running searcher picks up a generation built by `kz-brief index` in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from store.index.build import Indexer
from store.index.generations import LocalGenerations
from store.search import searcher as search
from store.search.searcher import Searcher
from tests.conftest import FakeEncoder

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
        if finished_at is not None and served.count(served[-1]) > 10 and served[-1] != first:
            break  # switched (it loaded in the background meanwhile) and answered from it
        time.sleep(0.05)
    assert reindex.wait(timeout=10) == 0, reindex.stderr.read() if reindex.stderr else ""

    second = generations.current()
    assert second != first
    assert served[0] == first and served[-1] == second
    switch = served.index(second)
    assert all(g == second for g in served[switch:]), "never back to the old generation"
    hits = searcher.search("Steppe Eagle exercise")
    assert hits and hits[0].doc_id == "steppe-eagle"


def test_a_new_generation_loads_in_the_background_while_the_old_one_answers(
    seeds_copy, tmp_path, fake_encoder, monkeypatch
):
    generations = LocalGenerations(tmp_path / "data" / "index")
    first = Indexer(generations, fake_encoder).build(seeds_copy).generation
    searcher = Searcher(generations, fake_encoder)
    searcher.load()
    (seeds_copy / "steppe-eagle.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    second = Indexer(generations, fake_encoder).build(seeds_copy).generation

    opening, release = threading.Event(), threading.Event()
    real_open = Searcher._open

    def slow_open(self, generation):
        opening.set()
        assert release.wait(timeout=60)
        return real_open(self, generation)

    monkeypatch.setattr(Searcher, "_open", slow_open)
    monkeypatch.setattr(search, "REFRESH_SECONDS", 0.0)
    searcher.answer("Rogozin lover wife Scheffer")  # notices the new generation, starts loading it
    assert opening.wait(timeout=10)
    for _ in range(5):  # the load is stuck, yet every question is answered, from the old one
        answer = searcher.answer("Rogozin lover wife Scheffer")
        assert answer.hits and searcher.info().generation == first
    release.set()
    deadline = time.monotonic() + 30
    while searcher.info().generation != second and time.monotonic() < deadline:
        time.sleep(0.01)
    assert searcher.info().generation == second
    assert searcher.search("Steppe Eagle exercise")[0].doc_id == "steppe-eagle"


def test_a_generation_that_cannot_load_leaves_the_old_one_answering(
    seeds_copy, tmp_path, fake_encoder, monkeypatch, caplog
):
    generations = LocalGenerations(tmp_path / "data" / "index")
    first = Indexer(generations, fake_encoder).build(seeds_copy).generation
    searcher = Searcher(generations, fake_encoder)
    searcher.load()
    other_model = FakeEncoder(model_id="another-model")
    (seeds_copy / "steppe-eagle.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    Indexer(generations, other_model).build(seeds_copy)  # built with a model this bot lacks

    monkeypatch.setattr(search, "REFRESH_SECONDS", 0.0)
    for _ in range(50):
        assert searcher.answer("Rogozin lover wife Scheffer").hits
        if "cannot switch" in caplog.text:
            break
        time.sleep(0.02)
    assert "cannot switch to index generation" in caplog.text and "--rebuild" in caplog.text
    assert searcher.info().generation == first
