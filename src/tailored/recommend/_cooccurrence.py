"""Frequently bought together: association rules ``i -> j`` counted over baskets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from ._interactions import Interactions


class FrequentlyBoughtTogetherConfig(BaseModel):
    """Settings of :class:`FrequentlyBoughtTogether`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    score: Literal["confidence", "lift", "count"] = "confidence"
    """Strength of a rule ``i -> j``: confidence ``P(j | i) = n_ij / n_i``, lift
    ``P(j | i) / P(j)``, or the raw co-purchase count ``n_ij``."""
    aggregate: Literal["max", "sum"] = "max"
    """How a basket's rules for a candidate combine: the strongest one, or their sum."""
    min_count: int = Field(1, ge=1)
    """Ignore pairs bought together in fewer baskets than this."""
    shrinkage: float = Field(5.0, ge=0)
    """Added to ``n_i`` in the confidence's denominator, so a rule from an item bought once
    does not reach confidence 1."""


class FrequentlyBoughtTogether(ScoringModel):
    """Items bought in the same baskets as the given ones.

    Fit it on interactions whose "users" are baskets (orders, invoices, sessions): each row
    is one basket. ``recommend_for_items(basket)`` ranks candidates for a basket; with the
    defaults, by the maximum confidence ``P(j | i)`` over the basket's items ``i``, which
    beats summing co-purchase counts (sums favour items that go with everything).
    """

    def __init__(self, config: FrequentlyBoughtTogetherConfig | None = None) -> None:
        self.config = config or FrequentlyBoughtTogetherConfig()

    def _fit(self, data: Interactions) -> None:
        c = self.config
        baskets = data.binary
        counts = (baskets.T @ baskets).tocsr().astype(np.float32)
        support = counts.diagonal().astype(np.float64)
        counts.setdiag(0.0)
        counts.data[counts.data < c.min_count] = 0.0
        counts.eliminate_zeros()
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        if c.score == "confidence":
            counts.data /= (support[rows] + c.shrinkage).astype(np.float32)
        elif c.score == "lift":
            n_baskets = float(baskets.shape[0])
            counts.data *= (n_baskets / (support[rows] * support[counts.indices])).astype(
                np.float32
            )
        self.rules: sp.csr_matrix = counts

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        del strengths  # a basket is a set
        if not len(cols):
            return np.zeros(len(self.item_ids), dtype=np.float32)
        block = self.rules[cols]
        combined = block.max(axis=0) if self.config.aggregate == "max" else block.sum(axis=0)
        return np.asarray(
            combined.toarray() if sp.issparse(combined) else combined, dtype=np.float32
        ).ravel()

    def _item_scores(self, col: int) -> Scores:
        return np.asarray(self.rules[col].toarray(), dtype=np.float32).ravel()
