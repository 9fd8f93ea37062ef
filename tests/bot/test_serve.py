"""Transports and the serve command: gunicorn for real (in a subprocess), Socket Mode wiring,
and the token checks that tell an admin exactly what to set."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import types
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from slack_bolt import App

from bot import config, serve
from bot.app import build_app
from bot.config import ConfigError, Settings
from bot.slack_commands import serve as serve_command
from store.errors import IndexMissingError
from tests.handlers import conftest as handler_fixtures
from tests.handlers.fake_searcher import FakeSearcher
from tests.servers import free_port
from tests.slack_fake import (
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    FakeSlack,
    SlackSender,
    mention_event,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]

clean_slack_env = handler_fixtures.clean_slack_env
slack = handler_fixtures.slack

# Runs in the subprocess: the production `run_http` (gunicorn, gthread) with an app factory
# that records the process it ran in, over the fake searcher.
GUNICORN_SCRIPT = """
import os, sys
from bot.app import build_app
from bot.config import Settings
from bot.serve import run_http
from tests.handlers.conftest import in_memory_deps
from tests.handlers.fake_searcher import FakeSearcher

base_url, port, marker, secret = sys.argv[1:5]
settings = Settings.from_env(
    {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": secret,
     "SLACK_API_BASE_URL": base_url}
)

def factory():
    with open(marker, "w") as out:
        out.write(str(os.getpid()))
    return build_app(settings, in_memory_deps(FakeSearcher()))

