"""The Bolt app factory: a configured `App` with every handler registered.

Nothing happens at import. `build_app` makes one auth.test call to check the bot token (and
learn the bot's own user ID, so its own messages are ignored); the caller builds the
searcher once, before the first question, and passes it in `deps`.
"""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from handlers import messages, register_handlers
from handlers.deps import Deps
from store.api import SearchAPI
from store.errors import StoreError
from store.state.dedupe import EventDeduper, MemoryDeduper, RedisDeduper
from store.state.feedback import open_feedback
from store.state.threads import open_thread_memory

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


# A Slack event must be acknowledged within 3 seconds: a slow Redis must not eat that.
REDIS_TIMEOUT_SECONDS = 0.5


def make_deduper(settings: Settings) -> EventDeduper:
    """Redis (shared by every replica) when REDIS_URL is set, else this process's memory."""
    if not settings.redis_url:
        return MemoryDeduper()
    import redis

    client = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return RedisDeduper(client)


def make_deps(settings: Settings, searcher: SearchAPI) -> Deps:
    """Handlers' dependencies for a real process: one searcher, de-duplication (Redis when
    configured), and in the data dir the thread memory and the readers' feedback; admins
    re-index with the same code as `kz-brief index`."""

    def reindex() -> str:
        from bot.runtime import reindex_summary  # the indexer's libraries load only if used

        summary = reindex_summary(settings)
        try:
            searcher.refresh()  # this bot answers from the new generation from now on
        except StoreError as exc:
            summary += f"\nNote: this bot still answers from the previous index ({exc})."
        return summary

    try:
        threads = open_thread_memory(settings.data_dir)
        feedback = open_feedback(settings.data_dir)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(messages.data_dir_unusable(str(settings.data_dir), str(exc))) from exc
    return Deps(
        searcher=searcher,
        deduper=make_deduper(settings),
        admin_users=settings.admin_users,
        threads=threads,
        feedback=feedback,
        reindex=reindex,
    )


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
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="kz-listener"
        ),
    )
    register_handlers(app, deps)
    return app
