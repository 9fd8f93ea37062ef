"""Several replicas, one bot: real processes, as an operator runs them.

One `chroma run` server, one redis-server, one PostgreSQL, the seeds indexed by
`kz-brief index`, and two `kz-brief serve --http` replicas (gunicorn, each its own data dir)
against the fake Slack Web API, all on loopback, all started here and stopped at the end.
Slack's requests go to one replica or the other as a load balancer would send them, and
what one replica wrote the other must know. The processes use the PyTorch backend: the same
model and answers as the default ONNX one, without an export in each process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from handlers import feedback as feedback_buttons
from tests.conftest import REPO, SEEDS
from tests.servers import (
    POSTGRES_PASSWORD,
    POSTGRES_PASSWORD_IN_URL,
    ChromaServer,
    PostgresServer,
    free_port,
    redis_server,
)
from tests.slack_fake import (
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    SIGNING_SECRET,
    FakeSlack,
    Response,
    SlackSender,
    command_body,
    edit_event,
    mention_event,
    new_event_id,
    thread_reply_event,
)

pytestmark = pytest.mark.slow

ADMIN = "UADMIN001"
FIRST = "What did NATO discuss in Astana?"
EDITED = "What did NATO say about Kazakhstan's defence reform?"
NEW_TITLE = "Kazakh sappers train with NATO engineers"
NEW_DOCUMENT = """Kazakh sappers train with NATO engineers

Engineers from three NATO countries spent two weeks at a range outside Almaty this spring
teaching a Kazakh peacekeeping company to find and clear unexploded mortar rounds, the
defence ministry said on Monday.
"""
STARTUP_SECONDS = 240


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    log_file: Any

    @property
    def send(self) -> SlackSender:
        return SlackSender(f"http://127.0.0.1:{self.port}/slack/events")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            return 0, ""

    def generation(self) -> str | None:
        """The generation this replica says (in /metrics) it answers from."""
        status, page = self.get("/metrics")
        if status != 200:
            return None
        for family in text_string_to_metric_families(page):
            for sample in family.samples:
                if sample.name == "kz_brief_index_generation_info":
                    return sample.labels["generation"]
        return None

    def stop(self) -> None:
        """SIGTERM (gunicorn stops gracefully); `wait_stopped` then waits for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


