"""The Bolt app factory: a configured `App` with every handler registered.

Nothing happens at import. `build_app` makes one auth.test call to check the bot token (and
learn the bot's own user ID, so its own messages are ignored), unless it is handed the
identity the start-up checks already learned; the caller passes the searcher in `deps`.

The app processes each request before it responds (`process_before_response`): listeners
only note the request (de-duplication, thread memory, the pending journal) and hand the
work to the answer pool, which takes milliseconds, so the acknowledgement is still
immediate and is sent only once the question is safely on disk.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from bot.failures import StartupError
from bot.metrics import Serving
from handlers import messages, register_handlers
from handlers.deps import ContextThreadPool, Deps, NoObserver, Observer
from store.api import SearchAPI
from store.errors import StoreError
from store.state.factory import State, StateUnavailableError, open_state
from store.state.feedback import FeedbackUnavailableError
from store.state.pending import PendingReplies
from store.state.urls import FEEDBACK_FILE

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
# Bolt's listeners only parse and hand work to `deps.answer_pool`, so a few threads suffice.
LISTENER_THREADS = 8


class _SameTokenWarning(logging.Filter):
    """Drops Bolt's start-up warning that `token` is unused because a `client` was given.

    Bolt reads SLACK_BOT_TOKEN from the environment itself; our client carries that very
    token (plus the base URL and retries), so the warning would only alarm an operator.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _quiet_same_token_warning() -> None:
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _SameTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_SameTokenWarning())


# Methods the outbox sends (handlers.delivery): it retries them itself, knowing when a
# retry could post twice, so the client must not retry them behind its back.
OUTBOX_METHODS = frozenset({"chat.postMessage", "chat.update", "views.publish"})


