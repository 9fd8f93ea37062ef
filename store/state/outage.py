"""A shared server that failed is left alone for a while, and said so once.

Each Redis-backed store falls back to something local while Redis cannot be reached. An
`Outage` remembers when the last failure was, so the store does not pay a timeout on every
request (only one per `retry_after` seconds), and logs one warning per failure saying what
people will notice meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class Outage:
    """The state of one server as one store sees it: up, or down until a moment."""

    def __init__(
        self,
        what: str,
        meanwhile: str,
        logger: logging.Logger,
        *,
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._meanwhile = meanwhile
        self._logger = logger
        self._retry_after = retry_after
        self._clock = clock
        self._down_until = 0.0
        self._lock = threading.Lock()

    def ongoing(self) -> bool:
        """True while the server is to be left alone."""
        return self._clock() < self._down_until

    def began(self, exc: BaseException) -> None:
        """The server just failed: leave it alone for `retry_after` seconds, and say so."""
        with self._lock:
            self._down_until = self._clock() + self._retry_after
        self._logger.warning(
            "%s unavailable (%s: %s); for %.0f s %s",
            self._what,
            type(exc).__name__,
            exc,
            self._retry_after,
            self._meanwhile,
        )
