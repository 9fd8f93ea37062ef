"""Transports: Socket Mode (outbound WebSocket, no public URL) or HTTP behind gunicorn.

HTTP mode serves events, slash commands and interactivity at one path, `/slack/events`, with
gunicorn's threaded worker: one worker process (so the embedding model is loaded once and
the in-process event de-duplication sees every request) and several threads. Beside it:
`GET /healthz` (liveness: the process answers), `GET /readyz` (readiness: 200 once the
model and index are loaded and the index, and its Chroma server, can be reached; 503 with
the reason otherwise) and, when given metrics, `GET /metrics` (Prometheus). Each Slack
request is handled in a fresh `contextvars` context (its log fields, see
`handlers.logcontext`), and its acknowledgement is timed, counted and logged.

Why `run_http` takes a factory: gunicorn forks its worker from the master process, and a
torch model that has already run in the parent hangs in the forked child (OpenMP thread
pools do not survive fork). The serve command therefore passes a function that builds the
app *inside* the worker (the model then loads there, in the background); a ready `App` is
accepted too when it holds no such model (tests).

Requests are checked before Bolt sees them: a malformed timestamp header, an oversized or
unreadable body gets a 4xx and one log line, never a 500 and a traceback (anyone who can
reach the port could otherwise fill the log).
"""

from __future__ import annotations

import contextvars
import io
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import ConfigError, Settings
from bot.failures import StartupError
from bot.warmup import Readiness
from handlers import logcontext, messages

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
# Slack's payloads are a few kilobytes; anything far larger is not from Slack.
MAX_BODY_BYTES = 1_000_000

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Service:
    """What the server serves: the Bolt app, what `/readyz` asks (None: ready as soon as it
    answers, for an app whose searcher is loaded already), what to do when the process
    stops (`stop`: hand unfinished work to the next process instead of waiting for it), and
    the metrics `/metrics` shows (None: no /metrics)."""

    app: App
    readiness: Callable[[], Readiness] | None = None
    stop: Callable[[], None] | None = None
    metrics: Metrics | None = None


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode("utf-8")]


def request_problem(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(status, reason) for a request Bolt should never see; None when it may."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit()):
        return "401 Unauthorized", "malformed X-Slack-Request-Timestamp"
    length_text = environ.get("CONTENT_LENGTH") or "0"
    if not (length_text.isascii() and length_text.isdigit()):
        return "400 Bad Request", "malformed Content-Length"
    if int(length_text) > MAX_BODY_BYTES:
        return "413 Content Too Large", f"a body of {length_text} bytes"
    return None


def _read_body(environ: dict[str, Any]) -> bytes:
    """The body, read once and put back for Bolt's adapter (which reads wsgi.input)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _refusal(environ: dict[str, Any]) -> tuple[str, str] | None:
    problem = request_problem(environ)
    if problem is None:
        try:
            _read_body(environ).decode("utf-8")
        except (OSError, ValueError) as exc:
            problem = ("400 Bad Request", f"unreadable body ({type(exc).__name__})")
    return problem


def make_wsgi_app(
    app: App | Service, path: str = EVENTS_PATH, metrics: Metrics | None = None
) -> WSGIApp:
    """The WSGI application gunicorn serves: Bolt at `path`, `GET /healthz` (alive),
    `GET /readyz` (ready to answer) and, with metrics, `GET /metrics`."""
    service = app if isinstance(app, Service) else Service(app, metrics=metrics)
    metrics = service.metrics or metrics
    slack = SlackRequestHandler(service.app, path=path)

    def bolt(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == path and (problem := _refusal(environ)) is not None:
            status, reason = problem
            logger.warning("Refused a request to %s: %s (%s)", path, reason, status)
            return _plain(start_response, status, reason)
        try:
            return slack(environ, start_response)
        except Exception as exc:  # Bolt parses the body before it checks the signature
            logger.warning("Refused a request to %s that could not be read (%s: %s)", path,
                           type(exc).__name__, str(exc)[:200])  # fmt: skip
            return _plain(start_response, "400 Bad Request", "malformed request")

    def handle_slack(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.monotonic()
        statuses: list[int] = []

        def noting_status(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        body = bolt(environ, noting_status)
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
            return _plain(start_response, "200 OK", "ok")
        if route == ("GET", READY_PATH):
            ready = service.readiness() if service.readiness else Readiness(True, "ready")
            status = "200 OK" if ready.ready else "503 Service Unavailable"
            return _plain(start_response, status, ready.reason)
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


# gunicorn's exit code when a worker fails to boot (its arbiter then stops everything).
WORKER_BOOT_ERROR = 3


class _GunicornServer(BaseApplication):
    """gunicorn embedded: options from code, the WSGI app built in the worker on first load."""

    def __init__(
        self,
        load_app: Callable[[], App | Service | WSGIApp],
        options: dict[str, Any],
        path: str,
    ) -> None:
        self._load_app = load_app
        self._options = options
        self._path = path
        self._service: Service | None = None  # in the worker, once loaded
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in _OPTIONAL_SETTINGS and key not in self.cfg.settings:
                continue
            self.cfg.set(key, value)
        self.cfg.set("worker_exit", self._worker_exit)

    def _worker_exit(self, server: Any, worker: Any) -> None:
        """In the worker as it stops (restart, reload, shutdown), before Python waits for its
        threads: questions still waiting for the model are left to the next worker."""
        if self._service is not None and self._service.stop is not None:
            self._service.stop()

    def load(self) -> WSGIApp:
        try:
            loaded = self._load_app()
            if isinstance(loaded, App | Service):
                self._service = loaded if isinstance(loaded, Service) else Service(loaded)
                return make_wsgi_app(self._service, self._path)
            return loaded
        except Exception as exc:
            # The start-up checks ran in the master, so this is a race (a file removed in
            # between): one line, not a traceback, then gunicorn stops (see `run_http`).
            logger.error(messages.cannot_start(f"{type(exc).__name__}: {exc}"))
            sys.exit(WORKER_BOOT_ERROR)


def run_http(
    app: App | Service | Callable[[], App | Service | WSGIApp],
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

    `app` is a Bolt `App` (or `Service`), or a function that runs in the worker process and
    returns one (or the finished WSGI application); use a function when the app holds a
    torch model (see the module docstring). A worker that cannot boot stops the server
    with StartupError, not gunicorn's exit 3 and its traceback.
    """
    load_app: Callable[[], App | Service | WSGIApp]
    if isinstance(app, App | Service):
        built = app
        load_app = lambda: built  # noqa: E731 - the same app in the worker
    else:
        load_app = app
    options = gunicorn_options(host, port, threads, timeout, log_level, json_logs)
    logger.info("Serving Slack requests at http://%s:%s%s", host, port, path)
    try:
        _GunicornServer(load_app, options, path).run()
    except SystemExit as exc:
        if exc.code == WORKER_BOOT_ERROR:
            raise StartupError(
                messages.cannot_start("the worker process could not start (see the line above)")
            ) from None
        raise


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


def run_socket_mode(app: App, settings: Settings, stop: Callable[[], None] | None = None) -> None:
    """Connect over Socket Mode and answer until Ctrl-C or SIGTERM; then `stop` (see
    `Service.stop`)."""
    handler = connect_socket_mode(app, settings)
    _stop_on_sigterm()
    try:
        _wait_until_stopped()
    except KeyboardInterrupt:
        pass
    finally:
        logger.info("Closing the Socket Mode connection")
        handler.close()
        if stop is not None:
            stop()
