"""Hostile or careless input, for real: files from outside the corpus, text that looks like
markup, forged requests and clicks. Each is refused or shown as it is, in one line."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from handlers import feedback, messages
from store.state.feedback import open_feedback
from tests.conftest import REPO, SEEDS, FakeEncoder
from tests.handlers import conftest as handler_fixtures
from tests.handlers.conftest import RunningBot, quote_sections
from tests.slack_fake import BOT_USER_ID, USER_ID, event_body, mention_event, sign

bot = handler_fixtures.bot
searcher = handler_fixtures.searcher
slack = handler_fixtures.slack
data_dir = handler_fixtures.data_dir
settings = handler_fixtures.settings

MEMO = "The private memo: the merger closes on Friday and nobody outside this room may know."


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    monkeypatch.setenv("KZ_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("KZ_DATA_DIR", str(tmp_path / "data"))
    fake = FakeEncoder(model_id="all-MiniLM-L6-v2")
    monkeypatch.setattr("bot.runtime.encoder_for", lambda settings: fake)
    return seeds


def test_a_link_to_a_private_file_is_never_indexed_or_quoted(corpus: Path, tmp_path: Path) -> None:
    private = tmp_path / "home" / "memo.txt"
    private.parent.mkdir()
    private.write_text(MEMO, encoding="utf-8")
    (corpus / "notes.txt").symlink_to(private)
    indexed = run("index")
    assert indexed.exit_code == 0, indexed.output
    assert (
        "notes.txt: a symbolic link to" in indexed.stdout
        and "outside the seeds folder" in indexed.stdout
    )
    answer = json.loads(run("ask", "--json", "private memo merger closes Friday").stdout)
    assert not any("merger" in hit["quote"] for hit in answer["results"])
    assert "merger" not in run("status").stdout


# Runs a command and prints the peak memory of it alone (this test process's own children
# include every earlier subprocess of the session).
PEAK_MEMORY = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
sys.exit(done.returncode)
"""


def test_explain_reads_at_most_the_size_limit_even_from_dev_zero(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    env = {**os.environ, "PYTHONPATH": str(REPO), "KZ_DATA_DIR": str(tmp_path / "data")}
    env["KZ_MAX_DOCUMENT_MB"] = "20"
    started = time.monotonic()
    command = [sys.executable, "-m", "bot", "index", "--explain", "/dev/zero"]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    peak_mb = int(done.stdout.strip())
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "Error: /dev/zero is larger than 20 MB (KZ_MAX_DOCUMENT_MB): not read further."
    )
    assert peak_mb < 400, f"{peak_mb} MB to refuse /dev/zero"
    assert time.monotonic() - started < 30


HOSTILE_TITLE = "Kazakhstan [/bold] and NATO [in Russian] [red]talks[/red]"


def test_titles_that_look_like_rich_markup_are_shown_as_they_are(corpus: Path) -> None:
    meta = corpus / "caci-2005-kazakhstan-legal-basis-nato.meta.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(
        "\n".join(
            f"title = {json.dumps(HOSTILE_TITLE)}" if line.startswith("title") else line
            for line in text.splitlines()
        ),
        encoding="utf-8",
    )
    assert run("index").exit_code == 0
    status = run("status")
    assert status.exit_code == 0, status.output
    flat = " ".join(status.stdout.replace("│", " ").split())
    assert "[in Russian]" in flat and "[/bold]" in flat and "[red]talks[/red]" in flat

    store = open_feedback(Path(os.environ["KZ_DATA_DIR"]))
    store.record("U1", "caci:1", "caci", "outdated", title=HOSTILE_TITLE, excerpt="[/] [b]x")
    store.close()
    shown = run("feedback")
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.stdout.replace("│", " ").split())
    assert "[in Russian]" in flat and "[/bold]" in flat and "[/] [b]x" in flat


