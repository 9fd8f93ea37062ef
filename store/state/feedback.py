"""Readers' flags on passages ("Useful", "Outdated", "Wrong source"), kept durably in SQLite.

Admins read them with `kz-brief feedback` to find a bad or stale source, fix it in seeds/
and re-index. One person's repeated click on the same flag counts once.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FLAGS = ("useful", "outdated", "wrong_source")
FLAG_LABELS = {"useful": "Useful", "outdated": "Outdated", "wrong_source": "Wrong source"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    user_id TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    flag TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    excerpt TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, chunk_id, flag)
)
"""


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


class FeedbackStore:
    """A small SQLite file in the data dir; safe to share between request threads."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

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
        if flag not in FLAGS:
            raise ValueError(f"unknown feedback flag {flag!r}; expected one of {FLAGS}")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, chunk_id, doc_id, flag, title, excerpt[:200], now),
            )
        return cursor.rowcount == 1

    def passages(self) -> list[PassageFeedback]:
        """Every flagged passage, most flagged first (outdated and wrong-source before useful)."""
        with self._lock:
            passages = self._db.execute(
                "SELECT chunk_id, doc_id, MAX(title), MAX(excerpt), MAX(created_at)"
                " FROM feedback GROUP BY chunk_id"
            ).fetchall()
            counts = self._db.execute(
                "SELECT chunk_id, flag, COUNT(*) FROM feedback GROUP BY chunk_id, flag"
            ).fetchall()
        by_passage: dict[str, dict[str, int]] = {}
        for chunk_id, flag, count in counts:
            by_passage.setdefault(chunk_id, dict.fromkeys(FLAGS, 0))[flag] = count
        found = [
            PassageFeedback(doc_id, chunk_id, title, excerpt, by_passage[chunk_id], last_at)
            for chunk_id, doc_id, title, excerpt, last_at in passages
        ]
        return sorted(
            found,
            key=lambda p: (-(p.counts["outdated"] + p.counts["wrong_source"]), -p.total, p.doc_id),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_feedback(data_dir: Path) -> FeedbackStore:
    return FeedbackStore(data_dir / "feedback.sqlite3")
