"""What the decide stage holds about a person: decisions, credited conversions, rewards."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Person, register_personal_data

from ._tables import attributions, decisions, rewards


def _export(conn: Connection, who: Person) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            decisions.c.id.label("decision_id"),
            decisions.c.placement,
            decisions.c.flag,
            decisions.c.experience,
            decisions.c.experiment,
            decisions.c.variant,
            decisions.c.reason,
            decisions.c.propensity,
            decisions.c.decided_at,
        )
        .where(decisions.c.profile_id.in_(who.profile_ids))
        .order_by(decisions.c.decided_at, decisions.c.id)
    )
    out = [dict(row) for row in rows.mappings()]
    credited = conn.execute(
        sa.select(
            attributions.c.decision_id,
            attributions.c.event,
            attributions.c.value,
            attributions.c.method,
            attributions.c.occurred_at,
        )
        .where(attributions.c.profile_id.in_(who.profile_ids))
        .order_by(attributions.c.occurred_at, attributions.c.id)
    )
    out += [{"attribution": dict(row)} for row in credited.mappings()]
    given = conn.execute(
        sa.select(rewards.c.decision_id, rewards.c.value, rewards.c.source, rewards.c.received_at)
        .where(rewards.c.profile_id.in_(who.profile_ids))
        .order_by(rewards.c.received_at, rewards.c.id)
    )
    out += [{"reward": dict(row)} for row in given.mappings()]
    return out


def _erase(conn: Connection, who: Person) -> int:
    count = 0
    for table in (attributions, rewards, decisions):
        count += conn.execute(
            table.delete().where(table.c.profile_id.in_(who.profile_ids))
        ).rowcount
    return count


def install_privacy() -> None:
    """Register the decision log with the privacy registry."""
    register_personal_data("decisions", _export, _erase)
