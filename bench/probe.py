"""The in-process side of the benchmark: the search API warm, query encoding, RSS over time.

Run by bench/run.py as its own process (one per index), so each measurement starts from a
clean interpreter and its RSS is the searcher's alone. Settings come from the environment
bench/run.py sets. Prints one JSON object.

Usage: python bench/probe.py QUESTIONS.txt [--long N] [--sample-every 200] [--encode]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

WARM_UP = 20


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set (or its high-water mark, VmHWM) from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_answers(searcher, questions: list[str]) -> list[float]:
    """Milliseconds per `Searcher.answer`, one question at a time."""
    times = []
    for question in questions:
        started = time.perf_counter()
        searcher.answer(question)
        times.append((time.perf_counter() - started) * 1000)
    return times


def encode_times(encoder, questions: list[str]) -> list[float]:
    """Milliseconds to encode one question on its own: the query-time cost of the encoder."""
    times = []
    for question in questions:
        started = time.perf_counter()
        encoder.encode([question])
        times.append((time.perf_counter() - started) * 1000)
    return times


def long_run(searcher, questions: list[str], total: int, every: int) -> list[list[float]]:
    """[questions answered, RSS MB] after every `every` questions, `total` in all."""
    series = [[0, round(rss_mb(), 1)]]
    for number in range(1, total + 1):
        searcher.answer(questions[number % len(questions)])
        if number % every == 0:
            series.append([number, round(rss_mb(), 1)])
    return series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--long", type=int, default=0, help="questions in the RSS run")
    parser.add_argument("--sample-every", type=int, default=200)
    parser.add_argument("--encode", action="store_true", help="also time query encoding")
    args = parser.parse_args()
    questions = [q for q in args.questions.read_text(encoding="utf-8").splitlines() if q]

    from bot.config import load_settings
    from bot.runtime import open_searcher

    started = time.perf_counter()
    searcher = open_searcher(load_settings())
    result: dict[str, object] = {"load_seconds": time.perf_counter() - started}
    result["rss_after_load_mb"] = rss_mb()
    timed_answers(searcher, questions[:WARM_UP])
    result["answer_ms"] = timed_answers(searcher, questions)
    if args.encode:
        encode_times(searcher.encoder, questions[:WARM_UP])
        result["encode_ms"] = encode_times(searcher.encoder, questions)
    if args.long:
        result["rss_series"] = long_run(searcher, questions, args.long, args.sample_every)
    result["peak_rss_mb"] = rss_mb("VmHWM")
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
