"""What the profile tables hold about a person, and finding everything a person is known by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Person, register_personal_data

from ._state import to_ms
from ._tables import identities, profiles


def person(conn: Connection, workspace_id: int, profile_id: str) -> Person:
    """The live profile, every profile merged into it, and every id they are known by."""
    merged = conn.execute(
        sa.select(profiles.c.id).where(
            profiles.c.workspace_id == workspace_id, profiles.c.merged_into == profile_id
        )
    ).scalars()
    profile_ids = frozenset({profile_id, *merged})
    ids = conn.execute(
        sa.select(identities.c.kind, identities.c.value).where(
            identities.c.workspace_id == workspace_id, identities.c.profile_id.in_(profile_ids)
        )
    ).all()
    owners = conn.execute(
        sa.select(profiles.c.user_id).where(
            profiles.c.id.in_(profile_ids), profiles.c.user_id.is_not(None)
        )
    ).scalars()
    return Person(
        workspace_id=workspace_id,
        profile_id=profile_id,
        profile_ids=profile_ids,
        user_ids=frozenset({v for k, v in ids if k == "user"} | set(owners)),
        anonymous_ids=frozenset(v for k, v in ids if k == "anonymous"),
    )


def export_profiles(conn: Connection, who: Person) -> list[dict[str, Any]]:
    """The profile rows (the live one and those merged into it)."""
    rows = conn.execute(sa.select(profiles).where(profiles.c.id.in_(who.profile_ids)))
    return [dict(r) for r in rows.mappings()]


def erase_profiles(conn: Connection, who: Person) -> int:
    """Delete the profile rows (identities go with them)."""
    return int(conn.execute(profiles.delete().where(profiles.c.id.in_(who.profile_ids))).rowcount)


def export_identities(conn: Connection, who: Person) -> list[dict[str, Any]]:
    """The ids the person is known by."""
    rows = conn.execute(sa.select(identities).where(identities.c.profile_id.in_(who.profile_ids)))
    return [dict(r) for r in rows.mappings()]


def erase_identities(conn: Connection, who: Person) -> int:
    """Delete the identity links."""
    query = identities.delete().where(identities.c.profile_id.in_(who.profile_ids))
    return int(conn.execute(query).rowcount)


def set_consent(
    conn: Connection,
    profile_id: str,
    categories: dict[str, bool],
    source: str,
    at: datetime,
) -> dict[str, Any]:
    """Record consent choices on a profile (latest by time wins, as for events)."""
    state = (
        conn.execute(sa.select(profiles.c.state).where(profiles.c.id == profile_id)).scalar_one()
        or {}
    )
    consent = state.setdefault("consent", {})
    for category, granted in categories.items():
        consent[category] = [granted, to_ms(at), source]
    conn.execute(profiles.update().where(profiles.c.id == profile_id).values(state=state))
    return dict(consent)


register_personal_data("identities", export_identities, erase_identities, order=1)
register_personal_data("profiles", export_profiles, erase_profiles, order=2)
