"""@mentions, end to end: signed HTTP events in, chat.postMessage calls out to fake Slack."""

from __future__ import annotations

import json
import time

from tests.handlers.conftest import (
    RunningBot,
    context_texts,
    is_verbatim_from_seeds,
    quote_sections,
)
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import BOT_USER_ID, CHANNEL_ID, mention_event, new_ts


def test_mention_is_answered_in_its_thread_with_dated_verbatim_quotes(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    response, event = bot.mention("When did Kazakhstan plan an individual partnership with NATO?")
    assert response.status == 200

    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert reply["channel"] == CHANNEL_ID
    assert reply["thread_ts"] == event["ts"]
    assert reply["text"]  # the notification fallback
    quotes = quote_sections(reply["blocks"])
    assert quotes and all(is_verbatim_from_seeds(q) for q in quotes)
    assert any("*" in q for q in quotes)  # the best sentences are bold
    sources = " ".join(context_texts(reply["blocks"]))
    assert "2 Nov 2005" in sources or "26 Jun 2009" in sources
    assert " — " in sources  # "Title — Publisher, date"
    assert searcher.questions() == ["When did Kazakhstan plan an individual partnership with NATO?"]


def test_mention_inside_a_thread_replies_in_that_thread(bot: RunningBot) -> None:
    parent = new_ts()
    _, event = bot.mention("What did NATO discuss in Astana?", thread_ts=parent)
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert reply["thread_ts"] == parent != event["ts"]


def test_only_the_bots_own_mention_is_stripped(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    bot.send.event(mention_event(f"<@{BOT_USER_ID}|kz-brief> NATO and <@U999> in Astana?"))
    bot.slack.wait_for("chat.postMessage")
    assert searcher.questions() == ["NATO and <@U999> in Astana?"]


def test_off_topic_question_says_nothing_was_found_and_what_the_corpus_covers(
    bot: RunningBot,
) -> None:
    bot.mention("What is a good borscht recipe?")
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert quote_sections(reply["blocks"]) == []
    text = json.dumps(reply, ensure_ascii=False)
    assert "I found nothing in the corpus" in text
    assert "The corpus covers Kazakhstan–NATO relations" in text
    assert reply["text"].startswith("Nothing in the corpus answers")


def test_broadcast_and_user_mentions_in_a_question_are_never_echoed_live(bot: RunningBot) -> None:
    # Slack sends a typed "@channel" as <!channel> and literal angle brackets as entities.
    bot.mention("Does NATO <!channel> <!here> <!everyone> <@U123> &lt;!channel&gt; care?")
    reply = bot.slack.wait_for("chat.postMessage")[0]
    dumped = reply.dump()
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U123>"):
        assert ping not in dumped
    assert "&lt;!channel&gt;" in dumped


def test_an_empty_mention_gets_usage(bot: RunningBot) -> None:
    bot.mention("")
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert "/kz-brief brief TOPIC" in json.dumps(reply)


def test_a_failing_search_apologises_in_the_thread_and_the_next_question_is_answered(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.fail_next(RuntimeError("index exploded"))
    _, first = bot.mention("What did NATO say?")
    apology = bot.slack.wait_for("chat.postMessage")[0].body
    assert apology["thread_ts"] == first["ts"]
    assert apology["text"].startswith("Sorry — something went wrong while searching")

    _, second = bot.mention("What did NATO say about Astana?")
    replies = bot.slack.wait_for("chat.postMessage", count=2)
    assert replies[1].body["thread_ts"] == second["ts"]
    assert quote_sections(replies[1].body["blocks"])


def test_event_is_acknowledged_before_a_slow_search(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.delay = 1.5
    started = time.monotonic()
    response, _ = bot.mention("What did NATO say?")
    assert response.status == 200 and response.seconds < 1.0
    bot.slack.wait_for("chat.postMessage")
    assert time.monotonic() - started >= 1.5
