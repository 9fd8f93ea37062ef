"""The Bolt app factory: a configured `App` with every handler registered.

Nothing happens at import. `build_app` makes one auth.test call to check the bot token (and
learn the bot's own user ID, so its own messages are ignored); the caller builds the
searcher once, before the first question, and passes it in `deps`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from bot.metrics import Serving
from handlers import messages, register_handlers
from handlers.deps import ContextThreadPool, Deps, NoObserver, Observer
from store.api import SearchAPI
from store.errors import StoreError
from store.state.factory import State, StateUnavailableError, open_state
from store.state.feedback import FeedbackUnavailableError

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


def retry_handlers() -> list[RetryHandler]:
    """Retry rate limits (429, honouring Retry-After), dropped connections and 500/503s."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(settings: Settings) -> WebClient:
    """The Web API client: the bot token, `SLACK_API_BASE_URL` (GovSlack, a test fake), retries."""
    if not settings.slack_bot_token:
        raise ConfigError(messages.MISSING_BOT_TOKEN)
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_base_url or DEFAULT_API_BASE_URL,
        retry_handlers=retry_handlers(),
        timeout=30,
    )


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
        if settings.database_url:
            raise ConfigError(messages.database_unusable(exc.where, exc.reason)) from exc
        raise ConfigError(messages.data_dir_unusable(str(settings.data_dir), exc.reason)) from exc
    except StateUnavailableError as exc:
        raise ConfigError(messages.data_dir_unusable(exc.where, exc.reason)) from exc


def make_deps(
    settings: Settings,
    searcher: SearchAPI,
    observer: Observer | None = None,
    state: State | None = None,
) -> Deps:
    """Handlers' dependencies for a real process: one searcher, the state stores (`state`,
    or opened now from the settings), and a re-index with the same code as
    `kz-brief index` for admins."""

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
    )


def serving_generation(searcher: SearchAPI) -> Serving | None:
    """The generation `searcher` answers from, for /metrics."""
    info = searcher.info()
    try:
        built_at: datetime | None = datetime.fromisoformat(info.built_at)
    except ValueError:
        built_at = None
    return Serving(info.generation, built_at)


def build_app(settings: Settings, deps: Deps) -> App:
    """A Bolt app with request verification on, the configured Web API client, and handlers.

    The signing secret is needed only for HTTP mode (Socket Mode requests are not signed).
    """
    _quiet_same_token_warning()
    app = App(
        name="kz-brief",
        client=make_web_client(settings),
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
