"""The App Home tab, published with views.publish when a user opens it."""

from __future__ import annotations

import json
import time

from handlers import blocks
from tests.handlers.conftest import TODAY, RunningBot
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import USER_ID, home_opened_event


def test_opening_home_publishes_what_the_bot_knows_and_how_to_ask(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    assert bot.send.event(home_opened_event()).status == 200
    call = bot.slack.wait_for("views.publish")[0]
    assert call.body["user_id"] == USER_ID
    view = json.dumps(call.body["view"], ensure_ascii=False)
    for doc in searcher.documents():
        assert blocks.document_line(doc, TODAY) in view
    for expected in (
        "2 Nov 2005 · 20 years old",
        "26 Jun 2009 · 17 years old",
        blocks.escape(searcher.info().built_at),
        "/kz-brief",
        "since:2008",
        "brief TOPIC",
        "Try asking",
    ):
        assert expected in view


def test_the_messages_tab_does_not_republish_home(bot: RunningBot) -> None:
    bot.send.event(home_opened_event(tab="messages"))
    bot.send.event(home_opened_event())
    bot.slack.wait_for("views.publish")
    time.sleep(0.2)
    assert len(bot.slack.calls_to("views.publish")) == 1


def test_home_still_publishes_when_the_index_is_unavailable(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.fail_next(RuntimeError("no index yet"))
    bot.send.event(home_opened_event())
    view = json.dumps(bot.slack.wait_for("views.publish")[0].body["view"])
    assert "kz-brief index" in view
