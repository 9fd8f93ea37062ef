"""Slack listeners, one module per input; `register_handlers` wires them into a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    actions,
    command,
    dedupe,
    direct_messages,
    edits,
    errors,
    follow_ups,
    home,
    logcontext,
    mentions,
)
from handlers.deps import Deps


def register_handlers(app: App, deps: Deps) -> None:
    """Register the middlewares (the request's log fields, then de-duplication), every
    listener and the global error handler.

    Bolt runs the first listener that matches an event, so the `message` listeners go from
    the most specific (edits, thread follow-ups) to the catch-all (direct messages), which
    acknowledges and ignores every other message event.
    """
    logcontext.register(app)
    dedupe.register(app, deps)
    mentions.register(app, deps)
    edits.register(app, deps)
    follow_ups.register(app, deps)
    direct_messages.register(app, deps)
    command.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    errors.register(app, deps)
