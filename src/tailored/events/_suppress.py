"""Suppression: people whose events are dropped at the door, counted, and never stored.

Only a SHA-256 digest of each suppressed id is kept, so the list itself does not hold the
ids in clear, and it can outlive the erasure of the person it protects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tailored.core import utcnow
from tailored.storage import UTCDateTime, metadata

from ._log import EventRow

IdKind = Literal["user", "anonymous"]

suppressions = Table(
    "suppressions",
    metadata,
    Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("digest", String(64), primary_key=True),
    Column("reason", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("dropped", Integer, nullable=False, default=0),
    Column("last_dropped_at", UTCDateTime, nullable=True),
)


def digest(kind: IdKind, value: str) -> str:
    """The stored form of a suppressed id."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def suppress(
    conn: Connection, workspace_id: int, kind: IdKind, value: str, reason: str | None = None
) -> bool:
    """Suppress an id from now on; returns False if it already was."""
    dialect = conn.dialect.name
    insert = (
        postgresql.insert(suppressions) if dialect == "postgresql" else sqlite.insert(suppressions)
    )
    result = conn.execute(
        insert.values(
            workspace_id=workspace_id,
            digest=digest(kind, value),
            reason=reason,
            created_at=utcnow(),
            dropped=0,
        )
        .on_conflict_do_nothing()
        .returning(suppressions.c.digest)
    )
    return result.first() is not None


def is_suppressed(conn: Connection, workspace_id: int, kind: IdKind, value: str) -> bool:
    """Whether an id is suppressed."""
    query = sa.select(suppressions.c.digest).where(
        suppressions.c.workspace_id == workspace_id,
        suppressions.c.digest == digest(kind, value),
    )
    return conn.execute(query).first() is not None


def _row_digests(row: EventRow) -> Iterable[str]:
    if row["user_id"]:
        yield digest("user", row["user_id"])
    if row["anonymous_id"]:
        yield digest("anonymous", row["anonymous_id"])


#: The suppressed among some digests (on every ingest; built once).
_BLOCKED = sa.select(suppressions.c.digest).where(
    suppressions.c.workspace_id == sa.bindparam("workspace_id"),
    suppressions.c.digest.in_(sa.bindparam("digests", expanding=True)),
)


#: Whether a workspace suppresses anyone: most never do, and then no digest is worked out.
_ANY = (
    sa.select(suppressions.c.digest)
    .where(suppressions.c.workspace_id == sa.bindparam("workspace_id"))
    .limit(1)
)


def drop_suppressed(
    conn: Connection, workspace_id: int, rows: list[EventRow], now: datetime
) -> tuple[list[EventRow], int]:
    """The rows of people who are not suppressed, and how many were dropped (and counted)."""
    if conn.execute(_ANY, {"workspace_id": workspace_id}).first() is None:
        return rows, 0
    wanted = {d for row in rows for d in _row_digests(row)}
    if not wanted:
        return rows, 0
    found = conn.execute(_BLOCKED, {"workspace_id": workspace_id, "digests": list(wanted)})
    blocked = set(found.scalars())
    if not blocked:
        return rows, 0
    kept = [r for r in rows if not blocked.intersection(_row_digests(r))]
    hits: dict[str, int] = {}
    for row in rows:
        for d in blocked.intersection(_row_digests(row)):
            hits[d] = hits.get(d, 0) + 1
    for d, n in hits.items():
        conn.execute(
            suppressions.update()
            .where(suppressions.c.workspace_id == workspace_id, suppressions.c.digest == d)
            .values(dropped=suppressions.c.dropped + n, last_dropped_at=now)
        )
    return kept, len(rows) - len(kept)
