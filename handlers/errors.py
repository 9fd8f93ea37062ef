"""The last line of defence: log any error a listener let through and apologise if we can."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from handlers import messages
from handlers.deps import Deps
from handlers.direct_messages import is_question_to_answer
from handlers.replies import post_apology

logger = logging.getLogger(__name__)


def apologise(body: dict[str, Any], client: WebClient, respond: Respond | None) -> None:
    """Apologise where the failed request came from: its thread or its response URL."""
    event = body.get("event") or {}
    if event.get("type") == "app_mention" or (
        event.get("type") == "message" and is_question_to_answer(event, None)
    ):
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
        try:
            apologise(body, client, respond)
        except Exception:
            logger.exception("Could not apologise for an error")

    app.error(handle_unexpected_error)
