"""The Bolt app as a whole, over real HTTP: verification, retries, concurrency, resilience."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.app import build_app, make_deps
from bot.config import ConfigError, Settings
from store.state.dedupe import MemoryDeduper, RedisDeduper
from tests.handlers import conftest as handler_fixtures
from tests.handlers.conftest import RunningBot, production_deps, quote_sections, running_bot
from tests.handlers.fake_searcher import ControlledSearcher
from tests.servers import free_port
from tests.slack_fake import (
    BOT_USER_ID,
    FakeSlack,
    event_body,
    home_opened_event,
    mention_event,
    new_event_id,
    sign,
)

REPO = Path(__file__).resolve().parents[2]

# The handler tests' fixtures (one `searcher`, fake Slack, the running bot), shared here.
clean_slack_env = handler_fixtures.clean_slack_env
searcher = handler_fixtures.searcher
slack = handler_fixtures.slack
data_dir = handler_fixtures.data_dir
settings = handler_fixtures.settings
bot = handler_fixtures.bot


def test_importing_the_app_modules_has_no_side_effects() -> None:
    code = "import bot.app, bot.serve, bot.slack_commands, handlers; print('imported')"
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "imported\n" and result.stderr == ""


def test_build_app_points_the_web_client_at_the_configured_base_url_with_retries(
    settings: Settings, slack: FakeSlack, searcher: ControlledSearcher
) -> None:
    app = build_app(settings, handler_fixtures.in_memory_deps(searcher))
    assert app.client.base_url == slack.base_url
    handlers = app.client.retry_handlers
    for kind in (RateLimitErrorRetryHandler, ConnectionErrorRetryHandler, ServerErrorRetryHandler):
        assert any(isinstance(handler, kind) for handler in handlers)
    # The token was checked once at start-up, against the configured base URL.
    assert len(slack.calls_to("auth.test")) == 1

    # The client retries other methods itself; the outbox retries what it sends (it knows
    # whether a retry could post twice), so the client must leave those alone.
    def retried(method: str, status: int) -> bool:
        request = HttpRequest(method="POST", url=slack.base_url + method, headers={})
        response = HttpResponse(status_code=status, headers={"retry-after": ["1"]})
        return any(
            h.can_retry(state=RetryState(), request=request, response=response) for h in handlers
        )

    assert retried("chat.postEphemeral", 429) and retried("conversations.replies", 503)
    assert not retried("chat.postMessage", 429) and not retried("chat.update", 503)


def test_build_app_without_a_bot_token_names_the_variable(searcher: ControlledSearcher) -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_app(Settings.from_env({}), handler_fixtures.in_memory_deps(searcher))


def mention_request(text: str = "What did NATO say?") -> tuple[str, dict[str, object]]:
    event = mention_event(f"<@{BOT_USER_ID}> {text}")
    return event_body(event), event


@pytest.mark.parametrize(
    "how",
    ["forged signature", "wrong secret", "stale timestamp", "unsigned", "future timestamp"],
)
def test_requests_that_fail_verification_are_rejected_and_get_no_reply(
    bot: RunningBot, how: str
) -> None:
    body, _ = mention_request()
    now = int(time.time())
    if how == "forged signature":
        headers = {**sign(body), "X-Slack-Signature": "v0=" + "0" * 64}
        response = bot.send.post(body, "application/json", headers=headers, signed=False)
    elif how == "wrong secret":
        response = bot.send.post(body, "application/json", secret="not-the-secret")
    elif how == "stale timestamp":
        response = bot.send.post(body, "application/json", timestamp=now - 6 * 60)
    elif how == "future timestamp":
        response = bot.send.post(body, "application/json", timestamp=now + 6 * 60)
    else:
        response = bot.send.post(body, "application/json", signed=False)
    assert response.status == 401

    # A well-signed request right after is answered, and it is the only reply.
    _, event = bot.mention("What did NATO say?")
    bot.slack.wait_for("chat.postMessage")
    time.sleep(0.1)
    assert [c.body["thread_ts"] for c in bot.replies()] == [event["ts"]]


def test_a_command_with_a_bad_signature_is_rejected(bot: RunningBot) -> None:
    response_url = bot.slack.response_url("forged")
    response = bot.send.command("What did NATO say?", response_url=response_url, secret="bad")
    assert response.status == 401
    time.sleep(0.2)
    assert bot.slack.calls_to(response_url) == []


def test_a_retried_event_is_answered_once(bot: RunningBot) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> What did NATO say?")
    event_id = new_event_id()
    assert bot.send.event(event, event_id=event_id).status == 200
    for retry in (1, 2, 3):
        assert bot.send.event(event, event_id=event_id, retry_num=retry).status == 200
    _, barrier = bot.mention("And in 2009?")
    bot.slack.wait_for("chat.postMessage", count=2)
    time.sleep(0.1)
    assert sorted(c.body["thread_ts"] for c in bot.replies()) == sorted(
        [event["ts"], barrier["ts"]]
    )


def test_event_ids_are_deduplicated_for_every_event_type(bot: RunningBot) -> None:
    # app_home_opened has no message ts, so only the event_id check can catch its retry.
    event, event_id = home_opened_event(), new_event_id()
    bot.send.event(event, event_id=event_id)
    bot.send.event(event, event_id=event_id, retry_num=1)
    bot.slack.wait_for("views.publish")
    bot.send.event(home_opened_event())  # a new event: published again
    bot.slack.wait_for("views.publish", count=2)
    time.sleep(0.2)
    assert len(bot.slack.calls_to("views.publish")) == 2


def test_a_retry_of_an_event_first_seen_as_a_retry_is_still_answered(bot: RunningBot) -> None:
    # If the first delivery never reached us, the retry is the first time we see the event.
    event = mention_event(f"<@{BOT_USER_ID}> What did NATO say?")
    bot.send.event(event, retry_num=1)
    assert bot.slack.wait_for("chat.postMessage")[0].body["thread_ts"] == event["ts"]


def test_twenty_concurrent_mentions_are_each_answered_exactly_once(bot: RunningBot) -> None:
    events = [mention_event(f"<@{BOT_USER_ID}> NATO question {n}") for n in range(20)]
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(events))

    def send(event: dict[str, object]) -> None:
        start.wait()
        status = bot.send.event(event).status
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=send, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20

    replies = bot.slack.wait_for("chat.postMessage", count=20, timeout=20)
    time.sleep(0.2)
    answered = [c.body["thread_ts"] for c in bot.replies()]
    assert sorted(answered) == sorted(str(e["ts"]) for e in events)
    assert all(quote_sections(c.body["blocks"]) for c in replies)


def test_a_rate_limited_post_is_retried_after_retry_after_and_delivered(bot: RunningBot) -> None:
    bot.slack.fail_next("chat.postMessage", times=1, how="429")
    _, event = bot.mention("What did NATO say?")
    delivered = bot.slack.wait_for("chat.postMessage", timeout=15)
    attempts = bot.slack.calls_to("chat.postMessage", include_failed=True)
    assert [c.status for c in attempts] == [429, 200]
    assert delivered[0].body["thread_ts"] == event["ts"]
    assert quote_sections(delivered[0].body["blocks"])


def test_a_dropped_connection_is_retried_and_the_answer_delivered(bot: RunningBot) -> None:
    bot.slack.fail_next("chat.postMessage", times=1, how="disconnect")
    _, event = bot.mention("What did NATO say?")
    delivered = bot.slack.wait_for("chat.postMessage", timeout=15)
    attempts = bot.slack.calls_to("chat.postMessage", include_failed=True)
    assert [c.status for c in attempts] == [0, 200]
    assert delivered[0].body["thread_ts"] == event["ts"]


def test_an_error_inside_a_listener_gets_an_apology_and_the_app_keeps_answering(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> None:
        raise ValueError("a bug in parsing")

    # Fails inside the Bolt listener itself, before any search: the global error handler.
    monkeypatch.setattr("handlers.replies.parse_request", broken)
    _, first = bot.mention("What did NATO say?")
    apology = bot.slack.wait_for("chat.postMessage")[0].body
    assert apology["thread_ts"] == first["ts"]
    assert apology["text"].startswith("Sorry — something went wrong while searching")

    monkeypatch.undo()
    _, second = bot.mention("What did NATO say about Astana?")
    answer = bot.slack.wait_for("chat.postMessage", count=2)[1].body
    assert answer["thread_ts"] == second["ts"] and quote_sections(answer["blocks"])


def test_url_verification_challenge_is_answered(bot: RunningBot) -> None:
    body = json.dumps({"token": "t", "challenge": "kz-challenge", "type": "url_verification"})
    response = bot.send.post(body, "application/json")
    assert response.status == 200 and "kz-challenge" in response.body


def test_health_check(bot: RunningBot) -> None:
    url = bot.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200 and response.read() == b"ok"


def test_no_misleading_token_warning_when_the_token_is_also_in_the_environment(
    settings: Settings,
    searcher: ControlledSearcher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.slack_bot_token or "")  # as .env does
    with caplog.at_level("WARNING"):
        build_app(settings, handler_fixtures.in_memory_deps(searcher))
    assert "will be unused" not in caplog.text


# --- Several replicas: de-duplication shared through Redis -----------------------------------


def test_two_replicas_sharing_redis_answer_an_event_and_its_retry_once(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack, redis_url: str
) -> None:
    with_redis = replace(settings, redis_url=redis_url)
    deps_a, deps_b = production_deps(with_redis, searcher), production_deps(with_redis, searcher)
    assert isinstance(deps_a.deduper, RedisDeduper)  # make_deps reads REDIS_URL
    with running_bot(with_redis, deps_a, slack) as replica_a:
        with running_bot(with_redis, deps_b, slack) as replica_b:
            event = mention_event(f"<@{BOT_USER_ID}> What did NATO say?")
            event_id = new_event_id()
            assert replica_a.send.event(event, event_id=event_id).status == 200
            # Slack did not see A's ack in time and retries; the retry lands on B.
            assert replica_b.send.event(event, event_id=event_id, retry_num=1).status == 200
            # The same message as another event (e.g. message.im for a mention in a DM).
            second = mention_event(f"<@{BOT_USER_ID}> What did NATO say about PfP?")
            replica_a.send.event(second)
            replica_b.send.event(second)
            # A barrier: a new event on B is answered, so everything before it was handled.
            _, barrier = replica_b.mention("What did NATO discuss in Astana?")
            slack.wait_for("chat.postMessage", count=3)
            time.sleep(0.2)
    answered = sorted(c.body["thread_ts"] for c in slack.calls_to("chat.postMessage"))
    assert answered == sorted([event["ts"], second["ts"], barrier["ts"]])


def test_replicas_keep_answering_when_redis_is_unreachable(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> None:
    unreachable = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with running_bot(unreachable, production_deps(unreachable, searcher), slack) as bot:
        _, event = bot.mention("What did NATO say?")
        reply = slack.wait_for("chat.postMessage")[0].body
        assert reply["thread_ts"] == event["ts"] and quote_sections(reply["blocks"])


def test_without_redis_url_deduplication_stays_in_process(
    settings: Settings, searcher: ControlledSearcher
) -> None:
    assert isinstance(make_deps(settings, searcher).deduper, MemoryDeduper)


def test_an_unusable_data_dir_is_a_configuration_error_naming_the_variable(
    settings: Settings, searcher: ControlledSearcher, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="KZ_DATA_DIR"):
        make_deps(replace(settings, data_dir=blocker / "data"), searcher)
