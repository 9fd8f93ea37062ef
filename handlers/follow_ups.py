"""A reply in a channel thread the bot answered: answered without a new @-mention.

The thread's first question gives a short follow-up its context ("and in 2009?" after
"What did NATO discuss in Astana?"). Threads the bot was never asked in are left alone, as
are bots, edits and other subtypes, replies that mention the bot (`app_mention` answers
those, once), replies addressed to someone else (they start with another person's
mention) and bare acknowledgements ("thanks!", "ok :+1:"), which ask nothing. DMs are
answered by `direct_messages`, thread replies there included.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.replies import answer_message

logger = logging.getLogger(__name__)

# Channels the bot reads with message.channels / message.groups.
CHANNEL_TYPES = ("channel", "group")
# A thread reply also sent to the channel is still a reply.
_REPLY_SUBTYPES = (None, "thread_broadcast")
_LEADING_MENTION = re.compile(r"^\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_WORD = re.compile(r"\w+")
# Replies made only of these words (and emoji or punctuation) thank, not ask.
ACKNOWLEDGEMENTS = frozenset(
    "thanks thank you thx ty ok okay k great cool nice perfect got it cheers спасибо рахмет".split()
)


def is_acknowledgement(text: str) -> bool:
    """'thanks!', 'ok :+1:', 'got it, thank you' ask nothing; an emoji alone neither."""
    words = _WORD.findall(_EMOJI.sub(" ", text).lower())
    return all(word in ACKNOWLEDGEMENTS for word in words)


def addressed_to_someone_else(text: str, bot_user_id: str | None) -> bool:
    """The message starts with another person's mention (`@alice what do you think?`)."""
    leading = _LEADING_MENTION.match(text)
    return bool(leading) and leading.group(1) != bot_user_id


def mentions_bot(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


def is_thread_reply_from_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A person's reply inside a channel thread, not addressed to the bot by mention (the
    `app_mention` event answers that) nor to another person."""
    text = event.get("text") or ""
    thread_ts = event.get("thread_ts")
    return (
        event.get("type") == "message"
        and event.get("channel_type") in CHANNEL_TYPES
        and event.get("subtype") in _REPLY_SUBTYPES
        and bool(thread_ts)
        and thread_ts != event.get("ts")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
        and not mentions_bot(text, bot_user_id)
        and not addressed_to_someone_else(text, bot_user_id)
        and not is_acknowledgement(text)
    )


def register(app: App, deps: Deps) -> None:
    def thread_reply(event: dict[str, Any], context: BoltContext) -> bool:
        return is_thread_reply_from_person(event, context.bot_user_id)

    def answer_follow_up(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if deps.threads.thread(event["channel"], event["thread_ts"]) is None:
            logger.debug("Ignored a reply in thread %s, where I was not asked", event["thread_ts"])
            return
        answer_message(deps, client, event, context.bot_user_id, kind="follow_up")

    app.event("message", matchers=[thread_reply])(answer_follow_up)
