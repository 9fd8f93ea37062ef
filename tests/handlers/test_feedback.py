"""Feedback buttons under each passage: stored durably, one per person, passage and flag."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import Settings
from handlers import blocks, feedback, messages
from store.state.feedback import open_feedback
from tests.handlers.conftest import (
    RunningBot,
    production_deps,
    quote_sections,
    running_bot,
    unquote,
)
from tests.handlers.fake_searcher import ControlledSearcher, FakeSearcher
from tests.slack_fake import USER_ID, FakeSlack

LABELS = ["Useful", "Outdated", "Wrong source"]


def feedback_rows(blocks_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks_ if b["type"] == "actions" and b["block_id"].startswith("feedback")]


def answered(
    bot: RunningBot, question: str = "What did NATO discuss in Astana?"
) -> list[dict[str, Any]]:
    before = len(bot.replies())
    bot.mention(question)
    return bot.slack.wait_for("chat.postMessage", count=before + 1)[before].body["blocks"]


def click(
    bot: RunningBot, button: dict[str, Any], name: str, user: str = USER_ID, **options: Any
) -> str:
    """Click `button` as `user`; returns what the clicker was told (ephemerally)."""
    url = bot.slack.response_url(name)
    response = bot.send.action(
        value=button["value"],
        action_id=button["action_id"],
        response_url=url,
        user=user,
        block_id="feedback-0",
        **options,
    )
    assert response.status == 200
    told = bot.slack.wait_for(url)[0].body
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    return told["text"]


def test_every_passage_has_useful_outdated_and_wrong_source_buttons(bot: RunningBot) -> None:
    blocks_ = answered(bot)
    quotes = quote_sections(blocks_)
    rows = feedback_rows(blocks_)
    assert len(rows) == len(quotes) == 3
    for row, quote in zip(rows, quotes, strict=True):
        assert [e["text"]["text"] for e in row["elements"]] == LABELS
        assert [e["action_id"] for e in row["elements"]] == [
            "feedback_useful",
            "feedback_outdated",
            "feedback_wrong_source",
        ]
        target = feedback.decode(row["elements"][0]["value"])
        assert target.chunk_id and target.doc_id and target.title
        assert unquote(quote).startswith(" ".join(target.excerpt.split())[:50])
    # Each row sits right under its passage's source line.
    index = blocks_.index(rows[0])
    assert blocks_[index - 1]["type"] == "context" and blocks_[index - 2] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": quotes[0]},
    }


def test_a_click_is_stored_with_user_passage_document_and_time_and_counted_once(
    bot: RunningBot, data_dir: Path
) -> None:
    row = feedback_rows(answered(bot))[0]
    outdated = row["elements"][1]
    target = feedback.decode(outdated["value"])

    assert click(bot, outdated, "first") == "Thanks — noted as Outdated."
    assert click(bot, outdated, "again") == "You already flagged this passage as Outdated."
    assert click(bot, outdated, "colleague", user="U0COLLEAGUE") == "Thanks — noted as Outdated."
    assert click(bot, row["elements"][0], "useful") == "Thanks — noted as Useful."

    [passage] = open_feedback(data_dir).passages()
    assert (passage.chunk_id, passage.doc_id) == (target.chunk_id, target.doc_id)
    assert passage.title == target.title and passage.excerpt == target.excerpt
    assert passage.counts == {"useful": 1, "outdated": 2, "wrong_source": 0}
    assert passage.last_at.startswith("20")  # an ISO time


def test_shared_answers_carry_the_buttons_and_clicks_on_them_count(
    bot: RunningBot, data_dir: Path
) -> None:
    private_url = bot.slack.response_url("ask")
    bot.send.command("What did NATO discuss in Astana?", response_url=private_url)
    private = bot.slack.wait_for(private_url)[0].body["blocks"]
    assert len(feedback_rows(private)) == 3
    share_button = private[-1]["elements"][0]
    bot.send.action(value=share_button["value"], response_url=bot.slack.response_url("share"))
    public = bot.slack.wait_for("chat.postMessage")[0].body["blocks"]
    wrong = feedback_rows(public)[2]["elements"][2]
    told = click(bot, wrong, "public", ephemeral=False)
    assert told == "Thanks — noted as Wrong source."
    assert open_feedback(data_dir).passages()[0].counts["wrong_source"] == 1


def test_a_brief_of_six_passages_with_buttons_fits_slacks_block_limit(bot: RunningBot) -> None:
    url = bot.slack.response_url("brief")
    bot.send.command("brief Kazakhstan NATO partnership", response_url=url)
    body = bot.slack.wait_for(url)[0].body  # the fake rejects more than 50 blocks
    assert len(quote_sections(body["blocks"])) == len(feedback_rows(body["blocks"])) == 6
    assert len(body["blocks"]) <= 50


def test_forty_passages_with_buttons_stay_within_50_blocks() -> None:
    hits = FakeSearcher().search("NATO", k=40)
    many = tuple(replace(hits[n % len(hits)], chunk_id=f"c{n}") for n in range(40))
    answer = FakeSearcher().answer("NATO")
    built = blocks.answer_blocks(replace(answer, hits=many), feedback_buttons=True, share_value="v")
    assert len(built) <= blocks.MAX_BLOCKS
    ids = [b["block_id"] for b in built if "block_id" in b]
    assert len(ids) == len(set(ids))
    assert "more passages not shown" in json.dumps(built)


def test_button_values_stay_under_2000_characters_for_any_passage() -> None:
    hit = FakeSearcher().search("NATO", k=1)[0]
    huge = replace(hit, title="“T” & <x> " * 500, quote="Ünïcode <!channel> " * 500)
    value = feedback.encode(huge)
    assert value is not None and len(value) <= 2000 and "<!channel>" not in value
    target = feedback.decode(value)
    assert (target.chunk_id, target.doc_id) == (hit.chunk_id, hit.doc_id)
    assert feedback.encode(replace(hit, doc_id="d" * 2500)) is None


def test_a_click_that_cannot_be_stored_gets_an_apology(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    class BrokenStore:
        def record(self, *args: object, **kwargs: object) -> bool:
            raise OSError("disk full")

    deps = replace(production_deps(settings, searcher), feedback=BrokenStore())
    with running_bot(settings, deps, slack) as bot:
        button = feedback_rows(answered(bot))[0]["elements"][0]
        assert click(bot, button, "broken").startswith("Sorry — your feedback could not be saved")
        # A button value that is not ours is answered too, never silently dropped.
        url = bot.slack.response_url("bad")
        bot.send.action(value="{oops", action_id="feedback_useful", response_url=url)
        told = bot.slack.wait_for(url)[0].body["text"]
        assert told == messages.FEEDBACK_UNKNOWN_PASSAGE


def test_without_a_feedback_store_there_are_no_buttons(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    deps = replace(production_deps(settings, searcher), feedback=None)
    with running_bot(settings, deps, slack) as bot:
        assert feedback_rows(answered(bot)) == []
