"""Getting messages to Slack: in order per channel, retried until delivered, or reported.

Slack accepts about one message per second per channel, answers 429 with `Retry-After` past
that, and sometimes 5xx or a dropped connection. Every post goes through an `Outbox` lane
(a channel, or a response URL): a lane sends one message at a time, in order, and waits out
`Retry-After` before its next try, so a burst in one channel waits its turn instead of
failing, while other lanes go on at once (each busy lane has its own thread, and the process
waits for them when it exits, so what was queued still goes out).

Retries: 429 after `Retry-After`; 5xx, Slack's transient errors and lost connections after a
growing backoff. A post whose outcome is unknown (5xx, a connection lost after sending) may
have been delivered already: before posting again the lane runs the job's `delivered`
check (for thread replies, a look at the thread with conversations.replies for a message
carrying the answer's metadata), so a retry never posts twice. A post that still fails is
handed to the job's `failed` callback, which logs it with the event id and apologises by
another route.
"""

from __future__ import annotations

import contextvars
import http.client
import logging
import socket
import threading
import time
import urllib.error
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Slack error codes that say "try again later", not "this can never work".
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"}
)
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
MAX_ATTEMPTS = 8
# The longest a message waits for its turn and its retries before it is reported: a burst
# of a hundred questions in one channel, at one message a second, still fits.
MAX_SECONDS = 300.0
# Lanes posting at the same time; more wait for a free thread.
MAX_BUSY_LANES = 32


class Stopping(Exception):
    """The process is stopping: the work is left, unfinished in the pending journal, to the
    next process (never apologised for: it will be answered)."""


