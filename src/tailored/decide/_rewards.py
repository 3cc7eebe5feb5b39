"""Rewards of decisions: ``POST /v1/decisions/{id}/reward``, learned by bandit policies.

A reward is a number in [-1, 1] for one logged decision, accepted until the workspace's
deadline (48 hours by default) and once per decision unless configured otherwise. It is
stored, and when the decision was a bandit's, the experience's policy learns it in the same
transaction and its new state is stored with it, so what was learned survives a restart.
A bandit decision credited with a conversion is rewarded 1 as the conversion is ingested, and
one still without a reward at the deadline gets the workspace's default (the worker's job).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored import storage
from tailored.core import Conflict, NotFound, ValidationError, utcnow

from ._bandit import bandit_hook
from ._compiled import CompiledConfig, compiled_config
from ._model import BanditSettings
from ._tables import decisions, rewards

log = logging.getLogger("tailored.decide")


@dataclass(frozen=True)
class Reward:
    """A stored reward, and what learned from it."""

    decision_id: str
    value: float
    experience: str | None
    variant: str | None
    learned: bool
    """Whether a bandit policy learned the reward."""
    policy_version: int | None

    def to_json(self) -> dict[str, object]:
        """The answer of the rewards endpoint."""
        return {
            "decision_id": self.decision_id,
            "value": self.value,
            "experience": self.experience,
            "variant": self.variant,
            "learned": self.learned,
            "policy_version": self.policy_version,
        }


def reward_decision(
    engine: Engine,
    workspace_id: int,
    decision_id: str,
    value: float,
    *,
    now: datetime | None = None,
) -> Reward:
    """Store a reward for a decision and let its bandit learn it.

    Raises:
        ValidationError: the value is outside [-1, 1], the deadline passed, or the policy
            refuses the value (a Bernoulli policy takes rewards in [0, 1]).
        NotFound: the workspace logged no such decision.
        Conflict: the decision was rewarded already (and rewards are once per decision).
    """
    if not -1.0 <= value <= 1.0:
        raise ValidationError(
            f"a reward is between -1 and 1, not {value}",
            [{"loc": "value", "message": "in [-1, 1]"}],
        )
    now = now or utcnow()
    with storage.write_transaction(engine) as conn:
        row = (
            conn.execute(
                sa.select(decisions).where(
                    decisions.c.id == decision_id, decisions.c.workspace_id == workspace_id
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no logged decision {decision_id!r} in this workspace")
        config = compiled_config(conn, workspace_id)
        rules = config.settings.rewards
        deadline = row["decided_at"] + timedelta(hours=rules.deadline_hours)
        if now > deadline:
            raise ValidationError(
                f"decision {decision_id} was made at {row['decided_at'].isoformat()}; rewards "
                f"are taken for {rules.deadline_hours:g} hours after a decision",
                [{"loc": "decision_id", "message": "past the reward deadline"}],
            )
        if rules.once and not unrewarded(conn, [decision_id]):
            raise Conflict(f"decision {decision_id} has a reward already; each takes one")
        version = record_reward(conn, workspace_id, row, value, "api", now, config)
        experience = row["experience"]
    return Reward(decision_id, value, experience, row["variant"], version is not None, version)


def record_reward(
    conn: Connection,
    workspace_id: int,
    decision: Any,
    value: float,
    source: str,
    now: datetime,
    config: CompiledConfig,
) -> int | None:
    """Store a reward of ``decision`` (a ``decisions`` row) and, for a bandit's, have the
    policy learn it; returns the policy's new version (None when nothing learned)."""
    conn.execute(
        rewards.insert().values(
            decision_id=decision["id"],
            workspace_id=workspace_id,
            profile_id=decision["profile_id"],
            value=value,
            source=source,
            received_at=now,
        )
    )
    experience, variant = decision["experience"], decision["variant"]
    if decision["reason"] != "bandit" or experience is None or variant is None:
        return None
    stored = config.snapshot.of("experience").get(experience)
    if stored is None or stored.allocation != "bandit":
        return None  # the experience changed since: nothing to teach
    context = decision["context"] or {}
    features = context.get("features") if isinstance(context, dict) else None
    return bandit_hook().learn(
        conn, workspace_id, experience, stored.bandit or BanditSettings(), variant, features,
        value,
    )  # fmt: skip


def unrewarded(conn: Connection, decision_ids: list[str]) -> list[str]:
    """Those of ``decision_ids`` that have no reward yet."""
    if not decision_ids:
        return []
    done = set(
        conn.execute(
            sa.select(rewards.c.decision_id).where(rewards.c.decision_id.in_(decision_ids))
        ).scalars()
    )
    return [d for d in decision_ids if d not in done]


def reward_conversions(
    conn: Connection, workspace_id: int, converted: Mapping[str, datetime], now: datetime
) -> int:
    """Reward 1 to the bandit decisions that a conversion was just credited to (``converted``:
    decision id to when the conversion happened) and that have no reward yet (inside the
    ingest transaction). A conversion counts when it happened before the decision's deadline,
    however late its event arrives (a phone that was offline, a batch import)."""
    config = compiled_config(conn, workspace_id)
    if not config.settings.rewards.from_conversions or not converted:
        return 0
    rows = (
        conn.execute(
            sa.select(decisions).where(
                decisions.c.id.in_(list(converted)), decisions.c.reason == "bandit"
            )
        )
        .mappings()
        .all()
    )
    deadline = timedelta(hours=config.settings.rewards.deadline_hours)
    fresh = set(unrewarded(conn, [r["id"] for r in rows]))
    count = 0
    for row in rows:
        if row["id"] in fresh and converted[row["id"]] - row["decided_at"] <= deadline:
            record_reward(conn, workspace_id, row, 1.0, "conversion", now, config)
            count += 1
    return count


#: The worker job that gives unrewarded bandit decisions their default reward.
DEFAULTS_JOB = "decide.default_rewards"
#: Decisions are looked for this long after their deadline, then left alone.
_LOOK_BACK = timedelta(days=7)


def default_rewards(engine: Engine, now: datetime | None = None) -> int:
    """Give every bandit decision past its deadline without a reward the default reward;
    returns how many were given."""
    now = now or utcnow()
    with engine.connect() as conn:
        spaces = [w.id for w in storage.list_workspaces(conn)]
    given = 0
    for workspace_id in spaces:
        with storage.write_transaction(engine) as conn:
            config = compiled_config(conn, workspace_id)
            rules = config.settings.rewards
            if rules.default is None:
                continue
            due = now - timedelta(hours=rules.deadline_hours)
            rows = (
                conn.execute(
                    sa.select(decisions).where(
                        decisions.c.workspace_id == workspace_id,
                        # Every bandit decision has one; it lets the experience index serve.
                        decisions.c.experience.is_not(None),
                        decisions.c.reason == "bandit",
                        decisions.c.decided_at < due,
                        decisions.c.decided_at >= due - _LOOK_BACK,
                        ~sa.exists().where(rewards.c.decision_id == decisions.c.id),
                    )
                )
                .mappings()
                .all()
            )
            for row in rows:
                record_reward(conn, workspace_id, row, rules.default, "default", now, config)
            given += len(rows)
    return given


def _defaults_job(engine: Engine, job: storage.Job) -> None:
    del job
    given = default_rewards(engine)
    if given:
        log.info("gave %d bandit decisions their default reward", given)


def install_rewards() -> None:
    """Have the worker give default rewards every 10 minutes."""
    storage.register_job(DEFAULTS_JOB, _defaults_job)
    storage.register_periodic(DEFAULTS_JOB, every_seconds=600)
