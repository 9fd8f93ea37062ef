"""The fault suite's tools: the real `kz-brief serve` as a process, and Slack as a sender
that behaves like Slack (three seconds to acknowledge, then it delivers again).

Each server is the real command line (`python -m bot serve --http`: gunicorn, its worker,
the real searcher over a copy of the session's seeds index, the bundled model with the
torch backend), talking to the fake Web API in tests/slack_fake.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.handlers import conftest as handler_fixtures
from tests.slack_fake import (
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    FakeSlack,
    SlackSender,
    event_body,
    mention_event,
    new_event_id,
    wait_until,
)

clean_slack_env = handler_fixtures.clean_slack_env

# Slack gives an app three seconds to acknowledge a request, then counts it as failed.
ACK_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, str] | None:
    """(status, body) of GET http://127.0.0.1:port/path; None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None


def server_env(data_dir: Path, slack: FakeSlack, **extra: str) -> dict[str, str]:
    """The environment of a real bot process: only what a deployment would set."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "KZ_DATA_DIR": str(data_dir),
            "KZ_SEEDS_DIR": str(REPO / "seeds"),
            # The session index was built with the torch backend; onnx-int8 would first
            # export the model (tested in tests/store/index/test_embed.py).
            "KZ_EMBEDDING_BACKEND": "torch",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


@dataclass
class Server:
    """A `kz-brief serve --http` process (gunicorn's master) and its log."""

    process: subprocess.Popen[str]
    port: int
    log: Path

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> list[int]:
        """gunicorn's worker processes: the master's children."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def stop(self, timeout: float = 40) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def start_server(env: dict[str, str], port: int, log: Path, *args: str) -> Server:
    """Start `kz-brief serve --http` on `port`; returns once the process runs (not ready)."""
    handle = log.open("a", encoding="utf-8")
    command = [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port), *args]
    process = subprocess.Popen(
        command, cwd=log.parent, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True
    )
    handle.close()
    return Server(process, port, log)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def data_dir(tmp_path: Path, seeds_index: Path) -> Path:
    """A private copy of the session's real seeds index: a test may damage it."""
    target = tmp_path / "data"
    shutil.copytree(seeds_index, target)
    return target


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    """Servers a test starts; each is stopped at the end."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@dataclass
class Delivery:
    """One event as Slack delivers it: attempts until one is acknowledged in time."""

    event: dict[str, object]
    event_id: str
    attempts: list[tuple[float, float, int | None]] = field(default_factory=list)

    @property
    def acked(self) -> bool:
        return any(status == 200 for _, _, status in self.attempts)

    def ack_seconds(self) -> float | None:
        """Seconds from the first attempt to the acknowledgement."""
        for sent, answered, status in self.attempts:
            if status == 200:
                return answered - self.attempts[0][0]
        return None


class SlackLike:
    """Sends events to a URL as Slack does: signed, three seconds to answer 200, and a
    delivery that fails (refused, reset, late, 5xx) is sent again with X-Slack-Retry-Num,
    after each of `retry_after` seconds in turn (Slack: at once, a minute, five minutes;
    here compressed to seconds)."""

    def __init__(self, url: str, *, retry_after: tuple[float, ...] = (1, 2, 4, 8, 15, 30)):
        self.sender = SlackSender(url)
        self.retry_after = retry_after
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()

    def mention(self, text: str, channel: str) -> Delivery:
        event = mention_event(f"<@{BOT_USER_ID}> {text}", channel=channel)
        delivery = Delivery(event, new_event_id())
        with self._lock:
            self.deliveries.append(delivery)
        self._deliver(delivery)
        return delivery

    def _deliver(self, delivery: Delivery) -> None:
        for attempt in range(len(self.retry_after) + 1):
            headers = {}
            if attempt:
                headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "timeout"}
            body = event_body(delivery.event, event_id=delivery.event_id)
            sent = time.monotonic()
            status = self._post(body, headers)
            delivery.attempts.append((sent, time.monotonic(), status))
            if status == 200 or attempt == len(self.retry_after):
                return
            time.sleep(self.retry_after[attempt])

    def _post(self, body: str, headers: dict[str, str]) -> int | None:
        from tests.slack_fake import sign

        request = urllib.request.Request(
            self.sender.url,
            data=body.encode(),
            headers={"Content-Type": "application/json", **sign(body), **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=ACK_SECONDS) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None


def wait_ready(port: int, timeout: float = 120) -> bool:
    return wait_until(lambda: (get(port, "/readyz") or (0, ""))[0] == 200, timeout)


__all__ = ["ACK_SECONDS", "Server", "SlackLike", "free_port", "get", "server_env", "start_server"]
