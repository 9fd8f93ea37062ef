"""Server addresses as operators write them, and as they may be shown (never a password).

`KZ_DATABASE_URL` takes the plain form `postgresql://user:password@host:5432/dbname` (or
`sqlite:///path`); the driver behind it is ours to choose (psycopg 3). Only the standard
library here: settings are checked with it before any database library is imported.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

FEEDBACK_FILE = "feedback.sqlite3"
# The schemes KZ_DATABASE_URL accepts, and the SQLAlchemy driver each one maps to.
DATABASE_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "sqlite": "sqlite",
}
DATABASE_EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/DBNAME"


def redacted(url: str) -> str:
    """`url` with any password replaced by ***, safe to log or show in an error."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def database_problem(url: str) -> str | None:
    """What is wrong with a KZ_DATABASE_URL, or None when its form is usable."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"it cannot be read as a URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in DATABASE_DRIVERS:
        return f"the scheme {scheme or '(none)'!r} is not postgresql:// or sqlite:///"
    if scheme == "sqlite":
        return None if parts.path.strip("/") else "sqlite:/// needs a file path"
    if not parts.hostname or not parts.path.strip("/"):
        return "it needs a host and a database name"
    return None


def database_url(configured: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL for `configured` (KZ_DATABASE_URL), or by default the SQLite file
    in the data dir that one machine has always used."""
    if not configured:
        return f"sqlite:///{(data_dir / FEEDBACK_FILE).resolve()}"
    scheme, rest = configured.split("://", 1)
    return f"{DATABASE_DRIVERS[scheme.lower()]}://{rest}"
