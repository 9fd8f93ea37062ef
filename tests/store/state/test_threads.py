"""The thread memory: first questions, answer locations and edits applied; durable,
expiring, best effort. The same contract in SQLite (one machine) and in Redis (replicas)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from store.state.base import AskedMessage, KnownThread, ThreadMemory
from store.state.factory import redis_client
from store.state.redis_threads import RedisThreadMemory
from store.state.threads import SqliteThreadMemory, open_thread_memory
from tests.servers import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
def open_memory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], ThreadMemory]:
    """Opens the thread memory of each backend; a second call is a restart (or a second
    replica), over the same file or the same Redis."""
    if request.param == "sqlite":
        return lambda: open_thread_memory(tmp_path)
    url = request.getfixturevalue("redis_url")
    return lambda: RedisThreadMemory(redis.Redis.from_url(url))


def test_the_first_question_of_a_thread_is_kept_and_survives_reopening(
    open_memory: Callable[[], ThreadMemory],
) -> None:
    memory = open_memory()
    memory.remember_thread("C1", "100.1", "100.1", None)  # asked first with `help`
    memory.remember_thread("C1", "100.1", "100.2", "What did NATO discuss in Astana?")
    memory.remember_thread("C1", "100.1", "100.3", "and in 2009?")
    memory.remember_asked("C1", "100.3", "100.1")
    memory.remember_answer("C1", "100.3", "C1", "100.4")
    memory.remember_answer("C1", "555.5", "C1", "555.6")  # a message never remembered

    reopened = open_memory()
    assert reopened.thread("C1", "100.1") == KnownThread(
        "C1", "100.1", "100.1", "What did NATO discuss in Astana?"
    )
    assert reopened.asked("C1", "100.3") == AskedMessage("C1", "100.3", "100.1", "C1", "100.4")
    assert reopened.thread("C1", "999.9") is None and reopened.asked("C2", "100.3") is None
    assert reopened.asked("C1", "555.5") is None


def test_only_an_edit_of_the_first_message_replaces_the_first_question(
    open_memory: Callable[[], ThreadMemory],
) -> None:
    memory = open_memory()
    memory.remember_thread("C1", "1.0", "1.0", "old question")
    memory.replace_first_question("C1", "1.0", "2.0", "a follow-up's edit")
    assert memory.thread("C1", "1.0").first_question == "old question"
    memory.replace_first_question("C1", "1.0", "1.0", "new question")
    assert open_memory().thread("C1", "1.0").first_question == "new question"


def test_an_edit_older_than_one_applied_is_refused_wherever_it_arrives(
    open_memory: Callable[[], ThreadMemory],
) -> None:
    replica_a, replica_b = open_memory(), open_memory()
    assert replica_a.claim_edit("C1", "1.0", 1700000010.5)
    assert not replica_b.claim_edit("C1", "1.0", 1700000009.0)  # older, arrived late
    assert replica_b.claim_edit("C1", "1.0", 1700000011.0)
    assert replica_a.claim_edit("C1", "2.0", 1700000009.0)  # another message


def test_very_long_questions_are_stored_shortened(
    open_memory: Callable[[], ThreadMemory],
) -> None:
    memory = open_memory()
    memory.remember_thread("C1", "1.0", "1.0", "x" * 10_000)
    assert len(memory.thread("C1", "1.0").first_question or "") == 4000


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


def test_redis_keys_expire_after_the_ttl_and_each_use_renews_it(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    memory = RedisThreadMemory(client, ttl_days=30)
    memory.remember_thread("C1", "1.0", "1.0", "q")
    memory.remember_asked("C1", "1.0", "1.0")
    memory.claim_edit("C1", "1.0", 5.0)
    ttls = {key.decode(): client.ttl(key) for key in client.keys("kz-brief:*")}
    assert set(ttls) == {"kz-brief:thread:C1:1.0", "kz-brief:asked:C1:1.0", "kz-brief:edit:C1:1.0"}
    assert all(30 * 86400 - 5 <= ttl <= 30 * 86400 for ttl in ttls.values())
    client.expire("kz-brief:thread:C1:1.0", 100)
    memory.remember_thread("C1", "1.0", "2.0", None)  # a follow-up keeps the thread alive
    assert client.ttl("kz-brief:thread:C1:1.0") > 100


def test_a_failing_sqlite_database_is_logged_and_treated_as_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    memory = SqliteThreadMemory()
    memory.close()
    with caplog.at_level("ERROR"):
        memory.remember_thread("C1", "1.0", "1.0", "q")
        assert memory.thread("C1", "1.0") is None
        assert memory.claim_edit("C1", "1.0", 1.0)  # unknown: the edit is applied
    assert "Could not write the thread memory" in caplog.text


def test_an_unreachable_redis_is_logged_once_and_treated_as_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    client = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    memory = RedisThreadMemory(client, retry_after=30, clock=clock)
    with caplog.at_level("WARNING"):
        memory.remember_thread("C1", "1.0", "1.0", "q")
        assert memory.thread("C1", "1.0") is None
        assert memory.asked("C1", "1.0") is None
        assert memory.claim_edit("C1", "1.0", 1.0)
    assert caplog.text.count("Redis thread memory unavailable") == 1
    assert "follow-ups are answered as new questions" in caplog.text
