"""The feedback database's tables, and the versioned migrations that create or upgrade them.

Every process that opens the database (a bot replica, `kz-brief feedback`) runs `migrate`
first. It holds the database's write lock (PostgreSQL: an advisory lock; SQLite: `BEGIN
IMMEDIATE`) for the whole upgrade, so replicas starting together migrate once, and a failed
step leaves the previous version whole. The version is a row in `kz_brief_schema`.

Version 1 is the table round-1 bots created in `feedback.sqlite3` (no version row: a file
holding that table is version 1). Version 2 adds the indexes the per-passage summary reads.
A new version appends a step to `MIGRATIONS`; steps are never edited once released.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.schema import CreateTable

from store.errors import StoreError

logger = logging.getLogger(__name__)

metadata = MetaData()

# One row per person, passage and flag: a repeated click is the same row.
feedback = Table(
    "feedback",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("chunk_id", Text, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("flag", Text, primary_key=True),
    Column("title", Text, nullable=False, server_default=""),
    Column("excerpt", Text, nullable=False, server_default=""),
    # ISO 8601 in UTC ("2026-06-26T10:00:00+00:00"): sorts as time does, in every database.
    Column("created_at", Text, nullable=False),
)

# Added in version 2: `passages()` groups by passage and flag; admins look documents up.
passage_index = Index("feedback_by_passage", feedback.c.chunk_id, feedback.c.flag)
document_index = Index("feedback_by_document", feedback.c.doc_id)

schema_versions = Table(
    "kz_brief_schema",
    metadata,
    Column("component", Text, primary_key=True),
    Column("version", Integer, nullable=False),
)

COMPONENT = "feedback"
# Any constant: the key of PostgreSQL's advisory lock held while migrating.
_MIGRATION_LOCK_KEY = 0x6B7A_6272  # "kzbr"


class SchemaError(StoreError):
    """The feedback database cannot be used by this version of kz-brief."""


def _create_feedback_table(conn: Connection) -> None:
    # The table alone, as version 1 had it (`feedback.create` would add later indexes too).
    if not inspect(conn).has_table(feedback.name):
        conn.execute(CreateTable(feedback))


def _index_passages(conn: Connection) -> None:
    for index in (passage_index, document_index):
        index.create(conn, checkfirst=True)


# MIGRATIONS[n - 1] upgrades version n - 1 to version n.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _create_feedback_table,
    _index_passages,
)
LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """The schema version of the database `conn` is connected to (0: empty)."""
    tables = set(inspect(conn).get_table_names())
    if schema_versions.name in tables:
        found = conn.execute(
            select(schema_versions.c.version).where(schema_versions.c.component == COMPONENT)
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
    # A round-1 feedback.sqlite3 has the table and no version row.
    return 1 if feedback.name in tables else 0


def migrate(conn: Connection, where: str) -> tuple[int, int]:
    """Bring the database up to `LATEST` inside the caller's transaction; returns the
    versions (before, after). `where` names the database (password hidden) for messages."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    before = current_version(conn)
    if before > LATEST:
        raise SchemaError(
            f"The feedback database at {where} has schema version {before}, newer than this "
            f"kz-brief knows ({LATEST}): upgrade kz-brief on this machine."
        )
    for version in range(before + 1, LATEST + 1):
        MIGRATIONS[version - 1](conn)
    if before != LATEST:
        if before == 0:
            logger.info("Feedback database at %s created (schema version %d)", where, LATEST)
        else:
            logger.info(
                "Feedback database at %s migrated from schema version %d to %d",
                where,
                before,
                LATEST,
            )
        schema_versions.create(conn, checkfirst=True)
        conn.execute(schema_versions.delete().where(schema_versions.c.component == COMPONENT))
        conn.execute(schema_versions.insert().values(component=COMPONENT, version=LATEST))
    return before, LATEST
