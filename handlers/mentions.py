"""`@kz-brief question` in a channel: answered in the thread of the mention."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.replies import answer_message


def register(app: App, deps: Deps) -> None:
    def answer_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # Bolt has already acknowledged the event; the search runs on the answer pool.
        answer_message(deps, client, event, context.bot_user_id, kind="mention")

    app.event("app_mention")(answer_mention)
