"""The no-match threshold of one index generation, measured when it is built.

How close an unrelated question comes to *some* passage depends on the corpus: the more
passages, and the more varied, the higher the best chance match. So the threshold is not a
constant: when `kz-brief index` builds a generation it asks a fixed set of generic questions
that no document about this subject answers (cooking, sport, software, health, weather, and
neighbouring subjects: other countries' defence, economies and laws), takes the best dense
score each gets on this corpus, and sets the threshold just above what they reach. It is
stored in the generation's manifest, used by every searcher of that generation and shown by
`kz-brief status`.

The probe questions are general and fixed; they are not the evaluation's off-topic questions
(tests/eval), which the threshold never sees.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from store.index.embed import Encoder
from store.index.tables import GenerationTables

logger = logging.getLogger(__name__)

# A passage is relevant when its dense score clears the threshold (or a lower floor when
# it shares a rare name with the question); the threshold is set from the probes' best
# scores: this quantile of them, plus a margin, within [FLOOR, CEILING]. The quantile is
# the Harrell-Davis estimate (a weighted mean of every probe's score), not the sample
# quantile (the two or three highest probes alone), so that one document added, dropped or
# re-chunked moves the threshold a little rather than by a whole probe's step. 0.94 is the
# middle of the levels (0.93-0.945) that gave the hard set's tuning half the same answers
# and refusals as the sample 0.95 quantile did.
QUANTILE = 0.94
ESTIMATE = "harrell-davis"
# What generations calibrated before the Harrell-Davis estimate used.
SAMPLE_QUANTILE = 0.95
SAMPLE_ESTIMATE = "sample"
MARGIN = 0.0
FLOOR = 0.28
CEILING = 0.55
# Before calibration existed (and for generations built before it), the fixed thresholds.
DEFAULT_THRESHOLD = 0.28
DEFAULT_TERM_THRESHOLD = 0.15
MANIFEST_KEY = "no_match"

PROBE_QUESTIONS = (
    # everyday life
    "What is a good recipe for lemon cake?",
    "How long should I boil an egg?",
    "How do I get red wine out of a carpet?",
    "What is the best way to train a puppy?",
    "How often should I water a cactus?",
    "What should I pack for a beach holiday?",
    "How do I fix a leaking kitchen tap?",
    "Which houseplants are safe for cats?",
    "How many calories are in a banana?",
    "What time does the supermarket close on Sunday?",
    # software and gadgets
    "How do I reset my router?",
    "Why is my laptop battery draining so fast?",
    "How do I merge two branches in git?",
    "What is the difference between RAM and storage?",
    "How do I change the default browser on my phone?",
    "How can I recover a deleted photo?",
    "What does a 404 error mean?",
    "How do I write a for loop in JavaScript?",
    # health
    "What are the symptoms of the flu?",
    "How much sleep does a teenager need?",
    "Is it safe to run with a sore knee?",
    "What vitamins are in spinach?",
    "How do I lower my blood pressure?",
    # weather, science, nature
    "Will it snow in Vienna this weekend?",
    "Why is the sky blue?",
    "How far is the Moon from the Earth?",
    "How do volcanoes form?",
    "What is the life cycle of a butterfly?",
    "How many species of penguin are there?",
    # entertainment, sport, culture
    "Who won the Eurovision Song Contest last year?",
    "When does the next season of the detective series start?",
    "Who scored the winning goal in the cup final?",
    "What are the rules of cricket?",
    "How many players are on a basketball team?",
    "Which tennis player has won the most Grand Slam titles?",
    "Who painted the Mona Lisa?",
    "What is the plot of Hamlet?",
    "Recommend a good science fiction novel",
    "What is the best marathon training plan for beginners?",
    # money, shopping, travel, work
    "What is the current price of bitcoin?",
    "How do I file my tax return online?",
    "Should I choose a fixed or variable rate mortgage?",
    "What is the cheapest way to send money abroad?",
    "How do I write a cover letter for a job application?",
    "What documents do I need to rent a flat?",
    "How early should I arrive at the airport for an international flight?",
    "Which city has the best street food in Asia?",
    # neighbouring subjects: other countries, other questions of state
    "How large is Brazil's navy?",
    "What did the Canadian defence minister announce about Arctic patrols?",
    "How does Australia recruit soldiers for its army?",
    "What are Argentina's rules for foreign ownership of farmland?",
    "What is Indonesia's policy on nickel exports?",
    "How did the election in Portugal turn out?",
    "What is Morocco's plan for solar power?",
    "How much does Sweden spend on pensions?",
    "What are Peru's laws on copper mining concessions?",
    "Who is the prime minister of New Zealand?",
    "How does Switzerland organise its militia army?",
    "What trade deal did Vietnam sign with the European Union?",
    "What is the unemployment rate in Spain?",
    "How many submarines does the French navy operate?",
    "What caused the financial crisis in Iceland?",
    "What is Egypt's water dispute over the Nile about?",
    "When did Ireland hold its last referendum?",
    "How are judges appointed to the US Supreme Court?",
    "What is Nigeria's oil production per day?",
    "Which football club won the league in Scotland?",
)


@dataclass(frozen=True)
class Calibration:
    """The no-match thresholds of one generation, and what they were set from."""

    threshold: float
    term_threshold: float
    probes: int
    probe_best: float  # the highest best score any probe question reached
    probe_quantile: float  # the `quantile` of the probes' best scores
    method: str  # "probes" or "default"
    quantile: float = QUANTILE
    estimate: str = ESTIMATE  # how the quantile was estimated: ESTIMATE or SAMPLE_ESTIMATE
    probe_set: str = ""  # probe_set_digest() of the questions asked; "" before it was kept

    def to_manifest(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Calibration:
        """The generation's calibration; the fixed defaults for generations built before."""
        data = manifest.get(MANIFEST_KEY)
        if not isinstance(data, dict):
            return default()
        try:
            return cls(
                threshold=float(data["threshold"]),
                term_threshold=float(data["term_threshold"]),
                probes=int(data["probes"]),
                probe_best=float(data["probe_best"]),
                probe_quantile=float(data["probe_quantile"]),
                method=str(data["method"]),
                quantile=float(data.get("quantile", SAMPLE_QUANTILE)),
                estimate=str(data.get("estimate", SAMPLE_ESTIMATE)),
                probe_set=str(data.get("probe_set", "")),
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("the generation's no-match calibration is unreadable; using defaults")
            return default()

    def describe(self) -> str:
        """One line for `kz-brief status`."""
        if self.method != "probes":
            return (
                f"fixed defaults (dense ≥ {self.threshold:.2f}; ≥ {self.term_threshold:.2f} "
                "with a shared rare name); re-index to calibrate"
            )
        return (
            f"dense ≥ {self.threshold:.3f} (≥ {self.term_threshold:.3f} with a shared rare "
            f"name), calibrated on {self.probes} off-topic probe questions: best "
            f"{self.probe_best:.3f}, {self.quantile:.0%} quantile ({self.estimate}) "
            f"{self.probe_quantile:.3f}"
        )

    def is_current(self) -> bool:
        """Whether this calibration was made the way `calibrate` makes one today; a
        re-index of an unchanged corpus calibrates again when it was not."""
        return (
            self.method == "probes"
            and self.probe_set == probe_set_digest()
            and self.quantile == QUANTILE
            and self.estimate == ESTIMATE
        )


def probe_set_digest() -> str:
    """A short hash of the probe questions: a generation asked other ones is re-calibrated."""
    return hashlib.sha256("\n".join(PROBE_QUESTIONS).encode("utf-8")).hexdigest()[:12]


def default() -> Calibration:
    return Calibration(DEFAULT_THRESHOLD, DEFAULT_TERM_THRESHOLD, 0, 0.0, 0.0, "default")


def best_scores(tables: GenerationTables, vectors: np.ndarray) -> np.ndarray:
    """For each question vector, its best dense score over every passage and window."""
    if not len(tables) or not len(vectors):
        return np.zeros(len(vectors), dtype=np.float32)
    best = (tables.vectors @ vectors.T).max(axis=0)
    if len(tables.window_vectors):
        best = np.maximum(best, (tables.window_vectors @ vectors.T).max(axis=0))
    return best


def harrell_davis_quantile(values: np.ndarray, p: float) -> float:
    """The Harrell-Davis estimate of quantile `p` of `values`.

    Every sorted value is weighted by how likely it is to be the `p` quantile of a sample
    this size (a Beta(p(n+1), (1-p)(n+1)) distribution over [0, 1], cut at i/n), so the
    estimate moves smoothly when one value changes instead of jumping to its neighbour.
    """
    # Imported here: a re-index that changes nothing never loads SciPy (about 0.2 s).
    from scipy.special import betainc

    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = len(ordered)
    if n == 0:
        raise ValueError("no values")
    cuts = betainc(p * (n + 1), (1 - p) * (n + 1), np.arange(n + 1) / n)
    return float(np.diff(cuts) @ ordered)


def calibrate(tables: GenerationTables, encoder: Encoder) -> Calibration:
    """The thresholds for a generation with these tables (exact scores, numpy)."""
    if not len(tables):
        return default()
    scores = best_scores(tables, encoder.encode(list(PROBE_QUESTIONS)))
    quantile = harrell_davis_quantile(scores, QUANTILE)
    threshold = min(CEILING, max(FLOOR, quantile + MARGIN))
    term_threshold = threshold - (DEFAULT_THRESHOLD - DEFAULT_TERM_THRESHOLD)
    found = Calibration(
        threshold=round(threshold, 4),
        term_threshold=round(term_threshold, 4),
        probes=len(PROBE_QUESTIONS),
        probe_best=round(float(scores.max()), 4),
        probe_quantile=round(quantile, 4),
        method="probes",
        probe_set=probe_set_digest(),
    )
    logger.info("no-match threshold: %s", found.describe())
    return found
