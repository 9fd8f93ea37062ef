"""The thread memory: first questions and answer locations, durable, expiring, best effort."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.state.threads import AskedMessage, KnownThread, SqliteThreadMemory, open_thread_memory


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_question_of_a_thread_is_kept_and_survives_reopening(tmp_path: Path) -> None:
    memory = open_thread_memory(tmp_path)
    memory.remember_thread("C1", "100.1", "100.1", None)  # asked first with `help`
    memory.remember_thread("C1", "100.1", "100.2", "What did NATO discuss in Astana?")
    memory.remember_thread("C1", "100.1", "100.3", "and in 2009?")
    memory.remember_asked("C1", "100.3", "100.1")
    memory.remember_answer("C1", "100.3", "C1", "100.4")
    memory.close()

    reopened = open_thread_memory(tmp_path)
    assert reopened.thread("C1", "100.1") == KnownThread(
        "C1", "100.1", "100.1", "What did NATO discuss in Astana?"
    )
    assert reopened.asked("C1", "100.3") == AskedMessage("C1", "100.3", "100.1", "C1", "100.4")
    assert reopened.thread("C1", "999.9") is None and reopened.asked("C2", "100.3") is None


def test_only_an_edit_of_the_first_message_replaces_the_first_question() -> None:
    memory = SqliteThreadMemory()
    memory.remember_thread("C1", "1.0", "1.0", "old question")
    memory.replace_first_question("C1", "1.0", "2.0", "a follow-up's edit")
    assert memory.thread("C1", "1.0").first_question == "old question"
    memory.replace_first_question("C1", "1.0", "1.0", "new question")
    assert memory.thread("C1", "1.0").first_question == "new question"


def test_rows_unused_for_the_ttl_are_forgotten() -> None:
    clock = Clock()
    memory = SqliteThreadMemory(ttl_days=30, clock=clock)
    memory.remember_thread("C1", "1.0", "1.0", "q")
    memory.remember_asked("C1", "1.0", "1.0")
    clock.now += 29 * 86400
    memory.remember_thread("C1", "1.0", "3.0", None)  # a follow-up keeps the thread alive
    clock.now += 2 * 86400
    assert memory.thread("C1", "1.0") is not None
    assert memory.asked("C1", "1.0") is None


def test_a_failing_database_is_logged_and_treated_as_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    memory = SqliteThreadMemory()
    memory.close()
    with caplog.at_level("ERROR"):
        memory.remember_thread("C1", "1.0", "1.0", "q")
        assert memory.thread("C1", "1.0") is None
    assert "Could not write the thread memory" in caplog.text


def test_very_long_questions_are_stored_shortened() -> None:
    memory = SqliteThreadMemory()
    memory.remember_thread("C1", "1.0", "1.0", "x" * 10_000)
    assert len(memory.thread("C1", "1.0").first_question or "") == 4000
