"""Build a reply for a request and deliver it, shared by mentions, DMs, thread follow-ups,
edits and the slash command.

Searches run on `deps.answer_pool`, never on Bolt's listener threads, and every failure ends
in a logged traceback plus a short apology: the bot never goes silent on one bad request.
Every message the bot answers is remembered in `deps.threads` (its thread's first question,
and where the answer is), so a reply in that thread is read as a follow-up and an edit of
the question updates the answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient

from handlers import blocks, logcontext, messages
from handlers.dedupe import message_key
from handlers.delivery import Stopping
from handlers.deps import Deps
from handlers.parsing import Request, event_text_to_plain, parse_request, strip_bot_mention
from handlers.posting import Place, leave, post_in_thread
from handlers.share import ShareRequest, encode
from store.api import follow_up_question
from store.types import Answer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """A message to send: notification `text` plus Block Kit `blocks`."""

    text: str
    blocks: list[dict[str, Any]]
    # A search that found nothing in the corpus (counted in metrics).
    no_match: bool = False


@dataclass(frozen=True)
class Ask:
    """One request as a reply builder sees it: the text after the sub-command word, who
    asked (for permission checks such as an admin-only sub-command), whether the answer
    gets a *Share in channel* button (private slash-command answers only), and whether it
    replaces an earlier answer because the question was edited."""

    text: str
    user_id: str | None = None
    share: bool = False
    edited: bool = False


def render_answer(
    deps: Deps,
    answer: Answer,
    *,
    share_value: str | None = None,
    shared_by: str | None = None,
    notes: tuple[str, ...] = (),
) -> Reply:
    """An answer as every handler shows it: dated passages with their age and, when
    feedback is stored, the feedback buttons under each one."""
    today = deps.today()
    return Reply(
        blocks.answer_text(answer, today),
        blocks.answer_blocks(
            answer,
            share_value=share_value,
            shared_by=shared_by,
            today=today,
            feedback_buttons=deps.feedback is not None,
            notes=notes,
        ),
    )


def _usage(deps: Deps, ask: Ask) -> Reply:
    return Reply(messages.USAGE_FALLBACK, blocks.usage_blocks())


def _sources(deps: Deps, ask: Ask) -> Reply:
    documents = deps.searcher.documents()
    return Reply(blocks.sources_text(documents), blocks.sources_blocks(documents, deps.today()))


def _answer(deps: Deps, ask: Ask, k: int, sort: str | None) -> Reply:
    started = time.monotonic()
    logger.debug("Question: %r", ask.text)  # people's words stay out of logs above DEBUG
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
    notes = (messages.UPDATED_AFTER_EDIT,) if ask.edited else ()
    reply = render_answer(deps, answer, share_value=share_value, notes=notes)
    return replace(reply, no_match=answer.no_match)


def _brief(deps: Deps, ask: Ask) -> Reply:
    return _answer(deps, ask, deps.brief_k, "date")


def _question(deps: Deps, ask: Ask) -> Reply:
    return _answer(deps, ask, deps.answer_k, None)


def _reindex_elsewhere(deps: Deps, ask: Ask) -> Reply:
    # Re-indexing runs in the background and reports to the command's response URL, so it
    # is only offered as `/kz-brief reindex` (see `command`), not in mentions or DMs.
    return Reply(messages.REINDEX_ONLY_COMMAND, blocks.text_blocks(messages.REINDEX_ONLY_COMMAND))


# One builder per request kind. A new sub-command adds its word to
# `parsing.SUBCOMMAND_WORDS` and a builder here.
BUILDERS: dict[str, Callable[[Deps, Ask], Reply]] = {
    "help": _usage,
    "sources": _sources,
    "brief": _brief,
    "question": _question,
    "reindex": _reindex_elsewhere,
}


def build_reply(
    deps: Deps,
    request: Request,
    *,
    user_id: str | None = None,
    share: bool = False,
    edited: bool = False,
) -> Reply:
    """The reply to `request` from `user_id`; `share` adds the *Share in channel* button,
    `edited` says the answer replaces one given to the question before it was edited."""
    return BUILDERS[request.kind](deps, Ask(request.text, user_id, share, edited))


def apology_reply() -> Reply:
    return Reply(messages.APOLOGY, blocks.text_blocks(messages.APOLOGY))


# --- Threads: the first question gives a follow-up its context ---------------------------


def question_of(request: Request) -> str | None:
    """What a follow-up in this thread may borrow: a question or a brief's topic."""
    return request.text if request.kind in ("question", "brief") and request.text else None


def in_thread_context(
    deps: Deps, channel: str, thread_ts: str, ts: str, request: Request
) -> Request:
    """A question in a thread the bot answered (other than the thread's first message)
    borrows the words and filters of the thread's first question (`and in 2009?`)."""
    if request.kind != "question":
        return request
    known = deps.threads.thread(channel, thread_ts)
    if known is None or known.first_ts == ts or not known.first_question:
        return request
    question = follow_up_question(known.first_question, request.text)
    logger.info(
        "Follow-up in thread %s read as a question of %d characters", thread_ts, len(question)
    )
    return Request("question", question)


