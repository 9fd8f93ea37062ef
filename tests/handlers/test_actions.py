"""The Share in channel button: the same answer posted publicly, the private one removed."""

from __future__ import annotations

from handlers import share
from tests.handlers.conftest import RunningBot, quote_sections
from tests.slack_fake import CHANNEL_ID, USER_ID


def ask_privately(bot: RunningBot, question: str) -> tuple[str, list[dict[str, object]]]:
    response_url = bot.slack.response_url("ask")
    bot.send.command(question, response_url=response_url)
    body = bot.slack.wait_for(response_url)[0].body
    button = body["blocks"][-1]["elements"][0]
    return button["value"], body["blocks"]


def test_share_posts_the_same_answer_in_the_channel_and_deletes_the_ephemeral(
    bot: RunningBot,
) -> None:
    value, private_blocks = ask_privately(bot, "What did NATO discuss in Astana?")
    click_url = bot.slack.response_url("click")
    assert bot.send.action(value=value, response_url=click_url).status == 200

    public = bot.slack.wait_for("chat.postMessage")[0].body
    assert public["channel"] == CHANNEL_ID
    assert "thread_ts" not in public
    assert quote_sections(public["blocks"]) == quote_sections(private_blocks)
    assert f"Shared by <@{USER_ID}>" in str(public["blocks"][1])
    buttons = [
        e["action_id"] for b in public["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    # The public copy has no share button, but each passage keeps its feedback buttons.
    assert share.ACTION_ID not in buttons
    assert buttons.count("feedback_outdated") == len(quote_sections(public["blocks"]))
    assert bot.slack.wait_for(click_url)[0].body["delete_original"] is True


def test_share_a_brief_keeps_it_chronological(bot: RunningBot) -> None:
    value, private_blocks = ask_privately(bot, "brief Kazakhstan NATO")
    assert share.decode(value).sort == "date"
    bot.send.action(value=value, response_url=bot.slack.response_url("click"))
    public = bot.slack.wait_for("chat.postMessage")[0].body
    assert public["blocks"][0]["text"]["text"] == "Brief: Kazakhstan NATO"
    assert quote_sections(public["blocks"]) == quote_sections(private_blocks)


def test_when_the_bot_is_not_in_the_channel_it_shares_through_the_response_url(
    bot: RunningBot,
) -> None:
    value, _ = ask_privately(bot, "What did NATO say?")
    bot.slack.fail_next("chat.postMessage", how="not_in_channel")
    click_url = bot.slack.response_url("click")
    bot.send.action(value=value, response_url=click_url)
    posted, deleted = bot.slack.wait_for(click_url, count=2)
    assert posted.body["response_type"] == "in_channel"
    assert quote_sections(posted.body["blocks"])
    assert deleted.body["delete_original"] is True


def test_a_broken_button_value_gets_an_apology_not_silence(bot: RunningBot) -> None:
    click_url = bot.slack.response_url("click")
    bot.send.action(value="{not json", response_url=click_url)
    body = bot.slack.wait_for(click_url)[0].body
    assert body["text"].startswith("Sorry — something went wrong")
    assert bot.slack.calls_to("chat.postMessage") == []
