"""Direct messages: a person's DM is answered once; bots, edits and deletions are ignored."""

from __future__ import annotations

import time

import pytest

from tests.handlers.conftest import RunningBot, quote_sections
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import (
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    USER_ID,
    mention_event,
    message_event,
    new_ts,
)


def assert_answered_exactly(bot: RunningBot, threads: list[str]) -> None:
    """Send one more DM and wait for its reply: everything sent before it has been handled
    by then (a barrier instead of a fixed sleep), so replies must be `threads` + that one."""
    _, barrier = bot.dm("What did NATO say?")
    bot.slack.wait_for("chat.postMessage", count=len(threads) + 1)
    time.sleep(0.1)
    assert sorted(c.body["thread_ts"] for c in bot.replies()) == sorted([*threads, barrier["ts"]])


def test_a_direct_message_is_answered_in_the_dm(bot: RunningBot) -> None:
    response, event = bot.dm("What did NATO say about Kazakhstan?")
    assert response.status == 200
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert reply["channel"] == DM_CHANNEL_ID
    assert reply["thread_ts"] == event["ts"]
    assert quote_sections(reply["blocks"])


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(message_event("my own answer", user=BOT_USER_ID), id="own-user"),
        pytest.param(message_event("a bot", user=None, bot_id=BOT_ID), id="own-bot-id"),
        pytest.param(message_event("other bot", user="U0OTHER", bot_id="B0OTHER"), id="other-bot"),
        pytest.param(
            message_event(
                "",
                user=None,
                subtype="message_changed",
                message={"text": "edited NATO question", "user": USER_ID, "ts": new_ts()},
            ),
            id="edit",
        ),
        pytest.param(
            message_event("", user=None, subtype="message_deleted", deleted_ts=new_ts()),
            id="deletion",
        ),
        pytest.param(message_event("joined", subtype="channel_join"), id="other-subtype"),
        pytest.param(
            message_event("NATO?", channel=CHANNEL_ID, channel_type="channel"), id="channel"
        ),
    ],
)
def test_messages_that_are_not_a_persons_new_dm_are_ignored(
    bot: RunningBot, event: dict[str, object]
) -> None:
    assert bot.send.event(event).status == 200
    assert_answered_exactly(bot, [])


def test_a_mention_in_a_channel_is_answered_once_even_if_a_message_event_also_arrives(
    bot: RunningBot,
) -> None:
    ts = new_ts()
    text = f"<@{BOT_USER_ID}> What did NATO say?"
    bot.send.event(mention_event(text, ts=ts))
    bot.send.event(message_event(text, ts=ts, channel=CHANNEL_ID, channel_type="channel"))
    assert_answered_exactly(bot, [ts])


def test_a_mention_inside_a_dm_is_answered_once(bot: RunningBot) -> None:
    ts = new_ts()
    text = f"<@{BOT_USER_ID}> What did NATO say?"
    bot.send.event(message_event(text, ts=ts))
    bot.send.event(mention_event(text, ts=ts, channel=DM_CHANNEL_ID))
    assert_answered_exactly(bot, [ts])


def test_a_failing_search_in_a_dm_apologises_there(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.fail_next(RuntimeError("index exploded"))
    _, event = bot.dm("What did NATO say about Kazakhstan?")
    apology = bot.slack.wait_for("chat.postMessage")[0].body
    assert (apology["channel"], apology["thread_ts"]) == (DM_CHANNEL_ID, event["ts"])
    assert apology["text"].startswith("Sorry — something went wrong while searching")


# --- Group DMs (message.mpim) ----------------------------------------------------------------

GROUP_DM_ID = "G0GROUPDM1"


def group_dm(bot: RunningBot, text: str, **options: object) -> dict[str, object]:
    event = message_event(text, channel=GROUP_DM_ID, channel_type="mpim", **options)
    assert bot.send.event(event).status == 200
    return event


def test_a_group_dm_is_answered_like_a_dm_and_its_thread_follows_up(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    first = group_dm(bot, "What did NATO discuss in Astana?")
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert (reply["channel"], reply["thread_ts"]) == (GROUP_DM_ID, first["ts"])
    assert quote_sections(reply["blocks"])

    group_dm(bot, "and in 2009?", thread_ts=first["ts"])
    follow_up = bot.slack.wait_for("chat.postMessage", count=2)[1].body
    assert follow_up["thread_ts"] == first["ts"]
    assert searcher.questions()[-1] == "What did NATO discuss in Astana? in:2009"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<@U0ALICE> what do you make of the Astana forum?", id="to-someone-else"),
        pytest.param("thanks, great :+1:", id="thanks"),
    ],
)
def test_in_a_group_dm_talk_between_people_is_left_alone(bot: RunningBot, text: str) -> None:
    group_dm(bot, text)
    assert_answered_exactly(bot, [])


def test_a_mention_in_a_group_dm_is_answered_once(bot: RunningBot) -> None:
    ts = new_ts()
    text = f"<@{BOT_USER_ID}> What did NATO say?"
    group_dm(bot, text, ts=ts)
    bot.send.event(mention_event(text, ts=ts, channel=GROUP_DM_ID))
    assert_answered_exactly(bot, [ts])
