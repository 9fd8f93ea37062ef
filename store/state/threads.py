"""Thread memory for one machine: SQLite in the data dir (or in memory), shared by threads.

Per thread (channel, thread_ts) the bot answered in: which message asked first and its
question, which a short follow-up ("and in 2009?") borrows. Per asking message (channel, ts):
where the bot's answer is, so an edit of the question can `chat.update` that answer, and
the newest edit applied. It survives a restart; it is per machine: replicas share thread
memory through Redis (`store.state.redis_threads`). Best effort: a failing database is
logged and treated as "not known". Rows unused for `ttl_days` are forgotten.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from store.state.base import (
    DEFAULT_TTL_DAYS,
    AskedMessage,
    KnownThread,
    stored_question,
)

logger = logging.getLogger(__name__)

THREADS_FILE = "threads.sqlite3"

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
    """
    CREATE TABLE IF NOT EXISTS edits (
        channel TEXT NOT NULL,
        ts TEXT NOT NULL,
        edited_at REAL NOT NULL,
        used_at REAL NOT NULL,
        PRIMARY KEY (channel, ts)
    )
    """,
    "CREATE INDEX IF NOT EXISTS threads_used ON threads (used_at)",
    "CREATE INDEX IF NOT EXISTS asked_used ON asked (used_at)",
    "CREATE INDEX IF NOT EXISTS edits_used ON edits (used_at)",
)


class SqliteThreadMemory:
    """`store.state.base.ThreadMemory` in one SQLite file (or ":memory:"), safe to share
    between threads."""

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
        question = stored_question(first_question)

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
                (stored_question(question), now, channel, thread_ts, first_ts),
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

    def claim_edit(self, channel: str, ts: str, edited_at: float) -> bool:
        claimed = False

        def write(db: sqlite3.Connection, now: float) -> None:
            nonlocal claimed
            cursor = db.execute(
                "INSERT INTO edits VALUES (?, ?, ?, ?)"
                " ON CONFLICT (channel, ts) DO UPDATE"
                " SET edited_at = excluded.edited_at, used_at = excluded.used_at"
                " WHERE edits.edited_at <= excluded.edited_at",
                (channel, ts, edited_at, now),
            )
            claimed = cursor.rowcount == 1

        # Unknown when the database fails: apply the edit rather than drop it.
        return self._write(write) is False or claimed

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

    def _write(self, write: Callable[[sqlite3.Connection, float], object]) -> bool:
        """Run `write` in a transaction; False (logged) when the database failed."""
        try:
            with self._lock, self._db:
                write(self._db, self._clock())
                self._writes += 1
                if self._writes % 500 == 0:
                    self._expire()
            return True
        except sqlite3.Error:
            logger.exception("Could not write the thread memory at %s", self.path)
            return False

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
        self._db.execute("DELETE FROM edits WHERE used_at < ?", (oldest,))


def open_thread_memory(data_dir: Path) -> SqliteThreadMemory:
    """The thread memory file in the data dir (beside the index and the feedback)."""
    return SqliteThreadMemory(data_dir / THREADS_FILE)
