"""Answer each Slack event once, even when Slack retries it (`X-Slack-Retry-Num`).

Slack re-sends an event it thinks was not received; the retry has the same `event_id`. A
global middleware drops events whose id was already seen. The same set also remembers which
user messages were answered (`message:CHANNEL:TS`), because one message can arrive as two
events (an `app_mention` and a `message.im` for a mention in a DM).

The set itself is `deps.deduper` (`store.state.dedupe`): this process's memory, or Redis
shared by every replica.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.response import BoltResponse

from handlers.deps import Deps

logger = logging.getLogger(__name__)


def message_key(channel: str, ts: str) -> str:
    """The key for "this user message was answered", whichever event delivered it."""
    return f"message:{channel}:{ts}"


def register(app: App, deps: Deps) -> None:
    """Install the middleware that drops repeated Events API deliveries.

    Bolt runs it after request verification, so forged requests never mark an id as seen.
    """
    deduper = deps.deduper

    def drop_repeated_events(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], None]
    ) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            retry = request.headers.get("x-slack-retry-num", [None])[0]
            if not deduper.first_time(f"event:{event_id}"):
                logger.info("Skipped repeated event %s (Slack retry %s)", event_id, retry)
                return BoltResponse(status=200, body="")
            if retry is not None:
                reason = request.headers.get("x-slack-retry-reason", ["unknown"])[0]
                logger.info(
                    "Slack retry %s (%s) of event %s, first seen now", retry, reason, event_id
                )
        next()
        return None

    app.use(drop_repeated_events)
