"""The App Home tab: what the bot knows, how to ask it, and example questions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers import blocks
from handlers.deps import Deps
from handlers.replies import run_in_background
from store.types import DocumentInfo, IndexInfo

logger = logging.getLogger(__name__)


def publish_home(deps: Deps, client: WebClient, user_id: str) -> None:
    """Publish the Home tab; a missing index still gets a useful page, not an error."""
    info: IndexInfo | None = None
    documents: list[DocumentInfo] = []
    try:
        info = deps.searcher.info()
        documents = deps.searcher.documents()
    except Exception:
        logger.exception("Index unavailable while building the Home tab")
        info = None
    view = blocks.home_view(info, documents, deps.today())
    deps.outbox.send(
        f"home:{user_id}",
        lambda: client.views_publish(user_id=user_id, view=view),
        label=f"the Home tab of {user_id}",
    )


def register(app: App, deps: Deps) -> None:
    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        # The event also fires for the Messages tab; only the Home tab is ours to draw.
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        run_in_background(deps, publish_home, deps, client, event["user"])

    app.event("app_home_opened")(app_home_opened)
