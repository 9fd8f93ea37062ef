"""GET /metrics over real HTTP: what the bot did, in Prometheus' text format, as scraped."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_app, serving_generation
from bot.config import Settings
from bot.metrics import Metrics
from bot.serve import make_wsgi_app
from handlers import feedback
from tests.handlers import conftest as handler_fixtures
from tests.handlers.conftest import RunningBot, production_deps
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import (
    BOT_USER_ID,
    FakeSlack,
    SlackSender,
    mention_event,
    serve_wsgi_in_thread,
)

clean_slack_env = handler_fixtures.clean_slack_env
searcher = handler_fixtures.searcher
slack = handler_fixtures.slack
data_dir = handler_fixtures.data_dir
settings = handler_fixtures.settings
bot = handler_fixtures.bot


@pytest.fixture
def metered_bot(
    settings: Settings, searcher: ControlledSearcher, slack: FakeSlack
) -> Iterator[tuple[RunningBot, str]]:
    """The production app served with metrics, as `kz-brief serve --http` builds it."""
    metrics = Metrics()
    metrics.watch_index(lambda: serving_generation(searcher))
    deps = replace(production_deps(settings, searcher), observer=metrics)
    app = build_app(settings, deps)
    server = serve_wsgi_in_thread(make_wsgi_app(app, metrics=metrics))
    try:
        bot = RunningBot(server.url, app, deps, slack, SlackSender(server.url))
        yield bot, server.url.replace("/slack/events", "/metrics")
    finally:
        server.stop()
        deps.answer_pool.shutdown(wait=True, cancel_futures=True)


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample on the page, keyed by name and labels."""
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        page = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_metrics_count_requests_latencies_no_matches_errors_clicks_and_the_generation(
    metered_bot: tuple[RunningBot, str], searcher: ControlledSearcher
) -> None:
    bot, metrics_url = metered_bot
    before = scrape(metrics_url)
    assert value(before, "kz_brief_requests_total", kind="mention") == 0

    bot.mention("What did NATO discuss in Astana?")
    first = bot.slack.wait_for("chat.postMessage", count=1)[0].body
    bot.mention("the price of tea in Lisbon in 1700")  # nothing in the corpus
    bot.slack.wait_for("chat.postMessage", count=2)
    searcher.fail_next(RuntimeError("Chroma server went away"))
    bot.mention("Who is Altynbayev?")  # an apology
    bot.slack.wait_for("chat.postMessage", count=3)
    bot.dm("What is KAZBAT?")
    bot.slack.wait_for("chat.postMessage", count=4)
    rows = [b for b in first["blocks"] if b.get("block_id", "").startswith("feedback")]
    useful, outdated, _ = rows[0]["elements"]
    for name, button in (("a", outdated), ("b", outdated), ("c", useful)):
        url = bot.slack.response_url(name)
        bot.send.action(value=button["value"], action_id=button["action_id"], response_url=url)
        bot.slack.wait_for(url)

    samples = scrape(metrics_url)
    assert value(samples, "kz_brief_requests_total", kind="mention") == 3
    assert value(samples, "kz_brief_requests_total", kind="direct_message") == 1
    assert value(samples, "kz_brief_requests_total", kind="feedback") == 3
    assert value(samples, "kz_brief_ack_seconds_count", kind="mention") == 3
    # Every acknowledgement came well inside Slack's 3 seconds.
    assert value(samples, "kz_brief_ack_seconds_bucket", kind="mention", le="3.0") == 3
    assert value(samples, "kz_brief_answer_seconds_count", kind="mention") == 2
    assert value(samples, "kz_brief_answer_seconds_count", kind="direct_message") == 1
    assert value(samples, "kz_brief_answer_seconds_sum", kind="mention") > 0
    assert value(samples, "kz_brief_no_match_answers_total") == 1
    assert value(samples, "kz_brief_errors_total", kind="mention") == 1
    assert value(samples, "kz_brief_feedback_clicks_total", flag="outdated") == 2
    assert value(samples, "kz_brief_feedback_clicks_total", flag="useful") == 1
    assert value(samples, "kz_brief_feedback_clicks_total", flag="wrong_source") == 0
    assert feedback.flag_of(outdated["action_id"]) == "outdated"

    generation = searcher.info().generation
    assert value(samples, "kz_brief_index_generation_info", generation=generation) == 1
    assert value(samples, "kz_brief_index_age_seconds") > 0
    # The process's own resources come along (process_collector).
    assert value(samples, "process_resident_memory_bytes") > 0


def test_a_scrape_never_fails_because_the_index_cannot_be_read() -> None:
    metrics = Metrics()

    def broken():
        raise RuntimeError("no index yet")

    metrics.watch_index(broken)
    page = metrics.exposition().decode()
    assert "kz_brief_index_generation_info" in page
    assert 'generation="' not in page


def test_metric_names_follow_the_convention() -> None:
    metrics = Metrics()
    metrics.watch_index(lambda: None)
    page = metrics.exposition().decode()
    ours = {
        line.split()[2]
        for line in page.splitlines()
        if line.startswith("# TYPE") and line.split()[2].startswith("kz_brief")
    }
    assert ours == {
        "kz_brief_requests_total",
        "kz_brief_ack_seconds",
        "kz_brief_answer_seconds",
        "kz_brief_no_match_answers_total",
        "kz_brief_errors_total",
        "kz_brief_feedback_clicks_total",
        "kz_brief_index_generation_info",
        "kz_brief_index_age_seconds",
    }
    assert "_created" not in page


def test_without_metrics_there_is_no_metrics_page(bot: RunningBot) -> None:
    event = mention_event(f"<@{BOT_USER_ID}> hello")
    assert bot.send.event(event).status == 200
    metrics_url = bot.url.replace("/slack/events", "/metrics")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(metrics_url, timeout=5)
    assert caught.value.code == 404
