"""What the feedback buttons under each passage carry: which passage, of which document.

Three buttons ("Useful", "Outdated", "Wrong source"), one action_id per flag, all with the
same value: the passage's chunk id and document id, plus a short title and excerpt so
`kz-brief feedback` can show admins what was flagged without opening the index. The value
stays under Slack's 2000-character limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from store.types import Hit

# The flags `store.state.feedback` accepts, in button order, and each button's action_id.
FLAGS = ("useful", "outdated", "wrong_source")
ACTION_PREFIX = "feedback_"
ACTION_IDS = {flag: f"{ACTION_PREFIX}{flag}" for flag in FLAGS}
MAX_VALUE_CHARS = 2000
MAX_TITLE_CHARS = 150
MAX_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class FeedbackTarget:
    chunk_id: str
    doc_id: str
    title: str = ""
    excerpt: str = ""


def flag_of(action_id: str) -> str:
    """The flag a button's action_id stands for; ValueError for any other action."""
    flag = action_id.removeprefix(ACTION_PREFIX)
    if not action_id.startswith(ACTION_PREFIX) or flag not in FLAGS:
        raise ValueError(f"not a feedback action: {action_id!r}")
    return flag


def _dump(target: FeedbackTarget) -> str:
    value = json.dumps(
        {"c": target.chunk_id, "d": target.doc_id, "t": target.title, "x": target.excerpt},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    # Slack's control characters as JSON escapes, as in `share.encode`.
    return value.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def encode(hit: Hit) -> str | None:
    """The button value for `hit`, or None when even its ids do not fit (no buttons then)."""
    excerpt = " ".join(hit.quote.split())[:MAX_EXCERPT_CHARS]
    title = hit.title[:MAX_TITLE_CHARS]
    for target in (
        FeedbackTarget(hit.chunk_id, hit.doc_id, title, excerpt),
        FeedbackTarget(hit.chunk_id, hit.doc_id, title),
        FeedbackTarget(hit.chunk_id, hit.doc_id),
    ):
        value = _dump(target)
        if len(value) <= MAX_VALUE_CHARS:
            return value
    return None


def decode(value: str) -> FeedbackTarget:
    """Read a value written by `encode`; ValueError when it is not one (or is longer than
    a button value can be: Slack never sends one, so it was not sent by Slack)."""
    if len(value) > MAX_VALUE_CHARS:
        raise ValueError(f"feedback button value of {len(value)} characters")
    try:
        data = json.loads(value)
        chunk_id, doc_id = str(data["c"]), str(data["d"])
        title, excerpt = str(data.get("t") or ""), str(data.get("x") or "")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a feedback button value: {value[:80]!r}") from exc
    if not chunk_id or not doc_id:
        raise ValueError(f"feedback button value without ids: {value[:80]!r}")
    return FeedbackTarget(chunk_id, doc_id, title, excerpt)
