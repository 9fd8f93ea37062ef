"""The *Share in channel* button: post the same answer publicly, then remove the private one.

The button carries the question, k and sort (see `share`), so the answer is searched again
and posted with chat.postMessage. When the bot is not in that conversation (not_in_channel),
it is posted through the command's response URL instead, which works anywhere the command
was used. The ephemeral copy is then deleted (`delete_original`) so it is not seen twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import blocks, messages, share
from handlers.deps import Deps
from handlers.replies import run_in_background

logger = logging.getLogger(__name__)

# Errors meaning "the bot cannot post there itself"; the response URL still can.
_CANNOT_POST = ("not_in_channel", "channel_not_found")


def share_in_channel(deps: Deps, client: WebClient, respond: Respond, body: dict[str, Any]) -> None:
    """Re-run the search from the button value and post it publicly."""
    try:
        value = body["actions"][0]["value"]
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        user = body["user"]["id"]
        request = share.decode(value)
        answer = deps.searcher.answer(request.question, k=request.k, sort=request.sort)
        text = blocks.answer_text(answer)
        public = blocks.answer_blocks(answer, shared_by=user)
        try:
            client.chat_postMessage(
                channel=channel, text=text, blocks=public, unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in _CANNOT_POST:
                raise
            logger.info("Bot cannot post in %s; sharing through the response URL", channel)
            respond(text=text, blocks=public, response_type="in_channel", replace_original=False)
        respond(delete_original=True)
    except Exception:
        logger.exception("Could not share an answer in channel")
        try:
            respond(text=messages.APOLOGY, response_type="ephemeral", replace_original=False)
        except Exception:
            logger.exception("Could not send the apology to the response URL")


def register(app: App, deps: Deps) -> None:
    def share_answer(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        run_in_background(deps, share_in_channel, deps, client, respond, body)

    app.action(share.ACTION_ID)(share_answer)
