"""What the decide stage holds about a person: decisions, first exposures to experiments,
credited conversions, rewards."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Person, register_personal_data

from ._exposures import from_ms
from ._tables import attributions, decisions, first_exposures, rewards


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
    firsts = conn.execute(
        sa.select(
            first_exposures.c.experiment,
            first_exposures.c.variant,
            first_exposures.c.first_ms,
            first_exposures.c.other_ms,
        )
        .where(
            first_exposures.c.workspace_id == who.workspace_id,
            first_exposures.c.profile_id.in_(who.profile_ids),
        )
        .order_by(first_exposures.c.first_ms, first_exposures.c.experiment)
    )
    out += [
        {"first_exposure": {
            "experiment": experiment,
            "variant": variant,
            "exposed_at": from_ms(first_ms),
            "other_variant_exposed_at": None if other_ms is None else from_ms(other_ms),
        }}
        for experiment, variant, first_ms, other_ms in firsts
    ]  # fmt: skip
    return out


def _erase(conn: Connection, who: Person) -> int:
    count = 0
    for table in (attributions, rewards, decisions):
        count += conn.execute(
            table.delete().where(table.c.profile_id.in_(who.profile_ids))
        ).rowcount
    # By workspace too: the key of first_exposures starts with it.
    count += conn.execute(
        first_exposures.delete().where(
            first_exposures.c.workspace_id == who.workspace_id,
            first_exposures.c.profile_id.in_(who.profile_ids),
        )
    ).rowcount
    return count


def install_privacy() -> None:
    """Register the decision log (and what is kept from it) with the privacy registry."""
    register_personal_data("decisions", _export, _erase)
