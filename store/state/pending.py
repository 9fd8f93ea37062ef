"""Questions acknowledged but not yet answered, kept on disk so that a restart answers them.

Slack is told "received" within three seconds, long before the answer is posted. A process
killed in between (a crash, a deploy, a worker gunicorn restarts) would lose the question,
and Slack never resends an event it saw acknowledged. So each question is written here
before it is acknowledged and marked done once its answer (or an apology) is delivered;
whatever a dead process left unfinished is taken over and answered by the next one.

Rows stay an hour after they are done: they are also a de-duplication record that survives
restarts, so one data dir never answers the same message twice. SQLite in WAL mode with
`synchronous=NORMAL`: a commit survives the process being killed (not a power cut) and costs
well under a millisecond, so it fits on the acknowledgement path.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PENDING_FILE = "pending.sqlite3"
# Done rows are kept this long as a record of what was answered (Slack retries within hours
# at most; a restart replays within seconds).
KEEP_DONE_SECONDS = 3600.0
# A question still unanswered after this many processes died holding it is given up:
# logged, never retried forever (it may be what kills them). A process that stops in
# order releases what it holds, and that does not count.
MAX_TRIES = 5
RELEASED = ""

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS pending (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at REAL NOT NULL,
        owner TEXT NOT NULL,
        tries INTEGER NOT NULL DEFAULT 1,
        done_at REAL
    )
    """,
    "CREATE INDEX IF NOT EXISTS pending_open ON pending (done_at)",
)


@dataclass(frozen=True)
class PendingReply:
    """One acknowledged request: what to answer (`payload`, as the handler wrote it)."""

    key: str
    kind: str
    payload: dict[str, Any]
    created_at: float
    tries: int


def process_identity(pid: int | None = None) -> str:
    """'pid:start' where start is the process's start time (Linux), so a reused pid is not
    mistaken for the process that wrote a row; 'pid:' where /proc is not there."""
    pid = os.getpid() if pid is None else pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return f"{pid}:{fields[19]}"  # field 22 of stat: start time in clock ticks
    except (OSError, IndexError):
        return f"{pid}:"


def is_alive(owner: str) -> bool:
    """Whether the process that wrote `owner` (a `process_identity`) is still running."""
    pid_text, _, start = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if start:
        return process_identity(pid) == owner
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PendingReplies:
    """The journal in one SQLite file, shared by the threads of one process."""

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = time.time, owner: str | None = None
    ) -> None:
        """`owner`: who writes the rows (default: this process, `process_identity`)."""
        self.path = path
        self._clock = clock
        self._owner = owner if owner is not None else process_identity()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                self._db.execute(statement)

    def add(self, key: str, kind: str, payload: dict[str, Any]) -> bool:
        """Note a request before it is acknowledged; False when `key` was already noted
        (answered, or being answered): it must not be answered again."""
        now = self._clock()
        text = json.dumps(payload, ensure_ascii=False)
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM pending WHERE done_at IS NOT NULL AND done_at < ?",
                (now - KEEP_DONE_SECONDS,),
            )
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO pending (key, kind, payload, created_at, owner)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, kind, text, now, self._owner),
            )
        return cursor.rowcount == 1

    def done(self, key: str) -> None:
        """The request was answered (or apologised for): never replayed."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE pending SET done_at = ? WHERE key = ? AND done_at IS NULL",
                (self._clock(), key),
            )

    def release(self, key: str) -> None:
        """This process is stopping in order and leaves the request to the next one, at
        once and without counting it as a try (see MAX_TRIES)."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE pending SET owner = ?, tries = MAX(tries - 1, 0)"
                " WHERE key = ? AND done_at IS NULL AND owner = ?",
                (RELEASED, key, self._owner),
            )

    def take_over(self) -> tuple[list[PendingReply], list[PendingReply]]:
        """Claim the unfinished requests of processes that are no longer running.

        Returns (to answer now, given up after MAX_TRIES); both are now this process's.
        """
        with self._lock, self._db:
            rows = self._db.execute(
                "SELECT key, kind, payload, created_at, owner, tries FROM pending"
                " WHERE done_at IS NULL AND owner != ?",
                (self._owner,),
            ).fetchall()
            orphans = [row for row in rows if not is_alive(row[4])]
            retry: list[PendingReply] = []
            given_up: list[PendingReply] = []
            for key, kind, payload, created_at, _, tries in orphans:
                try:
                    data = json.loads(payload)
                except ValueError:
                    data = {}
                reply = PendingReply(key, kind, data, created_at, tries + 1)
                if tries >= MAX_TRIES or not isinstance(data, dict):
                    given_up.append(reply)
                    self._db.execute(
                        "UPDATE pending SET done_at = ?, owner = ? WHERE key = ?",
                        (self._clock(), self._owner, key),
                    )
                else:
                    retry.append(reply)
                    self._db.execute(
                        "UPDATE pending SET owner = ?, tries = ? WHERE key = ?",
                        (self._owner, tries + 1, key),
                    )
        return retry, given_up

    def unfinished(self) -> list[str]:
        """Keys of requests not yet done, whoever owns them (for tests and operators)."""
        with self._lock:
            rows = self._db.execute("SELECT key FROM pending WHERE done_at IS NULL").fetchall()
        return [key for (key,) in rows]

    def check(self) -> None:
        """SQLite's own check of every page (start-up): sqlite3.DatabaseError when the
        file is damaged, instead of failing on the first question that touches it."""
        with self._lock:
            (result,) = self._db.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise sqlite3.DatabaseError(f"malformed: {result}")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_pending(data_dir: Path) -> PendingReplies:
    return PendingReplies(data_dir / PENDING_FILE)
