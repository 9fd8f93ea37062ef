"""Edits: editing a question the bot answered updates that answer in place (chat.update)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.handlers.conftest import RunningBot, context_texts, quote_sections
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import BOT_USER_ID, CHANNEL_ID, edit_event, new_event_id, new_ts

FIRST = "What did NATO discuss in Astana?"
EDITED = "When did Kazakhstan plan an individual partnership with NATO?"


def ask(bot: RunningBot, question: str = FIRST) -> tuple[dict[str, Any], str]:
    """A mention, answered; returns the mention event and the ts of the bot's answer."""
    before = len(bot.replies())
    _, event = bot.mention(question)
    bot.slack.wait_for("chat.postMessage", count=before + 1)
    return event, answer_ts(bot, event)


def answer_ts(bot: RunningBot, asked: dict[str, Any]) -> str:
    """The ts of the bot's first message in the asking message's thread."""
    thread = asked.get("thread_ts") or asked["ts"]
    return bot.slack.thread_messages(asked["channel"], thread)[0]["ts"]


def barrier(bot: RunningBot, posts: int, updates: int) -> None:
    """One more mention is answered; by then exactly `posts` + 1 posts and `updates` updates."""
    _, last = bot.mention("What did NATO say?")
    bot.slack.wait_for("chat.postMessage", count=posts + 1)
    time.sleep(0.2)
    assert len(bot.replies()) == posts + 1
    assert last["ts"] in [r.body["thread_ts"] for r in bot.replies()]
    assert len(bot.slack.calls_to("chat.update")) == updates


def test_an_edited_mention_updates_the_answer_in_place(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    asked, answered = ask(bot)
    assert bot.slack.message(CHANNEL_ID, answered) is not None

    response = bot.edit(asked, f"<@{BOT_USER_ID}> {EDITED}")
    assert response.status == 200
    update = bot.slack.wait_for("chat.update")[0].body
    assert update["channel"] == CHANNEL_ID and update["ts"] == answered
    assert searcher.questions() == [FIRST, EDITED]
    assert update["blocks"][0]["text"]["text"] == EDITED
    assert "Updated for your edited question" in context_texts(update["blocks"])[0]
    assert quote_sections(update["blocks"])
    # The message in Slack now is the new answer; no second answer was posted.
    assert bot.slack.message(CHANNEL_ID, answered)["blocks"] == update["blocks"]
    barrier(bot, posts=1, updates=1)


def test_edits_that_change_no_text_or_of_messages_never_answered_are_ignored(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    asked, _ = ask(bot)
    # An unfurl or a new reply changes the message but not its text.
    bot.send.event(
        edit_event(
            channel=CHANNEL_ID, ts=asked["ts"], old_text=asked["text"], new_text=asked["text"]
        )
    )
    # A message the bot never answered, edited.
    bot.send.event(edit_event(channel=CHANNEL_ID, ts=new_ts(), old_text="hi", new_text="NATO?"))
    # The bot's own answer being edited (by chat.update) comes back as message_changed too.
    bot.send.event(
        edit_event(
            channel=CHANNEL_ID,
            ts=answer_ts(bot, asked),
            old_text="old answer",
            new_text="new answer",
            user=BOT_USER_ID,
        )
    )
    barrier(bot, posts=1, updates=0)
    assert searcher.questions() == [FIRST, "What did NATO say?"]


def test_a_retried_edit_updates_once(bot: RunningBot) -> None:
    asked, _ = ask(bot)
    event = edit_event(channel=CHANNEL_ID, ts=asked["ts"], old_text=asked["text"], new_text=EDITED)
    event_id = new_event_id()
    bot.send.event(event, event_id=event_id)
    bot.send.event(event, event_id=event_id, retry_num=1)
    bot.slack.wait_for("chat.update")
    barrier(bot, posts=1, updates=1)


def test_two_edits_update_the_same_answer_and_the_last_one_wins(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    asked, answered = ask(bot)
    bot.edit(asked, EDITED)
    bot.slack.wait_for("chat.update")
    bot.edit(asked, "What did NATO say about PfP?")
    updates = bot.slack.wait_for("chat.update", count=2)
    assert {u.body["ts"] for u in updates} == {answered}
    final = bot.slack.message(CHANNEL_ID, answered)
    assert final["blocks"][0]["text"]["text"] == "What did NATO say about PfP?"
    barrier(bot, posts=1, updates=2)


def test_an_edited_follow_up_is_asked_again_with_the_threads_first_question(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    first, _ = ask(bot)
    _, reply = bot.reply_in_thread("and in 2009?", thread_ts=first["ts"])
    bot.slack.wait_for("chat.postMessage", count=2)
    follow_up_answer = bot.slack.thread_messages(CHANNEL_ID, first["ts"])[1]["ts"]
    bot.edit(reply, "and before 2006?")
    update = bot.slack.wait_for("chat.update")[0].body
    assert update["ts"] == follow_up_answer
    assert searcher.questions()[-1] == f"{FIRST} before:2006"
    sources = [line for line in context_texts(update["blocks"]) if " — " in line]
    assert sources and all("2005" in line for line in sources)


def test_editing_the_first_question_changes_what_later_follow_ups_borrow(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    first, _ = ask(bot)
    bot.edit(first, f"<@{BOT_USER_ID}> {EDITED}")
    bot.slack.wait_for("chat.update")
    bot.reply_in_thread("and in 2009?", thread_ts=first["ts"])
    bot.slack.wait_for("chat.postMessage", count=2)
    assert searcher.questions()[-1] == f"{EDITED} in:2009"


def test_an_edited_direct_message_updates_its_answer(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    _, asked = bot.dm(FIRST)
    bot.slack.wait_for("chat.postMessage")
    answered = answer_ts(bot, asked)
    bot.edit(asked, EDITED)
    update = bot.slack.wait_for("chat.update")[0].body
    assert (update["channel"], update["ts"]) == (asked["channel"], answered)
    assert searcher.questions() == [FIRST, EDITED]


def test_a_failing_search_after_an_edit_replaces_the_answer_with_an_apology(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    asked, _ = ask(bot)
    searcher.fail_next(RuntimeError("index exploded"))
    bot.edit(asked, EDITED)
    update = bot.slack.wait_for("chat.update")[0].body
    assert update["text"].startswith("Sorry — something went wrong while searching")
    assert "Sorry — something went wrong" in json.dumps(update["blocks"], ensure_ascii=False)
    barrier(bot, posts=1, updates=1)


def test_an_edit_while_the_first_answer_is_still_searching_updates_it_once_posted(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    searcher.delay = 1.0
    _, asked = bot.mention(FIRST)
    time.sleep(0.2)  # the first search is running
    bot.edit(asked, EDITED)
    bot.slack.wait_for("chat.postMessage")
    update = bot.slack.wait_for("chat.update", timeout=15)[0].body
    searcher.delay = 0.0
    answered = answer_ts(bot, asked)
    assert update["ts"] == answered
    final = bot.slack.message(CHANNEL_ID, answered)
    assert final["blocks"][0]["text"]["text"] == EDITED
    barrier(bot, posts=1, updates=1)
