"""The no-match threshold measured per generation from off-topic probe questions."""

from __future__ import annotations

from store.index import tables
from store.index.build import Indexer
from store.index.generations import LocalGenerations
from store.search.calibrate import (
    CEILING,
    DEFAULT_THRESHOLD,
    FLOOR,
    MARGIN,
    PROBE_QUESTIONS,
    Calibration,
    best_scores,
    calibrate,
)


def test_a_generation_stores_the_threshold_its_probes_imply(tmp_path, seeds_copy, fake_encoder):
    generations = LocalGenerations(tmp_path / "index")
    Indexer(generations, fake_encoder).build(seeds_copy)
    manifest = generations.manifest(generations.current())
    found = Calibration.from_manifest(manifest)
    assert found.method == "probes" and found.probes == len(PROBE_QUESTIONS)
    assert FLOOR <= found.threshold <= CEILING
    assert found.term_threshold < found.threshold
    assert "calibrated on" in found.describe()


def test_the_threshold_follows_the_probes_on_this_corpus(tmp_path, seeds_copy, fake_encoder):
    generations = LocalGenerations(tmp_path / "index")
    generation = Indexer(generations, fake_encoder).build(seeds_copy).generation
    built = tables.load(generations.cache_dir(generation) / tables.TABLES_DIR, generation)
    scores = best_scores(built, fake_encoder.encode(list(PROBE_QUESTIONS)))
    found = calibrate(built, fake_encoder)
    assert found.probe_best == round(float(scores.max()), 4)
    expected = min(CEILING, max(FLOOR, found.probe_quantile + MARGIN))
    assert found.threshold == round(expected, 4)


def test_generations_built_before_calibration_use_the_fixed_defaults() -> None:
    old = Calibration.from_manifest({"model": "x"})
    assert old.method == "default" and old.threshold == DEFAULT_THRESHOLD
    assert "re-index to calibrate" in old.describe()
    broken = Calibration.from_manifest({"no_match": {"threshold": "high"}})
    assert broken.method == "default"
