"""The shared machinery of models that give every item a score: ids, exclusions, top-k."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tailored.core import NotFound, ValidationError

from ._protocol import History, Recommendation

if TYPE_CHECKING:
    from typing import Self

    from ._interactions import Interactions

Scores = npt.NDArray[np.float32]
Columns = npt.NDArray[np.int64]

_FLOOR = float(np.finfo(np.float32).min) / 2


def top_k(scores: npt.NDArray[np.floating], k: int, banned: Columns | None = None) -> Columns:
    """Columns of the ``k`` highest ``scores`` (ties by column), never one in ``banned``.

    Fewer than ``k`` come back only when fewer columns are allowed.

    >>> top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3, np.array([3])).tolist()
    [1, 2, 0]
    >>> top_k(np.array([0.5, 0.9, 0.5, 0.5]), 2).tolist()
    [1, 0]
    """
    if k < 0:
        raise ValidationError(f"k must be 0 or more, not {k}")
    work = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=_FLOOR, neginf=_FLOOR)
    allowed = len(work)
    if banned is not None and len(banned):
        banned = np.unique(banned)
        work[banned] = -np.inf
        allowed -= len(banned)
    k = min(k, allowed)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    if k < len(work):
        # the k-th best score, then everything above it and the lowest columns that tie with it
        threshold = work[np.argpartition(-work, k - 1)[k - 1]]
        above = np.flatnonzero(work > threshold)
        ties = np.flatnonzero(work == threshold)[: k - len(above)]
        candidates = np.concatenate([above, ties])
    else:
        candidates = np.arange(len(work))
    order = np.lexsort((candidates, -work[candidates]))
    return candidates[order].astype(np.int64)


class ScoringModel(ABC):
    """Base of the models: implements the protocol verbs from three scoring methods.

    A subclass learns in :meth:`_fit` and scores in :meth:`_user_scores`,
    :meth:`_history_scores` and :meth:`_item_scores`, over the item ids of :attr:`item_ids`
    (the fitted interactions' items, unless the model knows more).
    """

    _data: Interactions | None = None

    def fit(self, interactions: Interactions) -> Self:
        """Learn from ``interactions``; returns the model itself."""
        if interactions.n_events == 0:
            raise ValidationError("cannot fit a model on no interactions")
        self._data = interactions
        self._fit(interactions)
        return self

    @property
    def data(self) -> Interactions:
        """The fitted interactions."""
        if self._data is None:
            raise ValidationError(f"{type(self).__name__} is not fitted; call fit() first")
        return self._data

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids of the scoring space (column ``i`` of the scores is ``item_ids[i]``)."""
        return self.data.items

    @property
    def item_position(self) -> Mapping[str, int]:
        """Column of every id in :attr:`item_ids`."""
        return self.data.item_index

    def recommend(
        self, user: str, k: int = 20, exclude: Collection[str] = ()
    ) -> list[Recommendation]:
        """The ``k`` best items for a known ``user``, without ``exclude`` and their own items.

        Raises:
            NotFound: ``user`` has no interactions in the fitted data.
        """
        row = self.data.user_index.get(user)
        if row is None:
            raise NotFound(
                f"unknown user {user!r}: no interactions in the fitted data; score an item "
                "history with recommend_for_items() or use a Hybrid with a fallback"
            )
        m = self.data.matrix
        seen = m.indices[m.indptr[row] : m.indptr[row + 1]].astype(np.int64)
        scores = self._user_scores(np.array([row], dtype=np.int64))[0]
        return self._ranked(scores, k, np.concatenate([seen, self._columns(exclude)]))

    def recommend_for_items(
        self, history: History, k: int = 20, exclude: Collection[str] = ()
    ) -> list[Recommendation]:
        """The ``k`` best items for an ad-hoc ``history`` (fold-in, no retraining)."""
        cols, strengths = self._history(history)
        scores = self._history_scores(cols, strengths)
        return self._ranked(scores, k, np.concatenate([cols, self._columns(exclude)]))

    def similar(self, item: str, k: int = 20) -> list[Recommendation]:
        """The ``k`` items most like ``item``, never ``item`` itself.

        Raises:
            NotFound: ``item`` is unknown to the model.
        """
        col = self.item_position.get(item)
        if col is None:
            raise NotFound(f"unknown item {item!r}: the model has never seen it")
        return self._ranked(self._item_scores(col), k, np.array([col], dtype=np.int64))

    def score_users(self, users: Columns) -> Scores:
        """Scores of rows ``users`` over the fitted interactions' items (for evaluation)."""
        return self._user_scores(np.asarray(users, dtype=np.int64))[:, : len(self.data.items)]

    def _fit(self, data: Interactions) -> None:
        """Learn from ``data`` (already stored as :attr:`data`)."""
        del data

    def _user_scores(self, users: Columns) -> Scores:
        """Scores of known users; by default, their fitted rows scored as histories."""
        m = self.data.matrix
        out = np.empty((len(users), len(self.item_ids)), dtype=np.float32)
        for n, row in enumerate(users):
            lo, hi = m.indptr[row], m.indptr[row + 1]
            out[n] = self._history_scores(m.indices[lo:hi].astype(np.int64), m.data[lo:hi])
        return out

    @abstractmethod
    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        """Scores for a history given as columns and strengths."""

    @abstractmethod
    def _item_scores(self, col: int) -> Scores:
        """Similarity of every item to column ``col``."""

    def _columns(self, ids: Collection[str]) -> Columns:
        position = self.item_position
        return np.array([position[i] for i in ids if i in position], dtype=np.int64)

    def _history(self, history: History) -> tuple[Columns, Scores]:
        """Known items of ``history`` as columns and strengths (1.0 for a plain list)."""
        position = self.item_position
        if isinstance(history, Mapping):
            pairs = list(history.items())
        else:
            pairs = [(item, 1.0) for item in dict.fromkeys(history)]
        merged: dict[int, float] = {}
        for item, strength in pairs:
            col = position.get(item)
            if col is not None:
                merged[col] = merged.get(col, 0.0) + float(strength)
        cols = np.fromiter(merged.keys(), dtype=np.int64, count=len(merged))
        return cols, np.fromiter(merged.values(), dtype=np.float32, count=len(merged))

    def _ranked(self, scores: Scores, k: int, banned: Columns) -> list[Recommendation]:
        ids = self.item_ids
        return [Recommendation(ids[c], float(scores[c])) for c in top_k(scores, k, banned)]
