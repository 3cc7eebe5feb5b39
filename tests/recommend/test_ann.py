"""The faiss (HNSW) index that serves large catalogs: close to exact ranking, and used by
the served model from ``ann_min_items`` items on."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tailored.recommend import model_cache, recommend_for, train_workspace
from tailored.recommend._bundle import Bundle
from tailored.recommend._scoring import top_k
from tests.recommend import twotastes as shop
from tests.recommend.twotastes import CONFIG, NOW

ITEMS, FACTORS, CLUSTERS = 40_000, 32, 300


def clustered_bundle(rng: np.random.Generator) -> tuple[Bundle, np.ndarray]:
    """Item vectors in tight clusters with unequal norms: the hard case for HNSW."""
    centers = rng.normal(size=(CLUSTERS, FACTORS))
    cluster = rng.integers(CLUSTERS, size=ITEMS)
    noise = 0.5 * rng.normal(size=(ITEMS, FACTORS))
    factors = ((centers[cluster] + noise) * rng.uniform(0.2, 1.0, size=(ITEMS, 1))).astype(
        np.float32
    )
    zeros = np.zeros(ITEMS, dtype=np.float32)
    together = sp.csr_matrix((ITEMS, ITEMS), dtype=np.float32)
    items = tuple(f"i{n}" for n in range(ITEMS))
    return Bundle(items, factors, 1.0, 3.0, zeros, zeros, together), cluster


def test_index_ranks_like_the_exact_scores_on_a_large_clustered_catalog():
    rng = np.random.default_rng(0)
    exact, cluster = clustered_bundle(rng)
    indexed = Bundle.from_bytes(exact.to_bytes())
    indexed.build_ann()
    assert indexed.ann is not None and exact.ann is None
    for_you, similar = [], []
    for query in range(100):
        same = np.flatnonzero(cluster == cluster[query])
        cols = rng.choice(same, size=min(5, len(same)), replace=False).astype(np.int64)
        strengths = np.ones(len(cols), dtype=np.float32)
        want = set(top_k(exact.for_history(cols, strengths, 200), 20, cols))
        got = top_k(indexed.for_history(cols, strengths, 200), 20, cols)
        assert len(got) == 20
        for_you.append(len(want & set(got)) / 20)
        col = np.array([int(rng.integers(ITEMS))])
        want = set(top_k(exact.similar_to(int(col[0]), 200), 20, col))
        got = top_k(indexed.similar_to(int(col[0]), 200), 20, col)
        similar.append(len(want & set(got)) / 20)
    assert np.mean(for_you) >= 0.97 and min(for_you) >= 0.8, sorted(for_you)[:5]
    assert np.mean(similar) >= 0.97 and min(similar) >= 0.8, sorted(similar)[:5]


def test_served_model_uses_the_index_from_the_configured_size(engine):
    shop.build(engine)
    train_workspace(engine, 1, CONFIG)
    exact = recommend_for(engine, 1, "u00", "for_you", k=5, now=NOW)
    similar = recommend_for(engine, 1, None, "similar", item="k01", k=5, now=NOW)
    with engine.connect() as conn:
        assert model_cache(engine).get(conn, 1).bundle.ann is None

    train_workspace(engine, 1, CONFIG.model_copy(update={"ann_min_items": 10}))
    indexed = recommend_for(engine, 1, "u00", "for_you", k=5, now=NOW)
    with engine.connect() as conn:
        assert model_cache(engine).get(conn, 1).bundle.ann is not None
    assert indexed.model_version == 2
    assert [i.item_id for i in indexed.items] == [i.item_id for i in exact.items]
    again = recommend_for(engine, 1, None, "similar", item="k01", k=5, now=NOW)
    assert [i.item_id for i in again.items] == [i.item_id for i in similar.items]
