"""Segment definitions: create, read, change, delete, and the compiled form per workspace."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored import storage
from tailored.core import Conflict, NotFound, ValidationError

from ._definitions import (
    CompiledWorkspace,
    Needs,
    check_condition,
    compile_workspace,
    needs_of,
)
from ._tables import members, segments

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


@dataclass(frozen=True)
class Segment:
    """A stored segment definition."""

    id: int
    key: str
    name: str
    description: str
    condition: Any
    builtin: bool
    created_at: datetime
    updated_at: datetime
    computed_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The segment as the API shows it."""
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "condition": self.condition,
            "builtin": self.builtin,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "computed_at": self.computed_at,
        }


def _segment(row: Any) -> Segment:
    return Segment(
        row.id, row.key, row.name, row.description, row.condition, row.builtin,
        row.created_at, row.updated_at, row.computed_at,
    )  # fmt: skip


def check_key(key: str) -> None:
    """Refuse a malformed segment key (422 naming ``body.key``)."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            f"invalid segment key {key!r}",
            [
                {
                    "loc": "body.key",
                    "message": "lower-case letters, digits, '-' and '_', at most 100",
                }
            ],
        )


def conditions_by_key(conn: Connection, workspace_id: int) -> dict[str, Any]:
    """Every segment's condition in the workspace, by key."""
    rows = conn.execute(
        sa.select(segments.c.key, segments.c.condition).where(
            segments.c.workspace_id == workspace_id
        )
    )
    return dict(rows.all())


def check_segment(conn: Connection, workspace_id: int, key: str, condition: Any) -> Needs:
    """Check a condition for segment ``key`` against the workspace's others (422 if bad)."""
    others = conditions_by_key(conn, workspace_id)
    others.pop(key, None)
    return check_condition(key, condition, others)


def get_segment(conn: Connection, workspace_id: int, key: str) -> Segment:
    """The segment ``key`` of the workspace.

    Raises:
        tailored.core.NotFound: There is none.
    """
    row = conn.execute(
        sa.select(segments).where(segments.c.workspace_id == workspace_id, segments.c.key == key)
    ).first()
    if row is None:
        raise NotFound(f"no segment {key!r} in this workspace")
    return _segment(row)


def list_segments(conn: Connection, workspace_id: int) -> list[Segment]:
    """The workspace's segments, by key."""
    rows = conn.execute(
        sa.select(segments).where(segments.c.workspace_id == workspace_id).order_by(segments.c.key)
    )
    return [_segment(row) for row in rows]


def segment_sizes(conn: Connection, workspace_id: int) -> dict[str, int]:
    """How many members each segment has now, by key."""
    rows = conn.execute(
        sa.select(segments.c.key, sa.func.count(members.c.profile_id))
        .select_from(segments.outerjoin(members, members.c.segment_id == segments.c.id))
        .where(segments.c.workspace_id == workspace_id)
        .group_by(segments.c.key)
    )
    return dict(rows.all())


def insert_segment(
    conn: Connection, workspace_id: int, values: dict[str, Any], needs: Needs, now: datetime
) -> Segment:
    """Insert a checked segment (409 if the key is taken)."""
    exists = conn.execute(
        sa.select(segments.c.id).where(
            segments.c.workspace_id == workspace_id, segments.c.key == values["key"]
        )
    ).first()
    if exists is not None:
        raise Conflict(f"a segment with key {values['key']!r} already exists")
    conn.execute(
        segments.insert().values(
            workspace_id=workspace_id,
            features=[f.as_json() for f in needs.features],
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    return get_segment(conn, workspace_id, values["key"])


def update_segment_row(
    conn: Connection, segment: Segment, values: dict[str, Any], needs: Needs | None, now: datetime
) -> None:
    """Write changed fields of a segment."""
    if needs is not None:
        values = {**values, "features": [f.as_json() for f in needs.features]}
    conn.execute(
        segments.update().where(segments.c.id == segment.id).values(updated_at=now, **values)
    )


def delete_segment_row(conn: Connection, workspace_id: int, key: str) -> None:
    """Delete a segment that no other segment refers to (409 otherwise)."""
    segment = get_segment(conn, workspace_id, key)
    users = [
        other
        for other, condition in conditions_by_key(conn, workspace_id).items()
        if other != key and any(ref == key for ref, _ in needs_of(condition).refs)
    ]
    if users:
        raise Conflict(f"segment {key!r} is used by {', '.join(sorted(users))}; change those first")
    conn.execute(segments.delete().where(segments.c.id == segment.id))


_cache: dict[tuple[str, int], tuple[Any, CompiledWorkspace]] = {}
_lock = threading.Lock()
#: What changes when a workspace's segments do (checked on every ingest; built once).
_STAMP = sa.select(
    sa.func.count(segments.c.id), sa.func.max(segments.c.updated_at), sa.func.max(segments.c.id)
).where(segments.c.workspace_id == sa.bindparam("workspace_id"))


def compiled_workspace(conn: Connection, workspace_id: int) -> CompiledWorkspace:
    """The workspace's segments compiled, cached in this process until they change."""
    stamp = tuple(conn.execute(_STAMP, {"workspace_id": workspace_id}).one())
    cache_key = (storage.database_key(conn.engine), workspace_id)
    cached = _cache.get(cache_key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    rows = conn.execute(
        sa.select(segments.c.id, segments.c.key, segments.c.condition).where(
            segments.c.workspace_id == workspace_id
        )
    )
    compiled = compile_workspace([(r.id, r.key, r.condition) for r in rows])
    with _lock:
        _cache[cache_key] = (stamp, compiled)
    return compiled
