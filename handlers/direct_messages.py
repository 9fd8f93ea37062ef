"""A direct message to the bot: answered like a mention, threaded under the user's message.

A reply in such a thread is a follow-up of the thread's first question. This is also the
last, catch-all `message` listener: every other message event is acknowledged and ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.replies import answer_message

logger = logging.getLogger(__name__)


def is_question_to_answer(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Only a person's new message in a DM with the bot.

    Not bot messages (ours or others'), edits, deletions or any other subtype, and not
    channel messages: a mention in a channel is answered by `mentions`, never twice.
    """
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
    )


def register(app: App, deps: Deps) -> None:
    def answer_direct_message(
        event: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        if not is_question_to_answer(event, context.bot_user_id):
            logger.debug("Ignored message event (subtype=%s)", event.get("subtype"))
            return
        answer_message(deps, client, event, context.bot_user_id)

    app.event("message")(answer_direct_message)
