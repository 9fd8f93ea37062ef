"""Turn what a person typed in Slack into a request: a question, a sub-command, or help.

Shared by the slash command, mentions and direct messages so they understand the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Sub-commands the first word can name; anything else is a question. A new sub-command is
# added here and gets a builder in `replies.BUILDERS`.
SUBCOMMAND_WORDS = ("help", "brief", "sources", "reindex")

_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True)
class Request:
    """`kind` is 'help', 'brief', 'sources', 'reindex' or 'question'; `text` is the rest."""

    kind: str
    text: str


def parse_request(text: str) -> Request:
    """Read the first word as a sub-command when it is one; empty text asks for help."""
    stripped = text.strip()
    if not stripped:
        return Request("help", "")
    first, _, rest = stripped.partition(" ")
    word = first.lower()
    if word in SUBCOMMAND_WORDS:
        if word == "brief" and not rest.strip():
            return Request("help", "")
        return Request(word, rest.strip())
    return Request("question", stripped)


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Remove the bot's own `<@UBOT>` (or `<@UBOT|name>`) mentions; other mentions stay."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return " ".join(text.split())


def event_text_to_plain(text: str) -> str:
    """Decode Slack's message encoding (entities, `<url|label>` links) into what was typed.

    Slack escapes `&`, `<`, `>` in message events; the store wants the words. Whatever we
    echo back is escaped again by `blocks.escape`, so nothing decoded here can ping anyone.
    """
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text
