"""`/kz-brief reindex`: admins re-index from Slack; the summary comes back when it is done.

The re-index (`deps.reindex`, the same one as `kz-brief index`) runs on its own background
thread, one at a time: it holds the `reindex` lock of `deps.locks`, which is this
process's, or Redis' when replicas share state (so no two replicas, nor a `kz-brief index`
run with the same REDIS_URL, build at once). A request while one runs, wherever, is told
so. Every searcher (this replica's and the others') switches to the new index generation
by itself once it is complete.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from handlers import messages
from store.state.base import REINDEX_LOCK, Lease, Locks

logger = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def admin_mentions(admin_users: frozenset[str]) -> str:
    """'<@U1>, <@U2>' for the configured admins (well-formed user IDs only)."""
    return ", ".join(f"<@{user}>" for user in sorted(admin_users) if _USER_ID.fullmatch(user))


class ReindexRunner:
    """Runs `reindex` on a background thread, at most one at a time under `locks`."""

    def __init__(self, reindex: Callable[[], str], locks: Locks) -> None:
        self._reindex = reindex
        self._locks = locks
        self._lease: Lease | None = None
        self._thread: threading.Thread | None = None

    def begin(self) -> bool:
        """Claim the right to run; False when a re-index is already running (here, or on
        another replica sharing the locks)."""
        lease = self._locks.acquire(REINDEX_LOCK)
        if lease is None:
            return False
        self._lease = lease
        return True

    def _release(self) -> None:
        lease, self._lease = self._lease, None
        if lease is not None:
            lease.release()

    def run_in_background(self, report: Callable[[str], None]) -> threading.Thread:
        """After `begin()`: re-index on a thread, then `report` the summary or the error.

        A daemon thread: stopping the bot mid-build is safe, the index generation being built
        is simply never switched to.
        """
        self._thread = threading.Thread(
            target=self._run, args=(report,), name="kz-reindex", daemon=True
        )
        try:
            self._thread.start()
        except BaseException:
            self._release()
            raise
        return self._thread

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, report: Callable[[str], None]) -> None:
        try:
            logger.info("Re-index started from Slack")
            text = self._reindex()
            logger.info("Re-index from Slack finished")
        except Exception as exc:
            logger.exception("Re-index from Slack failed")
            text = messages.reindex_failed(str(exc) or type(exc).__name__)
        finally:
            self._release()
        try:
            report(text)
        except Exception:
            logger.exception("Could not report the re-index result")