class _NotForOutbox(RetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").rpartition("/")[2] in OUTBOX_METHODS:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class RateLimitRetry(_NotForOutbox, RateLimitErrorRetryHandler):
    """429: wait Retry-After, then try again (other methods than the outbox's)."""


class ConnectionRetry(_NotForOutbox, ConnectionErrorRetryHandler):
    """A dropped connection: try again (other methods than the outbox's)."""


class ServerErrorRetry(_NotForOutbox, ServerErrorRetryHandler):
    """500 / 503: try again (other methods than the outbox's)."""


def retry_handlers() -> list[RetryHandler]:
    """Retry rate limits (429, honouring Retry-After), dropped connections and 500/503s of
    every method but those the outbox sends and retries itself."""
    return [
        RateLimitRetry(max_retry_count=3),
        ConnectionRetry(max_retry_count=2),
        ServerErrorRetry(max_retry_count=2),
    ]


class _KnownIdentityClient(WebClient):
    """A client that answers auth.test from the identity the start-up checks learned: a
    worker gunicorn restarts boots without Slack's API (which may be briefly down)."""

    def __init__(self, identity: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._identity = identity

    def auth_test(self, **kwargs: Any) -> Any:
        return self._identity


def make_web_client(
    settings: Settings, identity: Any = None, sdk_logger: logging.Logger | None = None
) -> WebClient:
    """The Web API client: the bot token, `SLACK_API_BASE_URL` (GovSlack, a test fake),
    retries; with `identity` (an auth.test response), auth.test is not called again.
    `sdk_logger` replaces the logger the SDK reports its failed attempts to."""
    if not settings.slack_bot_token:
        raise ConfigError(messages.MISSING_BOT_TOKEN)
    options: dict[str, Any] = {
        "token": settings.slack_bot_token,
        "base_url": settings.slack_api_base_url or DEFAULT_API_BASE_URL,
        "retry_handlers": retry_handlers(),
        "timeout": 30,
    }
    if sdk_logger is not None:
        options["logger"] = sdk_logger
    if identity is not None:
        return _KnownIdentityClient(identity, **options)
    return WebClient(**options)


# Words in SQLite's errors for a file that is not (or no longer) a database.
_DAMAGE = ("not a database", "malformed", "disk image", "corrupt")


def _damaged(reason: str) -> bool:
    return any(word in reason.lower() for word in _DAMAGE)


def open_shared_state(settings: Settings) -> State:
    """The state stores the settings name (`store.state.factory`: the data dir on one
    machine; Redis and a SQL database for replicas); ConfigError naming what to fix."""
    try:
        return open_state(
            settings.data_dir,
            redis_url=settings.redis_url,
            database_url=settings.database_url,
            shared_index=settings.chroma_host is not None,
        )
    except FeedbackUnavailableError as exc:
        if settings.database_url:  # a server to start or reach: not a malformed setting
            raise StartupError(messages.database_unusable(exc.where, exc.reason)) from exc
        if _damaged(exc.reason):  # a file to move aside, not a setting to change
            damaged = settings.data_dir / FEEDBACK_FILE
            raise StartupError(messages.state_file_damaged(str(damaged), exc.reason)) from exc
        raise ConfigError(messages.data_dir_unusable(str(settings.data_dir), exc.reason)) from exc
    except StateUnavailableError as exc:
        if _damaged(exc.reason):
            damaged = settings.data_dir / "threads.sqlite3"
            raise StartupError(messages.state_file_damaged(str(damaged), exc.reason)) from exc
        raise ConfigError(messages.data_dir_unusable(exc.where, exc.reason)) from exc


PENDING_FILE = "pending.sqlite3"


def open_pending(settings: Settings) -> PendingReplies:
    """This process's journal of questions acknowledged but not yet answered (always in
    the data dir: each replica answers what it acknowledged). Errors name the file."""
    import sqlite3

    path = settings.data_dir / PENDING_FILE
    try:
        journal = PendingReplies(path)
        journal.check()
    except sqlite3.DatabaseError as exc:
        if _damaged(str(exc)):
            raise StartupError(messages.state_file_damaged(str(path), str(exc))) from exc
        raise ConfigError(messages.data_dir_unusable(str(settings.data_dir), str(exc))) from exc
    except OSError as exc:
        raise ConfigError(messages.data_dir_unusable(str(settings.data_dir), str(exc))) from exc
    return journal


def make_deps(
    settings: Settings,
    searcher: SearchAPI,
    observer: Observer | None = None,
    state: State | None = None,
    pending: PendingReplies | None = None,
) -> Deps:
    """Handlers' dependencies for a real process: one searcher, the state stores (`state`,
    or opened now from the settings), the journal of questions not yet answered
    (`pending`, or opened now), and a re-index with the same code as `kz-brief index` for
    admins."""

    def reindex() -> str:
        from bot.runtime import reindex_summary  # the indexer's libraries load only if used

        summary = reindex_summary(settings)
        try:
            searcher.refresh()  # this bot answers from the new generation from now on
        except StoreError as exc:
            summary += f"\nNote: this bot still answers from the previous index ({exc})."
        return summary

    state = state if state is not None else open_shared_state(settings)
    logger.info("State: %s", "; ".join(state.where))
    for warning in state.warnings:
        logger.warning(warning)
    return Deps(
        searcher=searcher,
        deduper=state.deduper,
        admin_users=settings.admin_users,
        threads=state.threads,
        locks=state.locks,
        feedback=state.feedback,
        reindex=reindex,
        observer=observer or NoObserver(),
        pending=pending if pending is not None else open_pending(settings),
    )


def serving_generation(searcher: SearchAPI) -> Serving | None:
    """The generation `searcher` answers from, for /metrics."""
    info = searcher.info()
    try:
        built_at: datetime | None = datetime.fromisoformat(info.built_at)
    except ValueError:
        built_at = None
    return Serving(info.generation, built_at)


def build_app(settings: Settings, deps: Deps, identity: Any = None) -> App:
    """A Bolt app with request verification on, the configured Web API client, and handlers.

    The signing secret is needed only for HTTP mode (Socket Mode requests are not signed).
    `identity`: the auth.test response the start-up checks got (None: call auth.test).
    """
    _quiet_same_token_warning()
    app = App(
        name="kz-brief",
        client=make_web_client(settings, identity),
        process_before_response=True,
        # "" rather than None: Bolt would otherwise read SLACK_SIGNING_SECRET itself, and an
        # empty secret can never verify a request.
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=True,
        # Listeners run in the request's context, so their log lines carry its fields.
        listener_executor=ContextThreadPool(
            max_workers=LISTENER_THREADS, thread_name_prefix="kz-listener"
        ),
    )
    register_handlers(app, deps)
    return app


# How often a running bot looks for questions that a stopped process left unanswered.
RESUME_SECONDS = 5.0


def resume_in_background(app: App, deps: Deps, journal: Any) -> threading.Thread:
    """Answer, now and every few seconds, what stopped processes acknowledged but never
    answered (handlers.recovery): at start-up, and when an old process finishes draining
    after a restart."""
    from handlers.recovery import resume

    def loop() -> None:
        while True:
            try:
                resumed = resume(deps, app.client, journal)
                if resumed:
                    logger.info("Resumed %d question(s) a stopped process had not answered",
                                resumed)  # fmt: skip
            except Exception:
                logger.exception("Could not resume unanswered questions")
            time.sleep(RESUME_SECONDS)

    thread = threading.Thread(target=loop, name="kz-resume", daemon=True)
    thread.start()
    return thread
