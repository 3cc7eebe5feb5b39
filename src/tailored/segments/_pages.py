"""Reading members and membership history a page at a time."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import ValidationError

from ._store import get_segment
from ._tables import history, members

PAGE_MAX = 1_000


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationError(
            f"limit must be between 1 and {PAGE_MAX}",
            [{"loc": "query.limit", "message": f"between 1 and {PAGE_MAX}"}],
        )


def members_page(
    conn: Connection, workspace_id: int, key: str, *, limit: int = 100, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a segment's current members by profile id, and the cursor of the next page."""
    _check_limit(limit)
    segment = get_segment(conn, workspace_id, key)
    query = (
        sa.select(members.c.profile_id, members.c.entered_at)
        .where(members.c.segment_id == segment.id)
        .order_by(members.c.profile_id)
        .limit(limit + 1)
    )
    if cursor:
        query = query.where(members.c.profile_id > cursor)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["profile_id"] if more else None)


def history_page(
    conn: Connection,
    workspace_id: int,
    key: str,
    *,
    limit: int = 100,
    cursor: str | None = None,
    profile_id: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a segment's stays (entered, exited or null), newest first, and the next cursor."""
    _check_limit(limit)
    segment = get_segment(conn, workspace_id, key)
    query = (
        sa.select(history.c.id, history.c.profile_id, history.c.entered_at, history.c.exited_at)
        .where(history.c.segment_id == segment.id)
        .order_by(history.c.id.desc())
        .limit(limit + 1)
    )
    if profile_id is not None:
        query = query.where(history.c.profile_id == profile_id)
    if cursor:
        if not cursor.isdigit():
            raise ValidationError(
                f"cursor {cursor!r} is not one this API gave out",
                [{"loc": "query.cursor", "message": "use the next_cursor of the previous page"}],
            )
        query = query.where(history.c.id < int(cursor))
    rows = [dict(r) for r in conn.execute(query).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    following = str(rows[-1]["id"]) if more else None
    return [{k: v for k, v in r.items() if k != "id"} for r in rows], following
