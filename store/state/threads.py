"""What the bot remembers about its conversations, so follow-ups and edits can be answered.

Per thread (channel, thread_ts) the bot answered in: which message asked first and its
question, which a short follow-up ("and in 2009?") borrows. Per asking message (channel, ts):
where the bot's answer is, so an edit of the question can `chat.update` that answer.

Kept in SQLite in the data dir, so it survives a restart and replicas sharing the data dir
share it. It is best effort: a failing database is logged and treated as "not known", never
a reason to leave a question unanswered. Rows unused for `ttl_days` are forgotten.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

DEFAULT_TTL_DAYS = 30.0
# Questions are stored for follow-ups only; the store trims searches to 1000 characters.
MAX_STORED_QUESTION = 4000

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS threads (
        channel TEXT NOT NULL,
        thread_ts TEXT NOT NULL,
        first_ts TEXT NOT NULL,
        first_question TEXT,
        used_at REAL NOT NULL,
        PRIMARY KEY (channel, thread_ts)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS asked (
        channel TEXT NOT NULL,
        ts TEXT NOT NULL,
        thread_ts TEXT NOT NULL,
        answer_channel TEXT,
        answer_ts TEXT,
        used_at REAL NOT NULL,
        PRIMARY KEY (channel, ts)
    )
    """,
    "CREATE INDEX IF NOT EXISTS threads_used ON threads (used_at)",
    "CREATE INDEX IF NOT EXISTS asked_used ON asked (used_at)",
)


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
    """Conversation memory as the handlers use it (see `SqliteThreadMemory`)."""

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


class SqliteThreadMemory:
    """`ThreadMemory` in one SQLite file (or ":memory:"), safe to share between threads."""

    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        ttl_days: float = DEFAULT_TTL_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._ttl = ttl_days * 86400.0
        self._clock = clock
        self._lock = threading.Lock()
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        self._writes = 0
        with self._lock, self._db:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            for statement in _SCHEMA:
                self._db.execute(statement)
            self._expire()

    # --- writing -------------------------------------------------------------------------

    def remember_thread(
        self, channel: str, thread_ts: str, first_ts: str, first_question: str | None
    ) -> None:
        question = _stored(first_question)

        def write(db: sqlite3.Connection, now: float) -> None:
            db.execute(
                "INSERT OR IGNORE INTO threads VALUES (?, ?, ?, ?, ?)",
                (channel, thread_ts, first_ts, question, now),
            )
            # Asked first with `help`, then a question: that question gives the context.
            db.execute(
                "UPDATE threads SET used_at = ?,"
                " first_question = COALESCE(first_question, ?)"
                " WHERE channel = ? AND thread_ts = ?",
                (now, question, channel, thread_ts),
            )

        self._write(write)

    def replace_first_question(
        self, channel: str, thread_ts: str, first_ts: str, question: str | None
    ) -> None:
        self._write(
            lambda db, now: db.execute(
                "UPDATE threads SET first_question = ?, used_at = ?"
                " WHERE channel = ? AND thread_ts = ? AND first_ts = ?",
                (_stored(question), now, channel, thread_ts, first_ts),
            )
        )

    def remember_asked(self, channel: str, ts: str, thread_ts: str) -> None:
        self._write(
            lambda db, now: db.execute(
                "INSERT INTO asked VALUES (?, ?, ?, NULL, NULL, ?)"
                " ON CONFLICT (channel, ts) DO UPDATE SET used_at = excluded.used_at",
                (channel, ts, thread_ts, now),
            )
        )

    def remember_answer(self, channel: str, ts: str, answer_channel: str, answer_ts: str) -> None:
        self._write(
            lambda db, now: db.execute(
                "UPDATE asked SET answer_channel = ?, answer_ts = ?, used_at = ?"
                " WHERE channel = ? AND ts = ?",
                (answer_channel, answer_ts, now, channel, ts),
            )
        )

    # --- reading -------------------------------------------------------------------------

    def thread(self, channel: str, thread_ts: str) -> KnownThread | None:
        row = self._read(
            "SELECT first_ts, first_question FROM threads"
            " WHERE channel = ? AND thread_ts = ? AND used_at >= ?",
            (channel, thread_ts),
        )
        return KnownThread(channel, thread_ts, row[0], row[1]) if row else None

    def asked(self, channel: str, ts: str) -> AskedMessage | None:
        row = self._read(
            "SELECT thread_ts, answer_channel, answer_ts FROM asked"
            " WHERE channel = ? AND ts = ? AND used_at >= ?",
            (channel, ts),
        )
        return AskedMessage(channel, ts, row[0], row[1], row[2]) if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- internals -----------------------------------------------------------------------

    def _write(self, write: Callable[[sqlite3.Connection, float], object]) -> None:
        try:
            with self._lock, self._db:
                write(self._db, self._clock())
                self._writes += 1
                if self._writes % 500 == 0:
                    self._expire()
        except sqlite3.Error:
            logger.exception("Could not write the thread memory at %s", self.path)

    def _read(self, sql: str, args: tuple[str, ...]) -> tuple[str | None, ...] | None:
        try:
            with self._lock:
                return self._db.execute(sql, (*args, self._clock() - self._ttl)).fetchone()
        except sqlite3.Error:
            logger.exception("Could not read the thread memory at %s", self.path)
            return None

    def _expire(self) -> None:
        oldest = self._clock() - self._ttl
        self._db.execute("DELETE FROM threads WHERE used_at < ?", (oldest,))
        self._db.execute("DELETE FROM asked WHERE used_at < ?", (oldest,))


def _stored(question: str | None) -> str | None:
    return question[:MAX_STORED_QUESTION] if question else None


def open_thread_memory(data_dir: Path) -> SqliteThreadMemory:
    """The thread memory file in the data dir (beside the index and the feedback)."""
    return SqliteThreadMemory(data_dir / "threads.sqlite3")
