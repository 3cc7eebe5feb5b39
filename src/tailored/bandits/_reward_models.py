"""Reward models for the direct method and doubly robust estimation."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from tailored.core import ValidationError

from ._arms import FloatArray, IntArray
from ._logged import LoggedFeedback


@runtime_checkable
class RewardModel(Protocol):
    """Predicts the expected reward of every arm for every logged row."""

    def fit(self, logged: LoggedFeedback, weights: FloatArray | None = None) -> None:
        """Learn from the logged rows, each counted ``weights[i]`` times (default once),
        replacing what was learned before."""
        ...

    def predict(self, logged: LoggedFeedback) -> FloatArray:
        """Expected reward of each arm on each row, shape ``(n, n_arms)``."""
        ...


class ArmMeanModel:
    """Mean reward per arm (per arm and position when positions are logged), shrunk.

    Each cell's mean is pulled towards the overall mean (of its position) by ``prior_weight``
    pseudo-observations, so that arms seen a few times do not predict 0 or 1.

    Args:
        prior_weight: Pseudo-observations of the overall mean added to every cell.
    """

    def __init__(self, prior_weight: float = 10.0) -> None:
        if not prior_weight >= 0.0:
            raise ValidationError("prior_weight must be 0 or more", [{"loc": ["prior_weight"]}])
        self.prior_weight = prior_weight
        self._table: FloatArray | None = None

    def fit(self, logged: LoggedFeedback, weights: FloatArray | None = None) -> None:
        """Learn the shrunk mean of every (arm, position) cell."""
        k = logged.n_arms
        pos = _positions(logged)
        slots = int(pos.max()) + 1
        cell = logged.actions * slots + pos
        w = np.ones(len(logged)) if weights is None else weights
        n = np.bincount(cell, weights=w, minlength=k * slots).reshape(k, slots)
        r = w * logged.rewards
        total = np.bincount(cell, weights=r, minlength=k * slots).reshape(k, slots)
        prior = total.sum(axis=0) / np.maximum(n.sum(axis=0), 1)
        self._table = (total + self.prior_weight * prior) / np.maximum(n + self.prior_weight, 1e-12)

    def predict(self, logged: LoggedFeedback) -> FloatArray:
        """The fitted cell means for every arm on every row."""
        if self._table is None:
            raise ValidationError("fit the model before predicting")
        pos = np.minimum(_positions(logged), self._table.shape[1] - 1)
        out: FloatArray = self._table.T[pos]
        return out


class RidgeModel:
    """One ridge regression per arm on the contexts (plus an intercept and position dummies).

    Rewards are centred on their overall mean first, so an arm without data predicts it.

    Args:
        alpha: Ridge penalty.
    """

    def __init__(self, alpha: float = 1.0) -> None:
        if not alpha > 0.0:
            raise ValidationError("alpha must be positive", [{"loc": ["alpha"]}])
        self.alpha = alpha
        self._coef: FloatArray | None = None
        self._mean = 0.0
        self._slots = 1

    def fit(self, logged: LoggedFeedback, weights: FloatArray | None = None) -> None:
        """Solve ``(Z'WZ + alpha I) c = Z'W(r - mean)`` for each arm (``W``: the weights)."""
        self._slots = int(_positions(logged).max()) + 1
        z = self._design(logged)
        w = np.ones(len(logged)) if weights is None else weights
        self._mean = float(np.sum(w * logged.rewards) / max(float(w.sum()), 1e-12))
        centred = w * (logged.rewards - self._mean)
        eye = self.alpha * np.eye(z.shape[1])
        coef = np.zeros((logged.n_arms, z.shape[1]))
        for a in np.unique(logged.actions[w > 0]):
            mask = logged.actions == a
            za = z[mask]
            gram = za.T @ (w[mask, None] * za)
            coef[a] = np.linalg.solve(gram + eye, za.T @ centred[mask])
        self._coef = coef

    def predict(self, logged: LoggedFeedback) -> FloatArray:
        """Predicted reward of every arm on every row."""
        if self._coef is None:
            raise ValidationError("fit the model before predicting")
        out: FloatArray = self._design(logged) @ self._coef.T + self._mean
        return out

    def _design(self, logged: LoggedFeedback) -> FloatArray:
        n = len(logged)
        parts = [np.ones((n, 1))]
        if logged.contexts is not None:
            parts.append(logged.contexts)
        if self._slots > 1:
            pos = np.minimum(_positions(logged), self._slots - 1)
            parts.append(np.eye(self._slots)[pos][:, 1:])
        return np.hstack(parts)


def _positions(logged: LoggedFeedback) -> IntArray:
    if logged.positions is None:
        return np.zeros(len(logged), dtype=np.int64)
    return logged.positions
