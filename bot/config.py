"""Settings, read once at the entry point from the environment (and `.env`).

No other module reads `os.environ`: everything below is passed down as plain arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from store.state.urls import DATABASE_EXAMPLE, database_problem, redacted

LOG_FORMATS = ("text", "json")

# Every variable `Settings.from_env` reads (.env.example explains each one).
SETTING_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_BASE_URL",
    "KZ_ADMIN_USERS",
    "KZ_SEEDS_DIR",
    "KZ_DATA_DIR",
    "KZ_EMBEDDING_MODEL",
    "KZ_EMBEDDING_BACKEND",
    "CHROMA_HOST",
    "CHROMA_PORT",
    "REDIS_URL",
    "KZ_DATABASE_URL",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "KZ_IMPORT_MAX_MB",
    "KZ_IMPORT_TIMEOUT",
    "KZ_MAX_DOCUMENT_MB",
    "KZ_ALLOW_LINKS_OUTSIDE_SEEDS",
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable to fix."""


def _secret(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


REDIS_SCHEMES = ("redis", "rediss", "unix")
# Web captures are tens of kilobytes; a converted book a few megabytes.
DEFAULT_MAX_DOCUMENT_MB = 10.0
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def _redis_url(value: str | None) -> str | None:
    """REDIS_URL as redis-py reads it, checked here so a typo is one clear line at start-up
    (`localhost:6379` is not a URL: redis-py would raise a bare ValueError later)."""
    url = _secret(value)
    if url is None:
        return None
    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in REDIS_SCHEMES:
            problem = "it must start with redis://, rediss:// or unix://"
        elif parts.scheme != "unix" and not parts.hostname:
            problem = "it names no host"
        elif parts.scheme == "unix" and not parts.path:
            problem = "it names no socket path"
    if problem:
        raise ConfigError(
            f"REDIS_URL is not a Redis URL ({problem}); write it like "
            "redis://localhost:6379/0, or leave it empty to keep de-duplication in this process."
        )
    return url


def _flag(env: Mapping[str, str], name: str) -> bool:
    text = (env.get(name) or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, got {text!r}.")


def _megabytes(env: Mapping[str, str], name: str, default: float) -> int:
    text = (env.get(name) or "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{name} must be a number of megabytes above 0, got {text!r}.")
    return int(value * 1_000_000)


@dataclass(frozen=True)
class Settings:
    """Every setting of kz-brief; secrets are excluded from `repr` so logs never show them."""

    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path(".kz-brief")
    embedding_model: str = "all-MiniLM-L6-v2"
    # onnx-int8 is the default: same retrieval quality on the question set, 2.6x the indexing
    # throughput and 4-5x faster query encoding than PyTorch (BENCHMARKS.md).
    embedding_backend: str = "onnx-int8"
    chroma_host: str | None = None
    chroma_port: int = 8000
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_api_base_url: str | None = None
    admin_users: frozenset[str] = frozenset()
    # Shared state for replicas: thread memory, de-duplication and locks in Redis; feedback
    # in a SQL database (default: the SQLite file in the data dir). URLs may hold passwords.
    redis_url: str | None = field(default=None, repr=False)
    database_url: str | None = field(default=None, repr=False)
    # Documents larger than this are skipped by `index` (and `--explain` reads no more).
    max_document_bytes: int = int(DEFAULT_MAX_DOCUMENT_MB * 1_000_000)
    # Whether symbolic links in the seeds folder may point outside it (off: they are skipped).
    follow_outside_links: bool = False
    # None when LOG_LEVEL is unset: `serve` then logs at INFO, the other commands at WARNING.
    log_level: str | None = None
    # `kz-brief import` of a URL: the largest download, and the seconds it may take in all.
    import_max_mb: float = 50.0
    import_timeout: float = 30.0
    # "text" (timestamped lines) or "json" (one object per line, for log collectors).
    log_format: str = "text"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from a mapping of environment variables (tests pass a dict)."""
        port_text = env.get("CHROMA_PORT", "8000").strip() or "8000"
        try:
            chroma_port = int(port_text)
        except ValueError as exc:
            raise ConfigError(f"CHROMA_PORT must be a port number, got {port_text!r}.") from exc
        backend = (env.get("KZ_EMBEDDING_BACKEND") or "onnx-int8").strip().lower()
        if backend not in ("torch", "onnx-int8"):
            raise ConfigError(
                f"KZ_EMBEDDING_BACKEND must be 'torch' or 'onnx-int8', got {backend!r}."
            )
        base_url = _secret(env.get("SLACK_API_BASE_URL"))
        if base_url and not base_url.endswith("/"):
            base_url += "/"
        import_max_mb = _positive(env, "KZ_IMPORT_MAX_MB", 50.0)
        import_timeout = _positive(env, "KZ_IMPORT_TIMEOUT", 30.0)
        database_url = _secret(env.get("KZ_DATABASE_URL"))
        if database_url and (problem := database_problem(database_url)):
            raise ConfigError(
                f"KZ_DATABASE_URL ({redacted(database_url)}) is not usable: {problem}. "
                f"Write it as {DATABASE_EXAMPLE}, or leave it empty for the SQLite file "
                "in KZ_DATA_DIR."
            )
        log_format = (env.get("LOG_FORMAT") or "text").strip().lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT must be 'text' or 'json', got {log_format!r}.")
        admins = frozenset(
            part.strip() for part in env.get("KZ_ADMIN_USERS", "").split(",") if part.strip()
        )
        return cls(
            seeds_dir=Path(env.get("KZ_SEEDS_DIR") or "seeds"),
            data_dir=Path(env.get("KZ_DATA_DIR") or ".kz-brief"),
            embedding_model=(env.get("KZ_EMBEDDING_MODEL") or "all-MiniLM-L6-v2").strip(),
            embedding_backend=backend,
            chroma_host=_secret(env.get("CHROMA_HOST")),
            chroma_port=chroma_port,
            slack_bot_token=_secret(env.get("SLACK_BOT_TOKEN")),
            slack_app_token=_secret(env.get("SLACK_APP_TOKEN")),
            slack_signing_secret=_secret(env.get("SLACK_SIGNING_SECRET")),
            slack_api_base_url=base_url,
            admin_users=admins,
            redis_url=_redis_url(env.get("REDIS_URL")),
            database_url=database_url,
            max_document_bytes=_megabytes(env, "KZ_MAX_DOCUMENT_MB", DEFAULT_MAX_DOCUMENT_MB),
            follow_outside_links=_flag(env, "KZ_ALLOW_LINKS_OUTSIDE_SEEDS"),
            log_level=(env.get("LOG_LEVEL") or "").strip().upper() or None,
            import_max_mb=import_max_mb,
            import_timeout=import_timeout,
            log_format=log_format,
        )


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {text!r}.")
    return value


def load_settings() -> Settings:
    """Read `.env` (without overriding the real environment), then the environment."""
    from dotenv import load_dotenv

    load_dotenv(override=False)
    # The bundled model must load from disk; never let a library try to reach a model hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    return Settings.from_env(os.environ)
