"""Buttons: *Share in channel*, and *Useful* / *Outdated* / *Wrong source* under passages.

Share: the button carries the question, k and sort (see `share`), so the answer is searched
again and posted with chat.postMessage. When the bot is not in that conversation
(not_in_channel), it is posted through the command's response URL instead, which works
anywhere the command was used. The ephemeral copy is then deleted (`delete_original`) so it
is not seen twice.

Feedback: the button carries the passage (see `feedback`); the click is stored through
`deps.feedback` (one per person, passage and flag) and the clicker alone is told so.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import feedback, messages, share
from handlers.deps import Deps
from handlers.replies import note_answered, render_answer, run_in_background

logger = logging.getLogger(__name__)

# Errors meaning "the bot cannot post there itself"; the response URL still can.
_CANNOT_POST = ("not_in_channel", "channel_not_found")


def share_in_channel(
    deps: Deps,
    client: WebClient,
    respond: Respond,
    body: dict[str, Any],
    started: float | None = None,
) -> None:
    """Re-run the search from the button value and post it publicly."""
    started = time.monotonic() if started is None else started
    try:
        value = body["actions"][0]["value"]
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        user = body["user"]["id"]
        request = share.decode(value)
        answer = deps.searcher.answer(request.question, k=request.k, sort=request.sort)
        reply = render_answer(deps, answer, shared_by=user)
        text, public = reply.text, reply.blocks
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
        note_answered(deps, "share", started, replace(reply, no_match=answer.no_match))
    except Exception:
        logger.exception("Could not share an answer in channel")
        deps.observer.failed("share")
        try:
            respond(text=messages.APOLOGY, response_type="ephemeral", replace_original=False)
        except Exception:
            logger.exception("Could not send the apology to the response URL")


def tell_clicker(client: WebClient, respond: Respond, body: dict[str, Any], text: str) -> None:
    """An ephemeral note to whoever clicked, through the response URL when there is one."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)


def record_feedback(deps: Deps, client: WebClient, respond: Respond, body: dict[str, Any]) -> None:
    """Store one click on a passage's feedback button and thank the clicker (or say it was
    already counted); a click that cannot be stored gets an apology, never silence."""
    try:
        action = body["actions"][0]
        flag = feedback.flag_of(action["action_id"])
        target = feedback.decode(action["value"])
        if deps.feedback is None:
            raise RuntimeError("no feedback store is configured")
        label = messages.FEEDBACK_LABELS[flag]
        deps.observer.feedback(flag)
        is_new = deps.feedback.record(
            body["user"]["id"],
            target.chunk_id,
            target.doc_id,
            flag,
            title=target.title,
            excerpt=target.excerpt,
        )
        text = messages.feedback_thanks(label) if is_new else messages.feedback_already(label)
        logger.info("Feedback %s on %s (new: %s)", flag, target.chunk_id, is_new)
    except Exception:
        logger.exception("Could not record feedback")
        deps.observer.failed("feedback")
        text = messages.FEEDBACK_FAILED
    try:
        tell_clicker(client, respond, body, text)
    except Exception:
        logger.exception("Could not tell the user about their feedback")


FEEDBACK_ACTIONS = re.compile(
    "^(?:" + "|".join(re.escape(a) for a in feedback.ACTION_IDS.values()) + ")$"
)


def register(app: App, deps: Deps) -> None:
    def share_answer(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        started = time.monotonic()
        ack()
        run_in_background(deps, share_in_channel, deps, client, respond, body, started)

    def feedback_click(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        run_in_background(deps, record_feedback, deps, client, respond, body)

    app.action(share.ACTION_ID)(share_answer)
    app.action(FEEDBACK_ACTIONS)(feedback_click)
