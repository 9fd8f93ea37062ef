"""Answer what a process that stopped had acknowledged but not yet answered.

`deps.pending` holds every acknowledged question until its answer is delivered. `resume`
takes over the ones left by processes that are no longer running and answers them the way
they would have been answered: a message in its thread (unless an answer is already there:
the process may have died between posting and noting it), a slash command through its
response URL while that is still valid.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.parsing import Request
from handlers.posting import Place, apologise_elsewhere, finish

logger = logging.getLogger(__name__)

# Slack accepts posts to a response URL for 30 minutes; keep a margin for the answer.
RESPONSE_URL_SECONDS = 25 * 60


class Unfinished(Protocol):
    """A journal entry, as `store.state.pending.PendingReply` has it."""

    key: str
    kind: str
    payload: dict[str, Any]
    created_at: float


class Journal(Protocol):
    def take_over(self) -> tuple[list[Any], list[Any]]: ...


def resume(deps: Deps, client: WebClient, journal: Journal) -> int:
    """Answer the requests dead processes left unanswered; returns how many were resumed."""
    retry, given_up = journal.take_over()
    for entry in given_up:
        logger.error(
            "Gave up on %s after several restarts (event %s)",
            entry.key,
            entry.payload.get("event_id"),
        )
    for entry in retry:
        try:
            _resume_one(deps, client, entry)
        except Exception:
            logger.exception("Could not resume %s", entry.key)
    return len(retry)


def _place(entry: Unfinished) -> Place:
    data = entry.payload
    return Place(
        data.get("channel") or "",
        data.get("thread_ts"),
        data.get("asked_ts"),
        data.get("user_id"),
        data.get("event_id"),
        entry.key,
        data.get("request_kind") or "other",
    )


def _resume_one(deps: Deps, client: WebClient, entry: Unfinished) -> None:
    # Imported here: replies and command import this module's neighbours, not this one.
    from handlers.command import respond_privately
    from handlers.replies import reply_in_thread, run_in_background

    place = _place(entry)
    request = Request(entry.payload.get("kind") or "question", entry.payload.get("text") or "")
    if entry.kind == "message":
        logger.info("Resuming %s (event %s) after a restart", entry.key, place.event_id)
        # The thread is read before posting: the answer may be there already.
        run_in_background(deps, lambda: reply_in_thread(deps, client, place, request, resumed=True))
    elif entry.kind == "command":
        url = entry.payload.get("response_url") or ""
        if not url or time.time() - entry.created_at > RESPONSE_URL_SECONDS:
            logger.error("Could not resume %s: its response URL has expired", entry.key)
            apologise_elsewhere(client, place)
            finish(deps, place)
            return
        logger.info("Resuming %s after a restart", entry.key)
        run_in_background(deps, respond_privately, deps, client, request, place, url)
    else:
        logger.error("Unknown kind of unanswered request %s; dropped", entry.key)
        finish(deps, place)
