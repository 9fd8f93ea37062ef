"""Feedback flags: stored durably, one per person per passage and flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.state.feedback import FeedbackStore, open_feedback


def test_clicks_are_deduplicated_per_user_passage_and_flag(tmp_path: Path) -> None:
    store = open_feedback(tmp_path)
    assert store.record("U1", "c1", "doc-a", "outdated", title="A", excerpt="Old text")
    assert not store.record("U1", "c1", "doc-a", "outdated")
    assert store.record("U2", "c1", "doc-a", "outdated")
    assert store.record("U1", "c1", "doc-a", "useful")
    assert store.record("U1", "c2", "doc-b", "wrong_source")
    (first, second) = store.passages()
    assert (first.chunk_id, first.counts) == ("c1", {"useful": 1, "outdated": 2, "wrong_source": 0})
    assert first.title == "A" and first.excerpt == "Old text"
    assert second.counts["wrong_source"] == 1


def test_feedback_survives_a_restart(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record("U1", "c1", "doc-a", "useful")
    store.close()
    reopened = FeedbackStore(tmp_path / "f.sqlite3")
    assert reopened.passages()[0].counts["useful"] == 1
    assert not reopened.record("U1", "c1", "doc-a", "useful")


def test_unknown_flags_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown feedback flag"):
        open_feedback(tmp_path).record("U1", "c1", "doc-a", "love")