run_http(factory, "127.0.0.1", int(port), threads=4, log_level="info")
"""


def is_healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def gunicorn_bot(slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[SlackSender, Any, Path]]:
    port, marker = free_port(), tmp_path / "worker-pid"
    process = subprocess.Popen(
        [sys.executable, "-c", GUNICORN_SCRIPT, slack.base_url, str(port), str(marker)]
        + [SIGNING_SECRET],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        if not wait_until(lambda: is_healthy(port) or process.poll() is not None, 30):
            raise AssertionError("gunicorn did not start")
        assert process.poll() is None, process.communicate()[0]
        yield SlackSender(f"http://127.0.0.1:{port}/slack/events"), process, marker
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_gunicorn_serves_the_app_verifies_signatures_and_stops_on_sigterm(
    gunicorn_bot: tuple[SlackSender, Any, Path], slack: FakeSlack
) -> None:
    send, process, marker = gunicorn_bot
    # The app (and so the searcher) was built in the forked worker, not in the master.
    worker_pid = int(marker.read_text())
    assert worker_pid != process.pid

    events = [mention_event(f"<@{BOT_USER_ID}> NATO question {n}") for n in range(8)]
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda e=event: statuses.append(send.event(e).status))
        for event in events
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    replies = slack.wait_for("chat.postMessage", count=8, timeout=20)
    assert sorted(c.body["thread_ts"] for c in replies) == sorted(str(e["ts"]) for e in events)

    forged = send.post('{"type": "event_callback"}', "application/json", secret="wrong")
    assert forged.status == 401

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Using worker: gthread" in output and "Shutting down" in output
    assert "Control socket listening" not in output


def test_gunicorn_runs_one_threaded_worker() -> None:
    options = serve.gunicorn_options("0.0.0.0", 8080, threads=8, timeout=120, log_level="INFO")
    assert options["bind"] == "0.0.0.0:8080"
    assert options["workers"] == 1
    assert options["worker_class"] == "gthread" and options["threads"] == 8
    assert options["preload_app"] is False and options["loglevel"] == "info"


# --- Socket Mode ---------------------------------------------------------------------------


def test_socket_mode_needs_the_app_token() -> None:
    app_settings = Settings.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN})
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        serve.run_socket_mode(object(), app_settings)  # type: ignore[arg-type]


def test_socket_mode_closes_the_connection_on_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[bool] = []

    class FakeHandler:
        def close(self) -> None:
            closed.append(True)

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(serve, "connect_socket_mode", lambda app, s: FakeHandler())
    monkeypatch.setattr(serve, "_wait_until_stopped", interrupted)
    monkeypatch.setattr(serve.signal, "signal", lambda *args: None)
    serve.run_socket_mode(object(), Settings())  # type: ignore[arg-type]
    assert closed == [True]


@pytest.mark.slow
def test_socket_mode_answers_a_mention_end_to_end(slack: FakeSlack) -> None:
    pytest.importorskip("websockets")
    from tests.slack_fake import FakeSocketMode

    with FakeSocketMode() as socket_mode:
        slack.socket_mode_url = socket_mode.url
        app_settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_APP_TOKEN": "xapp-1-test",
                "SLACK_API_BASE_URL": slack.base_url,
            }
        )
        app = build_app(app_settings, handler_fixtures.in_memory_deps(FakeSearcher()))
        handler = serve.connect_socket_mode(app, app_settings)
        try:
            opened = slack.calls_to("apps.connections.open")
            assert opened[0].headers["authorization"] == "Bearer xapp-1-test"
            event = mention_event(f"<@{BOT_USER_ID}> What did NATO say?")
            envelope_id = socket_mode.send_event(event)
            assert socket_mode.wait_for_ack(envelope_id)["envelope_id"] == envelope_id
            reply = slack.wait_for("chat.postMessage")[0].body
            assert reply["thread_ts"] == event["ts"] and reply["blocks"]
        finally:
            handler.close()


# --- The serve command ---------------------------------------------------------------------


def use_settings(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    monkeypatch.setattr(config, "load_settings", lambda: Settings.from_env(env))


class _FakeGenerations:
    location = "nowhere"

    def current(self) -> str:
        return "g-fake"


class _Runtime:
    """What a stand-in `bot.runtime` saw: each searcher checked, and each one loaded."""

    def __init__(self, missing_index: bool = False) -> None:
        self.missing_index = missing_index
        self.checked: list[Settings] = []
        self.loaded: list[Settings] = []

    def open_searcher(self, settings: Settings, load: bool = True) -> FakeSearcher:
        runtime = self

        class Loading(FakeSearcher):
            def check(self) -> str:
                runtime.checked.append(settings)
                if runtime.missing_index:
                    raise IndexMissingError("No index yet: run `kz-brief index` first.")
                return "g-fake"

            def load(self) -> None:
                self.check()
                runtime.loaded.append(settings)

        searcher = Loading()
        if load:
            searcher.load()
        return searcher

    def install(self, monkeypatch: pytest.MonkeyPatch) -> _Runtime:
        module = types.ModuleType("bot.runtime")
        module.open_searcher = self.open_searcher  # type: ignore[attr-defined]
        module.generations_for = lambda settings: _FakeGenerations()  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "bot.runtime", module)
        return self


@pytest.fixture
def fake_runtime(monkeypatch: pytest.MonkeyPatch) -> _Runtime:
    """A stand-in `bot.runtime` over the fake searcher that records checks and loads."""
    return _Runtime().install(monkeypatch)


@pytest.mark.parametrize(
    ("args", "env", "named", "not_named"),
    [
        ([], {}, ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "--http"], ["SLACK_SIGNING_SECRET"]),
        (["--http"], {}, ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], ["SLACK_APP_TOKEN"]),
        (
            [],
            {"SLACK_BOT_TOKEN": BOT_TOKEN},
            ["SLACK_APP_TOKEN", "connections:write"],
            ["SLACK_BOT_TOKEN:"],
        ),
        (
            ["--http"],
            {"SLACK_BOT_TOKEN": "xapp-swapped", "SLACK_SIGNING_SECRET": "s"},
            ["SLACK_BOT_TOKEN: should start with 'xoxb-'"],
            ["SLACK_SIGNING_SECRET:"],
        ),
    ],
)
def test_serve_without_the_needed_tokens_says_what_to_set_and_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    fake_runtime: _Runtime,
    args: list[str],
    env: dict[str, str],
    named: list[str],
    not_named: list[str],
) -> None:
    use_settings(monkeypatch, env)
    result = CliRunner().invoke(serve_command, args)
    assert result.exit_code == 2
    for text in [*named, "kz-brief chat", "api.slack.com/apps", "docs/slack-setup.md"]:
        assert text in result.output
    for text in not_named:
        assert text not in result.output
    # Nothing checked, nothing loaded, when it cannot connect anyway.
    assert fake_runtime.checked == fake_runtime.loaded == []


def test_serve_uses_socket_mode_when_the_app_token_is_set(
    monkeypatch: pytest.MonkeyPatch, fake_runtime: _Runtime, slack: FakeSlack
) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-test",
        "SLACK_API_BASE_URL": slack.base_url,
    }
    use_settings(monkeypatch, env)
    started: list[tuple[App, Settings]] = []
    monkeypatch.setattr(serve, "run_socket_mode", lambda app, s, stop: started.append((app, s)))
    result = CliRunner().invoke(serve_command, [])
    assert result.exit_code == 0, result.output
    assert len(started) == 1
    app, used = started[0]
    assert isinstance(app, App) and used.slack_app_token == "xapp-1-test"
    # Checked before connecting; loaded in the background, not before connecting.
    assert len(fake_runtime.checked) >= 1
    assert wait_until(lambda: len(fake_runtime.loaded) == 1)


def test_serve_http_builds_the_app_inside_the_worker(
    monkeypatch: pytest.MonkeyPatch, fake_runtime: _Runtime, slack: FakeSlack
) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": slack.base_url,
    }
    use_settings(monkeypatch, env)
    calls: list[dict[str, Any]] = []

    def fake_run_http(app: Any, host: str, port: int, **options: Any) -> None:
        calls.append({"app": app, "host": host, "port": port, **options})

    monkeypatch.setattr(serve, "run_http", fake_run_http)
    result = CliRunner().invoke(serve_command, ["--http", "--port", "3999", "--threads", "4"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert (call["host"], call["port"], call["threads"]) == ("127.0.0.1", 3999, 4)
    # A factory, not an app: the index was checked, but nothing is loaded until gunicorn's
    # worker calls it, and then in the background.
    assert not isinstance(call["app"], App | serve.Service)
    assert fake_runtime.checked and fake_runtime.loaded == []
    service = call["app"]()
    assert isinstance(service, serve.Service) and isinstance(service.app, App)
    assert wait_until(lambda: service.readiness is not None and service.readiness().ready)
    assert len(fake_runtime.loaded) == 1
    # The bot's identity was learned once, before the worker: the worker asked nothing.
    assert len(slack.calls_to("auth.test")) == 1
    # What the worker serves: the WSGI app with /metrics beside Slack's path.
    from bot.serve import make_wsgi_app

    wsgi = make_wsgi_app(service)
    started: list[str] = []
    page = b"".join(
        wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics"}, lambda s, h: started.append(s))
    )
    assert started == ["200 OK"] and b"kz_brief_requests_total" in page


def test_serve_reports_a_missing_index_in_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack
) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1"}
    use_settings(monkeypatch, env)
    runtime = _Runtime(missing_index=True).install(monkeypatch)
    result = CliRunner().invoke(serve_command, [])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: kz-brief cannot start the Slack bot: No index yet: run `kz-brief index` first."
    ]
    assert runtime.loaded == []


def test_an_unreachable_database_stops_serve_before_the_model_loads(
    monkeypatch: pytest.MonkeyPatch, fake_runtime: _Runtime, slack: FakeSlack
) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_BASE_URL": slack.base_url,
        "KZ_DATABASE_URL": f"postgresql://kz:hunter2pw@127.0.0.1:{free_port()}/kz",
    }
    use_settings(monkeypatch, env)
    result = CliRunner().invoke(serve_command, [])
    assert result.exit_code == 1
    assert "KZ_DATABASE_URL (postgresql://kz:***@127.0.0.1:" in result.output
    assert "hunter2pw" not in result.output
    assert fake_runtime.loaded == []  # no model loaded for a bot that cannot start
