"""Readers' flags on passages ("Useful", "Outdated", "Wrong source"), kept in a SQL database.

One machine keeps them in `KZ_DATA_DIR/feedback.sqlite3`, as it always has; replicas share
one PostgreSQL database named by `KZ_DATABASE_URL`. Both go through SQLAlchemy Core, so the
same statements run on either, and the schema is created or migrated on open
(`store.state.schema`). Admins read the flags with `kz-brief feedback` to find a bad or
stale source, fix it in seeds/ and re-index. One person's repeated click counts once.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from store.errors import StoreError
from store.state.base import FLAG_LABELS, FLAGS, PassageFeedback
from store.state.schema import feedback, migrate
from store.state.urls import database_url, redacted

logger = logging.getLogger(__name__)

__all__ = ["FLAGS", "FLAG_LABELS", "FeedbackUnavailableError", "SqlFeedbackStore", "open_feedback"]

# A click is acknowledged at once; the database gets this long before the reader is told
# their feedback could not be saved.
CONNECT_TIMEOUT_SECONDS = 5
# How long a new SQLite file may stay locked while other processes switch it to WAL.
SQLITE_WAL_SECONDS = 10
MAX_EXCERPT_CHARS = 200


class FeedbackUnavailableError(StoreError):
    """The feedback database cannot be opened, created or migrated: `where` (no password)
    and the driver's `reason`, for the caller to name the setting to fix."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"The feedback database at {where} cannot be used: {reason}")
        self.where, self.reason = where, reason


class SqlFeedbackStore:
    """`store.state.base.FeedbackStore` in the database at `url` (a SQLAlchemy URL); safe
    to share between request threads. `where` names it in messages (password hidden)."""

    def __init__(self, url: str, where: str | None = None) -> None:
        self.where = where or redacted(url)
        self._engine = _engine(url)
        try:
            with self._engine.begin() as conn:
                migrate(conn, self.where)
        except SQLAlchemyError as exc:
            self._engine.dispose()
            raise FeedbackUnavailableError(self.where, _reason(exc)) from exc
        except StoreError:
            self._engine.dispose()
            raise

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
        if flag not in FLAGS:
            raise ValueError(f"unknown feedback flag {flag!r}; expected one of {FLAGS}")
        row = {
            "user_id": user_id,
            "chunk_id": chunk_id,
            "doc_id": doc_id,
            "flag": flag,
            "title": title,
            "excerpt": excerpt[:MAX_EXCERPT_CHARS],
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        # RETURNING says whether the row was new (a driver's rowcount may be unknown, -1).
        statement = (
            dialect.insert(feedback)
            .values(**row)
            .on_conflict_do_nothing()
            .returning(feedback.c.flag)
        )
        with self._engine.begin() as conn:
            return conn.execute(statement).first() is not None

    def passages(self) -> list[PassageFeedback]:
        """Every flagged passage, most flagged first (outdated and wrong-source before useful)."""
        by_passage = select(
            feedback.c.chunk_id,
            func.max(feedback.c.doc_id),
            func.max(feedback.c.title),
            func.max(feedback.c.excerpt),
            func.max(feedback.c.created_at),
        ).group_by(feedback.c.chunk_id)
        by_flag = select(feedback.c.chunk_id, feedback.c.flag, func.count()).group_by(
            feedback.c.chunk_id, feedback.c.flag
        )
        with self._engine.connect() as conn:
            passages = conn.execute(by_passage).all()
            counts = conn.execute(by_flag).all()
        tally: dict[str, dict[str, int]] = {}
        for chunk_id, flag, count in counts:
            tally.setdefault(chunk_id, dict.fromkeys(FLAGS, 0))[flag] = count
        found = [
            PassageFeedback(doc_id, chunk_id, title, excerpt, tally[chunk_id], last_at)
            for chunk_id, doc_id, title, excerpt, last_at in passages
        ]
        return sorted(
            found,
            key=lambda p: (-(p.counts["outdated"] + p.counts["wrong_source"]), -p.total, p.doc_id),
        )

    def close(self) -> None:
        self._engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=4,
        max_overflow=4,
        pool_pre_ping=True,  # a database restart costs one failed ping, not a failed click
        pool_recycle=1800,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


def _sqlite_engine(url: str) -> Engine:
    """SQLite with real transactions: the driver's own BEGIN handling is turned off and
    every transaction starts with BEGIN IMMEDIATE, so a migration in one process and a
    write in another cannot interleave (SQLAlchemy's documented recipe)."""
    engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        _use_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _use_wal(dbapi_connection: Any) -> None:
    """Switch a new database file to WAL. SQLite answers "database is locked" at once,
    without waiting its busy timeout, when several processes open a new file together and
    each tries the switch: try again for up to SQLITE_WAL_SECONDS (the mode, once set, is
    the file's, so the others then find it done)."""
    deadline = time.monotonic() + SQLITE_WAL_SECONDS
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own message, first line only: no SQL, no parameters, no URL."""
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def open_feedback(data_dir: Path, configured_url: str | None = None) -> SqlFeedbackStore:
    """The feedback store named by KZ_DATABASE_URL, by default the SQLite file in the data
    dir (created, with its folder, on first use)."""
    url = database_url(configured_url, data_dir)
    if not configured_url:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FeedbackUnavailableError(str(data_dir), str(exc)) from exc
    # Named as the operator wrote it (postgresql://), not as the driver needs it.
    return SqlFeedbackStore(url, redacted(configured_url) if configured_url else None)
