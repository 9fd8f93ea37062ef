"""The last line of defence: log any error a listener let through and apologise if we can."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from handlers import logcontext, messages
from handlers.deps import Deps
from handlers.direct_messages import is_question_to_answer
from handlers.follow_ups import is_thread_reply_from_person
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


def apologise(deps: Deps, body: dict[str, Any], client: WebClient, respond: Respond | None) -> None:
    """Apologise where the failed request came from: its thread or its response URL."""
    event = body.get("event") or {}
    if event.get("channel") and _was_asked(deps, event):
        post_apology(client, event["channel"], event.get("thread_ts") or event.get("ts"))
    elif respond is not None and body.get("response_url"):
        try:
            respond(text=messages.APOLOGY, response_type="ephemeral", replace_original=False)
        except Exception:
            logger.exception("Could not send the apology to the response URL")


def register(app: App, deps: Deps) -> None:
    def handle_unexpected_error(
        error: Exception, body: dict[str, Any], client: WebClient, respond: Respond | None
    ) -> None:
        logger.error("Unhandled error in a Slack listener", exc_info=error)
        fields = logcontext.current()
        deps.observer.failed(fields.kind if fields else "other")
        try:
            apologise(deps, body, client, respond)
        except Exception:
            logger.exception("Could not apologise for an error")

    app.error(handle_unexpected_error)
