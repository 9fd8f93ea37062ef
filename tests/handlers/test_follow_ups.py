"""Thread follow-ups: a reply in a thread the bot answered is answered without a mention,
read with the thread's first question; threads the bot was never asked in stay quiet."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.config import Settings
from handlers.follow_ups import is_acknowledgement
from tests.handlers.conftest import (
    RunningBot,
    context_texts,
    production_deps,
    quote_sections,
    running_bot,
)
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import (
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    FakeSlack,
    mention_event,
    new_ts,
    thread_reply_event,
)

FIRST = "What did NATO discuss in Astana?"


def ask_first(bot: RunningBot, question: str = FIRST) -> dict[str, Any]:
    """A mention answered in its thread; returns the mention event (its ts is the thread)."""
    before = len(bot.replies())
    _, event = bot.mention(question)
    bot.slack.wait_for("chat.postMessage", count=before + 1)
    return event


def assert_no_more_replies(bot: RunningBot, expected: int) -> None:
    """A barrier: one more mention is answered, and nothing else was posted meanwhile."""
    _, barrier = bot.mention("What did NATO say?")
    bot.slack.wait_for("chat.postMessage", count=expected + 1)
    time.sleep(0.1)
    replies = bot.replies()
    assert len(replies) == expected + 1
    assert barrier["ts"] in [r.body["thread_ts"] for r in replies]


def test_a_reply_in_an_answered_thread_is_answered_with_the_first_questions_context(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    first = ask_first(bot)
    response, _ = bot.reply_in_thread("and in 2009?", thread_ts=first["ts"])
    assert response.status == 200

    reply = bot.slack.wait_for("chat.postMessage", count=2)[1].body
    assert reply["channel"] == CHANNEL_ID and reply["thread_ts"] == first["ts"]
    # "and in 2009?" alone means nothing; with the first question it is a real search.
    assert searcher.questions() == [FIRST, f"{FIRST} in:2009"]
    assert reply["blocks"][0]["text"]["text"] == f"{FIRST} in:2009"
    contexts = context_texts(reply["blocks"])
    assert "Searched: since 2009-01-01, before 2010-01-01" in contexts[0]
    sources = [line for line in contexts if " — " in line]
    assert sources and all("26 Jun 2009" in line for line in sources)
    assert quote_sections(reply["blocks"])


def test_every_reply_in_the_thread_borrows_the_first_question_not_the_last(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    first = ask_first(bot)
    bot.reply_in_thread("and in 2009?", thread_ts=first["ts"])
    bot.slack.wait_for("chat.postMessage", count=2)
    bot.reply_in_thread("what about before 2006?", thread_ts=first["ts"])
    bot.slack.wait_for("chat.postMessage", count=3)
    assert searcher.questions()[2] == f"{FIRST} before:2006"


def test_the_bot_stays_quiet_in_threads_it_was_never_asked_in(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    bot.reply_in_thread("and in 2009?", thread_ts=new_ts())
    bot.reply_in_thread(
        "What did NATO discuss in Astana?", thread_ts=new_ts(), channel_type="group"
    )
    assert_no_more_replies(bot, 0)
    assert searcher.questions() == ["What did NATO say?"]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"user": BOT_USER_ID}, id="the-bot-itself"),
        pytest.param({"user": None, "bot_id": BOT_ID}, id="own-bot-id"),
        pytest.param({"user": "U0OTHER", "bot_id": "B0OTHER"}, id="another-bot"),
        pytest.param({"subtype": "channel_join"}, id="other-subtype"),
        pytest.param({"text": "<@U0ALICE> what do you make of it?"}, id="addressed-to-alice"),
        pytest.param({"text": "Thanks, got it :+1:"}, id="thanks"),
        pytest.param({"text": ":tada:"}, id="emoji-only"),
    ],
)
def test_replies_that_are_not_a_persons_follow_up_are_ignored(
    bot: RunningBot, options: dict[str, Any]
) -> None:
    first = ask_first(bot)
    text = options.pop("text", "and in 2009?")
    bot.send.event(thread_reply_event(text, thread_ts=first["ts"], **options))
    assert_no_more_replies(bot, 1)


def test_top_level_channel_messages_are_never_answered(bot: RunningBot) -> None:
    ask_first(bot)
    bot.dm("What did NATO discuss in Astana?", channel=CHANNEL_ID, channel_type="channel")
    assert_no_more_replies(bot, 1)


def test_a_mention_in_an_answered_thread_is_answered_once_with_context(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    # Slack sends both an app_mention and a message.channels event for it.
    first = ask_first(bot)
    ts, text = new_ts(), f"<@{BOT_USER_ID}> and in 2009?"
    bot.send.event(thread_reply_event(text, thread_ts=first["ts"], ts=ts))
    bot.send.event(mention_event(text, ts=ts, thread_ts=first["ts"]))
    assert_no_more_replies(bot, 2)
    assert f"{FIRST} in:2009" in searcher.questions()
    assert [r.body["thread_ts"] for r in bot.replies()].count(first["ts"]) == 2


def test_a_follow_up_in_a_dm_thread_uses_the_first_question(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    _, first = bot.dm(FIRST)
    bot.slack.wait_for("chat.postMessage")
    bot.send.event(
        thread_reply_event(
            "and in 2009?", thread_ts=first["ts"], channel=first["channel"], channel_type="im"
        )
    )
    reply = bot.slack.wait_for("chat.postMessage", count=2)[1].body
    assert reply["thread_ts"] == first["ts"]
    assert searcher.questions() == [FIRST, f"{FIRST} in:2009"]


def test_a_failing_search_on_a_follow_up_apologises_in_the_thread(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    first = ask_first(bot)
    searcher.fail_next(RuntimeError("index exploded"))
    bot.reply_in_thread("and in 2009?", thread_ts=first["ts"])
    apology = bot.slack.wait_for("chat.postMessage", count=2)[1].body
    assert apology["thread_ts"] == first["ts"]
    assert apology["text"].startswith("Sorry — something went wrong while searching")


def test_threads_are_remembered_across_a_restart(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    with running_bot(settings, production_deps(settings, searcher), slack) as first_run:
        first = ask_first(first_run)
    # A new process: new app, new dependencies, the same data dir.
    with running_bot(settings, production_deps(settings, searcher), slack) as second_run:
        second_run.reply_in_thread("and in 2009?", thread_ts=first["ts"])
        reply = slack.wait_for("chat.postMessage", count=2)[1].body
    assert reply["thread_ts"] == first["ts"]
    assert searcher.questions() == [FIRST, f"{FIRST} in:2009"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks!", True),
        ("OK, thank you :pray:", True),
        ("", True),
        ("thanks, and in 2009?", False),
        ("ok what about Uzbekistan?", False),
    ],
)
def test_acknowledgements_ask_nothing(text: str, expected: bool) -> None:
    assert is_acknowledgement(text) is expected
