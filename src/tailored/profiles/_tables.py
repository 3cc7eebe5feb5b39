"""The profile tables: one state row per person, and the identity graph."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from tailored.storage import JSONType, UTCDateTime, metadata

profiles = Table(
    "profiles",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    Column("user_id", String(255), nullable=True),
    Column("merged_into", String(40), nullable=True),
    Column("state", JSONType, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "workspace_id", "user_id", unique=True),
    Index(None, "merged_into"),
    # Walking a workspace's profiles in id order (recompute, scores) without sorting them all.
    Index(None, "workspace_id", "id"),
)

#: Every id a person is known by (``kind`` is ``user`` or ``anonymous``) and their profile.
identities = Table(
    "profile_identities",
    metadata,
    Column(
        "workspace_id",
        Integer,
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(10), primary_key=True),
    Column("value", String(255), primary_key=True),
    Column("profile_id", String(40), ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "profile_id"),
)
