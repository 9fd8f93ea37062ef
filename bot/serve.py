"""Transports: Socket Mode (outbound WebSocket, no public URL) or HTTP behind gunicorn.

HTTP mode serves events, slash commands and interactivity at one path, `/slack/events`, with
gunicorn's threaded worker: one worker process (so the embedding model is loaded once and
the in-process event de-duplication sees every request) and several threads. Beside it:
`GET /healthz` and, when given metrics, `GET /metrics` (Prometheus). Each Slack request is
handled in a fresh `contextvars` context (its log fields, see `handlers.logcontext`), and
its acknowledgement is timed, counted and logged.

Why `run_http` takes a factory: gunicorn forks its worker from the master process, and a
torch model that has already run in the parent hangs in the forked child (OpenMP thread
pools do not survive fork). The serve command therefore passes a function that opens the
searcher and builds the app *inside* the worker; a ready `App` is accepted too when it
holds no such model (tests).
"""

from __future__ import annotations

import contextvars
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import ConfigError, Settings
from handlers import logcontext, messages

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(app: App, path: str = EVENTS_PATH, metrics: Metrics | None = None) -> WSGIApp:
    """The WSGI application gunicorn serves: Bolt at `path`, plus `GET /healthz` and, with
    `metrics`, `GET /metrics`."""
    slack = SlackRequestHandler(app, path=path)

    def handle_slack(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.monotonic()
        statuses: list[int] = []

        def noting_status(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        body = slack(environ, noting_status)
        seconds = time.monotonic() - started
        # Bolt's middleware has named the request by now (in this context).
        kind = (logcontext.current() or logcontext.RequestFields()).kind
        status = statuses[0] if statuses else 500
        if metrics is not None:
            metrics.acknowledged(kind, seconds, status)
        logger.info(
            "Acknowledged %s with HTTP %d in %.0f ms",
            kind,
            status,
            seconds * 1000,
            extra={"latency_ms": round(seconds * 1000)},
        )
        return body

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
        if route == ("GET", HEALTH_PATH):
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        if route == ("GET", METRICS_PATH) and metrics is not None:
            from bot.metrics import CONTENT_TYPE

            page = metrics.exposition()
            start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
            return [page]
        # A fresh context per request: its log fields never leak into the next one.
        return contextvars.Context().run(handle_slack, environ, start_response)

    return wsgi


class _ThroughRootLogger(glogging.Logger):
    """gunicorn's own lines ("Booting worker", "Shutting down") through the root logger's
    handler, so with LOG_FORMAT=json they are JSON lines like every other."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


def gunicorn_options(
    host: str, port: int, threads: int, timeout: int, log_level: str, json_logs: bool = False
) -> dict[str, Any]:
    """One gthread worker with `threads` threads; `timeout` also covers loading the model."""
    extra: dict[str, Any] = {"logger_class": _ThroughRootLogger} if json_logs else {}
    return {
        **extra,
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "loglevel": log_level.lower(),
        "proc_name": "kz-brief",
        "preload_app": False,
        # gunicorn >= 25.1 opens a control socket in $HOME; one worker needs no runtime
        # management, and two instances on one host would fight over the same path.
        "control_socket_disable": True,
    }


# Settings newer gunicorn versions have; skipped on versions without them (pyproject: >=22).
_OPTIONAL_SETTINGS = frozenset({"control_socket_disable"})


class _GunicornServer(BaseApplication):
    """gunicorn embedded: options from code, the WSGI app built in the worker on first load."""

    def __init__(
        self, load_app: Callable[[], App | WSGIApp], options: dict[str, Any], path: str
    ) -> None:
        self._load_app = load_app
        self._options = options
        self._path = path
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in _OPTIONAL_SETTINGS and key not in self.cfg.settings:
                continue
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        loaded = self._load_app()
        return make_wsgi_app(loaded, self._path) if isinstance(loaded, App) else loaded


def run_http(
    app: App | Callable[[], App | WSGIApp],
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    threads: int = 8,
    timeout: int = 120,
    log_level: str = "info",
    path: str = EVENTS_PATH,
    json_logs: bool = False,
) -> None:
    """Serve Slack's requests over HTTP until stopped (SIGINT/SIGTERM stop gracefully).

    `app` is a Bolt `App`, or a function that runs in the worker process and returns one,
    or the finished WSGI application (`make_wsgi_app` with metrics); use a function when
    the app holds a torch model (see the module docstring).
    """
    load_app: Callable[[], App | WSGIApp] = (lambda: app) if isinstance(app, App) else app
    options = gunicorn_options(host, port, threads, timeout, log_level, json_logs)
    logger.info("Serving Slack requests at http://%s:%s%s", host, port, path)
    _GunicornServer(load_app, options, path).run()


def connect_socket_mode(app: App, settings: Settings) -> SocketModeHandler:
    """Open the Socket Mode connection with the app-level token; returns the live handler.

    The handler uses the app's own Web API client, so `SLACK_API_BASE_URL` (GovSlack) also
    applies to `apps.connections.open`. Lost connections are re-established by the client.
    """
    if not settings.slack_app_token:
        raise ConfigError(
            messages.missing_slack_settings("Socket Mode", {"SLACK_APP_TOKEN": messages.not_set()})
        )
    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    handler.connect()
    logger.info("Connected to Slack in Socket Mode: Bolt app is running!")
    return handler


def _wait_until_stopped() -> None:
    threading.Event().wait()


def _stop_on_sigterm() -> None:
    """Let SIGTERM (docker stop, systemd) end the wait like Ctrl-C, so the socket is closed."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def run_socket_mode(app: App, settings: Settings) -> None:
    """Connect over Socket Mode and answer until Ctrl-C or SIGTERM."""
    handler = connect_socket_mode(app, settings)
    _stop_on_sigterm()
    try:
        _wait_until_stopped()
    except KeyboardInterrupt:
        pass
    finally:
        logger.info("Closing the Socket Mode connection")
        handler.close()
