"""Settings: shared-state URLs are checked once, at start, and never shown with a password."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import ConfigError, Settings
from store.state.urls import database_url, redacted

PASSWORD = "hunter2-db-pass"


def test_database_and_redis_urls_are_read_and_kept_out_of_the_repr() -> None:
    settings = Settings.from_env(
        {
            "KZ_DATABASE_URL": f"postgresql://kz:{PASSWORD}@db.internal:5432/kzbrief",
            "REDIS_URL": f"redis://:{PASSWORD}@redis.internal:6379/0",
            "LOG_FORMAT": "JSON",
        }
    )
    assert settings.database_url == f"postgresql://kz:{PASSWORD}@db.internal:5432/kzbrief"
    assert settings.log_format == "json"
    assert PASSWORD not in repr(settings)


def test_without_them_one_machine_keeps_its_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None and settings.redis_url is None
    assert settings.log_format == "text"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"mysql://kz:{PASSWORD}@db:3306/kz", "'mysql' is not postgresql:// or sqlite:///"),
        (f"postgresql://kz:{PASSWORD}@db:5432", "needs a host and a database name"),
        ("db.internal:5432/kz", "is not postgresql:// or sqlite:///"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_an_unusable_database_url_names_the_variable_and_hides_the_password(
    url: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"KZ_DATABASE_URL": url})
    message = str(caught.value)
    assert message.startswith("KZ_DATABASE_URL (") and problem in message
    assert "postgresql://USER:PASSWORD@HOST:5432/DBNAME" in message
    assert PASSWORD not in message


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ConfigError, match="LOG_FORMAT must be 'text' or 'json'"):
        Settings.from_env({"LOG_FORMAT": "xml"})


def test_the_cli_reports_a_bad_database_url_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KZ_DATABASE_URL", f"oracle://kz:{PASSWORD}@db/kz")
    result = CliRunner().invoke(cli, ["feedback"])
    # A malformed setting exits 2 (bot.failures), in every command.
    assert result.exit_code == 2 and "KZ_DATABASE_URL" in result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql://kz:{PASSWORD}@db:5432/kz", "postgresql://kz:***@db:5432/kz"),
        (f"redis://:{PASSWORD}@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("sqlite:////srv/kz/feedback.sqlite3", "sqlite:////srv/kz/feedback.sqlite3"),
    ],
)
def test_urls_are_shown_without_their_password(url: str, shown: str) -> None:
    assert redacted(url) == shown


def test_the_plain_postgresql_form_maps_to_the_installed_driver(tmp_path) -> None:
    assert database_url("postgresql://kz:pw@db:5432/kz", tmp_path) == (
        "postgresql+psycopg://kz:pw@db:5432/kz"
    )
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path.resolve()}/feedback.sqlite3"


# --- REDIS_URL and the corpus limits -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("localhost:6379", "must start with redis://"),
        ("http://cache:6379", "must start with redis://"),
        ("redis://", "names no host"),
        ("redis://cache:port/0", "Port could not be cast"),
        ("unix://", "names no socket path"),
    ],
)
def test_a_malformed_redis_url_names_the_variable_and_the_form(value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"REDIS_URL": value})
    message = str(raised.value)
    assert message.startswith("REDIS_URL is not a Redis URL") and problem in message
    assert "redis://localhost:6379/0" in message


@pytest.mark.parametrize(
    "value", ["redis://cache:6379/0", "rediss://:secret@cache:6380/1", "unix:///run/redis.sock"]
)
def test_redis_urls_are_accepted(value: str) -> None:
    assert Settings.from_env({"REDIS_URL": value}).redis_url == value


def test_a_redis_password_is_never_shown(value: str = "redis://:hunter2@cache:x/0") -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"REDIS_URL": value})
    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(Settings.from_env({"REDIS_URL": "redis://:hunter2@c:1/0"}))


def test_corpus_limits_default_and_parse() -> None:
    default = Settings.from_env({})
    assert default.max_document_bytes == 10_000_000 and default.follow_outside_links is False
    chosen = Settings.from_env({"KZ_MAX_DOCUMENT_MB": "2.5", "KZ_ALLOW_LINKS_OUTSIDE_SEEDS": "yes"})
    assert chosen.max_document_bytes == 2_500_000 and chosen.follow_outside_links is True
    for name, value in (("KZ_MAX_DOCUMENT_MB", "lots"), ("KZ_MAX_DOCUMENT_MB", "0"),
                        ("KZ_ALLOW_LINKS_OUTSIDE_SEEDS", "perhaps")):  # fmt: skip
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})
