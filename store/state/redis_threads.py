"""Thread memory shared by replicas: Redis hashes that expire after `ttl_days` without use.

A follow-up or an edit that the load balancer sends to another replica than the one that
answered the question finds the thread's first question and the answer's place here.

Keys (under `prefix`): `thread:CHANNEL:THREAD_TS` {first_ts, question},
`asked:CHANNEL:TS` {thread_ts, answer_channel, answer_ts} and `edit:CHANNEL:TS` (the newest
edit applied). Every write is one atomic Lua script that also renews the expiry. Best
effort like every thread memory: while Redis cannot be reached, reads answer "not known"
and writes are dropped, with one warning per `retry_after` seconds, never an exception.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from store.state.base import DEFAULT_TTL_DAYS, AskedMessage, KnownThread, stored_question
from store.state.outage import Outage

logger = logging.getLogger(__name__)

# KEYS[1] thread key; ARGV: ttl, first_ts, question or "".
# The first asker stays; a thread first asked with `help` takes its first real question.
_REMEMBER_THREAD = """
redis.call('HSETNX', KEYS[1], 'first_ts', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[1], 'question', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
"""

# KEYS[1] thread key; ARGV: ttl, first_ts, question or "". Only an edit of the first message.
_REPLACE_FIRST_QUESTION = """
if redis.call('HGET', KEYS[1], 'first_ts') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], 'question')
else redis.call('HSET', KEYS[1], 'question', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS[1] asked key; ARGV: ttl, thread_ts.
_REMEMBER_ASKED = """
redis.call('HSETNX', KEYS[1], 'thread_ts', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
"""

# KEYS[1] asked key; ARGV: ttl, answer_channel, answer_ts. Only for a message remembered.
_REMEMBER_ANSWER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'answer_channel', ARGV[2], 'answer_ts', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS[1] edit key; ARGV: ttl, edited_at. 1 when no newer edit was applied before.
_CLAIM_EDIT = """
local applied = redis.call('GET', KEYS[1])
if applied and tonumber(applied) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
return 1
"""


class RedisThreadMemory:
    """`store.state.base.ThreadMemory` in Redis, shared by every replica."""

    def __init__(
        self,
        client: Any,
        *,
        ttl_days: float = DEFAULT_TTL_DAYS,
        prefix: str = "kz-brief:",
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = max(1, int(ttl_days * 86400))
        self._prefix = prefix
        self._outage = Outage(
            "Redis thread memory",
            "follow-ups are answered as new questions and edits are not applied.",
            logger,
            retry_after=retry_after,
            clock=clock,
        )
        self._scripts = {
            name: client.register_script(source)
            for name, source in (
                ("remember_thread", _REMEMBER_THREAD),
                ("replace_first_question", _REPLACE_FIRST_QUESTION),
                ("remember_asked", _REMEMBER_ASKED),
                ("remember_answer", _REMEMBER_ANSWER),
                ("claim_edit", _CLAIM_EDIT),
            )
        }

    # --- writing -------------------------------------------------------------------------

    def remember_thread(
        self, channel: str, thread_ts: str, first_ts: str, first_question: str | None
    ) -> None:
        self._run(
            "remember_thread",
            self._key("thread", channel, thread_ts),
            first_ts,
            stored_question(first_question) or "",
        )

    def replace_first_question(
        self, channel: str, thread_ts: str, first_ts: str, question: str | None
    ) -> None:
        self._run(
            "replace_first_question",
            self._key("thread", channel, thread_ts),
            first_ts,
            stored_question(question) or "",
        )

    def remember_asked(self, channel: str, ts: str, thread_ts: str) -> None:
        self._run("remember_asked", self._key("asked", channel, ts), thread_ts)

    def remember_answer(self, channel: str, ts: str, answer_channel: str, answer_ts: str) -> None:
        self._run("remember_answer", self._key("asked", channel, ts), answer_channel, answer_ts)

    def claim_edit(self, channel: str, ts: str, edited_at: float) -> bool:
        outcome = self._run("claim_edit", self._key("edit", channel, ts), repr(float(edited_at)))
        # Unknown while Redis is down: apply the edit rather than drop it.
        return outcome is None or bool(outcome)

    # --- reading -------------------------------------------------------------------------

    def thread(self, channel: str, thread_ts: str) -> KnownThread | None:
        found = self._hash(self._key("thread", channel, thread_ts))
        if not found or "first_ts" not in found:
            return None
        return KnownThread(channel, thread_ts, found["first_ts"], found.get("question"))

    def asked(self, channel: str, ts: str) -> AskedMessage | None:
        found = self._hash(self._key("asked", channel, ts))
        if not found or "thread_ts" not in found:
            return None
        return AskedMessage(
            channel, ts, found["thread_ts"], found.get("answer_channel"), found.get("answer_ts")
        )

    def close(self) -> None:
        """Nothing to close: the Redis client is shared with the other state objects."""

    # --- internals -----------------------------------------------------------------------

    def _key(self, kind: str, channel: str, ts: str) -> str:
        return f"{self._prefix}{kind}:{channel}:{ts}"

    def _run(self, script: str, key: str, *args: str) -> Any:
        if self._outage.ongoing():
            return None
        try:
            return self._scripts[script](keys=[key], args=[self._ttl, *args])
        except Exception as exc:
            self._outage.began(exc)
            return None

    def _hash(self, key: str) -> dict[str, str] | None:
        if self._outage.ongoing():
            return None
        try:
            raw = self._client.hgetall(key)
        except Exception as exc:
            self._outage.began(exc)
            return None
        return {_text(name): _text(value) for name, value in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
