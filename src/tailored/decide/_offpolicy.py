"""A bandit experience's decision log as logged feedback, for off-policy evaluation."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored import bandits
from tailored.core import NotFound, ValidationError

from ._tables import decisions, rewards


def logged_feedback(engine: Engine, workspace_id: int, experience: str) -> bandits.LoggedFeedback:
    """The rewarded decisions of one bandit experience: arm shown, its propensity, the reward
    (the latest, if several), and the numeric features for contextual policies.

    Raises:
        NotFound: the experience has no rewarded bandit decision.
    """
    latest = (
        sa.select(rewards.c.decision_id, sa.func.max(rewards.c.id).label("id"))
        .group_by(rewards.c.decision_id)
        .subquery()
    )
    query = (
        sa.select(decisions.c.variant, decisions.c.propensity, decisions.c.context, rewards.c.value)
        .join(latest, latest.c.decision_id == decisions.c.id)
        .join(rewards, rewards.c.id == latest.c.id)
        .where(
            decisions.c.workspace_id == workspace_id,
            decisions.c.experience == experience,
            decisions.c.reason == "bandit",
        )
        .order_by(decisions.c.decided_at, decisions.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    if not rows:
        raise NotFound(
            f"experience {experience!r} has no rewarded bandit decisions in this workspace"
        )
    arms = tuple(sorted({str(r.variant) for r in rows}))
    index = {arm: n for n, arm in enumerate(arms)}
    features = [(r.context or {}).get("features") for r in rows]
    contexts = None
    if all(isinstance(f, list) and f for f in features):
        widths = {len(f) for f in features if isinstance(f, list)}
        if len(widths) != 1:
            raise ValidationError(f"experience {experience!r} logged features of several sizes")
        contexts = np.array(features, dtype=np.float64)
    return bandits.LoggedFeedback(
        arms=arms,
        actions=np.array([index[str(r.variant)] for r in rows], dtype=np.int64),
        rewards=np.array([r.value for r in rows], dtype=np.float64),
        propensities=np.array([r.propensity for r in rows], dtype=np.float64),
        contexts=contexts,
    )
