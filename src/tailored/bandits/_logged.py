"""Logged bandit feedback: what was shown, with which probability, and what it earned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tailored.core import ValidationError

from ._arms import FloatArray, IntArray
from ._policy import ExplicitPolicy


@dataclass(frozen=True, eq=False)
class LoggedFeedback:
    """Decisions logged by a policy, one row per decision.

    Args:
        arms: Names of the arms; ``actions`` index into them.
        actions: Index of the arm shown, shape ``(n,)``.
        rewards: Reward observed, shape ``(n,)``.
        propensities: Probability the logging policy gave the arm shown, in (0, 1].
        contexts: Optional numeric context features, shape ``(n, d)``.
        positions: Optional slot of the decision in a slate (0-based), shape ``(n,)``.

    Raises:
        ValidationError: Shapes disagree, an action is out of range, a propensity is not in
            (0, 1] or a number is not finite.
    """

    arms: tuple[str, ...]
    actions: IntArray
    rewards: FloatArray
    propensities: FloatArray
    contexts: FloatArray | None = None
    positions: IntArray | None = None

    def __post_init__(self) -> None:
        n = _vector(self, "actions", np.int64).shape[0]
        _vector(self, "rewards", np.float64, n)
        p = np.asarray(_vector(self, "propensities", np.float64, n), dtype=np.float64)
        object.__setattr__(self, "arms", tuple(str(a) for a in self.arms))
        if n == 0 or not self.arms:
            raise ValidationError("logged feedback needs at least one row and one arm")
        if self.actions.min() < 0 or self.actions.max() >= len(self.arms):
            raise ValidationError("an action is outside the arms", [{"loc": ["actions"]}])
        if not np.all((p > 0.0) & (p <= 1.0)):
            raise ValidationError("propensities must lie in (0, 1]", [{"loc": ["propensities"]}])
        if self.contexts is not None:
            x = np.asarray(self.contexts, dtype=np.float64)
            if x.ndim != 2 or x.shape[0] != n or not np.all(np.isfinite(x)):
                raise ValidationError(
                    "contexts must be finite, shape (n, d)", [{"loc": ["contexts"]}]
                )
            object.__setattr__(self, "contexts", x)
        if self.positions is not None:
            pos = _vector(self, "positions", np.int64, n)
            if pos.min() < 0:
                raise ValidationError("positions must be 0 or more", [{"loc": ["positions"]}])

    def __len__(self) -> int:
        return int(self.actions.shape[0])

    @property
    def n_arms(self) -> int:
        """Number of arms."""
        return len(self.arms)

    def take(self, index: IntArray) -> LoggedFeedback:
        """The rows at ``index`` (repeats allowed: a bootstrap resample)."""
        return LoggedFeedback(
            arms=self.arms,
            actions=self.actions[index],
            rewards=self.rewards[index],
            propensities=self.propensities[index],
            contexts=None if self.contexts is None else self.contexts[index],
            positions=None if self.positions is None else self.positions[index],
        )


def _vector(
    logged: LoggedFeedback, name: str, dtype: type[np.generic], n: int | None = None
) -> npt.NDArray[np.generic]:
    try:
        value = np.asarray(getattr(logged, name), dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} must be numeric", [{"loc": [name]}]) from exc
    if value.ndim != 1 or (n is not None and value.shape[0] != n):
        raise ValidationError(f"{name} must be a vector with one entry per row", [{"loc": [name]}])
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise ValidationError(f"{name} must be finite", [{"loc": [name]}])
    object.__setattr__(logged, name, value)
    return value


def policy_distribution(policy: ExplicitPolicy, logged: LoggedFeedback) -> FloatArray:
    """The action distribution of ``policy`` on every logged row, shape ``(n, n_arms)``.

    Rows without contexts pass ``None`` as the context. The policy is only read, not updated;
    a Monte Carlo policy may consume random numbers.
    """
    arms = list(logged.arms)
    if logged.contexts is None:
        p = policy.probabilities(None, arms)
        return np.tile(p, (len(logged), 1))
    return np.stack([policy.probabilities(x, arms) for x in logged.contexts])
