"""A trained model as the server holds it: plain arrays, saved as ``numpy.savez`` bytes.

The bundle carries what every strategy needs: ALS item factors (``for_you`` by fold-in,
``similar`` by cosine), bought-together rules, and popularity and trending scores. It holds
no Python objects, so loading a stored version never runs code from the database.
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tailored.core import ValidationError

from ._scoring import Columns, Scores

_ARRAYS = ("items", "item_factors", "popularity", "trending")
# HNSW settings: faiss's defaults (efConstruction 40, efSearch 16) let a search end in the
# wrong cluster of a clustered catalog now and then (recall@20 of 0 for ~3% of queries on
# 50,000 items); these keep every query's recall high for about twice the build time.
_HNSW_LINKS = 32
_HNSW_BUILD_DEPTH = 100
_HNSW_SEARCH_DEPTH = 128


def faiss_available() -> bool:
    """Whether the optional ``faiss-cpu`` package can be imported."""
    try:
        importlib.import_module("faiss")
    except ImportError:
        return False
    return True


@dataclass(eq=False)
class Bundle:
    """The arrays of one trained version.

    Attributes:
        items: Item ids; column ``i`` of every score vector is ``items[i]``.
        item_factors: ALS item vectors, ``(n_items, factors)``.
        regularization: ALS's L2 penalty (for fold-in).
        alpha: ALS's confidence per unit of strength (for fold-in).
        popularity: Distinct users per item.
        trending: Time-decayed strength per item.
        together: Bought-together rules ``i -> j`` as a CSR matrix of confidences.
    """

    items: tuple[str, ...]
    item_factors: npt.NDArray[np.float32]
    regularization: float
    alpha: float
    popularity: Scores
    trending: Scores
    together: sp.csr_matrix
    position: dict[str, int] = field(init=False)
    ann: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.position = {item: n for n, item in enumerate(self.items)}
        y = self.item_factors.astype(np.float64)
        self._gram = y.T @ y + self.regularization * np.eye(y.shape[1])
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        self.unit_items = (self.item_factors / np.maximum(norms, 1e-12)).astype(np.float32)

    def to_bytes(self) -> bytes:
        """The arrays as ``numpy.savez`` bytes (no pickles)."""
        out = io.BytesIO()
        rules = self.together
        np.savez(
            out,
            items=np.array(self.items, dtype=np.str_),
            item_factors=self.item_factors,
            popularity=self.popularity,
            trending=self.trending,
            together_data=rules.data.astype(np.float32),
            together_indices=rules.indices.astype(np.int32),
            together_indptr=rules.indptr.astype(np.int64),
            scalars=np.array([self.regularization, self.alpha], dtype=np.float64),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Bundle:
        """Read what :meth:`to_bytes` wrote."""
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        missing = [name for name in _ARRAYS if name not in arrays]
        if missing:
            raise ValidationError(f"stored model lacks arrays {missing}")
        n = len(arrays["items"])
        together = sp.csr_matrix(
            (
                arrays["together_data"],
                arrays["together_indices"],
                arrays["together_indptr"],
            ),
            shape=(n, n),
        )
        regularization, alpha = (float(v) for v in arrays["scalars"])
        return cls(
            tuple(str(v) for v in arrays["items"]),
            np.ascontiguousarray(arrays["item_factors"], dtype=np.float32),
            regularization,
            alpha,
            arrays["popularity"].astype(np.float32),
            arrays["trending"].astype(np.float32),
            together,
        )

    def build_ann(self) -> None:
        """Index the item vectors with faiss (HNSW, inner product) for large catalogs."""
        faiss = importlib.import_module("faiss")
        indexes = []
        for vectors in (self.item_factors, self.unit_items):
            index = faiss.IndexHNSWFlat(vectors.shape[1], _HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = _HNSW_BUILD_DEPTH
            index.hnsw.efSearch = _HNSW_SEARCH_DEPTH
            index.add(vectors)
            indexes.append(index)
        self.ann = tuple(indexes)

    def columns(self, ids: Any) -> Columns:
        """Columns of the known ids among ``ids``."""
        position = self.position
        return np.array([position[i] for i in ids if i in position], dtype=np.int64)

    def fold_in(self, cols: Columns, strengths: Scores) -> npt.NDArray[np.float32]:
        """The user vector least squares gives for a history, item factors held fixed."""
        y = self.item_factors[cols].astype(np.float64)
        confidence = self.alpha * strengths.astype(np.float64)
        a = self._gram + (y.T * (confidence - 1.0)) @ y
        b = y.T @ confidence
        return np.linalg.solve(a, b).astype(np.float32)

    def for_history(self, cols: Columns, strengths: Scores, pool: int) -> Scores:
        """ALS scores for a history (fold-in); with an ANN index, only ``pool`` are scored."""
        vector = self.fold_in(cols, strengths)
        if self.ann is None:
            return np.asarray(self.item_factors @ vector, dtype=np.float32)
        return self._search(self.ann[0], vector, pool + len(cols))

    def similar_to(self, col: int, pool: int) -> Scores:
        """Cosine similarity of every item's vector to column ``col``'s."""
        vector = self.unit_items[col]
        if self.ann is None:
            return np.asarray(self.unit_items @ vector, dtype=np.float32)
        return self._search(self.ann[1], vector, pool + 1)

    def bought_with(self, cols: Columns) -> Scores:
        """The strongest rule ``i -> j`` over the basket's items ``i``, for every ``j``."""
        if not len(cols):
            return np.zeros(len(self.items), dtype=np.float32)
        block = self.together[cols]
        return np.asarray(block.max(axis=0).toarray(), dtype=np.float32).ravel()

    def _search(self, index: Any, vector: npt.NDArray[np.float32], n: int) -> Scores:
        """Scores from the ANN index for the ``n`` nearest items, the rest ``-inf``."""
        found_scores, found = index.search(vector[None, :].astype(np.float32), min(n, len(self)))
        scores = np.full(len(self.items), -np.inf, dtype=np.float32)
        keep = found[0] >= 0
        scores[found[0][keep]] = found_scores[0][keep]
        return scores

    def __len__(self) -> int:
        return len(self.items)
