"""/kz-brief: acknowledged at once, answered through response_url; help, sources, brief."""

from __future__ import annotations

import json
import time

from handlers import blocks, share
from tests.handlers.conftest import (
    TODAY,
    RunningBot,
    context_texts,
    is_verbatim_from_seeds,
    quote_sections,
)
from tests.handlers.fake_searcher import ControlledSearcher


def test_command_is_acked_within_3_seconds_and_answered_later_via_response_url(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.delay = 4.0  # slower than Slack's 3-second limit: only ack-first can pass
    response_url = bot.slack.response_url("slow")
    response = bot.send.command("What did NATO say about PfP?", response_url=response_url)
    assert response.status == 200
    assert response.seconds < 3.0
    assert bot.slack.calls_to(response_url) == []  # nothing yet: the search is still running

    answer = bot.slack.wait_for(response_url, timeout=15)[0].body
    assert answer["response_type"] == "ephemeral"
    quotes = quote_sections(answer["blocks"])
    assert quotes and all(is_verbatim_from_seeds(q) for q in quotes)
    button = answer["blocks"][-1]["elements"][0]
    assert button["action_id"] == share.ACTION_ID
    assert button["text"]["text"] == "Share in channel"
    assert share.decode(button["value"]).question == "What did NATO say about PfP?"


def test_empty_command_and_help_show_usage_in_the_ack(bot: RunningBot) -> None:
    for text in ("", "help", "  HELP  ", "brief"):
        response = bot.send.command(text, response_url=bot.slack.response_url())
        assert response.status == 200
        body = response.json()
        assert "/kz-brief brief TOPIC" in json.dumps(body["blocks"])
        assert "since:2008" in json.dumps(body["blocks"])


def test_sources_lists_documents_with_dates_and_date_basis(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    response_url = bot.slack.response_url("sources")
    assert bot.send.command("sources", response_url=response_url).status == 200
    body = bot.slack.wait_for(response_url)[0].body
    text = json.dumps(body, ensure_ascii=False)
    documents = searcher.documents()
    assert documents
    for doc in documents:
        # title, publisher, date, its basis and age
        assert blocks.document_line(doc, TODAY) in text
    assert "26 Jun 2009 · 17 years old" in text and "2 Nov 2005 · 20 years old" in text
    assert body["response_type"] == "ephemeral"


def test_brief_gives_a_dated_brief_oldest_first(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    response_url = bot.slack.response_url("brief")
    bot.send.command("brief Kazakhstan NATO partnership", response_url=response_url)
    body = bot.slack.wait_for(response_url)[0].body
    assert ("answer", ("Kazakhstan NATO partnership", 6, "date")) in searcher.calls
    assert body["blocks"][0]["text"]["text"] == "Brief: Kazakhstan NATO partnership"
    years = [
        int(line.split(", ")[-1].split()[2])
        for line in context_texts(body["blocks"])
        if " — " in line
    ]
    assert len(years) >= 2 and years == sorted(years)
    assert "oldest first" in json.dumps(body)


def test_a_question_with_channel_pings_is_echoed_escaped(bot: RunningBot) -> None:
    response_url = bot.slack.response_url("pings")
    response = bot.send.command("NATO <!channel> <@U123>?", response_url=response_url)
    call = bot.slack.wait_for(response_url)[0]
    for dumped in (response.body, call.dump()):
        assert "<!channel>" not in dumped and "<@U123>" not in dumped
    assert "&lt;!channel&gt;" in call.dump()


def test_off_topic_command_says_nothing_found_and_offers_no_share_button(
    bot: RunningBot,
) -> None:
    response_url = bot.slack.response_url("off-topic")
    bot.send.command("football results", response_url=response_url)
    body = bot.slack.wait_for(response_url)[0].body
    assert "I found nothing in the corpus" in json.dumps(body, ensure_ascii=False)
    assert not any(b["type"] == "actions" for b in body["blocks"])


def test_a_failing_search_apologises_through_the_response_url(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.fail_next(RuntimeError("index unavailable"))
    response_url = bot.slack.response_url("failing")
    assert bot.send.command("What did NATO say?", response_url=response_url).status == 200
    body = bot.slack.wait_for(response_url)[0].body
    assert body["text"].startswith("Sorry — something went wrong while searching")


def test_commands_are_acked_at_once_even_while_many_searches_run(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.delay = 1.0
    for n in range(12):  # more than every worker pool can run at once
        bot.mention(f"NATO question {n}")
    started = time.monotonic()
    response = bot.send.command("sources", response_url=bot.slack.response_url("busy"))
    assert response.status == 200 and time.monotonic() - started < 0.5
