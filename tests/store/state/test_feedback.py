"""Feedback flags: stored durably, one per person per passage and flag, in the SQLite file of
one machine or in PostgreSQL for replicas (the same code), with a schema that is created or
migrated on open, a round-1 file included, without losing a row."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from store.state import schema
from store.state.feedback import FeedbackUnavailableError, SqlFeedbackStore, open_feedback
from store.state.urls import database_url
from tests.servers import POSTGRES_PASSWORD, POSTGRES_PASSWORD_IN_URL, free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL of each backend, as KZ_DATABASE_URL would name it."""
    if request.param == "sqlite":
        return database_url(None, tmp_path)
    return database_url(request.getfixturevalue("postgres_url"), tmp_path)


def test_clicks_are_deduplicated_per_user_passage_and_flag(store_url: str) -> None:
    store = SqlFeedbackStore(store_url)
    assert store.record("U1", "c1", "doc-a", "outdated", title="A", excerpt="Old text")
    assert not store.record("U1", "c1", "doc-a", "outdated")
    assert store.record("U2", "c1", "doc-a", "outdated")
    assert store.record("U1", "c1", "doc-a", "useful")
    assert store.record("U1", "c2", "doc-b", "wrong_source")
    (first, second) = store.passages()
    assert (first.chunk_id, first.counts) == ("c1", {"useful": 1, "outdated": 2, "wrong_source": 0})
    assert first.title == "A" and first.excerpt == "Old text"
    assert second.counts["wrong_source"] == 1
    store.close()


def test_feedback_survives_a_restart_and_two_writers_share_it(store_url: str) -> None:
    replica_a, replica_b = SqlFeedbackStore(store_url), SqlFeedbackStore(store_url)
    assert replica_a.record("U1", "c1", "doc-a", "useful")
    assert not replica_b.record("U1", "c1", "doc-a", "useful")  # the same click, elsewhere
    assert replica_b.record("U2", "c1", "doc-a", "useful")
    replica_a.close()
    replica_b.close()
    reopened = SqlFeedbackStore(store_url)
    assert reopened.passages()[0].counts["useful"] == 2
    assert not reopened.record("U1", "c1", "doc-a", "useful")


def test_unknown_flags_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown feedback flag"):
        open_feedback(tmp_path).record("U1", "c1", "doc-a", "love")


def test_the_default_is_the_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    store = open_feedback(tmp_path / "data")
    store.record("U1", "c1", "doc-a", "useful")
    assert (tmp_path / "data" / "feedback.sqlite3").is_file()
    assert "feedback.sqlite3" in store.where


# --- Versioned schema ----------------------------------------------------------------------

