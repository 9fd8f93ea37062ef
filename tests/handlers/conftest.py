"""Fixtures: the searcher (the ONE place to swap in the real one), fake Slack, the running bot.

`bot` is the real Bolt app from `bot.app.build_app` with the real dependencies of
`bot.app.make_deps` (thread memory and feedback in a temporary data dir; only the clock is
fixed, so ages are stable), request verification on, the real handlers, a real WebClient
pointed at `FakeSlack` through SLACK_API_BASE_URL, served over real HTTP on loopback by the
same WSGI application gunicorn serves in production (`bot.serve.make_wsgi_app`). gunicorn
itself needs the main thread, so it is exercised in a subprocess by tests/bot/test_serve.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App

from bot.app import build_app, make_deps
from bot.config import Settings
from bot.serve import make_wsgi_app
from handlers.deps import Deps
from store.api import SearchAPI
from store.state.dedupe import MemoryDeduper
from store.state.locks import LocalLocks
from store.state.threads import SqliteThreadMemory
from tests.handlers.fake_searcher import DOCS, ControlledSearcher, seed_text
from tests.slack_fake import (
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    Call,
    FakeSlack,
    Response,
    SlackSender,
    edit_event,
    mention_event,
    message_event,
    serve_wsgi_in_thread,
    thread_reply_event,
)

# Ages are counted to this day in the tests: 26 Jun 2009 is "17 years old".
TODAY = date(2026, 6, 26)
ADMIN_ID = "UADMIN001"


@pytest.fixture(autouse=True)
def clean_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt reads some SLACK_* variables itself (e.g. OAuth ones); tests start without any."""
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_VERIFICATION_TOKEN",
        "SLACK_API_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def searcher(searcher) -> ControlledSearcher:
    """The search API the handlers call: the real searcher over the real seeds index (the
    session fixture of tests/conftest.py), wrapped so a test can slow it down or make it
    fail. `FakeSearcher` remains for the unit tests of Block Kit builders."""
    return ControlledSearcher(searcher)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(slack: FakeSlack, data_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "KZ_DATA_DIR": str(data_dir),
            "KZ_ADMIN_USERS": ADMIN_ID,
        }
    )


@dataclass
class RunningBot:
    """The app under test, listening at `url`, with helpers to talk to it as Slack does."""

    url: str
    app: App
    deps: Deps
    slack: FakeSlack
    send: SlackSender

    def mention(self, question: str, **options: Any) -> tuple[Response, dict[str, Any]]:
        event = mention_event(f"<@{BOT_USER_ID}> {question}", **options)
        return self.send.event(event), event

    def dm(self, text: str, **options: Any) -> tuple[Response, dict[str, Any]]:
        event = message_event(text, **options)
        return self.send.event(event), event

    def reply_in_thread(
        self, text: str, thread_ts: str, **options: Any
    ) -> tuple[Response, dict[str, Any]]:
        """A person's reply (no mention) in a channel thread, as message.channels sends it."""
        event = thread_reply_event(text, thread_ts=thread_ts, **options)
        return self.send.event(event), event

    def edit(self, asked: dict[str, Any], new_text: str, **options: Any) -> Response:
        """The person who sent `asked` (a mention or message event) edits it to `new_text`."""
        channel_type = asked.get("channel_type") or "channel"
        event = edit_event(
            channel=asked["channel"],
            ts=asked["ts"],
            old_text=asked["text"],
            new_text=new_text,
            user=asked["user"],
            thread_ts=asked.get("thread_ts"),
            channel_type=channel_type,
            **options,
        )
        asked["text"] = new_text
        return self.send.event(event)

    def replies(self, channel: str | None = None) -> list[Call]:
        calls = self.slack.calls_to("chat.postMessage")
        return [c for c in calls if channel is None or c.body.get("channel") == channel]


@contextmanager
def running_bot(settings: Settings, deps: Deps, slack: FakeSlack) -> Iterator[RunningBot]:
    """`deps`' app built and served on a free loopback port until the block ends."""
    app = build_app(settings, deps)
    server = serve_wsgi_in_thread(make_wsgi_app(app))
    try:
        yield RunningBot(server.url, app, deps, slack, SlackSender(server.url))
    finally:
        server.stop()
        deps.answer_pool.shutdown(wait=True, cancel_futures=True)
        deps.outbox.close(timeout=5)


def in_memory_deps(searcher: SearchAPI) -> Deps:
    """Handlers' dependencies with one-machine state in memory (no data dir, no journal):
    for tests of the app's wiring rather than of what it remembers."""
    return Deps(
        searcher=searcher,
        deduper=MemoryDeduper(),
        threads=SqliteThreadMemory(),
        locks=LocalLocks(),
    )


def production_deps(settings: Settings, searcher: ControlledSearcher) -> Deps:
    """What `kz-brief serve` hands the handlers, with the clock fixed at TODAY."""
    return replace(make_deps(settings, searcher), today=lambda: TODAY)


@pytest.fixture
def bot(settings: Settings, searcher: ControlledSearcher, slack: FakeSlack) -> Iterator[RunningBot]:
    with running_bot(settings, production_deps(settings, searcher), slack) as running:
        yield running


# --- Assertion helpers ---------------------------------------------------------------------

_SEED_TEXTS = [" ".join(seed_text(doc.file).split()) for doc in DOCS]


def quote_sections(blocks: list[dict[str, Any]]) -> list[str]:
    """The mrkdwn of every quote section (a section whose text is a blockquote)."""
    return [
        b["text"]["text"]
        for b in blocks
        if b["type"] == "section" and b["text"]["text"].startswith(">")
    ]


def unquote(mrkdwn: str) -> str:
    """A quote section back to plain text: no '>' prefixes, bold stars, entities or '…'."""
    lines = [re.sub(r"^> ?", "", line) for line in mrkdwn.split("\n")]
    text = "\n".join(lines).replace("*", "").replace("\u200b", "").removesuffix(" …")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def is_verbatim_from_seeds(mrkdwn: str) -> bool:
    """True when the quote's words appear, in order and unchanged, in a seed file."""
    return any(unquote(mrkdwn) in seed for seed in _SEED_TEXTS)


def context_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
