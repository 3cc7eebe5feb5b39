"""The segments tables: definitions, current members, membership history, due times."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tailored.storage import BigIntKey, JSONType, UTCDateTime, metadata


def _workspace() -> Column[int]:
    return Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )


def _profile(*, primary_key: bool = False) -> Column[str]:
    return Column(
        "profile_id",
        String(40),
        ForeignKey("profiles.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _workspace(),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("condition", JSONType, nullable=False),
    #: The features (``FeatureSpec.as_json``) the condition reads, backfilled when saved.
    Column("features", JSONType, nullable=False),
    Column("builtin", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("computed_at", UTCDateTime, nullable=True),
    UniqueConstraint("workspace_id", "key"),
)

#: Who is in each segment now.
members = Table(
    "segment_members",
    metadata,
    Column("segment_id", Integer, ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True),
    _profile(primary_key=True),
    _workspace(),
    Column("entered_at", UTCDateTime, nullable=False),
    Index(None, "profile_id"),
)

#: Every stay in a segment: entered, and exited (null while still in).
history = Table(
    "segment_history",
    metadata,
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    Column("segment_id", Integer, ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
    _profile(),
    _workspace(),
    Column("entered_at", UTCDateTime, nullable=False),
    Column("exited_at", UTCDateTime, nullable=True),
    Index(None, "segment_id", "profile_id"),
    Index(None, "profile_id"),
)

#: When a profile's memberships may next change without a new event (a window lapsing).
due = Table(
    "segment_due",
    metadata,
    _profile(primary_key=True),
    _workspace(),
    Column("due_at", UTCDateTime, nullable=False),
    Index(None, "workspace_id", "due_at"),
)
