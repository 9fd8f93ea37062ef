"""The reply builders' extension point: who asked reaches a builder (for admin checks)."""

from __future__ import annotations

import pytest

from handlers import replies
from handlers.replies import Ask, Reply
from tests.handlers.conftest import RunningBot
from tests.slack_fake import USER_ID


def test_builders_see_who_asked_and_whether_the_answer_is_shareable(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Ask] = []

    def spy(deps: object, ask: Ask) -> Reply:
        seen.append(ask)
        return Reply("spied", [])

    monkeypatch.setitem(replies.BUILDERS, "sources", spy)
    bot.send.command("sources", response_url=bot.slack.response_url())
    bot.slack.wait_for(bot.slack.response_url())
    bot.mention("sources")
    bot.slack.wait_for("chat.postMessage")
    assert seen == [Ask("", USER_ID, share=True), Ask("", USER_ID, share=False)]