def test_ask_before_any_index_says_so_at_once_without_loading_the_model(tmp_path: Path) -> None:
    """A fresh checkout: the default backend (onnx-int8) would export the model first."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "KZ_DATA_DIR": str(tmp_path / "data")}
    env.pop("KZ_EMBEDDING_BACKEND", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "What is KAZBAT?"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: No index at {tmp_path / 'data' / 'index'} yet: run `kz-brief index` "
        "(or `make index`)."
    ]
    assert not (tmp_path / "data" / "models").exists()  # no ONNX export
    assert time.monotonic() - started < 20


# --- Slack requests that are not what they claim ---------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}, "{}", 401),
        ({"X-Slack-Request-Timestamp": "1e9"}, "{}", 401),
        # Bolt reads the body before it checks the signature: refused as unreadable.
        ({}, "{not json", 400),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "payload=%7Bnope", 400),
        ({}, b"\xff\xfe\x00 not utf-8", 400),
        ({"Content-Length": "99999999999"}, "{}", 413),
    ],
)
def test_malformed_requests_get_a_4xx_and_no_traceback(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, headers: dict, body, status: int
) -> None:
    import http.client

    data = body if isinstance(body, bytes) else body.encode()
    host, port = bot.url.split("//")[1].split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    sent = {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}
    with caplog.at_level(logging.DEBUG):
        connection.putrequest("POST", "/slack/events")
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(data)
        got = connection.getresponse().status
    connection.close()
    assert got == status
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def test_a_signed_request_whose_body_is_not_json_is_refused_without_a_traceback(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = bot.send.post("{not json at all", "application/json")
    assert 400 <= response.status < 500
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def click(bot: RunningBot, value: str, name: str) -> str:
    url = bot.slack.response_url(name)
    response = bot.send.action(
        value=value, action_id="feedback_outdated", response_url=url, block_id="feedback-0"
    )
    assert response.status == 200
    return bot.slack.wait_for(url)[0].body["text"]


def test_feedback_on_passages_that_do_not_exist_or_with_huge_values_is_refused(
    bot: RunningBot, data_dir: Path
) -> None:
    bot.mention("What did NATO discuss in Astana?")
    blocks = bot.slack.wait_for("chat.postMessage")[0].body["blocks"]
    real = feedback.decode(
        next(b for b in blocks if b["type"] == "actions")["elements"][0]["value"]
    )
    forged = json.dumps({"c": "nowhere:999", "d": real.doc_id, "t": "x", "x": "y"})
    assert click(bot, forged, "forged") == messages.FEEDBACK_UNKNOWN_PASSAGE
    huge = json.dumps({"c": real.chunk_id, "d": real.doc_id, "t": "T" * 5000, "x": ""})
    assert click(bot, huge, "huge") == messages.FEEDBACK_UNKNOWN_PASSAGE
    # The right ids with a made-up title: counted, but with the passage's own title.
    lying = json.dumps({"c": real.chunk_id, "d": real.doc_id, "t": "<!channel> lies", "x": "z"})
    assert click(bot, lying, "lying") == messages.feedback_thanks("Outdated")
    stored = open_feedback(data_dir).passages()
    assert [(p.chunk_id, p.title) for p in stored] == [(real.chunk_id, real.title)]


def test_formatting_characters_in_a_question_are_shown_not_applied(bot: RunningBot) -> None:
    question = "`rm -rf` *pancakes* _recipe_ ~please~"
    bot.send.event(mention_event(f"<@{BOT_USER_ID}> {question}"))
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert reply["blocks"][0]["text"] == {"type": "plain_text", "text": question}
    mrkdwn = [
        text
        for block in reply["blocks"][1:]
        for text in [(block.get("text") or {}).get("text", "")]
        + [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
        if "pancakes" in text
    ] + [reply["text"]]
    assert len(mrkdwn) >= 2  # the no-match line and the notification text
    for text in mrkdwn:
        for marked in ("`rm -rf`", "*pancakes*", "_recipe_", "~please~"):
            assert marked not in text, text
        assert "\u200b*\u200bpancakes\u200b*\u200b" in text
    assert not quote_sections(reply["blocks"])


def test_an_unsigned_event_with_a_good_timestamp_is_still_refused(bot: RunningBot) -> None:
    body = event_body(mention_event(f"<@{BOT_USER_ID}> hello", user=USER_ID))
    headers = {**sign(body, secret="not-the-secret")}
    assert bot.send.post(body, "application/json", headers=headers, signed=False).status == 401
