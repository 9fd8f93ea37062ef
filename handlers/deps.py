"""What every handler needs, built once per process and passed to `register(app, deps)`.

Store objects other than the search API reach handlers only through the protocols below
(`bot.app.make_deps` passes the real ones), so `handlers` never imports them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from handlers.delivery import Outbox
from store.api import SearchAPI
from store.state.base import EventDeduper, FeedbackStore, Locks, ThreadMemory


class Observer(Protocol):
    """What handlers report about their work, for metrics (`bot.metrics` in production).

    `kind` is where the request came from: mention, direct_message, follow_up, edit,
    command, share, feedback, home or reindex.
    """

    def answered(self, kind: str, seconds: float, *, no_match: bool) -> None:
        """A reply was delivered `seconds` after the request arrived."""
        ...

    def failed(self, kind: str) -> None:
        """A request ended in an apology (or, for feedback, in "could not be saved")."""
        ...

    def feedback(self, flag: str) -> None:
        """A reader clicked a feedback button."""
        ...


class NoObserver:
    """Reports nowhere: tests and the console need no metrics."""

    def answered(self, kind: str, seconds: float, *, no_match: bool) -> None:
        pass

    def failed(self, kind: str) -> None:
        pass

    def feedback(self, flag: str) -> None:
        pass


class PendingJournal(Protocol):
    """Requests acknowledged but not yet answered, on disk (`store.state.pending`)."""

    def add(self, key: str, kind: str, payload: dict[str, Any]) -> bool:
        """Note a request before it is acknowledged; False when it was noted before."""
        ...

    def done(self, key: str) -> None: ...

    def release(self, key: str) -> None:
        """This process stops and leaves the request to the next one (not done)."""
        ...


def _answer_pool() -> Executor:
    return ContextThreadPool(max_workers=4, thread_name_prefix="kz-answer")


class ContextThreadPool(ThreadPoolExecutor):
    """A thread pool whose jobs run in the submitter's `contextvars` context, so the
    request's log fields (`handlers.logcontext`) follow the work to the pool's threads."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Deps:
    """The handlers' dependencies.

    `searcher` is built once per process (it holds the embedding model) before the first
    question. `answer_pool` runs searches and replies off Bolt's listener threads, so a
    slash command or button is acknowledged at once even while other searches are running.
    `deduper`, `threads` and `locks` are the state stores `bot.app.make_deps` opens (in this
    process and the data dir, or in Redis). `threads` remembers the threads the bot answered
    in and where its answers are (for follow-ups and edits). `locks` keep a re-index,
    and the edits of one message, from running twice at once (in this process, or in Redis
    across replicas). `feedback` stores clicks on the passages' feedback buttons (no
    buttons without it). `reindex` runs the same re-index as `kz-brief index` and returns
    its summary (for the admins in `admin_users`). `observer` counts answers, failures and
    clicks for metrics. `today` gives the date that ages ("17 years old") are counted to.
    `outbox` delivers every message (in order per channel, retried; see `delivery`).
    `pending`, when given, keeps each acknowledged question on disk until it is answered,
    so a restart loses none.
    """

    searcher: SearchAPI
    deduper: EventDeduper
    threads: ThreadMemory
    locks: Locks
    admin_users: frozenset[str] = frozenset()
    answer_pool: Executor = field(default_factory=_answer_pool)
    feedback: FeedbackStore | None = None
    reindex: Callable[[], str] | None = None
    observer: Observer = field(default_factory=NoObserver)
    today: Callable[[], date] = utc_today
    outbox: Outbox = field(default_factory=Outbox)
    pending: PendingJournal | None = None
    # Passages per answer, and per chronological brief.
    answer_k: int = 3
    brief_k: int = 6
