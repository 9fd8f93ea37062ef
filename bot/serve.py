"""Transports: Socket Mode (outbound WebSocket, no public URL) or HTTP behind gunicorn.

HTTP mode serves events, slash commands and interactivity at one path, `/slack/events`, with
gunicorn's threaded worker: one worker process (so the embedding model is loaded once and
the in-process event de-duplication sees every request) and several threads.

Why `run_http` takes a factory: gunicorn forks its worker from the master process, and a
torch model that has already run in the parent hangs in the forked child (OpenMP thread
pools do not survive fork). The serve command therefore passes a function that opens the
searcher and builds the app *inside* the worker; a ready `App` is accepted too when it
holds no such model (tests).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import ConfigError, Settings
from handlers import messages

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(app: App, path: str = EVENTS_PATH) -> WSGIApp:
    """The WSGI application gunicorn serves: Bolt at `path`, plus `GET /healthz`."""
    slack = SlackRequestHandler(app, path=path)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def gunicorn_options(
    host: str, port: int, threads: int, timeout: int, log_level: str
) -> dict[str, Any]:
    """One gthread worker with `threads` threads; `timeout` also covers loading the model."""
    return {
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

    def __init__(self, load_app: Callable[[], App], options: dict[str, Any], path: str) -> None:
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
        return make_wsgi_app(self._load_app(), self._path)


def run_http(
    app: App | Callable[[], App],
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    threads: int = 8,
    timeout: int = 120,
    log_level: str = "info",
    path: str = EVENTS_PATH,
) -> None:
    """Serve Slack's requests over HTTP until stopped (SIGINT/SIGTERM stop gracefully).

    `app` is a Bolt `App`, or a function returning one that runs in the worker process
    (use that when the app holds a torch model; see the module docstring).
    """
    load_app: Callable[[], App] = (lambda: app) if isinstance(app, App) else app
    options = gunicorn_options(host, port, threads, timeout, log_level)
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
