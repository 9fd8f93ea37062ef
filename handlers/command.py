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

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers import blocks, messages
from handlers.delivery import Stopping
from handlers.deps import Deps
from handlers.parsing import Request, parse_request
from handlers.posting import Place, leave, send_to_response_url
from handlers.reindex import ReindexRunner, admin_mentions
from handlers.replies import build_reply, note_answered, place_payload, run_in_background

logger = logging.getLogger(__name__)

COMMAND = "/kz-brief"


def respond_privately(
    deps: Deps, client: WebClient, request: Request, place: Place, response_url: str
) -> None:
    """Search and send the ephemeral answer; on any error, log it and apologise."""
    started = place.started or time.monotonic()
    try:
        reply = build_reply(deps, request, user_id=place.user_id, share=True)
    except Stopping:
        leave(deps, place)
        return
    except Exception:
        logger.exception("Could not answer %s %s for %s", COMMAND, request.kind, place.describe())
        deps.observer.failed(place.kind)
        apology = {"text": messages.APOLOGY, "response_type": "ephemeral"}
        send_to_response_url(
            deps, response_url, apology, place=place, client=client, what="apology"
        )
        return
    message = {"text": reply.text, "blocks": reply.blocks, "response_type": "ephemeral"}
    send_to_response_url(
        deps,
        response_url,
        message,
        place=place,
        client=client,
        on_done=lambda: note_answered(deps, place.kind, started, reply),
    )


def command_place(command: dict[str, Any]) -> Place:
    """Where a slash command came from; the trigger id stands in for an event id."""
    trigger = command.get("trigger_id")
    return Place(
        command.get("channel_id") or "",
        None,
        user_id=command.get("user_id"),
        event_id=trigger,
        pending_key=f"command:{trigger}" if trigger else None,
        kind="command",
        started=time.monotonic(),
    )


def _counting_failures(deps: Deps, reindex: Callable[[], str]) -> Callable[[], str]:
    def counted() -> str:
        try:
            return reindex()
        except Exception:
            deps.observer.failed("reindex")
            raise

    return counted


def report_reindex(deps: Deps, response_url: str, place: Place, summary: str) -> None:
    message = {
        "text": blocks.shorten(summary.split("\n", 1)[0], blocks.MAX_FALLBACK_CHARS),
        "blocks": blocks.text_blocks(summary),
        "response_type": "ephemeral",
        "replace_original": False,
    }
    send_to_response_url(deps, response_url, message, place=place, what="re-index summary")


def register(app: App, deps: Deps) -> None:
    runner = (
        ReindexRunner(_counting_failures(deps, deps.reindex), deps.locks)
        if deps.reindex is not None
        else None
    )

    def reindex(ack: Ack, user_id: str | None, command: dict[str, Any]) -> None:
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
            place = Place(command.get("channel_id") or "", None, user_id=user_id)
            url = command["response_url"]
            runner.run_in_background(lambda summary: report_reindex(deps, url, place, summary))

    def kz_brief_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        request = parse_request(command.get("text") or "")
        user_id = command.get("user_id")
        if request.kind == "help":
            ack(text=messages.USAGE_FALLBACK, blocks=blocks.usage_blocks())
            return
        if request.kind == "reindex":
            reindex(ack, user_id, command)
            return
        place = command_place(command)
        response_url = command.get("response_url") or ""
        if deps.pending is not None and place.pending_key is not None:
            payload = {**place_payload(place, request), "response_url": response_url}
            if not deps.pending.add(place.pending_key, "command", payload):
                ack()  # a repeat of a command already being answered
                return
        # Acknowledge before searching: Slack gives up on a command after 3 seconds.
        ack(text=messages.SEARCHING)
        run_in_background(deps, respond_privately, deps, client, request, place, response_url)

    app.command(COMMAND)(kz_brief_command)
