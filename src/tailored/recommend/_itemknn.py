"""Item-item k-nearest neighbours: cosine similarity over users, shrunk for rare items."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from ._interactions import Interactions

_BLOCK = 1024


class ItemKNNConfig(BaseModel):
    """Settings of :class:`ItemKNN`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    neighbors: int = Field(50, ge=1)
    """How many most similar items each item keeps; an item is scored from its neighbours
    among the user's items."""
    shrinkage: float = Field(10.0, ge=0)
    """Added to the cosine's denominator, so that pairs seen by few users count less."""


def neighbour_matrix(x: sp.csr_matrix, neighbors: int, shrinkage: float) -> sp.csr_matrix:
    """Row ``j`` holds the ``neighbors`` items most similar to item ``j`` (cosine, shrunk).

    Args:
        x: The users x items matrix.
        neighbors: How many similarities each row keeps.
        shrinkage: Added to ``|x_i| |x_j|`` in the cosine's denominator.
    """
    xt = x.T.tocsr().astype(np.float32)
    norms = np.sqrt(np.asarray(xt.multiply(xt).sum(axis=1), dtype=np.float32).ravel())
    n = xt.shape[0]
    keep = min(neighbors, max(n - 1, 1))
    rows, cols, vals = [], [], []
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        dots = (xt[start:stop] @ xt.T).toarray()
        sims = dots / (np.outer(norms[start:stop], norms) + shrinkage + 1e-12)
        sims[np.arange(stop - start), np.arange(start, stop)] = 0.0
        top = np.argpartition(-sims, keep - 1, axis=1)[:, :keep]
        top_vals = np.take_along_axis(sims, top, axis=1)
        rows.append(np.repeat(np.arange(start, stop), keep))
        cols.append(top.ravel())
        vals.append(top_vals.ravel())
    data = np.concatenate(vals).astype(np.float32)
    nonzero = data > 0
    return sp.csr_matrix(
        (data[nonzero], (np.concatenate(rows)[nonzero], np.concatenate(cols)[nonzero])),
        shape=(n, n),
        dtype=np.float32,
    )


class ItemKNN(ScoringModel):
    """Item-based collaborative filtering (Sarwar et al. 2001; Deshpande and Karypis 2004).

    An item's score for a user is the sum of its similarities to the user's items that are
    among its ``neighbors`` nearest. Fold-in is exact: a new history is scored the same way.
    """

    def __init__(self, config: ItemKNNConfig | None = None) -> None:
        self.config = config or ItemKNNConfig()

    def _fit(self, data: Interactions) -> None:
        self._neighbours = neighbour_matrix(
            data.matrix, self.config.neighbors, self.config.shrinkage
        )
        # column j of the transpose is item j's neighbourhood: a history row times it scores j
        self._weights = self._neighbours.T.tocsr()

    def _user_scores(self, users: Columns) -> Scores:
        rows = self.data.matrix[users]
        return np.asarray((rows @ self._weights).toarray(), dtype=np.float32)

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        if not len(cols):
            return np.zeros(len(self.item_ids), dtype=np.float32)
        block = self._weights[cols]
        return np.asarray(block.T @ strengths, dtype=np.float32).ravel()

    def _item_scores(self, col: int) -> Scores:
        return np.asarray(self._neighbours[col].toarray(), dtype=np.float32).ravel()
