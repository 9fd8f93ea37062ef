"""`kz-brief serve`: connect the bot to Slack (Socket Mode, or HTTP with `--http`).

The CLI group loads this command only when it is named (`bot.cli._Commands`); `bot.runtime`
(which opens the searcher over the current index generation) is imported only when it runs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import click
from slack_bolt.error import BoltError

from bot import config
from bot.config import ConfigError, Settings
from bot.failures import EXIT_SETTINGS, StartupError, Stop
from bot.logs import configure_logging
from handlers import messages
from handlers.logcontext import RequestLogFields
from store.errors import StoreError

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.serve import Service

logger = logging.getLogger(__name__)

SOCKET_MODE = "Socket Mode"
HTTP_MODE = "HTTP mode"
# When the process stops, queued answers get this long to go out (gunicorn allows a worker
# 30 s); what is left stays in the pending journal for the next process.
DRAIN_SECONDS = 20.0


def slack_setting_problems(settings: Settings, http: bool) -> dict[str, str]:
    """Each variable the chosen mode needs that is missing or malformed, with what is wrong."""
    needed = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        **(
            {"SLACK_SIGNING_SECRET": settings.slack_signing_secret}
            if http
            else {"SLACK_APP_TOKEN": settings.slack_app_token}
        ),
    }
    problems: dict[str, str] = {}
    for name, value in needed.items():
        prefix = messages.TOKEN_PREFIX.get(name)
        if not value:
            problems[name] = messages.not_set()
        elif prefix and not value.startswith(prefix):
            problems[name] = messages.wrong_prefix(prefix)
    return problems


def open_service(
    settings: Settings, identity: Any = None, metrics: Metrics | None = None
) -> Service:
    """Build the Bolt app now and load the searcher (model and index) in the background:
    Slack's requests are acknowledged while it loads, and questions wait for it. Questions
    a stopped process acknowledged but never answered are answered too. `metrics` (HTTP
    mode) counts the work and reports the generation served."""
    from bot.app import (
        build_app,
        make_deps,
        open_pending,
        open_shared_state,
        resume_in_background,
        serving_generation,
    )
    from bot.runtime import generations_for, open_searcher
    from bot.serve import Service
    from bot.warmup import BackgroundSearcher

    state = open_shared_state(settings)
    pending = open_pending(settings)
    searcher = BackgroundSearcher(
        lambda: open_searcher(settings, load=False), generations_for(settings)
    )
    if metrics is not None:
        # Nothing to report until loaded: a scrape must never wait for the model.
        metrics.watch_index(lambda: serving_generation(searcher) if searcher.wait(0) else None)
    deps = make_deps(settings, searcher, metrics, state, pending)
    app = build_app(settings, deps, identity)
    searcher.start()
    resume_in_background(app, deps, pending)

    def stop() -> None:
        searcher.stop()
        delivered = deps.outbox.wait_idle(DRAIN_SECONDS)
        deps.outbox.close(timeout=0)
        logger.info("Stopping: %s", "every answer delivered" if delivered
                    else "answers not yet delivered are left to the next process")  # fmt: skip

    return Service(app, searcher.readiness, stop, metrics)


def open_http_service(settings: Settings, identity: Any = None) -> Service:
    """The app as gunicorn's worker serves it: Bolt at /slack/events, /healthz, /readyz,
    /metrics."""
    from bot.metrics import Metrics

    return open_service(settings, identity, Metrics())


def start_up(settings: Settings) -> Any:
    """The start-up checks (bot.startup), as one line and an exit code when one fails."""
    from bot.startup import preflight

    try:
        return preflight(settings)
    except (StoreError, ConfigError, StartupError) as exc:
        raise Stop.because(exc, messages.cannot_start(str(exc))) from exc


@click.command()
@click.option(
    "--http",
    "http_mode",
    is_flag=True,
    help="Receive Slack's requests over HTTP at /slack/events instead of Socket Mode.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP mode: address.")
@click.option(
    "--port", default=3000, show_default=True, type=click.IntRange(1, 65535), help="HTTP port."
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="HTTP mode: request threads in the single worker process.",
)
@click.pass_context
def serve(ctx: click.Context, http_mode: bool, host: str, port: int, threads: int) -> None:
    """Connect the bot to Slack and answer mentions, DMs and /kz-brief.

    \b
    Examples:
      kz-brief serve                     Socket Mode; needs SLACK_BOT_TOKEN, SLACK_APP_TOKEN
      kz-brief serve --http --port 3000  HTTP at http://127.0.0.1:3000/slack/events;
                                         needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET
    """
    # Under the `kz-brief` group the settings are already loaded (ctx.obj); alone, load them.
    if isinstance(ctx.obj, Settings):
        settings = ctx.obj
    else:
        try:
            settings = config.load_settings()
        except ConfigError as exc:
            raise Stop.because(exc) from exc
    problems = slack_setting_problems(settings, http=http_mode)
    if problems:
        mode = HTTP_MODE if http_mode else SOCKET_MODE
        click.echo(messages.missing_slack_settings(mode, problems), err=True)
        ctx.exit(2)
    # A server logs at INFO unless LOG_LEVEL says otherwise (other commands default to WARNING).
    log_level = settings.log_level or "INFO"
    configure_logging(log_level, settings.log_format, context=RequestLogFields())

    identity = start_up(settings)

    if http_mode:
        from bot.serve import run_http

        # The worker process builds the app itself (see bot.serve on fork and torch).
        try:
            run_http(
                lambda: open_http_service(settings, identity),
                host,
                port,
                threads=threads,
                log_level=log_level,
                json_logs=settings.log_format == "json",
            )
        except StartupError as exc:
            raise Stop.because(exc) from exc
        return

    from bot.serve import run_socket_mode

    try:
        service = open_service(settings, identity)
    except (StoreError, ConfigError, StartupError) as exc:
        raise Stop.because(exc, messages.cannot_start(str(exc))) from exc
    except BoltError as exc:
        raise Stop(messages.token_rejected(str(exc)), EXIT_SETTINGS) from exc
    run_socket_mode(service.app, settings, service.stop)
