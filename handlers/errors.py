"""The last line of defence: log any error a listener let through and apologise if we can."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from handlers import logcontext, messages
from handlers.dedupe import message_key
from handlers.deps import Deps
from handlers.direct_messages import is_question_to_answer
from handlers.follow_ups import is_thread_reply_from_person
from handlers.posting import Place, send_to_response_url
from handlers.replies import post_apology

logger = logging.getLogger(__name__)


def _was_asked(deps: Deps, event: dict[str, Any]) -> bool:
    """Whether the failed event was a question to the bot (so it deserves an apology)."""
    if event.get("type") == "app_mention":
        return True
    if event.get("type") != "message":
        return False
    if is_question_to_answer(event, None):
        return True
    # A reply in a thread the bot answered (edits never get a new message: see `edits`).
    return is_thread_reply_from_person(event, None) and (
        deps.threads.thread(event["channel"], event["thread_ts"]) is not None
    )


def apologise(deps: Deps, body: dict[str, Any], client: WebClient) -> None:
    """Apologise where the failed request came from: its thread or its response URL."""
    event = body.get("event") or {}
    if event.get("channel") and _was_asked(deps, event):
        channel, ts = event["channel"], event.get("ts")
        place = Place(
            channel,
            event.get("thread_ts") or ts,
            ts,
            event.get("user"),
            body.get("event_id"),
            message_key(channel, ts) if ts else None,
        )
        post_apology(deps, client, place)
    elif body.get("response_url"):
        user = _id_of(body.get("user")) or body.get("user_id")
        channel = _id_of(body.get("channel")) or body.get("channel_id") or ""
        message = {"text": messages.APOLOGY, "response_type": "ephemeral"}
        message["replace_original"] = False
        place = Place(channel, None, user_id=user, event_id=body.get("trigger_id"))
        send_to_response_url(deps, body["response_url"], message, place=place, what="apology")


def _id_of(value: Any) -> str | None:
    """A payload's `user` / `channel`: an object with an id (actions) or absent."""
    return value.get("id") if isinstance(value, dict) else None


def register(app: App, deps: Deps) -> None:
    def handle_unexpected_error(
        error: Exception, body: dict[str, Any], client: WebClient
    ) -> BoltResponse:
        logger.error("Unhandled error in a Slack listener", exc_info=error)
        fields = logcontext.current()
        deps.observer.failed(fields.kind if fields else "other")
        try:
            apologise(deps, body, client)
        except Exception:
            logger.exception("Could not apologise for an error")
        # Received and apologised for: a 5xx would make Slack send it again.
        return BoltResponse(status=200, body="")

    app.error(handle_unexpected_error)
