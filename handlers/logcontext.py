"""Which Slack request a log line belongs to: its event id, kind and channel, on every line.

A Bolt middleware (`register`) reads them from each request and binds them to the current
`contextvars` context; the listener and answer pools (`handlers.deps.ContextThreadPool`)
carry that context to their threads, and `RequestFields`, a logging filter the entry point
installs, copies the fields onto every record, so a JSON log line says which request it
belongs to, on whichever replica and thread it was written. Slack gives commands and button
clicks no event id; their `trigger_id` stands in for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import App

from handlers import share

# The kinds of request, as counted in metrics and written in logs.
REQUEST_KINDS = (
    "mention",
    "direct_message",
    "channel_message",
    "edit",
    "command",
    "feedback",
    "share",
    "home",
    "other",
)


@dataclass(frozen=True)
class RequestFields:
    kind: str = "other"
    event_id: str | None = None
    channel: str | None = None


_current: ContextVar[RequestFields | None] = ContextVar("kz_brief_request", default=None)


def current() -> RequestFields | None:
    """The fields of the request being handled in this context, if any."""
    return _current.get()


def bind(fields: RequestFields) -> None:
    """Make `fields` the current request's, for this context and work submitted from it."""
    _current.set(fields)


def rename(kind: str) -> None:
    """The request turned out to be a more precise kind (a channel message that is a
    follow-up in a thread the bot answered)."""
    fields = _current.get()
    if fields is not None:
        _current.set(replace(fields, kind=kind))


def describe(body: dict[str, Any]) -> RequestFields:
    """Kind, event id and channel of a Slack request body (an event, command or action)."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        return RequestFields(_event_kind(event), body.get("event_id"), event.get("channel"))
    if body.get("command"):
        return RequestFields("command", body.get("trigger_id"), body.get("channel_id"))
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0].get("action_id", "")
        kind = (
            "feedback"
            if action.startswith("feedback_")
            else "share"
            if action == share.ACTION_ID
            else "other"
        )
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        return RequestFields(kind, body.get("trigger_id"), channel)
    return RequestFields()


def _event_kind(event: dict[str, Any]) -> str:
    kind = event.get("type")
    if kind == "app_mention":
        return "mention"
    if kind == "app_home_opened":
        return "home"
    if kind != "message":
        return "other"
    if event.get("subtype") == "message_changed":
        return "edit"
    if event.get("channel_type") in ("im", "mpim"):
        return "direct_message"
    return "channel_message"


class RequestLogFields(logging.Filter):
    """Copies the current request's fields onto each record (`record.event_id`, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _current.get()
        if fields is not None:
            for name in ("kind", "event_id", "channel"):
                if not hasattr(record, name):
                    setattr(record, name, getattr(fields, name))
        return True


def register(app: App) -> None:
    """The first middleware: bind each request's fields before anything logs about it."""

    def bind_request_fields(body: dict[str, Any], next: Callable[[], None]) -> None:
        bind(describe(body))
        next()

    app.use(bind_request_fields)
