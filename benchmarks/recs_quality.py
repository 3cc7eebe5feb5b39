"""Recommendation quality on UCI Online Retail: every model side by side, two protocols.

Interactions are the distinct (customer, item) pairs of non-cancelled invoices with a
customer and a positive quantity, weight 1. Protocol ``random``: customers with at least 5
distinct items lose 20% of them (seed 42). Protocol ``temporal``: train before 2011-11-09, test
on the pairs first bought on or after it by customers and of items seen in training.
Hyperparameters are chosen on a validation split carved from the training set (never the test
set); ``--quick`` uses each model's defaults instead.

Also measured: frequently bought together on the invoices from 2011-11-09 (one item of each
basket of two or more hidden, ranked from the rest, HitRate@10), ALS training time, and the
latency of a top-20 list with fold-in of the user's history plus one new interaction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from benchmarks import Figure, figure
from tailored.recommend import (
    ALS,
    EASE,
    ALSConfig,
    FrequentlyBoughtTogether,
    FrequentlyBoughtTogetherConfig,
    Hybrid,
    HybridConfig,
    Interactions,
    ItemKNN,
    ScoringModel,
    SignalConfig,
    Trending,
    compare,
    default_candidates,
    random_split,
    temporal_split,
)

BENCH = "recs_quality"
CUTOFF = datetime(2011, 11, 9)
METRICS = ("ndcg@20", "recall@20", "map@20", "ndcg@10", "recall@10")
#: NDCG@20 of the reference implementations (random, temporal).
REFERENCE = {
    "popularity": (0.058, 0.040),
    "itemknn": (0.245, 0.092),
    "als": (0.236, 0.098),
    "ease": (0.292, 0.105),
}
GOAL_NDCG = {"random": 0.29, "temporal": 0.105}


def data_file() -> Path:
    """The Online Retail file under ``$TAILORED_DATA_DIR`` or ``../shared/data``."""
    env = os.environ.get("TAILORED_DATA_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    path = root / "online-retail" / "online_retail.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"Online Retail not found at {path}; set TAILORED_DATA_DIR")
    return path


def purchases(path: Path) -> pa.Table:
    """Rows of non-cancelled invoices with a customer and a positive quantity."""
    table = pq.read_table(path)
    keep = pc.and_(
        pc.and_(
            pc.invert(pc.starts_with(table["InvoiceNo"], "C")), pc.is_valid(table["CustomerID"])
        ),
        pc.greater(table["Quantity"], 0),
    )
    return table.filter(keep)


def interactions(table: pa.Table, user: str) -> Interactions:
    """Binary interactions of ``user`` (``CustomerID`` or ``InvoiceNo``) with stock codes."""
    return Interactions.from_table(
        table,
        user=user,
        item="StockCode",
        time="InvoiceDate",
        signal=SignalConfig(aggregate="binary"),
    )


def descriptions(table: pa.Table) -> dict[str, str]:
    """The first description of every stock code."""
    docs: dict[str, str] = {}
    for code, text in zip(
        table["StockCode"].to_pylist(), table["Description"].to_pylist(), strict=True
    ):
        if text and code not in docs:
            docs[code] = text
    return docs


def quality(data: Interactions, docs: dict[str, str], quick: bool) -> Iterator[Figure]:
    """Every model on both protocols."""
    splits = [random_split(data, fraction=0.2, min_items=5, seed=42), temporal_split(data, CUTOFF)]
    for n, held_out in enumerate(splits):
        candidates = default_candidates(docs)
        rows = compare(held_out, candidates, ks=(10, 20), tune=not quick)
        singles = [r for r in rows if r["model"] != "hybrid"]
        best_single = max(singles, key=lambda r: float(r["ndcg@20"]))
        for row in rows:
            params: dict[str, Any] = {
                "model": row["model"],
                "protocol": row["protocol"],
                "users": int(row["users"]),
                "config": row["params"],
                "tuned": not quick,
            }
            if "validation_ndcg@20" in row:
                params["validation_ndcg@20"] = round(row["validation_ndcg@20"], 4)
            if row["model"] in REFERENCE:
                params["reference_ndcg@20"] = REFERENCE[row["model"]][n]
            if row["model"] == "hybrid":
                params["best_single"] = best_single["model"]
                params["best_single_ndcg@20"] = round(best_single["ndcg@20"], 4)
            params["goal_ndcg@20"] = GOAL_NDCG[held_out.protocol]
            for metric in (*METRICS, "coverage@20", "popularity@20"):
                yield figure(BENCH, metric, round(row[metric], 4), "ratio", **params)
            yield figure(BENCH, "fit_time", row["fit_seconds"], "s", **params)


def basket_hit_rate(table: pa.Table, quick: bool) -> Iterator[Figure]:
    """Frequently bought together: hide one item per held-out basket, rank from the rest."""
    baskets = interactions(table, "InvoiceNo")
    assert baskets.times is not None
    before = baskets.times < int(CUTOFF.timestamp())
    train, test = baskets.select(before), baskets.select(~before).binary
    rng = np.random.default_rng(42)
    cases = []
    for row in range(test.shape[0]):
        cols = test.indices[test.indptr[row] : test.indptr[row + 1]]
        if len(cols) >= 2:
            hide = int(rng.integers(len(cols)))
            cases.append(([train.items[c] for c in np.delete(cols, hide)], train.items[cols[hide]]))
    if quick:
        cases = cases[:500]
    variants = {
        "sum of co-purchase counts": (
            FrequentlyBoughtTogetherConfig(score="count", aggregate="sum"),
            0.134,
        ),
        "max confidence": (FrequentlyBoughtTogetherConfig(shrinkage=0.0), 0.248),
        "max confidence, shrunk (default)": (FrequentlyBoughtTogetherConfig(), None),
    }
    for name, (config, reference) in variants.items():
        model = FrequentlyBoughtTogether(config).fit(train)
        hits = sum(
            hidden in {r.item for r in model.recommend_for_items(rest, 10)}
            for rest, hidden in cases
        )
        yield figure(
            BENCH,
            "basket_hit_rate@10",
            round(hits / len(cases), 4),
            "ratio",
            scoring=name,
            config=config.model_dump(),
            baskets=len(cases),
            reference=reference,
            goal=0.25,
        )


def als_training(data: Interactions) -> Iterator[Figure]:
    """Seconds to fit the default ALS on every customer's purchases, on 1 and 2 threads."""
    for threads in (1, 2):
        config = ALSConfig(threads=threads)
        start = time.perf_counter()
        ALS(config).fit(data)
        seconds = time.perf_counter() - start
        yield figure(
            BENCH,
            "als_fit_time",
            round(seconds, 2),
            "s",
            config=config.model_dump(),
            users=data.shape[0],
            items=data.shape[1],
            pairs=int(data.matrix.nnz),
            goal=30.0,
        )


