"""Off-policy value estimators with bootstrap intervals and the effective sample size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from tailored.core import ValidationError

from ._arms import FloatArray
from ._logged import LoggedFeedback
from ._reward_models import ArmMeanModel, RewardModel

ESTIMATORS = ("ips", "snips", "dm", "dr")
"""Inverse propensity scoring, its self-normalized form, the direct method, doubly robust."""


class OffPolicyConfig(BaseModel):
    """Settings of the bootstrap behind every interval."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    n_bootstrap: int = Field(default=1000, ge=0)
    """Bootstrap resamples of the logged rows; 0 gives point estimates without intervals."""

    level: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Coverage of the percentile bootstrap interval."""

    seed: int = 0
    """Seed of the resampling, so intervals are reproducible."""


@dataclass(frozen=True)
class Estimate:
    """An estimated policy value with its bootstrap interval.

    Attributes:
        estimator: Which estimator (``ips``, ``snips``, ``dm``, ``dr`` or ``logged``).
        value: The estimate on all rows.
        lower: Lower end of the percentile bootstrap interval (None without a bootstrap).
        upper: Upper end of the interval (None without a bootstrap).
        effective_sample_size: ``(sum w)^2 / sum w^2`` of the importance weights ``w``: the
            number of on-policy rows the logged data is worth for this policy.
        rounds: Number of logged rows.
    """

    estimator: str
    value: float
    lower: float | None
    upper: float | None
    effective_sample_size: float
    rounds: int

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)


def importance_weights(logged: LoggedFeedback, target: npt.ArrayLike) -> FloatArray:
    """``pi(a_i | x_i) / p_i``: target probability of each logged action over its propensity."""
    t = _check_target(logged, target)
    out: FloatArray = t[np.arange(len(logged)), logged.actions] / logged.propensities
    return out


def effective_sample_size(weights: FloatArray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 when every weight is 0)."""
    square = float(np.sum(weights**2))
    return float(np.sum(weights)) ** 2 / square if square > 0 else 0.0


def evaluate(
    logged: LoggedFeedback,
    target: npt.ArrayLike,
    *,
    estimators: Sequence[str] = ESTIMATORS,
    model: RewardModel | None = None,
    config: OffPolicyConfig | None = None,
) -> dict[str, Estimate]:
    """Estimate the mean reward a target policy would have earned on the logged contexts.

    Args:
        logged: Decisions of the logging policy with their propensities.
        target: The target policy's probability of every arm on every row, ``(n, n_arms)``
            (see :func:`policy_distribution`).
        estimators: Any of :data:`ESTIMATORS`.
        model: Reward model for ``dm`` and ``dr`` (default :class:`ArmMeanModel`); it is
            refitted on every bootstrap resample.
        config: Bootstrap settings.

    Returns:
        One :class:`Estimate` per estimator, by name.

    Example:
        >>> import numpy as np
        >>> logged = LoggedFeedback(("a", "b"), np.array([0, 1, 0, 1]),
        ...     np.array([1.0, 0.0, 1.0, 0.0]), np.full(4, 0.5))
        >>> target = np.tile([1.0, 0.0], (4, 1))
        >>> evaluate(logged, target, estimators=["ips"])["ips"].value
        1.0
    """
    config = config or OffPolicyConfig()
    unknown = sorted(set(estimators) - set(ESTIMATORS))
    if unknown or not estimators:
        raise ValidationError(f"unknown estimators {unknown}; choose from {list(ESTIMATORS)}")
    t = _check_target(logged, target)
    model = model if model is not None else ArmMeanModel()
    names = list(dict.fromkeys(estimators))
    point = _values(logged, t, names, model, None)
    reps = _bootstrap(logged, t, names, model, config)
    ess = effective_sample_size(importance_weights(logged, t))
    return {
        name: _estimate(name, point[name], reps.get(name), config.level, ess, len(logged))
        for name in names
    }


def logged_value(logged: LoggedFeedback, *, config: OffPolicyConfig | None = None) -> Estimate:
    """The logging policy's own mean reward, with a bootstrap interval (estimator ``logged``)."""
    config = config or OffPolicyConfig()
    r = logged.rewards
    reps = None
    if config.n_bootstrap:
        rng = np.random.default_rng(config.seed)
        n = r.shape[0]
        reps = np.array([r[rng.integers(0, n, n)].mean() for _ in range(config.n_bootstrap)])
    return _estimate("logged", float(r.mean()), reps, config.level, float(len(r)), len(r))


def _check_target(logged: LoggedFeedback, target: npt.ArrayLike) -> FloatArray:
    t = np.asarray(target, dtype=np.float64)
    if t.shape != (len(logged), logged.n_arms):
        raise ValidationError(
            f"target must have shape ({len(logged)}, {logged.n_arms})", [{"loc": ["target"]}]
        )
    if not np.all(t >= 0.0) or not np.allclose(t.sum(axis=1), 1.0, atol=1e-6):
        raise ValidationError(
            "target rows must be probability distributions", [{"loc": ["target"]}]
        )
    return t


def _values(
    logged: LoggedFeedback,
    target: FloatArray,
    names: list[str],
    model: RewardModel,
    counts: FloatArray | None,
) -> dict[str, float]:
    """Every requested estimate, each row counted ``counts[i]`` times (once when None).

    A bootstrap resample is given by its counts, so no rows are copied and the reward model
    is refitted with the counts as weights.
    """
    rows = np.arange(len(logged))
    c = np.ones(len(logged)) if counts is None else counts
    w = target[rows, logged.actions] / logged.propensities
    r = logged.rewards
    total = float(c.sum())
    out: dict[str, float] = {}
    if "ips" in names:
        out["ips"] = float(np.dot(c, w * r)) / total
    if "snips" in names:
        mass = float(np.dot(c, w))
        out["snips"] = float(np.dot(c, w * r)) / mass if mass > 0 else float("nan")
    if "dm" in names or "dr" in names:
        model.fit(logged, None if counts is None else c)
        q = model.predict(logged)
        direct = np.einsum("ij,ij->i", target, q)
        out["dm"] = float(np.dot(c, direct)) / total
        out["dr"] = float(np.dot(c, direct + w * (r - q[rows, logged.actions]))) / total
    return {name: out[name] for name in names}


def _bootstrap(
    logged: LoggedFeedback,
    target: FloatArray,
    names: list[str],
    model: RewardModel,
    config: OffPolicyConfig,
) -> dict[str, FloatArray]:
    if not config.n_bootstrap:
        return {}
    rng = np.random.default_rng(config.seed)
    n = len(logged)
    reps: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(config.n_bootstrap):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        values = _values(logged, target, names, model, counts)
        for name in names:
            reps[name].append(values[name])
    return {name: np.asarray(v) for name, v in reps.items()}


def _estimate(
    name: str,
    value: float,
    reps: FloatArray | None,
    level: float,
    ess: float,
    rounds: int,
) -> Estimate:
    lower = upper = None
    if reps is not None and np.any(np.isfinite(reps)):
        tail = 100.0 * (1.0 - level) / 2.0
        lo, hi = np.nanpercentile(reps, [tail, 100.0 - tail])
        lower, upper = float(lo), float(hi)
    return Estimate(name, value, lower, upper, ess, rounds)
