"""What the bot remembers between requests, as contracts: one small protocol per kind.

Each kind has a backend for one machine (this process's memory, or a file in the data dir)
and one for several replicas (Redis, a SQL server); `store.state.factory` picks them from
the settings. Handlers see only these protocols (through `handlers.deps.Deps`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

# Readers' flags on a passage, in button order.
FLAGS = ("useful", "outdated", "wrong_source")
FLAG_LABELS = {"useful": "Useful", "outdated": "Outdated", "wrong_source": "Wrong source"}

# Thread memory is forgotten after this long without use.
DEFAULT_TTL_DAYS = 30.0
# Questions are stored for follow-ups only; the store trims searches to 1000 characters.
MAX_STORED_QUESTION = 4000


# --- Thread memory -------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownThread:
    """A thread the bot answered in: the message that asked first and its question (None
    when the first request was not a question, e.g. `help`)."""

    channel: str
    thread_ts: str
    first_ts: str
    first_question: str | None


@dataclass(frozen=True)
class AskedMessage:
    """A person's message the bot answered, and where that answer is (None until posted)."""

    channel: str
    ts: str
    thread_ts: str
    answer_channel: str | None
    answer_ts: str | None


class ThreadMemory(Protocol):
    """Conversation memory: per thread (channel, thread_ts) the bot answered in, which
    message asked first and its question (a short follow-up borrows it); per asking message
    (channel, ts), where the bot's answer is (an edit updates it).

    Best effort: a backend that fails logs it and answers "not known" (None); it never
    raises, so a broken memory never leaves a question unanswered.
    """

    def remember_thread(
        self, channel: str, thread_ts: str, first_ts: str, first_question: str | None
    ) -> None:
        """Note that the bot was asked in this thread; the first question is kept."""
        ...

    def replace_first_question(
        self, channel: str, thread_ts: str, first_ts: str, question: str | None
    ) -> None:
        """The thread's first message was edited: follow-ups now borrow its new question."""
        ...

    def thread(self, channel: str, thread_ts: str) -> KnownThread | None: ...

    def remember_asked(self, channel: str, ts: str, thread_ts: str) -> None: ...

    def remember_answer(self, channel: str, ts: str, answer_channel: str, answer_ts: str) -> None:
        """Where the answer to the message (channel, ts) was posted."""
        ...

    def asked(self, channel: str, ts: str) -> AskedMessage | None: ...

    def claim_edit(self, channel: str, ts: str, edited_at: float) -> bool:
        """True when no newer edit of the message (channel, ts) was applied before (this one
        is then recorded); False for an edit older than one already applied."""
        ...


def stored_question(question: str | None) -> str | None:
    """A question as thread memory keeps it (empty is None, very long ones shortened)."""
    return question[:MAX_STORED_QUESTION] if question else None


# --- Feedback ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassageFeedback:
    """The flags one passage has collected."""

    doc_id: str
    chunk_id: str
    title: str
    excerpt: str
    counts: dict[str, int]
    last_at: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class FeedbackStore(Protocol):
    """Readers' flags on passages, durable; one person's repeated click counts once."""

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

    def passages(self) -> list[PassageFeedback]:
        """Every flagged passage, most flagged first (outdated and wrong-source before useful)."""
        ...


# --- De-duplication ------------------------------------------------------------------------


class EventDeduper(Protocol):
    """Says whether a key (an event id, a message) is new, for this process or all replicas."""

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (within the time-to-live), False afterwards."""
        ...


# --- Locks ---------------------------------------------------------------------------------


class Lease(Protocol):
    """A lock held until `release` (which is safe to call more than once)."""

    def release(self) -> None: ...


class Locks(Protocol):
    """Named locks: in this process, or in Redis so no two replicas run the same job."""

    def acquire(self, name: str, *, wait: float = 0.0) -> Lease | None:
        """Take the lock `name`, waiting up to `wait` seconds; None when another holder
        still has it."""
        ...


# Held by `/kz-brief reindex` and, with REDIS_URL set, by `kz-brief index`.
REINDEX_LOCK = "reindex"


@contextmanager
def holding(locks: Locks, name: str, *, wait: float = 0.0) -> Iterator[bool]:
    """Hold `name` for the block; yields False (and holds nothing) when it could not be
    taken within `wait` seconds."""
    lease = locks.acquire(name, wait=wait)
    try:
        yield lease is not None
    finally:
        if lease is not None:
            lease.release()
