"""Logging set-up, done once by the entry point (never by library modules)."""

from __future__ import annotations

import logging
import sys

# Libraries whose INFO/DEBUG lines drown ours; some (bm25s) reset their own logger's level
# when imported, so they are filtered at the handler instead.
NOISY_LIBRARIES = (
    "chromadb",
    "httpx",
    "urllib3",
    "sentence_transformers",
    "transformers",
    "bm25s",
    "slack_sdk",
    "gunicorn.access",
)


class QuietLibraries(logging.Filter):
    """Let through warnings from anyone, and everything from kz-brief's own modules."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not record.name.startswith(NOISY_LIBRARIES)


class _KzBriefHandler(logging.StreamHandler):
    """Our stderr handler, recognisable so a second set-up replaces it, not doubles it."""


def configure_logging(level: str = "INFO") -> None:
    """Plain, timestamped lines on stderr."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _KzBriefHandler)]:
        root.removeHandler(old)
    handler = _KzBriefHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietLibraries())
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
