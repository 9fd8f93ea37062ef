"""A person edits a message the bot answered: the answer is updated in place (chat.update).

Edits arrive as `message` events with subtype `message_changed` (`event.message` is the new
version, `event.previous_message` the old). The question is asked again (a thread reply as
a follow-up of the thread's first question) and the bot's answer to it is replaced; an edit
never produces a new message. Edits of messages the bot never answered, of bots' messages,
and changes that leave the text as it was (unfurls, reply counts) are ignored. Each edit
has its own event_id, so the de-duplication middleware lets it through.

The edits of one message are applied one at a time, under a lock in `deps.locks` (in
Redis when replicas share state, so two replicas never update one answer at once), and an
edit older than one already applied is dropped (`ThreadMemory.claim_edit`), whichever
replica each edit reached. The answer to update is found in the shared thread memory.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.replies import (
    apology_reply,
    build_reply,
    in_thread_context,
    message_request,
    note_answered,
    question_of,
    run_in_background,
)
from store.state.base import AskedMessage, holding

logger = logging.getLogger(__name__)

EDIT_SUBTYPE = "message_changed"
# An edit that arrives while the first answer is still being searched waits for it.
WAIT_FOR_ANSWER_SECONDS = 30.0
# How long an edit waits for the one before it (on any replica) to be applied; after that
# it is applied anyway, because an answer that never follows its question is worse.
WAIT_FOR_EARLIER_EDIT_SECONDS = 60.0


def edited_question(event: dict[str, Any], bot_user_id: str | None) -> dict[str, Any] | None:
    """The new version of a person's message whose text changed, else None."""
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    if (
        event.get("subtype") != EDIT_SUBTYPE
        or not event.get("channel")
        or not message.get("ts")
        or message.get("bot_id")
        or not message.get("user")
        or message.get("user") == bot_user_id
        or message.get("subtype")
        or message.get("text", "") == previous.get("text", "")
    ):
        return None
    return message


def edit_lock_name(channel: str, ts: str) -> str:
    return f"edit:{channel}:{ts}"


def _wait_for_answer(deps: Deps, channel: str, ts: str) -> AskedMessage | None:
    deadline = time.monotonic() + WAIT_FOR_ANSWER_SECONDS
    while True:
        asked = deps.threads.asked(channel, ts)
        if asked is None or asked.answer_ts is not None or time.monotonic() > deadline:
            return asked
        time.sleep(0.1)


def _edited_at(event: dict[str, Any], message: dict[str, Any]) -> float:
    stamp = (message.get("edited") or {}).get("ts") or event.get("event_ts") or "0"
    try:
        return float(stamp)
    except ValueError:
        return 0.0


def update_answer(
    deps: Deps,
    client: WebClient,
    event: dict[str, Any],
    message: dict[str, Any],
    bot_user_id: str | None,
    started: float | None = None,
) -> None:
    """Ask the edited question again and replace the bot's answer with the new one."""
    started = time.monotonic() if started is None else started
    channel, ts = event["channel"], message["ts"]
    lock = edit_lock_name(channel, ts)
    with holding(deps.locks, lock, wait=WAIT_FOR_EARLIER_EDIT_SECONDS) as held:
        if not held:
            logger.warning("Edit of %s in %s: an earlier edit still runs; applying it", ts, channel)
        if not deps.threads.claim_edit(channel, ts, _edited_at(event, message)):
            logger.info("Skipped an older edit of %s in %s", ts, channel)
            return
        asked = _wait_for_answer(deps, channel, ts)
        if asked is None or asked.answer_ts is None or asked.answer_channel is None:
            logger.warning("Edit of %s in %s: no answer of mine to update", ts, channel)
            return
        try:
            request = message_request(message.get("text") or "", bot_user_id)
            known = deps.threads.thread(channel, asked.thread_ts)
            if known is not None and known.first_ts == ts:
                # The thread's first question changed: later follow-ups borrow the new one.
                deps.threads.replace_first_question(
                    channel, asked.thread_ts, ts, question_of(request)
                )
            else:
                request = in_thread_context(deps, channel, asked.thread_ts, ts, request)
            reply = build_reply(deps, request, user_id=message.get("user"), edited=True)
        except Exception:
            logger.exception("Could not answer the edited message %s in %s", ts, channel)
            deps.observer.failed("edit")
            reply = apology_reply()
        answer_channel, answer_ts = asked.answer_channel, asked.answer_ts
        try:
            deps.outbox.send(
                answer_channel,
                lambda: client.chat_update(
                    channel=answer_channel, ts=answer_ts, text=reply.text, blocks=reply.blocks
                ),
                label=f"the updated answer {answer_channel}/{answer_ts}",
            ).result()
        except Exception:
            logger.exception("Could not update my answer to %s in %s", ts, channel)
            deps.observer.failed("edit")
            return
        note_answered(deps, "edit", started, reply)


def register(app: App, deps: Deps) -> None:
    def answer_edit(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        started = time.monotonic()
        message = edited_question(event, context.bot_user_id)
        if message is None:
            logger.debug("Ignored a message_changed event that changed no question's text")
            return
        if deps.threads.asked(event["channel"], message["ts"]) is None:
            logger.debug("Ignored the edit of %s, a message I did not answer", message["ts"])
            return
        run_in_background(
            deps, update_answer, deps, client, event, message, context.bot_user_id, started
        )

    app.event({"type": "message", "subtype": EDIT_SUBTYPE})(answer_edit)
