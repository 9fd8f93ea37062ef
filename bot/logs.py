"""Logging set-up, done once by the entry point (never by library modules)."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    """Plain, timestamped lines on stderr; noisy libraries are kept at WARNING."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    noisy_libraries = (
        "chromadb",
        "httpx",
        "urllib3",
        "sentence_transformers",
        "transformers",
        "bm25s",
    )
    for noisy in noisy_libraries:
        logging.getLogger(noisy).setLevel(logging.WARNING)
