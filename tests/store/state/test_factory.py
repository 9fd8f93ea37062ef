"""One factory picks each state backend from two settings; one machine needs neither."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from store.state.dedupe import MemoryDeduper, RedisDeduper
from store.state.factory import open_state, redis_client
from store.state.locks import LocalLocks, RedisLocks
from store.state.redis_threads import RedisThreadMemory
from store.state.threads import SqliteThreadMemory
from tests.servers import POSTGRES_PASSWORD, POSTGRES_PASSWORD_IN_URL, free_port


def test_one_machine_keeps_everything_in_the_data_dir_and_this_process(tmp_path: Path) -> None:
    state = open_state(tmp_path / "data")
    assert isinstance(state.deduper, MemoryDeduper) and isinstance(state.locks, LocalLocks)
    assert isinstance(state.threads, SqliteThreadMemory)
    assert (tmp_path / "data" / "threads.sqlite3").is_file()
    assert (tmp_path / "data" / "feedback.sqlite3").is_file()
    assert state.warnings == ()


def test_replicas_share_redis_and_postgresql_and_passwords_stay_hidden(
    tmp_path: Path, redis_url: str, postgres_url: str
) -> None:
    state = open_state(
        tmp_path / "data", redis_url=redis_url, database_url=postgres_url, shared_index=True
    )
    assert isinstance(state.deduper, RedisDeduper) and isinstance(state.locks, RedisLocks)
    assert isinstance(state.threads, RedisThreadMemory)
    assert state.feedback.record("U1", "c1", "doc-a", "useful")
    assert not (tmp_path / "data").exists()  # nothing of the shared state is per replica
    shown = "\n".join(state.where)
    assert "Redis at redis://127.0.0.1:" in shown and "postgresql://kzadmin:***@" in shown
    assert POSTGRES_PASSWORD not in shown and POSTGRES_PASSWORD_IN_URL not in shown
    assert state.warnings == ()


def test_a_shared_index_with_per_replica_state_is_warned_about(tmp_path: Path) -> None:
    state = open_state(tmp_path, shared_index=True)
    assert any("Set REDIS_URL" in warning for warning in state.warnings)
    assert any("KZ_DATABASE_URL" in warning for warning in state.warnings)


def test_an_unreachable_redis_fails_fast_enough_for_slacks_three_seconds() -> None:
    client = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    try:
        client.set("kz-brief:seen:x", "1", nx=True, ex=60)
    except redis.ConnectionError:
        pass
    assert time.monotonic() - started < 1.0
