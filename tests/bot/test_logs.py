"""LOG_FORMAT=json: one JSON object per line, each request's lines carrying its event id,
kind, channel and latency (also from the threads that answer later); secrets never, and
people's questions only at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.logs import configure_logging
from handlers.logcontext import RequestLogFields
from tests.handlers import conftest as handler_fixtures
from tests.handlers.conftest import production_deps, running_bot
from tests.handlers.fake_searcher import ControlledSearcher
from tests.servers import POSTGRES_PASSWORD, POSTGRES_PASSWORD_IN_URL
from tests.slack_fake import (
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    SIGNING_SECRET,
    FakeSlack,
    mention_event,
    new_event_id,
)

clean_slack_env = handler_fixtures.clean_slack_env
searcher = handler_fixtures.searcher
slack = handler_fixtures.slack
data_dir = handler_fixtures.data_dir
settings = handler_fixtures.settings

QUESTION = "What did Rogozin say about the Astana forum?"


def _our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if type(h).__name__ == "_KzBriefHandler"]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """A buffer for what `kz-brief serve` logs with LOG_FORMAT=json (see `configure`)."""
    yield io.StringIO()
    for handler in _our_handlers():
        logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


def configure(level: str, stream: io.StringIO) -> None:
    """The serve command's set-up, its stderr handler pointed at `stream`."""
    configure_logging(level, "json", context=RequestLogFields())
    for handler in _our_handlers():
        handler.setStream(stream)


def answer_one_mention(
    settings: Settings,
    searcher: ControlledSearcher,
    slack: FakeSlack,
    level: str,
    stream: io.StringIO,
) -> str:
    configure(level, stream)
    event_id = new_event_id()
    with running_bot(settings, production_deps(settings, searcher), slack) as bot:
        bot.send.event(mention_event(f"<@{BOT_USER_ID}> {QUESTION}"), event_id=event_id)
        bot.slack.wait_for("chat.postMessage")
    return event_id


def read_lines(stream: io.StringIO) -> list[dict]:
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_each_request_is_followed_by_its_event_id_across_threads(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack, json_log: io.StringIO
) -> None:
    shared = replace(settings, database_url=None)
    event_id = answer_one_mention(shared, searcher, slack, "INFO", json_log)
    entries = read_lines(json_log)
    mine = [e for e in entries if e.get("event_id") == event_id]
    acknowledged = next(e for e in mine if e["message"].startswith("Acknowledged mention"))
    answered = next(e for e in mine if e["message"].startswith("Answered mention"))
    for entry in (acknowledged, answered):
        assert entry["kind"] == "mention" and entry["channel"] == CHANNEL_ID
        assert entry["level"] == "INFO" and entry["logger"].startswith(("bot.", "handlers."))
        assert isinstance(entry["latency_ms"], int) and entry["latency_ms"] >= 0
        assert entry["time"].endswith("+00:00")
    assert acknowledged["latency_ms"] < 3000
    # The answer was written on another thread than the acknowledgement, same fields.
    assert len({e["logger"] for e in mine}) >= 2


def test_questions_only_at_debug_and_secrets_never(
    settings: Settings,
    searcher: ControlledSearcher,
    slack: FakeSlack,
    json_log: io.StringIO,
    tmp_path,
) -> None:
    with_db = replace(settings, database_url=f"sqlite:///{tmp_path / 'fb.sqlite3'}")
    answer_one_mention(with_db, searcher, slack, "INFO", json_log)
    at_info = json_log.getvalue()
    assert QUESTION not in at_info and "Rogozin" not in at_info

    json_log.seek(0)
    json_log.truncate()
    answer_one_mention(with_db, searcher, slack, "DEBUG", json_log)
    at_debug = json_log.getvalue()
    assert QUESTION in at_debug
    for text in (at_info, at_debug):
        assert BOT_TOKEN not in text and SIGNING_SECRET not in text


def test_a_database_password_is_never_logged(
    settings: Settings,
    searcher: ControlledSearcher,
    slack: FakeSlack,
    json_log: io.StringIO,
    postgres_url: str,
) -> None:
    with_db = replace(settings, database_url=postgres_url)
    answer_one_mention(with_db, searcher, slack, "DEBUG", json_log)
    text = json_log.getvalue()
    assert "postgresql://kzadmin:***@127.0.0.1" in text  # where feedback goes, shown
    assert POSTGRES_PASSWORD not in text and POSTGRES_PASSWORD_IN_URL not in text
