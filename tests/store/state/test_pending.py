"""The journal of acknowledged questions: noted once, taken over only from dead processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from store.state.pending import MAX_TRIES, PendingReplies, is_alive, process_identity


def _dead_owner() -> str:
    """The identity of a process that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return f"{int(child.stdout)}:0"


def test_a_request_is_noted_once_and_done_is_never_replayed(tmp_path: Path) -> None:
    journal = PendingReplies(tmp_path / "pending.sqlite3")
    assert journal.add("message:C1:1.0", "message", {"text": "hello"})
    assert not journal.add("message:C1:1.0", "message", {"text": "hello"})  # a Slack retry
    assert journal.unfinished() == ["message:C1:1.0"]
    journal.done("message:C1:1.0")
    assert journal.unfinished() == []
    assert not journal.add("message:C1:1.0", "message", {})  # still known: answered once


def test_only_requests_of_dead_processes_are_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "pending.sqlite3"
    mine = PendingReplies(path)
    mine.add("message:C1:1.0", "message", {"text": "mine"})
    assert mine.take_over() == ([], [])  # its own: never taken from itself
    assert is_alive(process_identity()) and not is_alive(_dead_owner())

    dead = PendingReplies(path, owner=_dead_owner())  # a process that has died since
    dead.add("message:C1:2.0", "message", {"text": "orphan"})
    retry, given_up = mine.take_over()
    assert [(r.key, r.payload["text"]) for r in retry] == [("message:C1:2.0", "orphan")]
    assert given_up == [] and mine.take_over() == ([], [])  # now its own


def test_a_released_request_does_not_count_and_a_poison_one_is_given_up(tmp_path: Path) -> None:
    path = tmp_path / "pending.sqlite3"
    first = PendingReplies(path, owner=_dead_owner())
    first.add("message:C1:1.0", "message", {"text": "q"})
    first.release("message:C1:1.0")  # stopped in order
    for _ in range(MAX_TRIES):  # each taker dies holding it
        retry, given_up = PendingReplies(path, owner=_dead_owner()).take_over()
        assert [r.key for r in retry] == ["message:C1:1.0"] and given_up == []
    retry, given_up = PendingReplies(path, owner=_dead_owner()).take_over()
    assert retry == [] and [g.key for g in given_up] == ["message:C1:1.0"]
