"""Slack listeners, one module per input; `register_handlers` wires them into a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, command, dedupe, direct_messages, errors, home, mentions
from handlers.deps import Deps


def register_handlers(app: App, deps: Deps) -> None:
    """Register the de-duplication middleware, every listener and the global error handler."""
    dedupe.register(app, deps)
    mentions.register(app, deps)
    direct_messages.register(app, deps)
    command.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    errors.register(app, deps)
