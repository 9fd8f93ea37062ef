"""Prometheus metrics of one bot process, served at `GET /metrics` in HTTP mode.

Names follow `kz_brief_<what>_<unit>` and carry few labels (`kind`: where a request came
from, see `handlers.logcontext.REQUEST_KINDS`; `flag`: a feedback button). The registry is
this process's own: `kz-brief serve --http` runs one gunicorn worker, so one process sees
every request a replica serves; scrape each replica (not the load balancer) to see them
all. Socket Mode has no HTTP server, so no /metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from handlers.logcontext import REQUEST_KINDS
from store.state.base import FLAGS

logger = logging.getLogger(__name__)

# Where a reply can come from (the `kind` of answers, failures).
ANSWER_KINDS = ("mention", "direct_message", "follow_up", "edit", "command", "share")
FAILURE_KINDS = (*ANSWER_KINDS, "feedback", "home", "reindex", "other")
# Slack wants an acknowledgement within 3 s; answers take a search (and a model load on a
# cold start).
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
ANSWER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class Serving:
    """The index generation a process answers from, and when it was built."""

    generation: str
    built_at: datetime | None


class _IndexCollector(Collector):
    """The serving generation and its age, read when scraped (never stale)."""

    def __init__(self, serving: Callable[[], Serving | None], clock: Callable[[], float]):
        self._serving = serving
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            serving = self._serving()
        except Exception as exc:  # a scrape must never fail because the index cannot be read
            logger.debug("No serving generation for /metrics: %s", exc)
            serving = None
        info = GaugeMetricFamily(
            "kz_brief_index_generation_info",
            "The index generation this process answers from (value 1).",
            labels=["generation"],
        )
        age = GaugeMetricFamily(
            "kz_brief_index_age_seconds",
            "Seconds since the serving index generation was built.",
        )
        if serving is not None:
            info.add_metric([serving.generation], 1)
            if serving.built_at is not None:
                age.add_metric([], max(0.0, self._clock() - serving.built_at.timestamp()))
        yield info
        yield age


class Metrics:
    """The counters and histograms of one process; also the handlers' `Observer`."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # `_created` series only double every counter and histogram on the page.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        self._clock = clock
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "kz_brief_requests",
            "Requests from Slack, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "kz_brief_ack_seconds",
            "Seconds from receiving a Slack request to acknowledging it, by kind.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "kz_brief_answer_seconds",
            "Seconds from receiving a question to delivering its answer, by kind.",
            ["kind"],
            buckets=ANSWER_BUCKETS,
            registry=self.registry,
        )
        self.no_match = Counter(
            "kz_brief_no_match_answers",
            "Answers that found nothing in the corpus.",
            registry=self.registry,
        )
        self.errors = Counter(
            "kz_brief_errors",
            "Requests that ended in an apology or an HTTP 5xx, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.feedback_clicks = Counter(
            "kz_brief_feedback_clicks",
            "Clicks on the feedback buttons under passages, by flag.",
            ["flag"],
            registry=self.registry,
        )
        # Every series exists from the start (at 0), so rates and alerts work at once.
        for kind in REQUEST_KINDS:
            self.requests.labels(kind)
            self.ack_seconds.labels(kind)
        for kind in ANSWER_KINDS:
            self.answer_seconds.labels(kind)
        for kind in FAILURE_KINDS:
            self.errors.labels(kind)
        for flag in FLAGS:
            self.feedback_clicks.labels(flag)

    def watch_index(self, serving: Callable[[], Serving | None]) -> None:
        """Report the generation `serving()` names, and its age, at every scrape."""
        self.registry.register(_IndexCollector(serving, self._clock))

    # --- the edge (bot.serve) --------------------------------------------------------------

    def acknowledged(self, kind: str, seconds: float, status: int) -> None:
        self.requests.labels(kind).inc()
        self.ack_seconds.labels(kind).observe(seconds)
        if status >= 500:
            self.errors.labels(kind).inc()

    # --- handlers.deps.Observer ------------------------------------------------------------

    def answered(self, kind: str, seconds: float, *, no_match: bool) -> None:
        self.answer_seconds.labels(kind).observe(seconds)
        if no_match:
            self.no_match.inc()

    def failed(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    def feedback(self, flag: str) -> None:
        self.feedback_clicks.labels(flag).inc()

    def exposition(self) -> bytes:
        """The page Prometheus scrapes."""
        return generate_latest(self.registry)
