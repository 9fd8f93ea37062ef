"""Named locks, so a job (a re-index, the edit of one message) never runs twice at once.

`LocalLocks` serialise inside this process: right for one bot. `RedisLocks` hold the lock in
Redis, so no two replicas run the job at once: `SET NX PX` with a short expiry that a
heartbeat thread renews while the job runs, so a replica that dies mid-job frees the lock
within `ttl_seconds`. While Redis cannot be reached they fall back to this process's locks
(with a warning), because a re-index or an edit that never runs is worse than one that may
overlap another replica's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from store.state.base import Lease
from store.state.outage import Outage

logger = logging.getLogger(__name__)


class _LocalLease:
    def __init__(self, locks: LocalLocks, name: str, lock: threading.Lock) -> None:
        self._locks, self._name, self._lock = locks, name, lock
        self._released = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if self._released:
                return
            self._released = True
        self._lock.release()
        self._locks._done_with(self._name)


class LocalLocks:
    """In-process named locks; an unused name costs nothing."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def acquire(self, name: str, *, wait: float = 0.0) -> Lease | None:
        with self._guard:
            lock, users = self._locks.get(name, (threading.Lock(), 0))
            self._locks[name] = (lock, users + 1)
        taken = lock.acquire(timeout=wait) if wait > 0 else lock.acquire(blocking=False)
        if taken:
            return _LocalLease(self, name, lock)
        self._done_with(name)
        return None

    def _done_with(self, name: str) -> None:
        with self._guard:
            lock, users = self._locks[name]
            if users <= 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, users - 1)


class _RedisLease:
    """A Redis lock and the heartbeat that keeps it while the job runs."""

    def __init__(self, lock: Any, name: str, ttl_seconds: float) -> None:
        self._lock = lock
        self._name = name
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(
            target=self._renew, args=(ttl_seconds,), name=f"kz-lock-{name}", daemon=True
        )
        self._heartbeat.start()

    def _renew(self, ttl_seconds: float) -> None:
        while not self._stop.wait(ttl_seconds / 3):
            try:
                self._lock.reacquire()
            except Exception as exc:
                logger.warning("Could not renew the lock %r in Redis: %s", self._name, exc)

    def release(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            self._lock.release()
        except Exception as exc:  # expired meanwhile, or Redis is down: it expires by itself
            logger.warning("Could not release the lock %r in Redis: %s", self._name, exc)


class RedisLocks:
    """Named locks in Redis under `prefix`, shared by every replica."""

    def __init__(
        self,
        client: Any,
        *,
        ttl_seconds: float = 30.0,
        prefix: str = "kz-brief:lock:",
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._prefix = prefix
        self._fallback = LocalLocks()
        self._outage = Outage(
            "Redis locks",
            "jobs are serialised in this process only, and another replica may run the "
            "same job at once.",
            logger,
            retry_after=retry_after,
            clock=clock,
        )

    def acquire(self, name: str, *, wait: float = 0.0) -> Lease | None:
        if self._outage.ongoing():
            return self._fallback.acquire(name, wait=wait)
        lock = self._client.lock(
            self._prefix + name,
            timeout=self._ttl,
            sleep=0.1,
            blocking=wait > 0,
            blocking_timeout=wait if wait > 0 else None,
            # The lease is released by another thread than the one that took it.
            thread_local=False,
        )
        try:
            taken = lock.acquire()
        except Exception as exc:
            self._outage.began(exc)
            return self._fallback.acquire(name, wait=wait)
        return _RedisLease(lock, name, self._ttl) if taken else None