@dataclass
class Stack:
    a: Replica
    b: Replica
    slack: FakeSlack
    env: dict[str, str]
    seeds: Path

    def kz_brief(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`kz-brief ARGS` as an admin runs it on any machine pointed at the stack."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def wait_until(predicate, timeout: float, what: str, processes=()) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: a process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)


def start_replica(name: str, env: dict[str, str], data_dir: Path, logs: Path) -> Replica:
    port = free_port()
    log = logs / f"{name}.log"
    log_file = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port), "--threads", "8"],
        env={**env, "KZ_DATA_DIR": str(data_dir)},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    return Replica(name, port, process, log, log_file)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("topology")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    chroma = ChromaServer(root / "chroma")
    chroma.start()
    replicas: list[Replica] = []
    try:
        with redis_server(root) as redis_url, FakeSlack() as slack:
            env = {
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": str(REPO),
                "HOME": str(root),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False",
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_BASE_URL": slack.base_url,
                "KZ_ADMIN_USERS": ADMIN,
                "KZ_SEEDS_DIR": str(seeds),
                "KZ_DATA_DIR": str(root / "admin"),
                "KZ_EMBEDDING_BACKEND": "torch",
                "CHROMA_HOST": "127.0.0.1",
                "CHROMA_PORT": str(chroma.port),
                "REDIS_URL": redis_url,
                "KZ_DATABASE_URL": postgres.create_database("topology"),
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
            }
            index = subprocess.run(
                [sys.executable, "-m", "bot", "index"],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert index.returncode == 0, index.stderr
            replicas = [
                start_replica(name, env, root / f"replica-{name}", root) for name in ("a", "b")
            ]
            # Ready, not only alive: each loads its model and index in the background.
            wait_until(
                lambda: all(r.get("/readyz")[0] == 200 for r in replicas),
                STARTUP_SECONDS,
                "both replicas serving",
                [r.process for r in replicas],
            )
            yield Stack(replicas[0], replicas[1], slack, env, seeds)
    finally:
        for replica in replicas:
            replica.stop()
        for replica in replicas:
            replica.wait_stopped()
        chroma.stop()


def ack_text(response: Response) -> str:
    assert response.status == 200
    return response.json()["text"] if response.body.startswith("{") else response.body


def command(replica: Replica, slack: FakeSlack, text: str, name: str) -> tuple[str, str]:
    url = slack.response_url(name)
    response = replica.send.post(
        command_body(text, response_url=url, user=ADMIN), "application/x-www-form-urlencoded"
    )
    return ack_text(response), url


def test_two_replicas_behave_as_one_bot(stack: Stack) -> None:
    slack, a, b = stack.slack, stack.a, stack.b

    # A question answered by replica A.
    asked = mention_event(f"<@{BOT_USER_ID}> {FIRST}")
    asked_id = new_event_id()
    assert a.send.event(asked, event_id=asked_id).status == 200
    (answer,) = slack.wait_for("chat.postMessage", timeout=60)
    assert answer.body["thread_ts"] == asked["ts"]
    answer_ts = slack.thread_messages(CHANNEL_ID, asked["ts"])[0]["ts"]

    # Its thread follow-up, sent to replica B, is read with the first question.
    reply = thread_reply_event("and in 2009?", thread_ts=asked["ts"])
    assert b.send.event(reply).status == 200
    follow_up = slack.wait_for("chat.postMessage", count=2, timeout=60)[1].body
    assert follow_up["thread_ts"] == asked["ts"]
    assert follow_up["blocks"][0]["text"]["text"] == f"{FIRST} in:2009"

    # An edit of the question, sent to B, updates A's answer in place, once.
    edit = edit_event(
        channel=CHANNEL_ID,
        ts=asked["ts"],
        old_text=asked["text"],
        new_text=f"<@{BOT_USER_ID}> {EDITED}",
        user=asked["user"],
    )
    assert b.send.event(edit).status == 200
    (update,) = slack.wait_for("chat.update", timeout=60)
    assert (update.body["channel"], update.body["ts"]) == (CHANNEL_ID, answer_ts)
    assert update.body["blocks"][0]["text"]["text"] == EDITED

    # Slack retries A's first event; the retry reaches B and is not answered again.
    assert b.send.event(asked, event_id=asked_id, retry_num=1).status == 200
    barrier = mention_event(f"<@{BOT_USER_ID}> What is KAZBAT?")
    assert b.send.event(barrier).status == 200
    posted = slack.wait_for("chat.postMessage", count=3, timeout=60)
    time.sleep(1.0)
    assert (
        len(slack.calls_to("chat.postMessage")) == 3
        and posted[2].body["thread_ts"] == barrier["ts"]
    )
    assert len(slack.calls_to("chat.update")) == 1

    # Feedback clicks through both replicas are stored once each, in one database.
    rows = [r for r in answer.body["blocks"] if r.get("block_id", "").startswith("feedback")]
    useful, outdated, _ = rows[0]["elements"]
    clicks = [
        (a, outdated, "U0ANNA", "Thanks — noted as Outdated."),
        (b, outdated, "U0BORIS", "Thanks — noted as Outdated."),
        (b, outdated, "U0ANNA", "You already flagged this passage as Outdated."),
        (a, useful, "U0BORIS", "Thanks — noted as Useful."),
    ]
    for n, (replica, button, user, expected) in enumerate(clicks):
        url = slack.response_url(f"click-{n}")
        replica.send.action(
            value=button["value"], action_id=button["action_id"], response_url=url, user=user
        )
        assert slack.wait_for(url, timeout=30)[0].body["text"] == expected
    listed = stack.kz_brief("feedback", "--json")
    assert listed.returncode == 0, listed.stderr
    passages = [json.loads(line) for line in listed.stdout.splitlines()]
    flagged = feedback_buttons.decode(outdated["value"])
    (mine,) = [p for p in passages if p["chunk_id"] == flagged.chunk_id]
    assert mine["counts"] == {"useful": 1, "outdated": 2, "wrong_source": 0}
    assert len(passages) == 1

    # `/kz-brief reindex` through A: one at a time across replicas, then both serve it.
    before = a.generation()
    assert before is not None and b.generation() == before
    (stack.seeds / "sappers-2024.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    (stack.seeds / "sappers-2024.meta.toml").write_text(
        f'title = "{NEW_TITLE}"\npublished = 2024-04-15\n', encoding="utf-8"
    )
    ack, summary_url = command(a, slack, "reindex", "reindex-a")
    assert ack.startswith("Re-index started…")
    ack, refused_url = command(b, slack, "reindex", "reindex-b")
    assert ack.startswith("A re-index is already running")
    summary = slack.wait_for(summary_url, timeout=180)[0].body
    text = json.dumps(summary, ensure_ascii=False)
    assert "Re-index finished: documents 1 added, 0 updated, 0 removed, 2 unchanged." in text
    assert slack.calls_to(refused_url) == []
    after = a.generation()
    assert after not in (None, before) and f"now serving generation {after}" in text
    wait_until(lambda: b.generation() == after, 120, "replica B serving the new generation")
    for replica, name in ((b, "new-on-b"), (a, "new-on-a")):
        question = mention_event(f"<@{BOT_USER_ID}> Who trained Kazakh sappers near Almaty?")
        count = len(slack.calls_to("chat.postMessage"))
        assert replica.send.event(question).status == 200
        reply_body = slack.wait_for("chat.postMessage", count=count + 1, timeout=60)[count].body
        assert NEW_TITLE in json.dumps(reply_body, ensure_ascii=False), name


def test_replicas_log_json_lines_with_request_fields_and_no_secrets(stack: Stack) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> Who is Altynbayev?")
    event_id = new_event_id()
    count = len(stack.slack.calls_to("chat.postMessage"))
    assert stack.b.send.event(event, event_id=event_id).status == 200
    stack.slack.wait_for("chat.postMessage", count=count + 1, timeout=60)
    time.sleep(0.5)
    secrets = (BOT_TOKEN, SIGNING_SECRET, POSTGRES_PASSWORD, POSTGRES_PASSWORD_IN_URL)
    for replica in (stack.a, stack.b):
        text = replica.log.read_text(encoding="utf-8")
        entries = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
        assert any(e["logger"].startswith("gunicorn") for e in entries)  # its lines too
        for secret in secrets:
            assert secret not in text, replica.name
        assert "Altynbayev" not in text  # questions only at DEBUG
    entries = [json.loads(line) for line in stack.b.log.read_text().splitlines() if line.strip()]
    mine = [e for e in entries if e.get("event_id") == event_id]
    assert {e["message"].split(" ", 1)[0] for e in mine} >= {"Acknowledged", "Answered"}
    assert all(e["kind"] == "mention" and e["channel"] == CHANNEL_ID for e in mine)
    assert all(isinstance(e["latency_ms"], int) for e in mine if "latency_ms" in e)