def message_request(event_text: str, bot_user_id: str | None) -> Request:
    """What a person's message asks, without the bot's mention and Slack's encoding."""
    return parse_request(event_text_to_plain(strip_bot_mention(event_text, bot_user_id)))


def run_in_background(deps: Deps, job: Callable[..., None], *args: Any) -> Future[None]:
    """Run `job(*args)` on the answer pool, logging anything it raises."""

    def guarded() -> None:
        try:
            job(*args)
        except Exception:
            name = getattr(job, "__name__", None) or getattr(
                getattr(job, "func", None), "__name__", repr(job)
            )
            logger.exception("Background job %s failed", name)

    try:
        return deps.answer_pool.submit(guarded)
    except RuntimeError as exc:  # the process is exiting; the pending journal keeps the work
        logger.warning("Not started: %s (%s)", getattr(job, "__name__", job), exc)
        refused: Future[None] = Future()
        refused.set_exception(exc)
        return refused


def post_apology(
    deps: Deps, client: WebClient, place: Place, *, check_first: bool = False
) -> Future[Any]:
    """Tell the user something broke, in their thread (through the outbox: never raises)."""
    text = messages.APOLOGY
    return post_in_thread(
        deps, client, place, text, blocks.text_blocks(text), what="apology", check_first=check_first
    )


def note_answered(deps: Deps, kind: str, started: float, reply: Reply) -> None:
    """Log and count a delivered reply, `started` being when its request arrived."""
    seconds = time.monotonic() - started
    deps.observer.answered(kind, seconds, no_match=reply.no_match)
    logger.info(
        "Answered %s in %.2f s%s",
        kind,
        seconds,
        " (no match)" if reply.no_match else "",
        extra={"latency_ms": round(seconds * 1000)},
    )


def reply_in_thread(
    deps: Deps, client: WebClient, place: Place, request: Request, *, resumed: bool = False
) -> Future[Any]:
    """Answer `request` in `place`'s thread; on any error, log it and apologise there.
    Where the answer (or apology) went is remembered for the asking message, so an edit of
    that message can update it (see `posting.post_in_thread`). `resumed`: another process
    took the request and may have posted its answer before it stopped; look first. The
    place's `kind` and `started` (when the request arrived) are for metrics and logs."""
    started = place.started or time.monotonic()
    try:
        reply = build_reply(deps, request, user_id=place.user_id)
    except Stopping:
        leave(deps, place)
        return _stopped()
    except Exception:
        logger.exception("Could not answer %s", place.describe())
        deps.observer.failed(place.kind)
        return post_apology(deps, client, place, check_first=resumed)
    return post_in_thread(
        deps,
        client,
        place,
        reply.text,
        reply.blocks,
        check_first=resumed,
        on_done=lambda: note_answered(deps, place.kind, started, reply),
    )


def _stopped() -> Future[Any]:
    future: Future[Any] = Future()
    future.set_exception(Stopping("the process is stopping"))
    return future


def answer_message(
    deps: Deps,
    client: WebClient,
    event: dict[str, Any],
    bot_user_id: str | None,
    kind: str = "mention",
) -> None:
    """Answer a person's message (a mention, a DM or a thread follow-up: `kind`) once, in
    its thread, in the background; a follow-up borrows the thread's first question.

    The question is written to `deps.pending` before this returns, which (Bolt processing
    before it responds) is before Slack is told it arrived: a restart answers it.
    """
    started = time.monotonic()
    logcontext.rename(kind)
    fields = logcontext.current()
    event_id = fields.event_id if fields else None
    channel = event.get("channel")
    ts = event.get("ts")
    if not channel or not ts:
        logger.warning("Ignored a message event without channel or ts")
        return
    key = message_key(channel, ts)
    if not deps.deduper.first_time(key):
        logger.info("Message %s in %s was already answered", ts, channel)
        return
    thread_ts = event.get("thread_ts") or ts
    request = message_request(event.get("text") or "", bot_user_id)
    request = in_thread_context(deps, channel, thread_ts, ts, request)
    deps.threads.remember_thread(channel, thread_ts, ts, question_of(request))
    deps.threads.remember_asked(channel, ts, thread_ts)
    place = Place(channel, thread_ts, ts, event.get("user"), event_id, key, kind, started)
    payload = place_payload(place, request)
    if deps.pending is not None and not deps.pending.add(key, "message", payload):
        logger.info("Message %s in %s was answered before (a restart in between)", ts, channel)
        return
    run_in_background(deps, reply_in_thread, deps, client, place, request)


def place_payload(place: Place, request: Request) -> dict[str, Any]:
    """What `deps.pending` keeps to answer a request again after a restart."""
    return {
        "channel": place.channel,
        "thread_ts": place.thread_ts,
        "asked_ts": place.asked_ts,
        "user_id": place.user_id,
        "event_id": place.event_id,
        "request_kind": place.kind,
        "kind": request.kind,
        "text": request.text,
    }
