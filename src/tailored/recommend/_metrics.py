"""Ranking metrics, one list at a time or for a whole test set at once.

Conventions: Recall@K divides the hits by ``min(K, number of held-out items)`` (so a perfect
list scores 1), NDCG@K uses binary gains and ``log2(rank + 1)`` discounts, and MAP@K averages
precision at each hit over ``min(K, number of held-out items)``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tailored.core import ValidationError

from ._interactions import Interactions
from ._protocol import BatchScorer

Hits = npt.NDArray[np.bool_]
Counts = npt.NDArray[np.int64]


def _hits(ranked: Sequence[str], relevant: Collection[str], k: int) -> tuple[Hits, Counts]:
    if k < 1:
        raise ValidationError(f"k must be at least 1, not {k}")
    hits = np.array([[item in relevant for item in ranked[:k]]], dtype=bool)
    return hits.reshape(1, -1), np.array([len(relevant)], dtype=np.int64)


def _padded(hits: Hits, k: int) -> Hits:
    if hits.shape[1] >= k:
        return hits[:, :k]
    return np.pad(hits, ((0, 0), (0, k - hits.shape[1])))


def recall_rows(hits: Hits, n_relevant: Counts, k: int) -> npt.NDArray[np.float64]:
    """Recall@K of every row of a hit matrix (row: a user; column: a rank)."""
    found = _padded(hits, k).sum(axis=1)
    return np.asarray(found / np.maximum(np.minimum(k, n_relevant), 1), dtype=np.float64)


def ndcg_rows(hits: Hits, n_relevant: Counts, k: int) -> npt.NDArray[np.float64]:
    """NDCG@K of every row of a hit matrix."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = _padded(hits, k) @ discounts
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(k, n_relevant)]
    out = np.zeros(len(dcg), dtype=np.float64)
    np.divide(dcg, ideal, out=out, where=ideal > 0)
    return out


def average_precision_rows(hits: Hits, n_relevant: Counts, k: int) -> npt.NDArray[np.float64]:
    """AP@K of every row of a hit matrix (MAP@K is their mean)."""
    h = _padded(hits, k).astype(np.float64)
    precision = np.cumsum(h, axis=1) / np.arange(1, k + 1)
    total = (precision * h).sum(axis=1)
    return np.asarray(total / np.maximum(np.minimum(k, n_relevant), 1), dtype=np.float64)


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Hits in the top ``k`` over ``min(k, len(relevant))``.

    >>> recall_at_k(["a", "b", "c"], {"a", "c", "x", "y"}, 2)
    0.5
    """
    return float(recall_rows(*_hits(ranked, relevant, k), k)[0])


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Normalized discounted cumulative gain of the top ``k`` (binary relevance).

    >>> round(ndcg_at_k(["x", "a"], {"a"}, 2), 4)
    0.6309
    """
    return float(ndcg_rows(*_hits(ranked, relevant, k), k)[0])


def average_precision_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Average precision of the top ``k``, over ``min(k, len(relevant))``.

    >>> average_precision_at_k(["a", "x", "b"], {"a", "b"}, 3)
    0.8333333333333333
    """
    return float(average_precision_rows(*_hits(ranked, relevant, k), k)[0])


def catalog_coverage(lists: Iterable[Sequence[str]], n_items: int) -> float:
    """Share of the catalog's ``n_items`` that appear in at least one list.

    >>> catalog_coverage([["a", "b"], ["b", "c"]], 6)
    0.5
    """
    shown: set[str] = set()
    for items in lists:
        shown.update(items)
    return len(shown) / n_items if n_items else 0.0


def popularity_bias(lists: Iterable[Sequence[str]], popularity: Mapping[str, float]) -> float:
    """Average recommendation popularity: the mean, over lists, of their items' mean popularity.

    With ``popularity`` as the share of training users who have each item, the popularity
    baseline scores high and a model that digs into the long tail scores low.

    >>> popularity_bias([["a", "b"], ["c"]], {"a": 0.5, "b": 0.1, "c": 0.2})
    0.25
    """
    means = [float(np.mean([popularity.get(i, 0.0) for i in items])) for items in lists if items]
    return float(np.mean(means)) if means else 0.0


def top_k_rows(scores: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.int64]:
    """Columns of the ``k`` best scores of every row, best first (ties by column)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64)


def evaluate(
    model: BatchScorer,
    train: Interactions,
    test: Interactions,
    ks: Sequence[int] = (10, 20),
    *,
    batch_size: int = 512,
) -> dict[str, float]:
    """Rank every item for every test user (their training items left out) and score it.

    Users with held-out items and at least one training item are evaluated. Coverage is the
    share of items with a training interaction that appear in some top-K list; popularity is
    the mean share of training users who have a recommended item (see :func:`popularity_bias`).

    Returns:
        ``recall@K``, ``ndcg@K``, ``map@K``, ``coverage@K`` and ``popularity@K`` for each K,
        and ``users``, the number of users evaluated.
    """
    if not ks or min(ks) < 1:
        raise ValidationError(f"ks must be one or more positive cutoffs, not {list(ks)}")
    seen, held = train.binary, test.binary
    users = np.flatnonzero((held.getnnz(axis=1) > 0) & (seen.getnnz(axis=1) > 0))
    top = max(ks)
    item_pop = np.asarray(seen.sum(axis=0), dtype=np.float64).ravel() / max(
        int((seen.getnnz(axis=1) > 0).sum()), 1
    )
    lists, hit_rows = [], []
    for start in range(0, len(users), batch_size):
        rows = users[start : start + batch_size]
        scores = np.asarray(model.score_users(rows), dtype=np.float64).copy()
        scores[seen[rows].toarray() > 0] = -np.inf
        best = top_k_rows(scores, top)
        lists.append(best)
        hit_rows.append(np.take_along_axis(held[rows].toarray() > 0, best, axis=1))
    best = np.concatenate(lists) if lists else np.empty((0, top), dtype=np.int64)
    hits = np.concatenate(hit_rows) if hit_rows else np.empty((0, top), dtype=bool)
    n_relevant = held[users].getnnz(axis=1).astype(np.int64)
    catalog = max(int((seen.getnnz(axis=0) > 0).sum()), 1)
    out: dict[str, float] = {}
    for k in sorted(ks):
        out[f"recall@{k}"] = _mean(recall_rows(hits, n_relevant, k))
        out[f"ndcg@{k}"] = _mean(ndcg_rows(hits, n_relevant, k))
        out[f"map@{k}"] = _mean(average_precision_rows(hits, n_relevant, k))
        out[f"coverage@{k}"] = len(np.unique(best[:, :k])) / catalog
        out[f"popularity@{k}"] = _mean(item_pop[best[:, :k]].mean(axis=1)) if len(best) else 0.0
    out["users"] = float(len(users))
    return out


def _mean(values: npt.NDArray[np.float64]) -> float:
    return float(values.mean()) if len(values) else 0.0
