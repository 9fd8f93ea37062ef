"""Feedback end to end: clicks through the real app over HTTP are stored in the data dir,
listed by `kz-brief feedback`, and still there (and still counted once) after a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from handlers import feedback
from tests.handlers import conftest as handler_fixtures
from tests.handlers.conftest import RunningBot, production_deps, running_bot
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import FakeSlack

clean_slack_env = handler_fixtures.clean_slack_env
searcher = handler_fixtures.searcher
slack = handler_fixtures.slack
data_dir = handler_fixtures.data_dir
settings = handler_fixtures.settings


def buttons(bot: RunningBot, question: str) -> list[dict[str, Any]]:
    """The feedback rows of the bot's answer to `question` (one row per passage)."""
    before = len(bot.replies())
    bot.mention(question)
    blocks = bot.slack.wait_for("chat.postMessage", count=before + 1)[before].body["blocks"]
    return [b["elements"] for b in blocks if b.get("block_id", "").startswith("feedback")]


def click(bot: RunningBot, button: dict[str, Any], user: str, name: str) -> str:
    url = bot.slack.response_url(name)
    bot.send.action(
        value=button["value"], action_id=button["action_id"], response_url=url, user=user
    )
    return bot.slack.wait_for(url)[0].body["text"]


def feedback_table(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KZ_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps the table to the terminal's width
    result = CliRunner().invoke(cli, ["feedback"])
    assert result.exit_code == 0, result.output
    return result.output


def test_clicks_are_stored_listed_by_the_cli_and_survive_a_restart(
    settings: Settings,
    searcher: ControlledSearcher,
    slack: FakeSlack,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "No feedback yet." in feedback_table(data_dir, monkeypatch)

    with running_bot(settings, production_deps(settings, searcher), slack) as bot:
        rows = buttons(bot, "What did NATO discuss in Astana?")
        useful, outdated, wrong = rows[0]
        assert click(bot, outdated, "U0ANNA", "a1") == "Thanks — noted as Outdated."
        assert click(bot, outdated, "U0ANNA", "a2").startswith("You already flagged")
        assert click(bot, outdated, "U0BORIS", "b1") == "Thanks — noted as Outdated."
        assert click(bot, wrong, "U0BORIS", "b2") == "Thanks — noted as Wrong source."
        assert click(bot, rows[1][0], "U0ANNA", "a3") == "Thanks — noted as Useful."

    flagged = feedback.decode(outdated["value"])
    liked = feedback.decode(rows[1][0]["value"])
    table = feedback_table(data_dir, monkeypatch)
    lines = table.splitlines()
    # The most flagged passage first: 0 useful, 2 outdated, 1 wrong source.
    flagged_line = next(i for i, line in enumerate(lines) if flagged.title[:30] in line)
    assert [cell.strip() for cell in lines[flagged_line].split("│")[3:6]] == ["0", "2", "1"]
    assert flagged.chunk_id in table and flagged.doc_id in table
    assert liked.chunk_id in table
    assert flagged.excerpt[:40] in table

    # A restart: a new app and new stores over the same data dir.
    with running_bot(settings, production_deps(settings, searcher), slack) as bot:
        again = buttons(bot, "What did NATO discuss in Astana?")[0][1]
        assert feedback.decode(again["value"]).chunk_id == flagged.chunk_id
        assert click(bot, again, "U0ANNA", "after").startswith("You already flagged")
    assert feedback_table(data_dir, monkeypatch) == table
