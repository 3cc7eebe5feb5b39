"""Export and erasure: a person's rights of access and to be forgotten, across every stage."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from tailored import events, profiles
from tailored.core import Person, personal_data, utcnow


def find_person(conn: Connection, workspace_id: int, ident: str) -> Person:
    """Everything a person is known by, from any of their ids."""
    profile_id = profiles.find_profile(conn, workspace_id, ident)
    return profiles.person(conn, workspace_id, profile_id)


def export_person(conn: Connection, who: Person) -> dict[str, Any]:
    """Everything stored about the person, by kind of data."""
    return {
        "profile_id": who.profile_id,
        "user_ids": sorted(who.user_ids),
        "anonymous_ids": sorted(who.anonymous_ids),
        "exported_at": utcnow(),
        "data": {item.name: item.exporter(conn, who) for item in personal_data()},
    }


def erase_person(conn: Connection, who: Person, *, suppress: bool = False) -> dict[str, Any]:
    """Delete everything stored about the person; optionally block their future events."""
    erased = {item.name: item.eraser(conn, who) for item in personal_data()}
    if suppress:
        for user_id in who.user_ids:
            events.suppress(conn, who.workspace_id, "user", user_id, "erased")
        for anonymous_id in who.anonymous_ids:
            events.suppress(conn, who.workspace_id, "anonymous", anonymous_id, "erased")
    return {"profile_id": who.profile_id, "erased": erased, "suppressed": suppress}