def _latencies(model: ScoringModel, histories: list[dict[str, float]]) -> list[float]:
    for history in histories[:20]:
        model.recommend_for_items(history, 20)
    times = []
    for history in histories:
        start = time.perf_counter_ns()
        model.recommend_for_items(history, 20)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def fold_in_latency(data: Interactions, quick: bool) -> Iterator[Figure]:
    """Top-20 for one user from their history plus one new interaction, in-process.

    Measured with BLAS on one thread, as a serving process should run (many requests at once
    gain nothing from splitting a small product over cores, and on a busy machine a thread
    that waits for a descheduled sibling shows up in the tail), and with the default.
    """
    members: dict[str, ScoringModel] = {
        "ease": EASE(),
        "itemknn": ItemKNN(),
        "als": ALS(),
        "trending": Trending(),
    }
    config = HybridConfig(fusion="weighted", weights={"trending": 1.0})
    hybrid = Hybrid(members, config).fit(data)
    models = {"ease": members["ease"], "als": members["als"], "hybrid": hybrid}
    rng = np.random.default_rng(7)
    users = rng.choice(data.shape[0], size=200 if quick else 1000, replace=True)
    m = data.matrix
    histories = [
        {
            **{data.items[c]: 1.0 for c in m.indices[m.indptr[u] : m.indptr[u + 1]]},
            data.items[int(rng.integers(data.shape[1]))]: 1.0,
        }
        for u in users
    ]
    for blas in ("1", "default"):
        for name, model in models.items():
            if blas == "1":
                with threadpool_limits(1, "blas"):
                    times = _latencies(model, histories)
            else:
                times = _latencies(model, histories)
            for q in (50, 99):
                yield figure(
                    BENCH,
                    f"top20_fold_in_latency_p{q}",
                    round(float(np.percentile(times, q)), 3),
                    "ms",
                    model=name,
                    blas_threads=blas,
                    calls=len(times),
                    items=data.shape[1],
                    goal_p99=5.0,
                    **({"config": config.model_dump()} if name == "hybrid" else {}),
                )


def run(quick: bool) -> Iterator[Figure]:
    """All figures of this benchmark (``quick``: defaults instead of tuning, fewer samples)."""
    table = purchases(data_file())
    data = interactions(table, "CustomerID")
    yield from quality(data, descriptions(table), quick)
    yield from basket_hit_rate(table, quick)
    yield from als_training(data)
    yield from fold_in_latency(data, quick)
