"""`/kz-brief reindex`: admins re-index in the background and get the summary; others are
politely refused; one re-index at a time; a failure is reported, not swallowed."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import make_deps
from bot.cli import cli
from bot.config import Settings
from store.index.generations import LocalGenerations
from store.search.searcher import Searcher
from tests.handlers.conftest import ADMIN_ID, TODAY, RunningBot, production_deps, running_bot
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import BOT_TOKEN, SIGNING_SECRET, USER_ID, FakeSlack, command_body

NEW_DOCUMENT = """Kazakhstan and NATO sign a demining accord

Kazakhstan and NATO signed an accord on Tuesday under which alliance engineers will train
Kazakh sappers to clear old Soviet minefields near Semipalatinsk, officials in Astana said.
"""


def command(bot: RunningBot, text: str, name: str, user: str = ADMIN_ID) -> tuple[str, str]:
    """Send `/kz-brief TEXT` as `user`; returns the acknowledgement text and the response URL."""
    url = bot.slack.response_url(name)
    response = bot.send.post(
        command_body(text, response_url=url, user=user), "application/x-www-form-urlencoded"
    )
    assert response.status == 200 and response.seconds < 3.0
    # Bolt sends an acknowledgement with only text as plain text, which Slack shows privately.
    body = response.body
    return (response.json()["text"] if body.startswith("{") else body), url


@pytest.fixture
def index_copy(tmp_path: Path, seeds_index: Path, seeds_copy: Path, slack: FakeSlack) -> Settings:
    """Settings over a private copy of the seeds index and of seeds/, for a real re-index."""
    data_dir = tmp_path / "reindex-data"
    shutil.copytree(seeds_index, data_dir)
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "KZ_DATA_DIR": str(data_dir),
            "KZ_SEEDS_DIR": str(seeds_copy),
            "KZ_ADMIN_USERS": f"{ADMIN_ID}, U0OTHERADMIN",
            # The backend that built the copied index: its vectors are reused, not remade.
            "KZ_EMBEDDING_BACKEND": "torch",
        }
    )


@pytest.fixture
def bot_over_copy(index_copy: Settings, real_encoder, slack: FakeSlack) -> Iterator[RunningBot]:
    """The real app with the real `make_deps` (so the real re-index), searching the copy."""
    searcher = Searcher(LocalGenerations(index_copy.data_dir / "index"), real_encoder)
    searcher.load()
    deps = replace(make_deps(index_copy, ControlledSearcher(searcher)), today=lambda: TODAY)
    with running_bot(index_copy, deps, slack) as bot:
        yield bot


def test_an_admin_reindexes_from_slack_and_the_bot_answers_from_the_new_index(
    bot_over_copy: RunningBot, index_copy: Settings
) -> None:
    bot = bot_over_copy
    (index_copy.seeds_dir / "demining-2012.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    (index_copy.seeds_dir / "demining-2012.meta.toml").write_text(
        'title = "Kazakhstan and NATO sign a demining accord"\npublished = 2012-03-06\n',
        encoding="utf-8",
    )
    ack, url = command(bot, "reindex", "reindex")
    assert ack.startswith("Re-index started…")

    summary = bot.slack.wait_for(url, timeout=60)[0].body
    assert summary["response_type"] == "ephemeral"
    text = json.dumps(summary, ensure_ascii=False)
    assert "Re-index finished: documents 1 added, 0 updated, 0 removed, 2 unchanged." in text
    assert "now serving generation" in text

    # The summary says "now serving": this bot answers from the new generation at once.
    bot.mention("Who will train Kazakh sappers to clear Soviet minefields? since:2012")
    reply = json.dumps(bot.slack.wait_for("chat.postMessage")[0].body, ensure_ascii=False)
    assert "Kazakhstan and NATO sign a demining accord" in reply
    assert "6 Mar 2012 · 14 years old" in reply


def test_anyone_else_is_refused_politely_and_nothing_runs(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    ran: list[bool] = []
    deps = replace(production_deps(settings, searcher), reindex=lambda: ran.append(True) or "")
    with running_bot(settings, deps, slack) as bot:
        ack, url = command(bot, "reindex", "refused", user=USER_ID)
        assert ack.startswith("Only kz-brief admins can re-index; ask one of them")
        assert f"<@{ADMIN_ID}>" in ack and "`kz-brief index`" in ack
        # In a mention it is not run either; it points at the slash command.
        bot.mention("reindex")
        reply = bot.slack.wait_for("chat.postMessage")[0].body
        assert "/kz-brief reindex" in reply["text"]
    assert ran == [] and slack.calls_to(url) == []


def test_one_reindex_at_a_time_and_a_failure_is_reported(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    release = threading.Event()
    outcomes = iter(["Re-index finished: documents 0 added.", RuntimeError("seeds/ is missing")])

    def reindex() -> str:
        release.wait(10)
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    deps = replace(production_deps(settings, searcher), reindex=reindex)
    with running_bot(settings, deps, slack) as bot:
        ack, first_url = command(bot, "reindex", "first")
        assert ack.startswith("Re-index started…")
        ack, second_url = command(bot, "reindex", "second")
        assert ack.startswith("A re-index is already running")
        # Questions are still answered while it runs.
        bot.mention("What did NATO say?")
        bot.slack.wait_for("chat.postMessage")
        release.set()
        assert "documents 0 added" in bot.slack.wait_for(first_url)[0].body["text"]
        assert slack.calls_to(second_url) == []

        ack, third_url = command(bot, "reindex", "third")
        assert ack.startswith("Re-index started…")
        failure = bot.slack.wait_for(third_url)[0].body
        assert failure["text"] == "Re-index failed: seeds/ is missing"


def test_without_a_reindex_function_admins_are_told_to_use_the_cli(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    deps = replace(production_deps(settings, searcher), reindex=None)
    with running_bot(settings, deps, slack) as bot:
        ack, _ = command(bot, "reindex", "none")
        assert "run `kz-brief index`" in ack


def test_with_redis_one_reindex_runs_across_replicas_and_the_cli_waits_its_turn(
    settings: Settings,
    searcher: ControlledSearcher,
    slack: FakeSlack,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = replace(settings, redis_url=redis_url)
    release = threading.Event()
    runs: list[str] = []

    def slow_reindex() -> str:
        runs.append("ran")
        release.wait(10)
        return "Re-index finished: documents 0 added."

    deps_a = replace(production_deps(shared, searcher), reindex=slow_reindex)
    deps_b = replace(production_deps(shared, searcher), reindex=slow_reindex)
    with running_bot(shared, deps_a, slack) as replica_a, running_bot(shared, deps_b, slack) as b:
        ack, url_a = command(replica_a, "reindex", "on-a")
        assert ack.startswith("Re-index started…")
        ack, url_b = command(b, "reindex", "on-b")
        assert ack.startswith("A re-index is already running")
        # `kz-brief index` with the same REDIS_URL refuses too, instead of racing it.
        monkeypatch.setenv("REDIS_URL", redis_url)
        monkeypatch.setenv("KZ_DATA_DIR", str(shared.data_dir))
        result = CliRunner().invoke(cli, ["index"])
        assert result.exit_code == 1 and "A re-index is already running" in result.output

        release.set()
        assert "documents 0 added" in replica_a.slack.wait_for(url_a)[0].body["text"]
        ack, url_b = command(b, "reindex", "on-b-later")
        assert ack.startswith("Re-index started…")
        b.slack.wait_for(url_b)
    assert runs == ["ran", "ran"]
