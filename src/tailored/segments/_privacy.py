"""What the segments stage holds about a person: memberships, their history, due times."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Person, register_personal_data

from ._tables import due, history, members, segments


def _export(conn: Connection, who: Person) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            segments.c.key.label("segment"),
            history.c.profile_id,
            history.c.entered_at,
            history.c.exited_at,
        )
        .join(segments, segments.c.id == history.c.segment_id)
        .where(history.c.profile_id.in_(who.profile_ids))
        .order_by(history.c.entered_at, history.c.id)
    )
    return [dict(row) for row in rows.mappings()]


def _erase(conn: Connection, who: Person) -> int:
    count = 0
    for table in (members, history, due):
        count += conn.execute(
            table.delete().where(table.c.profile_id.in_(who.profile_ids))
        ).rowcount
    return count


def install_privacy() -> None:
    """Register the memberships with the privacy registry (erased before the profiles)."""
    register_personal_data("segment_memberships", _export, _erase)
