"""The event log: every accepted message, once (unique on workspace and ``messageId``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from tailored.storage import (
    BigIntKey,
    JSONType,
    UTCDateTime,
    metadata,
    sqlite_insert,
    sqlite_json,
    sqlite_placeholders,
    sqlite_time,
)

events = Table(
    "events",
    metadata,
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    Column("message_id", String(255), nullable=False),
    Column("type", String(16), nullable=False),
    Column("event", String(255), nullable=True),
    Column("user_id", String(255), nullable=True),
    Column("anonymous_id", String(255), nullable=True),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("properties", JSONType, nullable=True),
    Column("traits", JSONType, nullable=True),
    Column("context", JSONType, nullable=True),
    Column("extra", JSONType, nullable=True),
    Column("profile_id", String(40), nullable=True),
    UniqueConstraint("workspace_id", "message_id"),
    Index(None, "workspace_id", "profile_id", "timestamp"),
    Index(None, "workspace_id", "event", "timestamp"),
)


_COLUMNS = frozenset(c.name for c in events.columns)


class EventRow(TypedDict):
    """One message as stored (``extra`` holds type-specific fields: name, groupId, ...).

    ``parsed`` (not stored) carries what collection derived from ``context`` for the stages
    that react to the event: device, channel, consent.
    """

    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    timestamp: datetime
    received_at: datetime
    properties: dict[str, Any] | None
    traits: dict[str, Any] | None
    context: dict[str, Any] | None
    extra: dict[str, Any] | None
    profile_id: NotRequired[str | None]
    parsed: NotRequired[dict[str, Any]]


def append_events(conn: Connection, workspace_id: int, rows: Sequence[EventRow]) -> list[str]:
    """Insert rows, skipping any whose ``message_id`` is already stored.

    Returns the message ids actually inserted, so the caller can tell duplicates apart.
    """
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        values = [
            {"workspace_id": workspace_id, "profile_id": None}
            | {k: v for k, v in row.items() if k in _COLUMNS}
            for row in rows
        ]
        stmt = (
            postgresql.insert(events)
            .on_conflict_do_nothing(index_elements=["workspace_id", "message_id"])
            .returning(events.c.message_id)
        )
        return [r[0] for r in conn.execute(stmt, values)]
    # SQLite: the caller holds the write lock, so a look-up first is exact; the insert goes
    # straight to the driver, which is several times cheaper per row than SQLAlchemy's
    # parameter processing (values are encoded exactly as the column types would).
    ids = [row["message_id"] for row in rows]
    sql = f"{_SQLITE_KNOWN} ({sqlite_placeholders(len(ids))})"
    known = {mid for (mid,) in conn.exec_driver_sql(sql, (workspace_id, *ids))}
    fresh = [row for row in rows if row["message_id"] not in known]
    if fresh:
        times: dict[datetime, str] = {}
        params = [_sqlite_values(workspace_id, row, times) for row in fresh]
        conn.exec_driver_sql(_SQLITE_INSERT, params)
    return [row["message_id"] for row in fresh]


#: The stored among some message ids (an IN list follows).
_SQLITE_KNOWN = "SELECT message_id FROM events WHERE workspace_id = ? AND message_id IN"
_SQLITE_COLUMNS = (
    "workspace_id", "message_id", "type", "event", "user_id", "anonymous_id", "timestamp",
    "received_at", "properties", "traits", "context", "extra", "profile_id",
)  # fmt: skip
_SQLITE_INSERT = sqlite_insert("events", _SQLITE_COLUMNS, or_ignore=True)


def _sqlite_values(workspace_id: int, row: EventRow, times: dict[datetime, str]) -> tuple[Any, ...]:
    """The row in ``_SQLITE_COLUMNS`` order; ``times`` memoizes instants (a batch shares its
    ``received_at``, a decide call's exposures their ``timestamp``)."""
    stamp, received = row["timestamp"], row["received_at"]
    if (received_text := times.get(received)) is None:
        received_text = times[received] = sqlite_time(received)
    if (stamp_text := times.get(stamp)) is None:
        stamp_text = times[stamp] = sqlite_time(stamp)
    return (
        workspace_id,
        row["message_id"],
        row["type"],
        row["event"],
        row["user_id"],
        row["anonymous_id"],
        stamp_text,
        received_text,
        sqlite_json(row["properties"]),
        sqlite_json(row["traits"]),
        sqlite_json(row["context"]),
        sqlite_json(row["extra"]),
        row.get("profile_id"),
    )


def count_events(conn: Connection, workspace_id: int) -> int:
    """How many events a workspace has stored."""
    query = sa.select(sa.func.count()).select_from(events)
    return int(conn.execute(query.where(events.c.workspace_id == workspace_id)).scalar_one())


def iter_events(
    conn: Connection, workspace_id: int, *, batch: int = 10_000
) -> Iterable[dict[str, Any]]:
    """Every event of a workspace in id order, streamed in batches."""
    last = 0
    while True:
        rows = (
            conn.execute(
                sa.select(events)
                .where(events.c.workspace_id == workspace_id, events.c.id > last)
                .order_by(events.c.id)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        yield from (dict(r) for r in rows)
        last = rows[-1]["id"]
