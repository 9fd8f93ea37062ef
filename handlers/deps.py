"""What every handler needs, built once per process and passed to `register(app, deps)`."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from handlers.dedupe import EventDeduper, MemoryDeduper
from store.api import SearchAPI


def _answer_pool() -> Executor:
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="kz-answer")


@dataclass(frozen=True)
class Deps:
    """The handlers' dependencies.

    `searcher` is built once per process (it holds the embedding model) before the first
    question. `answer_pool` runs searches and replies off Bolt's listener threads, so a
    slash command or button is acknowledged at once even while other searches are running.
    """

    searcher: SearchAPI
    deduper: EventDeduper = field(default_factory=MemoryDeduper)
    admin_users: frozenset[str] = frozenset()
    answer_pool: Executor = field(default_factory=_answer_pool)
    # Passages per answer, and per chronological brief.
    answer_k: int = 3
    brief_k: int = 6
