"""The report of a bandit experience: how its traffic moved, what each arm earned, and what
learning cost.

Read from the decision log (``reason: bandit``) and the rewards of those decisions:

- ``arms``: per arm the decisions, their share, the rewards received and their mean with a
  Student-t interval;
- ``regret``: against the best arm in hindsight (the arm with the highest mean reward),
  ``sum over arms of decisions x (best mean - arm mean)``: what the exploration cost, in
  reward, next to what a uniform split of the same decisions would have cost;
- ``timeline``: per day the decisions, each arm's share and mean propensity (the policy's
  probability), and the cumulative regret, for plots.

The means are estimates from the rewards received: with few rewards, the best arm in
hindsight may not be the best arm, and the regret is an estimate too.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from scipy import stats as scipy_stats
from sqlalchemy.engine import Engine

from tailored.core import NotFound, ValidationError, utcnow

from ._bandit import stored_version
from ._model import Experience
from ._results import clean
from ._results_data import epoch_ms
from ._store import load_snapshot
from ._tables import decisions, rewards

_DAY_MS = 86_400_000


def bandit_results(
    engine: Engine,
    workspace_id: int,
    key: str,
    *,
    now: datetime | None = None,
    alpha: float = 0.05,
    days: int = 30,
) -> dict[str, Any]:
    """The report of bandit experience ``key``: arms, regret and a daily timeline.

    Args:
        alpha: The intervals are ``1 - alpha``.
        days: How many of the latest days the timeline covers.

    Raises:
        NotFound: no such experience.
        ValidationError: the experience is not a bandit.
    """
    now = now or utcnow()
    with engine.connect() as conn:
        snap = load_snapshot(conn, workspace_id)
        experience: Experience | None = snap.of("experience").get(key)
        if experience is None:
            raise NotFound(f"no experience {key!r} in this workspace")
        if experience.allocation != "bandit" or experience.bandit is None:
            raise ValidationError(
                f"experience {key!r} has allocation {experience.allocation!r}, not 'bandit'",
                [{"loc": "key", "message": "the key of a bandit experience"}],
            )
        version = stored_version(conn, workspace_id, key)
        chosen, earned = _read(conn, workspace_id, key, now)
    arms = [v.key for v in experience.variants]
    arms += sorted({arm for arm, _ in chosen} - set(arms))  # arms since removed
    table = _arms(arms, chosen, earned, alpha)
    means = {row["arm"]: row["mean_reward"] for row in table if row["mean_reward"] is not None}
    best = max(means, key=lambda arm: means[arm]) if means else None
    total = sum(row["decisions"] for row in table)
    regret = None
    if best is not None:
        lost = {arm: means[best] - mean for arm, mean in means.items()}
        estimated = sum(row["decisions"] * lost[row["arm"]] for row in table if row["arm"] in lost)
        uniform = total * sum(lost.values()) / len(lost)
        regret = {
            "best_arm": best,
            "estimated": estimated,
            "per_decision": estimated / total if total else None,
            "uniform": uniform,
            "saved_vs_uniform": uniform - estimated,
        }
    found = {
        "experience": key,
        "policy": experience.bandit.policy,
        "policy_version": version or 0,
        "computed_at": now.isoformat(),
        "alpha": alpha,
        "decisions": total,
        "rewarded": sum(row["rewards"] for row in table),
        "arms": table,
        "regret": regret,
        "timeline": _timeline(arms, chosen, means, best, now, days),
    }
    return dict(clean(found))


#: Per (arm, day number since the epoch): decisions and summed propensity.
_Chosen = dict[tuple[str, int], tuple[int, float]]
#: Per arm: rewards, their sum and their sum of squares.
_Earned = dict[str, tuple[int, float, float]]


def _read(
    conn: sa.Connection, workspace_id: int, key: str, now: datetime
) -> tuple[_Chosen, _Earned]:
    where = (
        decisions.c.workspace_id == workspace_id,
        decisions.c.experience == key,
        decisions.c.reason == "bandit",
        decisions.c.decided_at <= now,
    )
    day = sa.func.floor(epoch_ms(conn.dialect.name, decisions.c.decided_at) / _DAY_MS)
    chosen: _Chosen = {
        (str(arm), int(d)): (int(n), float(p))
        for arm, d, n, p in conn.execute(
            sa.select(
                decisions.c.variant, day, sa.func.count(), sa.func.sum(decisions.c.propensity)
            )
            .where(*where)
            .group_by(decisions.c.variant, day)
        )
    }
    value = rewards.c.value
    earned: _Earned = {
        str(arm): (int(n), float(s), float(ss))
        for arm, n, s, ss in conn.execute(
            sa.select(decisions.c.variant, sa.func.count(), sa.func.sum(value),
                      sa.func.sum(value * value))
            .select_from(decisions.join(rewards, rewards.c.decision_id == decisions.c.id))
            .where(*where, rewards.c.received_at <= now)
            .group_by(decisions.c.variant)
        )
    }  # fmt: skip
    return chosen, earned


def _arms(arms: list[str], chosen: _Chosen, earned: _Earned, alpha: float) -> list[dict[str, Any]]:
    counts = dict.fromkeys(arms, 0)
    for (arm, _), (n, _) in chosen.items():
        counts[arm] += n
    total = sum(counts.values())
    rows = []
    for arm in arms:
        n, s, ss = earned.get(arm, (0, 0.0, 0.0))
        mean = s / n if n else None
        low = high = None
        if n >= 2 and mean is not None:
            variance = max((ss - n * mean * mean) / (n - 1), 0.0)
            half = float(scipy_stats.t.ppf(1 - alpha / 2, n - 1)) * math.sqrt(variance / n)
            low, high = mean - half, mean + half
        rows.append({
            "arm": arm,
            "decisions": counts[arm],
            "share": counts[arm] / total if total else None,
            "rewards": n,
            "mean_reward": mean,
            "ci_low": low,
            "ci_high": high,
        })  # fmt: skip
    return rows


def _timeline(
    arms: list[str],
    chosen: _Chosen,
    means: dict[str, float],
    best: str | None,
    now: datetime,
    days: int,
) -> list[dict[str, Any]]:
    """Per day with decisions, the allocation, the mean propensities and the cumulative
    regret (with the hindsight means), over the latest ``days`` days."""
    if not chosen:
        return []
    first_day = min(d for _, d in chosen)
    today = int(now.timestamp() * 1000) // _DAY_MS
    points = []
    cumulative = 0.0
    for d in range(first_day, today + 1):
        counts = {arm: chosen.get((arm, d), (0, 0.0)) for arm in arms}
        total = sum(n for n, _ in counts.values())
        if best is not None:
            cumulative += sum(n * (means[best] - means[arm])
                              for arm, (n, _) in counts.items() if arm in means)  # fmt: skip
        if d <= today - days or not total:
            continue
        points.append({
            "date": (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=d)).date().isoformat(),
            "decisions": total,
            "allocation": {arm: n / total for arm, (n, _) in counts.items()},
            "propensity": {arm: p / n for arm, (n, p) in counts.items() if n},
            "cumulative_regret": cumulative if best is not None else None,
        })  # fmt: skip
    return points
