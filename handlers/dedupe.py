"""Answer each Slack event once, even when Slack retries it (`X-Slack-Retry-Num`).

Slack re-sends an event it thinks was not received; the retry has the same `event_id`. A
global middleware drops events whose id was already seen. The same set also remembers which
user messages were answered (`message:CHANNEL:TS`), because one message can arrive as two
events (an `app_mention` and a `message.im` for a mention in a DM).

With several bot replicas a retry can reach another replica than the first delivery, so
`RedisDeduper` keeps the set in Redis (`SET key 1 NX EX ttl`), shared by all of them. When
Redis cannot be reached it falls back to this process's own set and says so in the log:
the bot keeps answering (a retry that reaches another replica meanwhile may be answered
twice, which beats silence).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt import App, BoltRequest
from slack_bolt.response import BoltResponse

if TYPE_CHECKING:
    from handlers.deps import Deps

logger = logging.getLogger(__name__)


class EventDeduper(Protocol):
    """Says whether a key is new; a Redis-backed one could share this across replicas."""

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (within the time-to-live), False afterwards."""
        ...


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
        self._retry_after = retry_after
        self._clock = clock
        self._fallback = MemoryDeduper(ttl_seconds=ttl_seconds, clock=clock)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        # Always noted locally too, so a retry during a later outage is still caught here.
        first_here = self._fallback.first_time(key)
        if self._clock() < self._down_until:
            return first_here
        try:
            return bool(self._client.set(self._prefix + key, "1", ex=self._ttl, nx=True))
        except Exception as exc:
            with self._lock:
                self._down_until = self._clock() + self._retry_after
            logger.warning(
                "Redis de-duplication unavailable (%s: %s); using this process's memory "
                "for %.0f s. Retries reaching another replica may be answered twice.",
                type(exc).__name__,
                exc,
                self._retry_after,
            )
            return first_here


def message_key(channel: str, ts: str) -> str:
    """The key for "this user message was answered", whichever event delivered it."""
    return f"message:{channel}:{ts}"


def register(app: App, deps: Deps) -> None:
    """Install the middleware that drops repeated Events API deliveries.

    Bolt runs it after request verification, so forged requests never mark an id as seen.
    """
    deduper = deps.deduper

    def drop_repeated_events(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], None]
    ) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            retry = request.headers.get("x-slack-retry-num", [None])[0]
            if not deduper.first_time(f"event:{event_id}"):
                logger.info("Skipped repeated event %s (Slack retry %s)", event_id, retry)
                return BoltResponse(status=200, body="")
            if retry is not None:
                reason = request.headers.get("x-slack-retry-reason", ["unknown"])[0]
                logger.info(
                    "Slack retry %s (%s) of event %s, first seen now", retry, reason, event_id
                )
        next()
        return None

    app.use(drop_repeated_events)
