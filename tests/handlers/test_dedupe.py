"""The in-process de-duplicator: first time only, forgets after its TTL, thread-safe."""

from __future__ import annotations

import threading

from handlers.dedupe import EventDeduper, MemoryDeduper


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
