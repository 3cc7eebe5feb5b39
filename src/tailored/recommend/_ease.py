"""EASE: a closed-form linear item-item model (Steck, "Embarrassingly Shallow Autoencoders
for Sparse Data", WWW 2019)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from scipy.linalg import lapack

from tailored.core import ValidationError

from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from ._interactions import Interactions


class EASEConfig(BaseModel):
    """Settings of :class:`EASE`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    l2: float = Field(300.0, gt=0)
    """L2 penalty (lambda) on the item-item weights; larger for denser data."""
    max_items: int = Field(20_000, ge=1)
    """Refuse to fit above this many items: the dense inverse costs items^2 memory and
    items^3 time (20,000 items: 3.2 GB in float64, minutes of CPU)."""


def _ease_weights(gram: npt.NDArray[np.float64]) -> Scores:
    """``B = I - P / diag(P)``, ``P`` the inverse of ``gram`` (symmetric positive definite).

    Cholesky (``potrf`` + ``potri``) inverts in about half the time of a general inverse, and
    in place, so the peak memory is about two ``n x n`` float64 matrices.
    """
    factor, info = lapack.dpotrf(gram, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        inverse, info = lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise ValidationError(f"EASE could not invert the item Gram matrix (LAPACK info {info})")
    inverse = np.triu(inverse)
    inverse += np.triu(inverse, 1).T
    diagonal = np.diag(inverse).copy()
    inverse /= -diagonal
    inverse[np.diag_indices(len(diagonal))] = 0.0
    return np.asarray(inverse, dtype=np.float32)


class EASE(ScoringModel):
    """EASE: item-item weights ``B`` that best rebuild the matrix from itself, diagonal 0.

    ``B = I - P / diag(P)`` with ``P = (X^T X + l2 I)^-1``. A user's scores are their row times
    ``B``, so folding in new interactions is one sum of rows of ``B``.
    """

    def __init__(self, config: EASEConfig | None = None) -> None:
        self.config = config or EASEConfig()

    def _fit(self, data: Interactions) -> None:
        n = len(data.items)
        if n > self.config.max_items:
            gigabytes = n * n * 8 / 1e9
            raise ValidationError(
                f"EASE needs a dense {n:,} x {n:,} inverse ({gigabytes:,.1f} GB per copy, "
                f"time growing with items^3), above max_items={self.config.max_items:,}; keep "
                "fewer items (e.g. those with enough interactions), raise EASEConfig.max_items "
                "if the machine can take it, or use ItemKNN or ALS"
            )
        x = data.matrix
        gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)
        gram[np.diag_indices(n)] += self.config.l2
        self.weights: Scores = _ease_weights(gram)

    def _user_scores(self, users: Columns) -> Scores:
        rows = self.data.matrix[users]
        return np.asarray(rows @ self.weights, dtype=np.float32)

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        return np.asarray(strengths @ self.weights[cols], dtype=np.float32)

    def _item_scores(self, col: int) -> Scores:
        # row i of B: how much having item i raises every other item
        return np.asarray(self.weights[col], dtype=np.float32)