# What a round-1 bot created, verbatim, before the schema had versions.
ROUND_1_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    user_id TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    flag TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    excerpt TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, chunk_id, flag)
)
"""
ROUND_1_ROWS = [
    (
        "U1",
        "caci-2005#3",
        "caci-2005",
        "outdated",
        "Legal basis",
        "Kazakhstan and NATO…",
        "2026-05-01T10:00:00+00:00",
    ),
    (
        "U2",
        "caci-2005#3",
        "caci-2005",
        "outdated",
        "Legal basis",
        "Kazakhstan and NATO…",
        "2026-05-02T11:00:00+00:00",
    ),
    (
        "U2",
        "caci-2005#3",
        "caci-2005",
        "wrong_source",
        "Legal basis",
        "Kazakhstan and NATO…",
        "2026-05-02T11:00:01+00:00",
    ),
    (
        "U3",
        "euobs-2009#1",
        "euobs-2009",
        "useful",
        "Nato woos Kazakhstan",
        "",
        "2026-05-03T09:30:00+00:00",
    ),
]


def write_round_1_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    with db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(ROUND_1_SCHEMA)
        db.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?)", ROUND_1_ROWS)
    db.close()


def test_a_round_1_feedback_file_is_migrated_without_losing_a_row(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_round_1_file(data_dir / "feedback.sqlite3")

    store = open_feedback(data_dir)
    (flagged, liked) = store.passages()
    assert (flagged.chunk_id, flagged.counts) == (
        "caci-2005#3",
        {"useful": 0, "outdated": 2, "wrong_source": 1},
    )
    assert flagged.title == "Legal basis" and flagged.last_at == "2026-05-02T11:00:01+00:00"
    assert (liked.chunk_id, liked.counts["useful"]) == ("euobs-2009#1", 1)
    # Old clicks still count once; new ones add up.
    assert not store.record("U1", "caci-2005#3", "caci-2005", "outdated")
    assert store.record("U4", "caci-2005#3", "caci-2005", "outdated")
    store.close()

    engine = create_engine(database_url(None, data_dir))
    with engine.connect() as conn:
        assert schema.current_version(conn) == schema.LATEST == 2
        rows = conn.execute(text("SELECT * FROM feedback ORDER BY created_at")).all()
        indexes = {i["name"] for i in inspect(conn).get_indexes("feedback")}
    engine.dispose()
    assert [tuple(row) for row in rows[:4]] == ROUND_1_ROWS and len(rows) == 5
    assert {"feedback_by_passage", "feedback_by_document"} <= indexes

    open_feedback(data_dir).close()  # opening an up-to-date database changes nothing


def test_a_database_from_a_newer_kz_brief_is_refused_with_the_fix(store_url: str) -> None:
    SqlFeedbackStore(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE kz_brief_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(schema.SchemaError, match="version 99, newer than this kz-brief.*upgrade"):
        SqlFeedbackStore(store_url)


def _open_together(url: str, openers: int) -> tuple[list[SqlFeedbackStore], list[BaseException]]:
    """Open the store from `openers` threads released at the same instant."""
    opened: list[SqlFeedbackStore] = []
    failures: list[BaseException] = []
    start = threading.Barrier(openers)

    def open_one() -> None:
        start.wait()
        try:
            opened.append(SqlFeedbackStore(url))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return opened, failures


def test_replicas_starting_together_migrate_once(store_url: str) -> None:
    opened, failures = _open_together(store_url, 4)
    assert failures == [] and len(opened) == 4
    assert opened[0].record("U1", "c1", "doc-a", "useful")
    assert [p.counts["useful"] for p in opened[3].passages()] == [1]
    engine = create_engine(store_url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT component, version FROM kz_brief_schema")).all()
    engine.dispose()
    assert [tuple(v) for v in versions] == [("feedback", 2)]


def test_many_openers_of_a_new_sqlite_file_all_get_it(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once ("database is locked") to all but one of
    several connections opening a new file together; each opener must still get a store.
    Thirty fresh files, eight openers each: before the retry, about one file in thirty
    failed."""
    for attempt in range(30):
        (tmp_path / str(attempt)).mkdir()
        opened, failures = _open_together(database_url(None, tmp_path / str(attempt)), 8)
        assert failures == [] and len(opened) == 8, (attempt, failures)


# --- A database that cannot be used ----------------------------------------------------------


def test_an_unreachable_postgresql_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    configured = f"postgresql://kz:{POSTGRES_PASSWORD_IN_URL}@127.0.0.1:{free_port()}/kz"
    with pytest.raises(FeedbackUnavailableError) as caught:
        open_feedback(tmp_path, configured)
    message = str(caught.value)
    assert "postgresql://kz:***@127.0.0.1:" in message and "/kz" in message
    assert "refused" in message.lower() or "connect" in message.lower()
    assert POSTGRES_PASSWORD not in message and POSTGRES_PASSWORD_IN_URL not in message


def test_a_wrong_password_is_a_clear_error_without_either_password(
    postgres_url: str, tmp_path: Path
) -> None:
    wrong = postgres_url.replace(POSTGRES_PASSWORD_IN_URL, "not-the-password-42")
    with pytest.raises(FeedbackUnavailableError) as caught:
        open_feedback(tmp_path, wrong)
    message = str(caught.value)
    assert "password authentication failed" in message
    assert "not-the-password-42" not in message and POSTGRES_PASSWORD not in message
