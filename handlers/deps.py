"""What every handler needs, built once per process and passed to `register(app, deps)`.

Store objects other than the search API reach handlers only through the protocols below
(`bot.app.make_deps` passes the real ones), so `handlers` never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from store.api import SearchAPI
from store.state.dedupe import EventDeduper, MemoryDeduper
from store.state.threads import SqliteThreadMemory, ThreadMemory


class FeedbackRecorder(Protocol):
    """Stores readers' flags on passages (`store.state.feedback.FeedbackStore` in production)."""

    def record(
        self,
        user_id: str,
        chunk_id: str,
        doc_id: str,
        flag: str,
        *,
        title: str = "",
        excerpt: str = "",
    ) -> bool:
        """Store one click; False when this user had already given this flag to this passage."""
        ...


def _answer_pool() -> Executor:
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="kz-answer")


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Deps:
    """The handlers' dependencies.

    `searcher` is built once per process (it holds the embedding model) before the first
    question. `answer_pool` runs searches and replies off Bolt's listener threads, so a
    slash command or button is acknowledged at once even while other searches are running.
    `threads` remembers the threads the bot answered in and where its answers are (for
    follow-ups and edits; in memory unless given a file). `feedback` stores clicks on the
    passages' feedback buttons (no buttons without it). `reindex` runs the same re-index as
    `kz-brief index` and returns its summary (for the admins in `admin_users`). `today`
    gives the date that ages ("17 years old") are counted to.
    """

    searcher: SearchAPI
    deduper: EventDeduper = field(default_factory=MemoryDeduper)
    admin_users: frozenset[str] = frozenset()
    answer_pool: Executor = field(default_factory=_answer_pool)
    threads: ThreadMemory = field(default_factory=SqliteThreadMemory)
    feedback: FeedbackRecorder | None = None
    reindex: Callable[[], str] | None = None
    today: Callable[[], date] = utc_today
    # Passages per answer, and per chronological brief.
    answer_k: int = 3
    brief_k: int = 6
