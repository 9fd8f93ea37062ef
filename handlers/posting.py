"""How each kind of reply reaches Slack: through `deps.outbox`, never lost in silence.

- In a thread (mentions, DMs, follow-ups): chat.postMessage on the channel's lane, with
  message metadata naming the question it answers. When a try may have got through (a 5xx,
  a lost connection), the thread is read with conversations.replies before posting again:
  a retry never posts a second answer.
- To a response URL (slash commands, buttons): on the URL's own lane. A response URL
  cannot be read back, so a post whose connection was lost after Slack received it is
  sent again: at worst the asker sees their private answer twice, never none.
- An answer that finally cannot be delivered is logged as an error with its event id, and
  the asker gets an apology by another route: an ephemeral message in the channel, else a
  direct message.

Every delivered (or given up) request is marked done in `deps.pending`, so a restart does
not answer it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from handlers import messages
from handlers.delivery import DeliveryError, retry_after
from handlers.deps import Deps

logger = logging.getLogger(__name__)

ANSWER_EVENT_TYPE = "kz_brief_answer"
# conversations.replies pages read to find an earlier try (200 messages each).
MAX_THREAD_PAGES = 5
WEBHOOK_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Place:
    """Where a reply goes and who it is for: the channel, the thread, the message that
    asked (None for a reply that answers no message), the asker, the Slack event id (for
    logs), the request's key in `deps.pending`, its kind (`logcontext.REQUEST_KINDS`, for
    metrics) and when it arrived (`time.monotonic()`; None when unknown)."""

    channel: str
    thread_ts: str | None
    asked_ts: str | None = None
    user_id: str | None = None
    event_id: str | None = None
    pending_key: str | None = None
    kind: str = "other"
    started: float | None = None

    def describe(self) -> str:
        where = f"{self.channel}/{self.asked_ts or self.thread_ts or '-'}"
        return f"{where} (event {self.event_id or 'unknown'})"


def answer_marker(place: Place) -> dict[str, Any]:
    """Message metadata naming the question a reply belongs to, so a retry can find it."""
    asked = place.asked_ts or place.thread_ts or ""
    return {"event_type": ANSWER_EVENT_TYPE, "event_payload": {"asked": f"{place.channel}/{asked}"}}


def find_posted(client: WebClient, place: Place) -> dict[str, Any] | None:
    """The reply an earlier try posted in the thread, if it got through: found by its
    metadata. None when the thread holds none (or there is no thread to read)."""
    if place.thread_ts is None:
        return None
    wanted = answer_marker(place)
    cursor = None
    for _ in range(MAX_THREAD_PAGES):
        page = client.conversations_replies(
            channel=place.channel,
            ts=place.thread_ts,
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        for message in page.get("messages") or []:
            if message.get("metadata") == wanted:
                return {"ok": True, "channel": place.channel, "ts": message.get("ts")}
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def post_in_thread(
    deps: Deps,
    client: WebClient,
    place: Place,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    *,
    what: str = "answer",
    check_first: bool = False,
    on_done: Callable[[], None] | None = None,
) -> Future[Any]:
    """Queue a reply in `place`'s thread; when delivered, the asking message remembers
    where its answer is (for edits), `on_done` runs and the request is done. `check_first`:
    look for it in the thread before the first try (resuming another process's work)."""
    label = f"the {what} for {place.describe()}"
    marker = answer_marker(place)

    def post() -> Any:
        return client.chat_postMessage(
            channel=place.channel,
            thread_ts=place.thread_ts,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata=marker,
        )

    def done(response: Any) -> None:
        answer_ts = response.get("ts")
        if place.asked_ts and answer_ts:
            deps.threads.remember_answer(
                place.channel, place.asked_ts, response.get("channel") or place.channel, answer_ts
            )
        if on_done is not None:
            on_done()
        finish(deps, place)

    def failed(error: BaseException) -> None:
        undelivered(deps, client, place, label, error)

    return deps.outbox.send(
        place.channel,
        post,
        label=label,
        delivered=lambda: find_posted(client, place),
        done=done,
        failed=failed,
        check_first=check_first,
    )


def send_to_response_url(
    deps: Deps,
    response_url: str,
    message: dict[str, Any],
    *,
    place: Place,
    client: WebClient | None = None,
    what: str = "answer",
    on_done: Callable[[], None] | None = None,
) -> Future[Any]:
    """Queue a message for a response URL (a slash command's or a button's); `on_done`
    runs once it is delivered."""
    label = f"the {what} for {place.describe()} (response URL)"

    def post() -> Any:
        # No retries inside the client: the outbox retries, and knows what 429 means.
        webhook = WebhookClient(response_url, timeout=WEBHOOK_TIMEOUT_SECONDS, retry_handlers=[])
        response = webhook.send_dict(message)
        if response.status_code != 200:
            raise DeliveryError(response.status_code, response.body, retry_after(response.headers))
        return response

    def done(response: Any) -> None:
        if on_done is not None:
            on_done()
        finish(deps, place)

    def failed(error: BaseException) -> None:
        undelivered(deps, client, place, label, error)

    return deps.outbox.send(
        f"response-url:{response_url}",
        post,
        label=label,
        done=done,
        failed=failed,
    )


def undelivered(
    deps: Deps, client: WebClient | None, place: Place, label: str, error: BaseException
) -> None:
    """A reply the outbox gave up on: logged as an error, counted, apologised for by another
    route where there is one (`client`), and the request marked finished."""
    logger.error("Could not deliver %s: %s", label, error)
    deps.observer.failed(place.kind)
    if client is not None:
        apologise_elsewhere(client, place)
    finish(deps, place)


def apologise_elsewhere(client: WebClient, place: Place) -> bool:
    """Tell the asker their answer could not be posted: ephemerally in the channel, else in
    a direct message. Never raises; False when no route worked (already logged)."""
    if not place.user_id:
        return False
    text = messages.undelivered(place.channel)
    try:
        client.chat_postEphemeral(
            channel=place.channel, user=place.user_id, text=text, thread_ts=place.thread_ts
        )
        return True
    except Exception as exc:
        logger.warning("Could not apologise to %s in %s (%s)", place.user_id, place.channel, exc)
    try:
        client.chat_postMessage(channel=place.user_id, text=text)
        return True
    except Exception as exc:
        logger.error(
            "Could not apologise to %s by direct message either (%s); event %s is unanswered",
            place.user_id,
            exc,
            place.event_id,
        )
        return False


def leave(deps: Deps, place: Place) -> None:
    """This process is stopping: the request goes, unfinished, to the next one."""
    logger.info("Left %s to the next process: this one is stopping", place.describe())
    if place.pending_key and deps.pending is not None:
        try:
            deps.pending.release(place.pending_key)
        except Exception:
            logger.exception("Could not hand %s to the next process", place.pending_key)


def finish(deps: Deps, place: Place) -> None:
    """The request is answered (or apologised for): a restart must not answer it again."""
    if place.pending_key and deps.pending is not None:
        try:
            deps.pending.done(place.pending_key)
        except Exception:
            logger.exception("Could not mark %s answered", place.pending_key)
