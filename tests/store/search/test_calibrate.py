"""The no-match threshold measured per generation from off-topic probe questions."""

from __future__ import annotations

import numpy as np
import pytest

from store.index import tables
from store.index.build import Indexer
from store.index.generations import LocalGenerations
from store.search.calibrate import (
    CEILING,
    DEFAULT_THRESHOLD,
    FLOOR,
    MARGIN,
    PROBE_QUESTIONS,
    QUANTILE,
    Calibration,
    best_scores,
    calibrate,
    harrell_davis_quantile,
    probe_set_digest,
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


def test_the_harrell_davis_median_of_an_even_spread_is_its_middle() -> None:
    assert harrell_davis_quantile(np.arange(1.0, 68.0), 0.5) == pytest.approx(34.0)
    assert harrell_davis_quantile(np.array([0.3]), 0.95) == pytest.approx(0.3)
    high = harrell_davis_quantile(np.arange(1.0, 68.0), 0.95)
    assert 60.0 < high < 67.0


def test_one_probe_moving_moves_the_estimate_less_than_the_sample_quantile() -> None:
    # 67 best scores with a gap near the top, as a real corpus gave: one probe's score
    # rising (a document re-chunked) moved the sample quantile by most of that rise.
    scores = np.concatenate([np.linspace(0.10, 0.40, 63), [0.41, 0.43, 0.44, 0.53]])
    moved = scores.copy()
    moved[62] += 0.03  # the probe just under the gap
    sample_shift = np.quantile(moved, 0.95) - np.quantile(scores, 0.95)
    estimate_shift = harrell_davis_quantile(moved, 0.95) - harrell_davis_quantile(scores, 0.95)
    assert 0 < estimate_shift < sample_shift / 2


def test_a_calibration_from_before_the_estimate_reads_as_the_sample_quantile_and_not_current():
    stored = {
        "threshold": 0.43,
        "term_threshold": 0.3,
        "probes": len(PROBE_QUESTIONS),
        "probe_best": 0.53,
        "probe_quantile": 0.43,
        "method": "probes",
    }
    old = Calibration.from_manifest({"no_match": stored})
    assert (old.quantile, old.estimate) == (0.95, "sample") and not old.is_current()
    assert "95% quantile (sample)" in old.describe()
    current = {"quantile": QUANTILE, "estimate": "harrell-davis", "probe_set": probe_set_digest()}
    assert Calibration.from_manifest({"no_match": {**stored, **current}}).is_current()
    other_probes = {**current, "probe_set": "0123456789ab"}  # asked other probe questions
    assert not Calibration.from_manifest({"no_match": {**stored, **other_probes}}).is_current()
    assert not Calibration.from_manifest({"model": "x"}).is_current()
