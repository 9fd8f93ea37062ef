"""Start-up, for real: `kz-brief serve` as a process, acknowledging Slack from the moment its
port accepts, ready only when it can answer, and failing in one line when it cannot start."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from store.index.build import Indexer
from store.index.generations import ServerGenerations
from tests.conftest import SEEDS
from tests.faults.conftest import (
    ACK_SECONDS,
    SlackLike,
    free_port,
    get,
    server_env,
    start_server,
    wait_ready,
)
from tests.handlers.conftest import quote_sections
from tests.slack_fake import FakeSlack, wait_until
from tests.store.index.test_chroma_server import ChromaServer

pytestmark = pytest.mark.slow


def test_questions_asked_while_the_bot_loads_are_acked_at_once_and_answered_once_loaded(
    slack: FakeSlack, data_dir: Path, servers, tmp_path: Path
) -> None:
    port = free_port()
    server = start_server(server_env(data_dir, slack), port, tmp_path / "serve.log")
    servers.append(server)
    assert wait_until(lambda: get(port, "/healthz") is not None, 60), server.output()
    # The port accepts: alive at once, not ready until the model and the index are loaded.
    assert get(port, "/healthz") == (200, "ok")
    status, reason = get(port, "/readyz") or (0, "")
    assert status == 503 and reason.startswith("not ready"), reason

    sender = SlackLike(server.events_url, retry_after=())
    asked = [sender.mention(f"What is KAZBAT? ({n})", channel=f"C{n}") for n in range(3)]
    for delivery in asked:
        assert delivery.acked and delivery.ack_seconds() < ACK_SECONDS, delivery.attempts
    assert (get(port, "/readyz") or (0, ""))[0] == 503, "answered before loading: no test"

    replies = slack.wait_for("chat.postMessage", count=3, timeout=180)
    assert wait_ready(port)
    assert get(port, "/readyz")[1].startswith("ready: serving index generation")
    time.sleep(1)  # nothing more arrives: each question answered once
    replies = slack.calls_to("chat.postMessage")
    assert sorted(r.body["thread_ts"] for r in replies) == sorted(d.event["ts"] for d in asked)
    assert all(quote_sections(r.body["blocks"]) for r in replies)
    assert "Traceback" not in server.output()


def test_readyz_is_503_while_the_chroma_server_is_down(
    slack: FakeSlack, servers, tmp_path: Path, real_encoder
) -> None:
    chroma = ChromaServer(tmp_path / "chroma", free_port())
    chroma.start()
    try:
        Indexer(ServerGenerations("127.0.0.1", chroma.port), real_encoder).build(SEEDS)
        env = server_env(
            tmp_path / "replica", slack, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(chroma.port)
        )
        port = free_port()
        server = start_server(env, port, tmp_path / "serve.log")
        servers.append(server)
        assert wait_ready(port), server.output()

        chroma.stop()
        assert wait_until(lambda: (get(port, "/readyz") or (0, ""))[0] == 503, 15)
        status, reason = get(port, "/readyz")
        assert "Chroma server" in reason and get(port, "/healthz") == (200, "ok")
    finally:
        chroma.stop()


def _one_error_line(stderr: str) -> str:
    """The process's only line of complaint; no traceback, no gunicorn boot errors."""
    assert "Traceback" not in stderr and "Worker failed to boot" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert not [line for line in lines if " ERROR " in line or "Exception" in line], stderr
    return errors[0]


def _damage(data_dir: Path, how: str) -> None:
    pointer = data_dir / "index" / "CURRENT"
    if how == "missing index":
        for path in (data_dir / "index").iterdir():
            if path.is_dir():
                for child in sorted(path.rglob("*"), reverse=True):
                    child.unlink() if child.is_file() else child.rmdir()
                path.rmdir()
        pointer.unlink()
    elif how == "garbage pointer":
        pointer.write_bytes(b"\x00\x93garbage")
    elif how == "[] pointer":
        pointer.write_text("[]")
    elif how == "pointer to nowhere":
        pointer.write_text(json.dumps({"generation": "g20990101T000000-abcdef"}))
    elif how == "corrupt SQLite":
        (data_dir / "feedback.sqlite3").write_bytes(b"this is not a database" * 100)


# (failure, environment changes, exit code, what the line must say)
FAILURES = [
    ("missing index", {}, 1, "No index at"),
    ("garbage pointer", {}, 1, "is damaged (unreadable"),
    ("[] pointer", {}, 1, "is damaged (no generation in []"),
    ("pointer to nowhere", {}, 1, "it names g20990101T000000-abcdef, which is not in"),
    ("corrupt SQLite", {}, 1, "feedback.sqlite3 is damaged"),
    ("malformed REDIS_URL", {"REDIS_URL": "localhost:6379"}, 2, "REDIS_URL is not a Redis URL"),
    ("unwritable data dir", {"KZ_DATA_DIR": "{tmp}/a-file/data"}, 2, "KZ_DATA_DIR"),
    ("Chroma down", {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": "{port}"}, 1, "Chroma server"),
    (
        "Slack unreachable",
        {"SLACK_API_BASE_URL": "http://127.0.0.1:{port}/api/"},
        1,
        "Slack's Web API at http://127.0.0.1:",
    ),
    ("bad embedding backend", {"KZ_EMBEDDING_BACKEND": "gpu"}, 2, "KZ_EMBEDDING_BACKEND"),
]


def test_every_start_up_failure_is_one_line_and_an_exit_code_in_every_mode(
    slack: FakeSlack, seeds_index: Path, tmp_path: Path
) -> None:
    import shutil

    (tmp_path / "a-file").write_text("not a folder")

    def run(failure: tuple, http: bool) -> tuple[str, bool, int, str, str, float]:
        how, changes, code, expected = failure
        folder = tmp_path / f"{how.replace(' ', '-')}-{'http' if http else 'socket'}"
        data_dir = folder / "data"
        shutil.copytree(seeds_index, data_dir)
        _damage(data_dir, how)
        extra = {k: v.format(tmp=tmp_path, port=free_port()) for k, v in changes.items()}
        env = server_env(data_dir, slack, SLACK_APP_TOKEN="xapp-1-test", **extra)
        mode = ["--http", "--port", str(free_port())] if http else []
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "serve", *mode],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return how, http, done.returncode, done.stderr, expected, time.monotonic() - started

    # Both modes run the same start-up checks: every failure in HTTP mode (gunicorn), and
    # one of each kind (index, state file, setting) in Socket Mode.
    in_socket_mode = ("missing index", "corrupt SQLite", "malformed REDIS_URL")
    cases = [(failure, True) for failure in FAILURES]
    cases += [(failure, False) for failure in FAILURES if failure[0] in in_socket_mode]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: run(*case), cases))
    codes = {(f[0], http): f[2] for f, http in cases}
    for how, http, returncode, stderr, expected, seconds in results:
        mode = "HTTP mode" if http else "Socket Mode"
        assert returncode == codes[(how, http)], f"{how} in {mode}: {returncode}\n{stderr}"
        line = _one_error_line(stderr)
        assert expected in line, f"{how} in {mode}: {line}"
        assert seconds < 60, f"{how} in {mode} took {seconds:.0f} s to fail"
    assert len(slack.calls_to("chat.postMessage")) == 0
