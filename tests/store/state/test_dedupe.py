"""De-duplicators: in-process (first time only, forgets after its TTL, thread-safe) and the
Redis one shared by replicas, which falls back to memory when Redis is down."""

from __future__ import annotations

import threading

import pytest

from store.state.dedupe import EventDeduper, MemoryDeduper, RedisDeduper


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_first_time_only_then_forgotten_after_the_ttl() -> None:
    clock = Clock()
    deduper: EventDeduper = MemoryDeduper(ttl_seconds=60, clock=clock)
    assert deduper.first_time("Ev1") is True
    assert deduper.first_time("Ev1") is False
    assert deduper.first_time("Ev2") is True
    clock.now = 61
    assert deduper.first_time("Ev1") is True


def test_memory_is_bounded() -> None:
    deduper = MemoryDeduper(max_keys=3)
    for n in range(10):
        deduper.first_time(f"Ev{n}")
    assert len(deduper) == 3


def test_concurrent_callers_see_a_key_as_new_exactly_once() -> None:
    deduper = MemoryDeduper()
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(32)

    def worker() -> None:
        start.wait()
        outcome = deduper.first_time("Ev-same")
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1 and len(results) == 32


class FlakyRedis:
    """`SET NX EX` like Redis, with a switch to make it fail like an unreachable server."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, int | None]] = {}
        self.down = False
        self.calls = 0

    def set(self, name: str, value: str, *, ex: int | None = None, nx: bool = False) -> bool | None:
        self.calls += 1
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
        if nx and name in self.keys:
            return None
        self.keys[name] = (value, ex)
        return True


def test_redis_deduper_uses_set_nx_with_a_ttl_under_a_prefix() -> None:
    redis = FlakyRedis()
    deduper: EventDeduper = RedisDeduper(redis, ttl_seconds=120)
    assert deduper.first_time("event:Ev1") is True
    assert deduper.first_time("event:Ev1") is False
    assert redis.keys == {"kz-brief:seen:event:Ev1": ("1", 120)}


def test_redis_deduper_falls_back_to_memory_while_redis_is_down_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    redis = FlakyRedis()
    deduper = RedisDeduper(redis, retry_after=30, clock=clock)
    assert deduper.first_time("event:Ev1") is True
    redis.down = True
    with caplog.at_level("WARNING"):
        # Never silent: a new event is still answered, a retry seen here is still caught.
        assert deduper.first_time("event:Ev2") is True
        assert deduper.first_time("event:Ev2") is False
        assert deduper.first_time("event:Ev1") is False
    assert "Redis de-duplication unavailable" in caplog.text
    assert caplog.text.count("Redis de-duplication unavailable") == 1
    assert redis.calls == 2  # not retried for every event while down
    clock.now = 31
    redis.down = False
    assert deduper.first_time("event:Ev3") is True
    assert redis.calls == 3
