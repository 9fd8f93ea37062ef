"""The search API while the model and the index load in the background.

A server must answer Slack within three seconds from the moment its port accepts, but the
model and index take seconds to load (13 s at 100k passages). So the serve command starts
listening at once and loads here on a background thread: Slack's requests are acknowledged
meanwhile, and the questions among them wait on the answer pool until the searcher is
ready, then are answered in order (none dropped; the pending journal keeps them over a
restart). Readiness (`/readyz`) is true once loaded and while the index, and the Chroma
server when one is used, can be reached.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.delivery import Stopping
from store.errors import IndexUnavailableError
from store.index.generations import GenerationStore
from store.types import Answer, DateFilter, DocumentInfo, Hit, IndexInfo

logger = logging.getLogger(__name__)

# A question waits this long for the first load before it gets an apology.
LOAD_WAIT_SECONDS = 300.0
# A load that failed (a Chroma server still starting, say) is tried again this often.
RETRY_SECONDS = 5.0
# `/readyz` reads the index pointer (a round trip to Chroma in server mode) at most this
# often, however often it is asked.
READINESS_CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


class BackgroundSearcher:
    """A `SearchAPI` whose searcher is opened and loaded by `start()` on its own thread."""

    def __init__(
        self,
        open_searcher: Callable[[], Any],
        generations: GenerationStore,
        *,
        wait_seconds: float = LOAD_WAIT_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._open_searcher = open_searcher
        self._generations = generations
        self._wait_seconds = wait_seconds
        self._retry_seconds = retry_seconds
        self._searcher: Any = None
        self._loaded = threading.Event()
        self._stopped = threading.Event()
        self._problem = "the model and the index are loading"
        self._checked: tuple[float, Readiness] | None = None
        self._check_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundSearcher:
        self._thread = threading.Thread(target=self._load, name="kz-load", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """The process is stopping: stop loading, and let waiting questions go (they raise
        Stopping and stay in the pending journal for the next process)."""
        self._stopped.set()
        self._loaded.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loaded (True) or `timeout` passes (False)."""
        return self._loaded.wait(timeout)

    def _load(self) -> None:
        started = time.monotonic()
        while not self._stopped.is_set():
            try:
                searcher = self._open_searcher()
                searcher.load()
            except Exception as exc:
                if self._stopped.is_set():
                    return  # stopping: a load cut short by the exit says nothing
                if str(exc) != self._problem:
                    logger.error("Cannot load the index yet (%s); trying again every %.0f s",
                                 exc, self._retry_seconds)  # fmt: skip
                self._problem = str(exc)
                self._stopped.wait(self._retry_seconds)
                continue
            self._searcher = searcher
            self._loaded.set()
            logger.info("Ready: the model and the index loaded in %.1f s",
                        time.monotonic() - started)  # fmt: skip
            return

    def _ready_searcher(self) -> Any:
        if not self._loaded.wait(self._wait_seconds):
            raise IndexUnavailableError(f"The index is not loaded yet ({self._problem}).")
        if self._searcher is None:  # released by `stop`
            raise Stopping("the process is stopping")
        return self._searcher

    # ----- readiness ---------------------------------------------------------------------

    def readiness(self) -> Readiness:
        """Ready when loaded and the index (and Chroma server) answers right now."""
        if self._stopped.is_set():
            return Readiness(False, "not ready: stopping")
        if not self._loaded.is_set():
            return Readiness(False, f"not ready: {self._problem}")
        with self._check_lock:
            now = time.monotonic()
            if self._checked and now - self._checked[0] < READINESS_CACHE_SECONDS:
                return self._checked[1]
            try:
                generation = self._generations.current()
                found = (
                    Readiness(True, f"ready: serving index generation {generation}")
                    if generation
                    else Readiness(False, "not ready: no index")
                )
            except Exception as exc:
                found = Readiness(False, f"not ready: {exc}")
            self._checked = (now, found)
            return found

    # ----- the search API, once loaded ---------------------------------------------------

    def answer(self, question: str, k: int = 3, sort: str | None = None) -> Answer:
        return self._ready_searcher().answer(question, k=k, sort=sort)

    def search(
        self,
        query: str,
        k: int = 3,
        filters: DateFilter | None = None,
        sort: str = "relevance",
    ) -> list[Hit]:
        return self._ready_searcher().search(query, k=k, filters=filters, sort=sort)

    def documents(self) -> list[DocumentInfo]:
        return self._ready_searcher().documents()

    def passage(self, chunk_id: str) -> Hit | None:
        return self._ready_searcher().passage(chunk_id)

    def info(self) -> IndexInfo:
        return self._ready_searcher().info()

    def refresh(self) -> None:
        self._ready_searcher().refresh()
