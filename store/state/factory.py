"""The one place that picks a backend for each kind of state, from two settings.

| state            | one machine (default)               | several replicas               |
|------------------|-------------------------------------|--------------------------------|
| de-duplication   | this process's memory               | Redis (`REDIS_URL`)            |
| thread memory    | `KZ_DATA_DIR/threads.sqlite3`       | Redis (`REDIS_URL`)            |
| re-index, edits  | locks in this process               | Redis locks (`REDIS_URL`)      |
| feedback         | `KZ_DATA_DIR/feedback.sqlite3`      | PostgreSQL (`KZ_DATABASE_URL`) |
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.errors import StoreError
from store.state.base import EventDeduper, FeedbackStore, Locks, ThreadMemory
from store.state.dedupe import MemoryDeduper, RedisDeduper
from store.state.feedback import SqlFeedbackStore, open_feedback
from store.state.locks import LocalLocks, RedisLocks
from store.state.redis_threads import RedisThreadMemory
from store.state.threads import open_thread_memory
from store.state.urls import redacted

logger = logging.getLogger(__name__)

# A Slack event must be acknowledged within 3 seconds: a slow Redis must not eat that.
REDIS_TIMEOUT_SECONDS = 0.5


class StateUnavailableError(StoreError):
    """The thread memory in the data dir cannot be opened (`where`, `reason`)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"The thread memory in {where} cannot be used: {reason}")
        self.where, self.reason = where, reason


@dataclass
class State:
    """Everything the bot remembers between requests, and where each part lives."""

    deduper: EventDeduper
    threads: ThreadMemory
    locks: Locks
    feedback: FeedbackStore
    # One line per kind, passwords hidden: what `serve` logs at start.
    where: tuple[str, ...]
    # Advice for a set-up that looks like several replicas with per-replica state.
    warnings: tuple[str, ...] = ()


def redis_client(url: str) -> Any:
    """A Redis client with short timeouts (connections are opened on first use).

    One immediate retry (a connection the server closed while idle), no backoff: redis-py's
    default retries with backoff for about 4 s, more than Slack allows for an ack.
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1),
    )


def open_state(
    data_dir: Path,
    *,
    redis_url: str | None = None,
    database_url: str | None = None,
    shared_index: bool = False,
) -> State:
    """Open every state store; `shared_index` says the index is on a Chroma server (so
    replicas are likely). Raises StoreError naming what to fix when one cannot be opened."""
    feedback = open_feedback_store(data_dir, database_url)
    if redis_url:
        client = redis_client(redis_url)
        deduper: EventDeduper = RedisDeduper(client)
        threads: ThreadMemory = RedisThreadMemory(client)
        locks: Locks = RedisLocks(client)
        in_redis = f"Redis at {redacted(redis_url)}"
        where = (f"de-duplication, thread memory and locks: {in_redis}",)
    else:
        try:
            threads = open_thread_memory(data_dir)
        except (OSError, sqlite3.Error) as exc:
            raise StateUnavailableError(str(data_dir), str(exc)) from exc
        deduper, locks = MemoryDeduper(), LocalLocks()
        where = (f"de-duplication and locks: this process; thread memory: {data_dir}",)
    where += (f"feedback: {feedback.where}",)
    warnings: list[str] = []
    if (redis_url or shared_index) and not database_url:
        warnings.append(
            "Feedback is kept in this replica's data dir; with several replicas set "
            "KZ_DATABASE_URL so `kz-brief feedback` sees every click."
        )
    if shared_index and not redis_url:
        warnings.append(
            "The index is on a Chroma server but REDIS_URL is not set: with several "
            "replicas, follow-ups, edits and Slack's retries that reach another replica "
            "are not recognised. Set REDIS_URL."
        )
    return State(deduper, threads, locks, feedback, where, tuple(warnings))


def open_feedback_store(data_dir: Path, database_url: str | None = None) -> SqlFeedbackStore:
    """The feedback database alone (for `kz-brief feedback`)."""
    return open_feedback(data_dir, database_url)
