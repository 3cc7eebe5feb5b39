"""Logs in the Open Bandit Dataset's shape, and the Bernoulli Thompson comparison on them.

The Open Bandit Dataset (Saito et al., NeurIPS 2021) logs three recommendation slots per
impression of the ZOZOTOWN shop under a uniform random policy and under the production
Bernoulli Thompson sampling policy, whose Beta priors ship as ``prior_bts.yaml``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tailored.core import ValidationError

from ._arms import FloatArray
from ._config import BernoulliThompsonConfig
from ._estimators import Estimate, OffPolicyConfig, evaluate, logged_value
from ._logged import LoggedFeedback
from ._thompson import BernoulliThompson

OBD_CAMPAIGNS = ("all", "men", "women")
"""The campaigns of the Open Bandit Dataset."""

_REQUIRED = ("item_id", "position", "click", "propensity_score")
_AFFINITY = "user-item_affinity_"


def load_obd(path: str | Path, *, n_arms: int | None = None) -> LoggedFeedback:
    """Read one log file in the Open Bandit Dataset's CSV shape.

    Columns used: ``item_id`` (the action), ``position`` (its slot, ranked densely from 0),
    ``click`` (the reward), ``propensity_score`` and the numeric ``user-item_affinity_<k>``
    columns (the contexts). The hashed ``user_feature_<k>`` columns and the timestamp are
    not read.

    Args:
        path: The CSV file.
        n_arms: Number of items; by default the row count of ``item_context.csv`` beside the
            file, or else one more than the largest ``item_id``.

    Raises:
        ValidationError: A required column is missing or a value does not parse.
    """
    path = Path(path)
    with path.open(newline="") as f:
        header = next(csv.reader(f), [])
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise ValidationError(f"{path.name} lacks the columns {missing}")
    affinity = [i for i, c in enumerate(header) if c.startswith(_AFFINITY)]
    cols = [header.index(c) for c in _REQUIRED] + affinity
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=cols, ndmin=2)
    except ValueError as exc:
        raise ValidationError(f"{path.name} does not parse: {exc}") from exc
    items = data[:, 0].astype(np.int64)
    n_arms = n_arms or _count_items(path.parent / "item_context.csv") or int(items.max()) + 1
    _, positions = np.unique(data[:, 1], return_inverse=True)
    return LoggedFeedback(
        arms=tuple(str(i) for i in range(n_arms)),
        actions=items,
        rewards=data[:, 2],
        propensities=data[:, 3],
        contexts=data[:, 4:] if affinity else None,
        positions=positions.astype(np.int64),
    )


def _count_items(path: Path) -> int | None:
    if not path.exists():
        return None
    with path.open(newline="") as f:
        return max(sum(1 for _ in csv.reader(f)) - 1, 0) or None


def read_bts_priors(path: str | Path) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Read ``prior_bts.yaml``: per campaign, the Beta ``alpha`` and ``beta`` of every item.

    Only the file's simple shape is understood (``campaign:`` / ``  alpha:`` / ``    - 1.0``),
    which keeps a YAML library out of the dependencies.
    """
    priors: dict[str, dict[str, list[float]]] = {}
    campaign = key = None
    for number, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0 and stripped.endswith(":"):
            campaign, key = stripped[:-1], None
            priors[campaign] = {}
        elif campaign is not None and stripped in ("alpha:", "beta:"):
            key = stripped[:-1]
            priors[campaign][key] = []
        elif campaign is not None and key is not None and stripped.startswith("- "):
            try:
                priors[campaign][key].append(float(stripped[2:]))
            except ValueError as exc:
                raise ValidationError(f"line {number} of {path} is not a number") from exc
        else:
            raise ValidationError(f"line {number} of {path} is not in the prior file's shape")
    out = {}
    for name, p in priors.items():
        if set(p) != {"alpha", "beta"} or len(p["alpha"]) != len(p["beta"]):
            raise ValidationError(f"campaign {name!r} needs alpha and beta of equal length")
        out[name] = (np.asarray(p["alpha"]), np.asarray(p["beta"]))
    return out


def obd_bts_ranking(
    obd_dir: str | Path, campaign: str, *, slots: int = 3, draws: int = 100_000, seed: int = 0
) -> FloatArray:
    """The production Thompson policy's probability of each item in each slot, ``(items, slots)``.

    The policy is rebuilt from ``prior_bts.yaml`` (a Beta posterior per item) and its ranking
    distribution estimated from ``draws`` Monte Carlo rankings, as the dataset's authors do.
    """
    alpha, beta = read_bts_priors(Path(obd_dir) / "prior_bts.yaml")[_campaign(campaign)]
    arms = [str(i) for i in range(alpha.shape[0])]
    config = BernoulliThompsonConfig(exploration_floor=0.0, draws=draws)
    rng = np.random.default_rng(seed)
    policy = BernoulliThompson.from_posteriors(arms, alpha, beta, config, rng=rng)
    return policy.ranking_probabilities(arms, slots)


def obd_comparison(
    obd_dir: str | Path,
    *,
    campaigns: Sequence[str] = OBD_CAMPAIGNS,
    draws: int = 100_000,
    config: OffPolicyConfig | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Click rate of the production Thompson policy, estimated off-policy and observed.

    For each campaign, the uniform random logs give IPS, SNIPS, DM and DR estimates of the
    Thompson policy rebuilt from its priors (:func:`obd_bts_ranking`, evaluated at each logged
    slot); the Thompson logs give that policy's own observed click rate, and the random logs
    their own.

    Args:
        obd_dir: The dataset directory (``random/``, ``bts/``, ``prior_bts.yaml``).
        campaigns: Which of :data:`OBD_CAMPAIGNS`.
        draws: Monte Carlo rankings behind the Thompson policy's distribution.
        config: Bootstrap settings of every interval.
        seed: Seed of the Monte Carlo rankings.

    Returns:
        One dict per campaign and estimate with the keys ``campaign``, ``policy`` (``bts`` or
        ``random``), ``logs`` (whose logs), ``estimator``, ``value``, ``lower``, ``upper``,
        ``effective_sample_size``, ``rounds`` and ``clicks``.
    """
    obd_dir = Path(obd_dir)
    table: list[dict[str, Any]] = []
    for campaign in map(_campaign, campaigns):
        random = load_obd(obd_dir / "random" / campaign / f"{campaign}.csv")
        bts = load_obd(obd_dir / "bts" / campaign / f"{campaign}.csv", n_arms=random.n_arms)
        ranking = obd_bts_ranking(obd_dir, campaign, draws=draws, seed=seed)
        if ranking.shape[0] != random.n_arms or random.positions is None:
            raise ValidationError(f"campaign {campaign!r}: priors and logs disagree on items")
        target = ranking[:, np.minimum(random.positions, ranking.shape[1] - 1)].T
        estimates = evaluate(random, target, config=config)
        rows = [("bts", "random", e, random) for e in estimates.values()]
        rows.append(("bts", "bts", logged_value(bts, config=config), bts))
        rows.append(("random", "random", logged_value(random, config=config), random))
        table.extend(_row(campaign, *row) for row in rows)
    return table


def _row(
    campaign: str, policy: str, logs: str, estimate: Estimate, data: LoggedFeedback
) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "policy": policy,
        "logs": logs,
        **estimate.as_dict(),
        "clicks": int(data.rewards.sum()),
    }


def _campaign(name: str) -> str:
    if name not in OBD_CAMPAIGNS:
        raise ValidationError(f"unknown campaign {name!r}; choose from {list(OBD_CAMPAIGNS)}")
    return name
