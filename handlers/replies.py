"""Build a reply for a request and deliver it, shared by mentions, DMs and the slash command.

Searches run on `deps.answer_pool`, never on Bolt's listener threads, and every failure ends
in a logged traceback plus a short apology: the bot never goes silent on one bad request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from handlers import blocks, messages
from handlers.dedupe import message_key
from handlers.deps import Deps
from handlers.parsing import Request, event_text_to_plain, parse_request, strip_bot_mention
from handlers.share import ShareRequest, encode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """A message to send: notification `text` plus Block Kit `blocks`."""

    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Ask:
    """One request as a reply builder sees it: the text after the sub-command word, who
    asked (for permission checks such as an admin-only sub-command), and whether the answer
    gets a *Share in channel* button (private slash-command answers only)."""

    text: str
    user_id: str | None = None
    share: bool = False


def _usage(deps: Deps, ask: Ask) -> Reply:
    return Reply(messages.USAGE_FALLBACK, blocks.usage_blocks())


def _sources(deps: Deps, ask: Ask) -> Reply:
    documents = deps.searcher.documents()
    return Reply(blocks.sources_text(documents), blocks.sources_blocks(documents))


def _answer(deps: Deps, ask: Ask, k: int, sort: str | None) -> Reply:
    started = time.monotonic()
    answer = deps.searcher.answer(ask.text, k=k, sort=sort)
    logger.info(
        "Searched in %.2f s: %d passages%s",
        time.monotonic() - started,
        len(answer.hits),
        " (no match)" if answer.no_match else "",
    )
    share_value = None
    if ask.share and not answer.no_match:
        share_value = encode(ShareRequest(ask.text, k, sort))
    return Reply(blocks.answer_text(answer), blocks.answer_blocks(answer, share_value=share_value))


def _brief(deps: Deps, ask: Ask) -> Reply:
    return _answer(deps, ask, deps.brief_k, "date")


def _question(deps: Deps, ask: Ask) -> Reply:
    return _answer(deps, ask, deps.answer_k, None)


# One builder per request kind. A new sub-command (e.g. an admin-only `reindex`, checking
# `ask.user_id in deps.admin_users`) adds its word to `parsing.SUBCOMMAND_WORDS` and a
# builder here.
BUILDERS: dict[str, Callable[[Deps, Ask], Reply]] = {
    "help": _usage,
    "sources": _sources,
    "brief": _brief,
    "question": _question,
}


def build_reply(
    deps: Deps, request: Request, *, user_id: str | None = None, share: bool = False
) -> Reply:
    """The reply to `request` from `user_id`; `share` adds the *Share in channel* button."""
    return BUILDERS[request.kind](deps, Ask(request.text, user_id, share))


def run_in_background(deps: Deps, job: Callable[..., None], *args: Any) -> Future[None]:
    """Run `job(*args)` on the answer pool, logging anything it raises."""

    def guarded() -> None:
        try:
            job(*args)
        except Exception:
            logger.exception("Background job %s failed", getattr(job, "__name__", job))

    return deps.answer_pool.submit(guarded)


def post_apology(client: WebClient, channel: str, thread_ts: str | None) -> None:
    """Tell the user something broke; never raises (it is the last resort)."""
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=messages.APOLOGY)
    except Exception:
        logger.exception("Could not post the apology in %s", channel)


def reply_in_thread(
    deps: Deps,
    client: WebClient,
    channel: str,
    thread_ts: str,
    request: Request,
    user_id: str | None = None,
) -> None:
    """Answer `request` in the thread; on any error, log it and apologise there."""
    try:
        reply = build_reply(deps, request, user_id=user_id)
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=reply.text,
            blocks=reply.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except Exception:
        logger.exception("Could not answer in %s (thread %s)", channel, thread_ts)
        post_apology(client, channel, thread_ts)


def answer_message(
    deps: Deps, client: WebClient, event: dict[str, Any], bot_user_id: str | None
) -> None:
    """Answer a user's message (a mention or a DM) once, in its thread, in the background."""
    channel = event.get("channel")
    ts = event.get("ts")
    if not channel or not ts:
        logger.warning("Ignored a message event without channel or ts")
        return
    if not deps.deduper.first_time(message_key(channel, ts)):
        logger.info("Message %s in %s was already answered", ts, channel)
        return
    thread_ts = event.get("thread_ts") or ts
    question = event_text_to_plain(strip_bot_mention(event.get("text") or "", bot_user_id))
    request = parse_request(question)
    user_id = event.get("user")
    run_in_background(deps, reply_in_thread, deps, client, channel, thread_ts, request, user_id)