class DeliveryError(Exception):
    """A post that failed with an HTTP status (a response URL answers with no JSON)."""

    def __init__(self, status: int, body: str = "", retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Verdict:
    """What a failed attempt means: try again (after `wait` seconds, or the backoff) or not,
    and whether the message may have been delivered anyway."""

    retry: bool
    wait: float | None = None
    maybe_delivered: bool = False


def retry_after(headers: Any) -> float | None:
    """Seconds from a `Retry-After` header (Slack sends whole seconds)."""
    if not headers:
        return None
    for name, value in dict(headers).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def judge(error: BaseException) -> Verdict:
    """How to treat an exception from one attempt to post."""
    if isinstance(error, SlackApiError):
        response = error.response
        status = getattr(response, "status_code", 200)
        code = response.get("error") if hasattr(response, "get") else None
        if status == 429 or code == "ratelimited":
            return Verdict(True, retry_after(getattr(response, "headers", None)) or 1.0)
        if status >= 500 or code in TRANSIENT_ERRORS:
            return Verdict(True, maybe_delivered=True)
        return Verdict(False)
    if isinstance(error, DeliveryError):
        if error.status == 429:
            return Verdict(True, error.retry_after or 1.0)
        return Verdict(error.status >= 500, maybe_delivered=error.status >= 500)
    if isinstance(
        error,
        urllib.error.URLError
        | ConnectionError
        | http.client.HTTPException
        | socket.timeout
        | TimeoutError,
    ):
        return Verdict(True, maybe_delivered=True)
    return Verdict(False)


@dataclass
class Job(Generic[T]):
    """One message to deliver. `post` makes one attempt; `delivered` (optional) says whether
    an earlier attempt got through after all (returns what `post` would have); `done` and
    `failed` are told the outcome; `label` names it in logs (with the event id)."""

    post: Callable[[], T]
    label: str
    delivered: Callable[[], T | None] | None = None
    done: Callable[[T], None] | None = None
    failed: Callable[[BaseException], None] | None = None
    future: Future[T] = field(default_factory=Future)
    queued_at: float = 0.0
    check_first: bool = False
    # The sender's `contextvars` (the request's log fields): its log lines keep them.
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


class Outbox:
    """Lanes of messages, each delivered in order, one at a time; see the module docstring."""

    def __init__(
        self,
        *,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
        max_attempts: int = MAX_ATTEMPTS,
        max_seconds: float = MAX_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._max_seconds = max_seconds
        self._clock = clock
        self._lanes: dict[str, deque[Job[Any]]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = threading.BoundedSemaphore(MAX_BUSY_LANES)
        self._stopped = threading.Event()

    def send(
        self,
        lane: str,
        post: Callable[[], T],
        *,
        label: str,
        delivered: Callable[[], T | None] | None = None,
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        check_first: bool = False,
    ) -> Future[T]:
        """Queue a message on `lane`; the future holds what `post` returned, or the error.
        `check_first`: run `delivered` before the first try too (an earlier process may
        have posted it)."""
        job: Job[T] = Job(
            post, label, delivered, done, failed, queued_at=self._clock(), check_first=check_first
        )
        with self._lock:
            if self._stopped.is_set():
                job.future.set_exception(Stopping(label))
                return job.future
            queue = self._lanes.get(lane)
            if queue is not None:
                queue.append(job)
                logger.debug("%s waits behind %d message(s) in %s", label, len(queue) - 1, lane)
                return job.future
            self._lanes[lane] = deque([job])
        # A thread per busy lane, not a pool: an executor refuses new work once the process
        # starts to exit, and what is queued then must still go out (gunicorn drains).
        thread = threading.Thread(target=self._drain, args=(lane,), name="kz-post")
        try:
            thread.start()
        except RuntimeError as exc:  # the interpreter is shutting down
            logger.warning("%s not sent (%s); the next process will send it", label, exc)
            with self._lock:
                self._lanes.pop(lane, None)
            job.future.set_exception(Stopping(label))
        return job.future

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every lane is empty (or `timeout` passes); True when idle."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._lanes, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued (for up to `timeout` seconds), then stop: messages still
        waiting are dropped without being reported (their requests stay unfinished in the
        pending journal, so the next process delivers them)."""
        self.wait_idle(timeout)
        self._stopped.set()
        with self._lock:
            for queue in self._lanes.values():
                for job in queue:
                    if not job.future.done():
                        job.future.set_exception(Stopping(job.label))
            self._lanes.clear()
            self._idle.notify_all()

    def _drain(self, lane: str) -> None:
        with self._busy:  # at most MAX_BUSY_LANES lanes post at once
            while True:
                with self._lock:
                    queue = self._lanes.get(lane)
                    if not queue:
                        self._lanes.pop(lane, None)
                        self._idle.notify_all()
                        return
                    job = queue[0]
                job.context.run(self._deliver, lane, job)
                with self._lock:
                    if queue and queue[0] is job:
                        queue.popleft()

    def _deliver(self, lane: str, job: Job[Any]) -> None:
        attempt, maybe_delivered = 0, job.check_first
        while True:
            attempt += 1
            try:
                found = self._already_delivered(job) if maybe_delivered else None
                result = found if found is not None else job.post()
            except Exception as error:
                if self._stopped.is_set():
                    return  # closing: left for the next process (see `close`)
                verdict = judge(error)
                maybe_delivered = maybe_delivered or verdict.maybe_delivered
                wait = verdict.wait if verdict.wait is not None else self._pause(attempt)
                waited = self._clock() - job.queued_at
                if (
                    verdict.retry
                    and attempt < self._max_attempts
                    and waited + wait <= self._max_seconds
                ):
                    logger.info(
                        "%s to %s failed (%s: %s); try %d in %.1f s",
                        job.label,
                        lane,
                        type(error).__name__,
                        error,
                        attempt + 1,
                        wait,
                    )
                    if self._stopped.wait(wait):  # True: closing, see `close`
                        return
                    continue
                self._finish_failed(job, error)
                return
            job.future.set_result(result)
            _call(job.done, result, job.label)
            return

    def _already_delivered(self, job: Job[Any]) -> Any:
        """What an earlier try delivered, per the job's check; None when it did not (or the
        check cannot be made: then posting again is the lesser harm, and is logged). A
        check that may work later raises, and is retried like a failed post."""
        if job.delivered is None:
            return None
        try:
            found = job.delivered()
        except Exception as error:
            if judge(error).retry:
                raise
            logger.warning(
                "Could not check whether %s got through (%s); posting it again", job.label, error
            )
            return None
        if found is not None:
            logger.info("%s had reached Slack already; not posted again", job.label)
        return found

    def _pause(self, attempt: int) -> float:
        return self._backoff[min(attempt - 1, len(self._backoff) - 1)]

    def _finish_failed(self, job: Job[Any], error: BaseException) -> None:
        job.future.set_exception(error)
        if job.failed is None:
            logger.error("%s could not be delivered: %s", job.label, error)
            return
        _call(job.failed, error, job.label)


def _call(callback: Callable[[Any], None] | None, value: Any, label: str) -> None:
    if callback is None:
        return
    try:
        callback(value)
    except Exception:
        logger.exception("after delivering %s", label)
