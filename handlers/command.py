"""`/kz-brief`: acknowledged at once, answered privately through `response_url`.

`help` (or nothing) shows usage in the acknowledgement itself; `sources`, `brief TOPIC` and
questions are acknowledged first, then searched on the answer pool, and the result goes to
the response URL as an ephemeral message. Answers carry a *Share in channel* button.
`reindex` is for the admins in `deps.admin_users`: acknowledged with "Re-index started…",
run in the background (see `reindex`), and its summary sent to the response URL; anyone
else is politely refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from handlers import blocks, messages
from handlers.deps import Deps
from handlers.parsing import Request, parse_request
from handlers.reindex import ReindexRunner, admin_mentions
from handlers.replies import build_reply, note_answered, run_in_background

logger = logging.getLogger(__name__)

COMMAND = "/kz-brief"


def respond_privately(
    deps: Deps,
    respond: Respond,
    request: Request,
    user_id: str | None,
    started: float | None = None,
) -> None:
    """Search and send the ephemeral answer; on any error, log it and apologise."""
    started = time.monotonic() if started is None else started
    try:
        reply = build_reply(deps, request, user_id=user_id, share=True)
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        note_answered(deps, "command", started, reply)
    except Exception:
        logger.exception("Could not answer %s %s", COMMAND, request.kind)
        deps.observer.failed("command")
        try:
            respond(text=messages.APOLOGY, response_type="ephemeral")
        except Exception:
            logger.exception("Could not send the apology to the response URL")


def report_reindex(respond: Respond, summary: str) -> None:
    respond(
        text=blocks.shorten(summary.split("\n", 1)[0], blocks.MAX_FALLBACK_CHARS),
        blocks=blocks.text_blocks(summary),
        response_type="ephemeral",
        replace_original=False,
    )


def _counting_failures(deps: Deps, reindex: Callable[[], str]) -> Callable[[], str]:
    def counted() -> str:
        try:
            return reindex()
        except Exception:
            deps.observer.failed("reindex")
            raise

    return counted


def register(app: App, deps: Deps) -> None:
    runner = (
        ReindexRunner(_counting_failures(deps, deps.reindex), deps.locks)
        if deps.reindex is not None
        else None
    )

    def reindex(ack: Ack, user_id: str | None, respond: Respond) -> None:
        if user_id not in deps.admin_users:
            logger.info("Refused %s reindex to %s (not in KZ_ADMIN_USERS)", COMMAND, user_id)
            ack(text=messages.reindex_refused(admin_mentions(deps.admin_users)))
        elif runner is None:
            ack(text=messages.REINDEX_UNAVAILABLE)
        elif not runner.begin():
            ack(text=messages.REINDEX_RUNNING)
        else:
            logger.info("%s reindex started by %s", COMMAND, user_id)
            ack(text=messages.REINDEX_STARTED)
            runner.run_in_background(lambda summary: report_reindex(respond, summary))

    def kz_brief_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        request = parse_request(command.get("text") or "")
        user_id = command.get("user_id")
        if request.kind == "help":
            ack(text=messages.USAGE_FALLBACK, blocks=blocks.usage_blocks())
            return
        if request.kind == "reindex":
            reindex(ack, user_id, respond)
            return
        # Acknowledge before searching: Slack gives up on a command after 3 seconds.
        started = time.monotonic()
        ack(text=messages.SEARCHING)
        run_in_background(deps, respond_privately, deps, respond, request, user_id, started)

    app.command(COMMAND)(kz_brief_command)
