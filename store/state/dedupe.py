"""Has this key been seen? Event de-duplication, in this process or shared through Redis.

Slack re-sends an event it thinks was not received, with the same `event_id`, and the retry
can reach another replica than the first delivery. `MemoryDeduper` is right for one process;
`RedisDeduper` keeps the set in Redis (`SET key 1 NX EX ttl`), shared by all replicas, and
falls back to this process's memory while Redis cannot be reached.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from store.state.base import EventDeduper
from store.state.outage import Outage

logger = logging.getLogger(__name__)

__all__ = ["EventDeduper", "MemoryDeduper", "RedisDeduper"]


class MemoryDeduper:
    """An in-process, thread-safe set of recent keys that forgets them after `ttl_seconds`.

    Slack retries within minutes, so an hour is ample; `max_keys` bounds memory under load.
    """

    def __init__(
        self,
        ttl_seconds: float = 3600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if key in self._seen:
                return False
            self._seen[key] = now + self._ttl
            if len(self._seen) > self._max_keys:
                self._seen.popitem(last=False)
            return True

    def _forget_expired(self, now: float) -> None:
        # Keys are inserted in time order, so expired ones are at the front.
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires > now:
                break
            del self._seen[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


class RedisClient(Protocol):
    """The one `redis.Redis` method the de-duplicator uses."""

    def set(self, name: str, value: str, *, ex: int | None = None, nx: bool = False) -> Any: ...


class RedisDeduper:
    """Keys in Redis, shared by every replica; `first_time` is one atomic `SET NX EX`.

    If Redis fails (down, timeout), the key is checked in an in-process `MemoryDeduper`
    instead, and Redis is not tried again for `retry_after` seconds, so an outage costs one
    timeout per `retry_after`, not one per event.
    """

    def __init__(
        self,
        client: RedisClient,
        *,
        ttl_seconds: int = 3600,
        prefix: str = "kz-brief:seen:",
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._prefix = prefix
        self._fallback = MemoryDeduper(ttl_seconds=ttl_seconds, clock=clock)
        self._outage = Outage(
            "Redis de-duplication",
            "this process's memory is used: retries reaching another replica may be "
            "answered twice.",
            logger,
            retry_after=retry_after,
            clock=clock,
        )

    def first_time(self, key: str) -> bool:
        # Always noted locally too, so a retry during a later outage is still caught here.
        first_here = self._fallback.first_time(key)
        if self._outage.ongoing():
            return first_here
        try:
            return bool(self._client.set(self._prefix + key, "1", ex=self._ttl, nx=True))
        except Exception as exc:
            self._outage.began(exc)
            return first_here
