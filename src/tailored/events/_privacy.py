"""What the event log holds about a person, for export and erasure."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Person, register_personal_data

from ._log import events


def _theirs(person: Person) -> sa.ColumnElement[bool]:
    # Every stored event carries the profile it was resolved to (merges re-point them).
    return sa.and_(
        events.c.workspace_id == person.workspace_id,
        events.c.profile_id.in_(person.profile_ids),
    )


def export_events(conn: Connection, person: Person) -> list[dict[str, Any]]:
    """Every stored event of the person, oldest first."""
    rows = conn.execute(sa.select(events).where(_theirs(person)).order_by(events.c.timestamp))
    return [dict(r) for r in rows.mappings()]


def erase_events(conn: Connection, person: Person) -> int:
    """Delete every stored event of the person."""
    return int(conn.execute(events.delete().where(_theirs(person))).rowcount)


register_personal_data("events", export_events, erase_events)
