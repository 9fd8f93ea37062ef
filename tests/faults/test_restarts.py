"""Restarts under a steady stream of mentions, for real: gunicorn's worker killed with
SIGKILL, a graceful reload (SIGHUP), and a full stop and start of the process. Slack is
played by a sender that allows three seconds for each acknowledgement and delivers again
when one fails, as Slack does. No mention is lost and none is answered twice."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from handlers import messages
from tests.faults.conftest import (
    ACK_SECONDS,
    Delivery,
    SlackLike,
    free_port,
    get,
    server_env,
    start_server,
    wait_ready,
)
from tests.handlers.conftest import quote_sections
from tests.slack_fake import FakeSlack, wait_until

pytestmark = pytest.mark.slow

CHANNELS = ("C0STREAM1", "C0STREAM2", "C0STREAM3")
EVERY_SECONDS = 0.25


class Stream:
    """A mention every EVERY_SECONDS until stopped; each delivery tagged with its phase."""

    def __init__(self, url: str) -> None:
        self.slack = SlackLike(url)
        self.phase = "loading"
        self.phases: dict[int, str] = {}
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=16)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Stream:
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            phase = self.phase
            self._pool.submit(self._send, n, phase)
            n += 1
            self._stop.wait(EVERY_SECONDS)

    def _send(self, n: int, phase: str) -> None:
        delivery = self.slack.mention(f"What is KAZBAT? ({n})", channel=CHANNELS[n % 3])
        self.phases[id(delivery)] = phase

    def stop(self) -> list[Delivery]:
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True)
        return list(self.slack.deliveries)


def test_restarts_under_a_steady_stream_lose_no_mention_and_answer_each_once(
    slack: FakeSlack, data_dir: Path, servers, tmp_path: Path
) -> None:
    port = free_port()
    env = server_env(data_dir, slack)
    log = tmp_path / "serve.log"
    first = start_server(env, port, log)
    servers.append(first)
    assert wait_until(lambda: get(port, "/healthz") is not None, 60), first.output()
    assert (get(port, "/readyz") or (0, ""))[0] == 503  # listening, still loading
    stream = Stream(first.events_url).start()

    assert wait_ready(port), first.output()
    stream.phase = "ready"
    time.sleep(1)

    # 1. gunicorn's worker is killed; gunicorn starts another, which loads in the background
    #    and answers what the dead one had acknowledged.
    (worker,) = first.workers()
    stream.phase = "worker killed"
    time.sleep(0.5)  # what the "ready" phase sent has been acknowledged
    os.kill(worker, signal.SIGKILL)
    assert wait_until(lambda: first.workers() not in ([], [worker]), 30)
    time.sleep(1)

    # 2. A graceful reload (SIGHUP, as `systemctl reload` sends), while that worker is still
    #    loading: another new worker, and the port open all along.
    stream.phase = "reload"
    first.process.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert wait_ready(port), first.output()
    stream.phase = "ready again"
    time.sleep(1)

    # 3. The process stopped and started again: the port is closed in between.
    stream.phase = "stop and start"
    time.sleep(0.5)
    stopped_at = time.monotonic()
    assert first.stop() == 0, first.output()
    second = start_server(env, port, log)
    servers.append(second)
    assert wait_until(lambda: get(port, "/healthz") is not None, 60), second.output()
    gap = time.monotonic() - stopped_at
    assert wait_ready(port), second.output()
    stream.phase = "after"
    time.sleep(1)
    deliveries = stream.stop()

    # Every mention acknowledged, within three seconds of the attempt that was answered.
    assert len(deliveries) > 40
    assert all(d.acked for d in deliveries), [d.attempts for d in deliveries if not d.acked]
    for d in deliveries:
        answered = [end - sent for sent, end, status in d.attempts if status == 200]
        assert answered[0] < ACK_SECONDS, d.attempts
    by_phase: dict[str, list[Delivery]] = {}
    for d in deliveries:
        by_phase.setdefault(stream.phases[id(d)], []).append(d)
    # While loading, once ready, across the graceful reload, no delivery even needed a retry.
    for phase in ("loading", "ready", "reload", "ready again", "after"):
        for d in by_phase.get(phase, []):
            assert len(d.attempts) == 1 and d.ack_seconds() < ACK_SECONDS, (phase, d.attempts)
    retried = {phase: sum(len(d.attempts) > 1 for d in found) for phase, found in by_phase.items()}

    # Every mention answered exactly once, with quotes; no apology.
    asked = sorted(str(d.event["ts"]) for d in deliveries)
    answered = lambda: {r.body["thread_ts"] for r in slack.calls_to("chat.postMessage")}  # noqa: E731
    assert wait_until(lambda: len(answered()) >= len(asked), 180), sorted(set(asked) - answered())
    time.sleep(6)  # a resumed question would be answered by now: none may come twice
    replies = slack.calls_to("chat.postMessage")
    assert sorted(r.body["thread_ts"] for r in replies) == asked
    assert not [r for r in replies if r.body["text"] == messages.APOLOGY]
    assert all(quote_sections(r.body["blocks"]) for r in replies)
    output = second.output()
    assert "Traceback" not in output and "Worker failed to boot" not in output
    print(  # the numbers the report quotes (pytest -s shows them)
        f"\n{len(deliveries)} mentions; retried deliveries by phase {retried}; "
        f"port closed {gap:.1f} s during the stop and start"
    )
