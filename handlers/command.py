"""`/kz-brief`: acknowledged at once, answered privately through `response_url`.

`help` (or nothing) shows usage in the acknowledgement itself; `sources`, `brief TOPIC` and
questions are acknowledged first, then searched on the answer pool, and the result goes to
the response URL as an ephemeral message. Answers carry a *Share in channel* button.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from handlers import blocks, messages
from handlers.deps import Deps
from handlers.parsing import Request, parse_request
from handlers.replies import build_reply, run_in_background

logger = logging.getLogger(__name__)

COMMAND = "/kz-brief"


def respond_privately(deps: Deps, respond: Respond, request: Request, user_id: str | None) -> None:
    """Search and send the ephemeral answer; on any error, log it and apologise."""
    try:
        reply = build_reply(deps, request, user_id=user_id, share=True)
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
    except Exception:
        logger.exception("Could not answer %s %s", COMMAND, request.kind)
        try:
            respond(text=messages.APOLOGY, response_type="ephemeral")
        except Exception:
            logger.exception("Could not send the apology to the response URL")


def register(app: App, deps: Deps) -> None:
    def kz_brief_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        request = parse_request(command.get("text") or "")
        if request.kind == "help":
            ack(text=messages.USAGE_FALLBACK, blocks=blocks.usage_blocks())
            return
        # Acknowledge before searching: Slack gives up on a command after 3 seconds.
        ack(text=messages.SEARCHING)
        user_id = command.get("user_id")
        run_in_background(deps, respond_privately, deps, respond, request, user_id)

    app.command(COMMAND)(kz_brief_command)
