"""`kz-brief serve`: connect the bot to Slack (Socket Mode, or HTTP with `--http`).

The CLI group loads this command only when it is named (`bot.cli._Commands`); `bot.runtime`
(which opens the searcher over the current index generation) is imported only when it runs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click
from slack_bolt import App
from slack_bolt.error import BoltError

from bot import config
from bot.config import ConfigError, Settings
from bot.logs import configure_logging
from handlers import messages
from handlers.logcontext import RequestLogFields
from store.errors import StoreError

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.serve import WSGIApp

logger = logging.getLogger(__name__)

SOCKET_MODE = "Socket Mode"
HTTP_MODE = "HTTP mode"


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


def open_app(settings: Settings, metrics: Metrics | None = None) -> App:
    """Open the searcher (loads the model and the index, once) and build the Bolt app;
    `metrics` (HTTP mode) counts its work and reports the generation it serves."""
    from bot.app import build_app, make_deps, open_shared_state, serving_generation
    from bot.runtime import open_searcher

    # Shared state first: a database that cannot be reached is reported in a second, not
    # after the model has loaded.
    state = open_shared_state(settings)
    searcher = open_searcher(settings)
    if metrics is not None:
        metrics.watch_index(lambda: serving_generation(searcher))
    return build_app(settings, make_deps(settings, searcher, metrics, state))


def open_http_app(settings: Settings) -> WSGIApp:
    """The app as gunicorn's worker serves it: Bolt at /slack/events, /healthz, /metrics."""
    from bot.metrics import Metrics
    from bot.serve import make_wsgi_app

    metrics = Metrics()
    return make_wsgi_app(open_app(settings, metrics), metrics=metrics)


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
            raise click.ClickException(str(exc)) from exc
    problems = slack_setting_problems(settings, http=http_mode)
    if problems:
        mode = HTTP_MODE if http_mode else SOCKET_MODE
        click.echo(messages.missing_slack_settings(mode, problems), err=True)
        ctx.exit(2)
    # A server logs at INFO unless LOG_LEVEL says otherwise (other commands default to WARNING).
    log_level = settings.log_level or "INFO"
    configure_logging(log_level, settings.log_format, context=RequestLogFields())

    if http_mode:
        from bot.serve import run_http

        # The worker process opens the searcher itself (see bot.serve on fork and torch).
        run_http(
            lambda: open_http_app(settings),
            host,
            port,
            threads=threads,
            log_level=log_level,
            json_logs=settings.log_format == "json",
        )
        return

    from bot.serve import run_socket_mode

    try:
        app = open_app(settings)
    except (StoreError, ConfigError) as exc:
        raise click.ClickException(messages.cannot_start(str(exc))) from exc
    except BoltError as exc:
        raise click.ClickException(messages.token_rejected(str(exc))) from exc
    run_socket_mode(app, settings)
