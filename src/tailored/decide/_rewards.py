"""Rewards of decisions: ``POST /v1/decisions/{id}/reward``, learned by bandit policies.

A reward is a number in [-1, 1] for one logged decision, accepted until the workspace's
deadline (48 hours by default) and once per decision unless configured otherwise. It is
stored, and when the decision was a bandit's, the experience's policy learns it in the same
transaction and its new state is stored with it, so what was learned survives a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored import storage
from tailored.core import Conflict, NotFound, ValidationError, utcnow

from ._bandit import bandit_hook
from ._compiled import compiled_config
from ._model import BanditSettings
from ._tables import decisions, rewards


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
        if (
            rules.once
            and conn.execute(
                sa.select(rewards.c.id).where(rewards.c.decision_id == decision_id).limit(1)
            ).first()
        ):
            raise Conflict(f"decision {decision_id} has a reward already; each takes one")
        conn.execute(
            rewards.insert().values(
                decision_id=decision_id,
                workspace_id=workspace_id,
                profile_id=row["profile_id"],
                value=value,
                source="api",
                received_at=now,
            )
        )
        version = None
        experience = row["experience"]
        if row["reason"] == "bandit" and experience is not None and row["variant"] is not None:
            stored = config.snapshot.of("experience").get(experience)
            if stored is not None and stored.allocation == "bandit":
                context = row["context"] or {}
                features = context.get("features") if isinstance(context, dict) else None
                version = bandit_hook().learn(
                    conn, workspace_id, experience, stored.bandit or BanditSettings(),
                    row["variant"], features, value,
                )  # fmt: skip
    return Reward(decision_id, value, experience, row["variant"], version is not None, version)
