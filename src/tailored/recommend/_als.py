"""Implicit-feedback matrix factorization by alternating least squares (the ``implicit`` library).

Hu, Koren and Volinsky, "Collaborative Filtering for Implicit Feedback Datasets" (2008): a
user-item strength ``r`` becomes a preference 1 held with confidence ``alpha * r``; missing
pairs are preferences 0 held with confidence 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from ._interactions import Interactions


class ALSConfig(BaseModel):
    """Settings of :class:`ALS`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    factors: int = Field(128, ge=1)
    """Length of the user and item vectors."""
    regularization: float = Field(1.0, ge=0)
    """L2 penalty on the factors."""
    alpha: float = Field(3.0, gt=0)
    """Confidence per unit of strength: a pair with strength ``r`` weighs ``alpha * r``."""
    iterations: int = Field(15, ge=1)
    """Alternating sweeps over users and items."""
    threads: int = Field(1, ge=0)
    """Threads for training (0: one per core). BLAS is held to one thread meanwhile, so the
    two never oversubscribe the machine."""
    seed: int = 42
    """Seed of the random initial factors: the same seed and data give the same model."""


class ALS(ScoringModel):
    """Weighted matrix factorization for implicit feedback, trained on the CPU.

    New interactions are folded in without retraining: the user's vector is solved again by
    least squares against the trained item factors.
    """

    def __init__(self, config: ALSConfig | None = None) -> None:
        self.config = config or ALSConfig()

    def _fit(self, data: Interactions) -> None:
        # implicit is imported when training: loading it slows every command down.
        from implicit.cpu.als import AlternatingLeastSquares

        c = self.config
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=c.factors,
                regularization=c.regularization,
                alpha=c.alpha,
                iterations=c.iterations,
                num_threads=c.threads,
                random_state=c.seed,
            )
            # implicit >= 0.5 takes the users x items matrix (rows are users) in fit()
            model.fit(data.matrix, show_progress=False)
        self.user_factors: Scores = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors: Scores = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        y = self.item_factors.astype(np.float64)
        self._gram = y.T @ y + c.regularization * np.eye(c.factors)
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        self._unit_items = self.item_factors / np.maximum(norms, 1e-12)

    def fold_in(self, cols: Columns, strengths: Scores) -> Scores:
        """The user vector that least squares gives for a history, item factors held fixed.

        The same solution as ``implicit``'s ``recalculate_user``, computed here with numpy so
        that one call costs a small linear solve.
        """
        if not len(cols):
            return np.zeros(self.config.factors, dtype=np.float32)
        y = self.item_factors[cols].astype(np.float64)
        confidence = self.config.alpha * strengths.astype(np.float64)
        a = self._gram + (y.T * (confidence - 1.0)) @ y
        b = y.T @ confidence
        return np.linalg.solve(a, b).astype(np.float32)

    def _user_scores(self, users: Columns) -> Scores:
        return self.user_factors[users] @ self.item_factors.T

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        return np.asarray(self.item_factors @ self.fold_in(cols, strengths), dtype=np.float32)

    def _item_scores(self, col: int) -> Scores:
        return np.asarray(self._unit_items @ self._unit_items[col], dtype=np.float32)
