"""A direct message to the bot, one to one or in a group DM: answered like a mention,
threaded under the person's message.

A reply in such a thread is a follow-up of the thread's first question. In a group DM
(`message.mpim`) people also talk to each other, so a message addressed to someone else
(it starts with their mention) or one that only says thanks is left alone, as in a channel
thread. This is also the last, catch-all `message` listener: every other message event is
acknowledged and ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.follow_ups import addressed_to_someone_else, is_acknowledgement
from handlers.replies import answer_message

logger = logging.getLogger(__name__)

# A DM with the bot alone (message.im), and a group DM it is in (message.mpim).
DIRECT = "im"
GROUP_DIRECT = "mpim"


def is_question_to_answer(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Only a person's new message in a DM or group DM with the bot.

    Not bot messages (ours or others'), edits, deletions or any other subtype, and not
    channel messages: a mention in a channel is answered by `mentions`, never twice.
    """
    channel_type = event.get("channel_type")
    is_persons_message = (
        channel_type in (DIRECT, GROUP_DIRECT)
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
    )
    if not is_persons_message or channel_type == DIRECT:
        return is_persons_message
    text = event.get("text") or ""
    return not addressed_to_someone_else(text, bot_user_id) and not is_acknowledgement(text)


def register(app: App, deps: Deps) -> None:
    def answer_direct_message(
        event: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        if not is_question_to_answer(event, context.bot_user_id):
            logger.debug("Ignored message event (subtype=%s)", event.get("subtype"))
            return
        answer_message(deps, client, event, context.bot_user_id, kind="direct_message")

    app.event("message")(answer_direct_message)
