"""Named locks: one holder at a time, in this process or across replicas through Redis; a
held Redis lock is renewed while its job runs and freed when its holder dies."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from store.state.base import Locks, holding
from store.state.factory import redis_client
from store.state.locks import LocalLocks, RedisLocks
from tests.servers import free_port


def test_local_locks_have_one_holder_per_name() -> None:
    locks = LocalLocks()
    first = locks.acquire("reindex")
    assert first is not None
    assert locks.acquire("reindex") is None
    other = locks.acquire("edit:C1:1.0")  # another name is free
    assert other is not None
    first.release()
    first.release()  # twice is harmless
    again = locks.acquire("reindex")
    assert again is not None
    again.release()
    other.release()


def test_a_waiting_caller_gets_the_lock_when_it_is_released() -> None:
    locks = LocalLocks()
    lease = locks.acquire("edit:C1:1.0")
    threading.Timer(0.2, lease.release).start()
    started = time.monotonic()
    with holding(locks, "edit:C1:1.0", wait=5) as held:
        assert held and time.monotonic() - started >= 0.15
    with holding(locks, "edit:C1:1.0") as held:
        assert held  # released by the block


def two_replicas(redis_url: str, ttl_seconds: float = 30.0) -> tuple[Locks, Locks]:
    """Two processes' worth of locks: separate clients on one Redis."""
    return (
        RedisLocks(redis.Redis.from_url(redis_url), ttl_seconds=ttl_seconds),
        RedisLocks(redis.Redis.from_url(redis_url), ttl_seconds=ttl_seconds),
    )


def test_a_redis_lock_has_one_holder_across_replicas(redis_url: str) -> None:
    replica_a, replica_b = two_replicas(redis_url)
    lease = replica_a.acquire("reindex")
    assert lease is not None
    assert replica_b.acquire("reindex") is None
    assert replica_a.acquire("reindex") is None  # nor twice in one process
    lease.release()
    lease_b = replica_b.acquire("reindex")
    assert lease_b is not None
    lease_b.release()


def test_a_redis_lock_is_renewed_while_held_and_waiters_get_it_after(redis_url: str) -> None:
    replica_a, replica_b = two_replicas(redis_url, ttl_seconds=0.6)
    lease = replica_a.acquire("edit:C1:1.0")
    assert lease is not None
    time.sleep(1.5)  # well past the TTL: the heartbeat kept it
    assert replica_b.acquire("edit:C1:1.0") is None
    threading.Timer(0.2, lease.release).start()
    with holding(replica_b, "edit:C1:1.0", wait=5) as held:
        assert held


def test_the_lock_of_a_replica_that_died_expires(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    # What a replica killed mid-job leaves behind: the key, and nobody renewing it.
    client.set("kz-brief:lock:reindex", "dead-replica-token", px=500)
    locks = RedisLocks(client)
    assert locks.acquire("reindex") is None
    time.sleep(0.6)
    lease = locks.acquire("reindex")
    assert lease is not None
    lease.release()


def test_without_redis_jobs_are_serialised_in_this_process_and_it_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    locks = RedisLocks(client)
    with caplog.at_level("WARNING"):
        lease = locks.acquire("reindex")
        assert lease is not None
        assert locks.acquire("reindex") is None
    lease.release()
    assert caplog.text.count("Redis locks unavailable") == 1
