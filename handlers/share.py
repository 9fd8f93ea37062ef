"""What the *Share in channel* button carries: enough to re-run the same search on click.

The button value holds the question, k and sort (not the answer) so it stays well under
Slack's 2000-character limit and the shared answer is re-read from the index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

ACTION_ID = "share_answer"
MAX_VALUE_CHARS = 2000
# The store trims questions to 1000 characters anyway; JSON escaping can grow the text.
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class ShareRequest:
    question: str
    k: int
    sort: str | None = None


def encode(request: ShareRequest) -> str:
    """A compact JSON value under 2000 characters (the question is shortened if needed)."""
    question = request.question[:MAX_QUESTION_CHARS]
    while True:
        value = json.dumps(
            {"q": question, "k": request.k, "s": request.sort},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        # JSON escapes for Slack's control characters: the value never carries a live
        # `<!channel>`, and json.loads restores the text exactly.
        value = value.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        if len(value) <= MAX_VALUE_CHARS:
            return value
        question = question[: len(question) - (len(value) - MAX_VALUE_CHARS)]


def decode(value: str) -> ShareRequest:
    """Read a button value written by `encode`; ValueError when it is not one."""
    try:
        data = json.loads(value)
        question = str(data["q"])
        k = int(data["k"])
        sort = data.get("s")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a share button value: {value[:80]!r}") from exc
    if sort not in (None, "relevance", "date"):
        raise ValueError(f"unknown sort in share button value: {sort!r}")
    return ShareRequest(question=question, k=max(1, min(k, 10)), sort=sort)
