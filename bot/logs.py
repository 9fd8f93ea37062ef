"""Logging set-up, done once by the entry point (never by library modules).

`LOG_FORMAT=text` (the default) writes timestamped lines; `LOG_FORMAT=json` one JSON object
per line for a log collector: time, level, logger, message, and when the line belongs to a
Slack request its `event_id`, `kind` and `channel` (the serve command installs the filter
that adds them, `handlers.logcontext.RequestLogFields`), and `latency_ms` where one was
measured. Secrets never appear: settings keep them out of their repr, URLs are logged with
their password hidden, and people's questions are logged only at DEBUG.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

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
    # At DEBUG these would log every SQL statement and connection.
    "sqlalchemy",
    "psycopg",
)


class QuietLibraries(logging.Filter):
    """Let through warnings from anyone, and everything from kz-brief's own modules."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not record.name.startswith(NOISY_LIBRARIES)


class _KzBriefHandler(logging.StreamHandler):
    """Our stderr handler, recognisable so a second set-up replaces it, not doubles it."""


# Fields a record may carry (`extra=` or the request filter), written when present.
REQUEST_FIELDS = ("event_id", "kind", "channel", "latency_ms")


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    level: str = "INFO", log_format: str = "text", context: logging.Filter | None = None
) -> None:
    """Timestamped lines (or JSON lines) on stderr; `context` adds a request's fields."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _KzBriefHandler)]:
        root.removeHandler(old)
    handler = _KzBriefHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietLibraries())
    if context is not None:
        handler.addFilter(context)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
