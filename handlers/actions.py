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

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import feedback, messages, share
from handlers.deps import Deps
from handlers.posting import Place, send_to_response_url
from handlers.replies import note_answered, render_answer, run_in_background

logger = logging.getLogger(__name__)

# Errors meaning "the bot cannot post there itself"; the response URL still can.
_CANNOT_POST = ("not_in_channel", "channel_not_found")


# How long a share waits for its public post (it may queue behind a burst in the channel).
SHARE_WAIT_SECONDS = 120.0


def _clicked(body: dict[str, Any]) -> Place:
    """Where a button was clicked and by whom; its trigger id stands in for an event id."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Place(channel or "", None, user_id=body["user"]["id"], event_id=body.get("trigger_id"))


def _to_clicker(
    deps: Deps, client: WebClient, body: dict[str, Any], message: dict[str, Any], what: str
) -> None:
    send_to_response_url(
        deps, body["response_url"], message, place=_clicked(body), client=client, what=what
    )


def share_in_channel(
    deps: Deps, client: WebClient, body: dict[str, Any], started: float | None = None
) -> None:
    """Re-run the search from the button value and post it publicly."""
    started = time.monotonic() if started is None else started
    try:
        place = _clicked(body)
        request = share.decode(body["actions"][0]["value"])
        answer = deps.searcher.answer(request.question, k=request.k, sort=request.sort)
        reply = render_answer(deps, answer, shared_by=place.user_id)
        text, public = reply.text, reply.blocks

        def post() -> Any:
            return client.chat_postMessage(
                channel=place.channel,
                text=text,
                blocks=public,
                unfurl_links=False,
                unfurl_media=False,
            )

        posted = deps.outbox.send(
            place.channel,
            post,
            label=f"a shared answer in {place.channel}",
            failed=lambda error: None,  # handled below: not_in_channel has another route
        )
        try:
            posted.result(timeout=SHARE_WAIT_SECONDS)
        except SlackApiError as exc:
            if exc.response.get("error") not in _CANNOT_POST:
                raise
            logger.info("Bot cannot post in %s; sharing through the response URL", place.channel)
            message = {"text": text, "blocks": public, "response_type": "in_channel"}
            _to_clicker(deps, client, body, {**message, "replace_original": False}, "share")
        _to_clicker(deps, client, body, {"delete_original": True}, "removal of the private copy")
        note_answered(deps, "share", started, replace(reply, no_match=answer.no_match))
    except Exception:
        logger.exception("Could not share an answer in channel")
        deps.observer.failed("share")
        message = {"text": messages.APOLOGY, "response_type": "ephemeral"}
        _to_clicker(deps, client, body, {**message, "replace_original": False}, "apology")


def tell_clicker(deps: Deps, client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral note to whoever clicked, through the response URL when there is one."""
    if body.get("response_url"):
        message = {"text": text, "response_type": "ephemeral", "replace_original": False}
        _to_clicker(deps, client, body, message, "feedback note")
        return
    place = _clicked(body)
    client.chat_postEphemeral(channel=place.channel, user=place.user_id, text=text)


def record_feedback(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """Store one click on a passage's feedback button and thank the clicker (or say it was
    already counted); a click that cannot be stored gets an apology, never silence.

    The button's value only names the passage: it must be one of the generation being
    served (so a forged or stale click stores nothing), and the title and excerpt stored
    with the click are that passage's own, never text from the request.
    """
    try:
        action = body["actions"][0]
        flag = feedback.flag_of(action["action_id"])
        try:
            target = feedback.decode(action["value"])
        except ValueError as exc:  # not a value kz-brief made: refused, in one line
            logger.warning("Refused a feedback click: %s", exc)
            tell_clicker(deps, client, body, messages.FEEDBACK_UNKNOWN_PASSAGE)
            return
        if deps.feedback is None:
            raise RuntimeError("no feedback store is configured")
        passage = deps.searcher.passage(target.chunk_id)
        if passage is None or passage.doc_id != target.doc_id:
            logger.info("Refused feedback on %s: not in the index served", target.chunk_id[:80])
            text = messages.FEEDBACK_UNKNOWN_PASSAGE
        else:
            label = messages.FEEDBACK_LABELS[flag]
            deps.observer.feedback(flag)
            is_new = deps.feedback.record(
                _clicked(body).user_id or "",
                passage.chunk_id,
                passage.doc_id,
                flag,
                title=passage.title[: feedback.MAX_TITLE_CHARS],
                excerpt=" ".join(passage.quote.split())[: feedback.MAX_EXCERPT_CHARS],
            )
            text = messages.feedback_thanks(label) if is_new else messages.feedback_already(label)
            logger.info("Feedback %s on %s (new: %s)", flag, passage.chunk_id, is_new)
    except Exception:
        logger.exception("Could not record feedback")
        deps.observer.failed("feedback")
        text = messages.FEEDBACK_FAILED
    try:
        tell_clicker(deps, client, body, text)
    except Exception:
        logger.exception("Could not tell the user about their feedback")


FEEDBACK_ACTIONS = re.compile(
    "^(?:" + "|".join(re.escape(a) for a in feedback.ACTION_IDS.values()) + ")$"
)


def register(app: App, deps: Deps) -> None:
    def share_answer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        started = time.monotonic()
        ack()
        run_in_background(deps, share_in_channel, deps, client, body, started)

    def feedback_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        run_in_background(deps, record_feedback, deps, client, body)

    app.action(share.ACTION_ID)(share_answer)
    app.action(FEEDBACK_ACTIONS)(feedback_click)
