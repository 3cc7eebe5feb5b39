"""Recommendation serving speed: training, in-process top-20 with fold-in, and over HTTP.

- ``als_train_time``: the serving model's ALS (``TrainingConfig().als``) fitted on every
  Online Retail customer's purchases (goal <= 30 s), and the whole bundle (ALS, rules,
  trending, popularity) on the same data.
- ``top20_model_latency``: one person's top 20 from their history plus one new item, through
  the served bundle (fold-in, scoring, exclusions), BLAS on one thread (goal p99 <= 5 ms).
- ``recommend_for_latency``: the same through ``recommend_for`` on a SQLite demo shop, which
  adds resolving the person, reading their events, the rules and the catalog lookups.
- ``http_latency``: ``GET /v1/recommendations`` on ``tailored serve`` (its own process), one
  client sending requests back to back.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import httpx
import numpy as np
import sqlalchemy as sa

from tailored import storage
from tailored.core import Settings
from tailored.demo import ShopConfig, generate_shop, load_items, load_messages
from tailored.events import events
from tailored.recommend import ALS, Item, TrainingConfig, recommend_for, train_demo
from tailored.recommend._bundle import Bundle
from tailored.recommend._history import EventLog
from tailored.recommend._scoring import top_k
from tailored.recommend._training import fit_bundle

from . import Figure, figure
from ._databases import scratch_database
from ._server import free_port, serve
from .recs_quality import data_file, interactions, purchases

BENCH = "recs_speed"


def _percentiles(metric: str, times: list[float], **params: object) -> Iterator[Figure]:
    for q in (50, 99):
        value = round(float(np.percentile(times, q)), 3)
        yield figure(BENCH, f"{metric}_p{q}", value, "ms", calls=len(times), **params)


def training(quick: bool) -> Iterator[Figure]:
    """ALS and the whole bundle on Online Retail."""
    table = purchases(data_file())
    if quick:
        table = table.slice(0, 100_000)
    data = interactions(table, "CustomerID")
    config = TrainingConfig()
    start = time.perf_counter()
    ALS(config.als).fit(data)
    seconds = time.perf_counter() - start
    size = {"users": data.shape[0], "items": data.shape[1], "pairs": int(data.matrix.nnz)}
    yield figure(BENCH, "als_train_time", round(seconds, 2), "s", goal=30.0, **size,
                 config=config.als.model_dump())  # fmt: skip
    start = time.perf_counter()
    bundle = fit_bundle(data, EventLog(), config)
    seconds = time.perf_counter() - start
    yield figure(BENCH, "bundle_train_time", round(seconds, 2), "s", **size)
    yield from model_latency(bundle, data.matrix, quick)


def model_latency(bundle: Bundle, matrix: object, quick: bool) -> Iterator[Figure]:
    """Top 20 through the bundle: fold-in of history + one new item, exclusions, top-k."""
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    assert isinstance(matrix, sp.csr_matrix)
    rng = np.random.default_rng(7)
    users = rng.choice(matrix.shape[0], size=300 if quick else 2000)
    times = []
    with threadpool_limits(1, "blas"):
        for n, u in enumerate(users):
            cols = matrix.indices[matrix.indptr[u] : matrix.indptr[u + 1]].astype(np.int64)
            cols = np.unique(np.append(cols, rng.integers(len(bundle))))
            strengths = np.ones(len(cols), dtype=np.float32)
            start = time.perf_counter_ns()
            scores = bundle.for_history(cols, strengths, 200)
            top_k(scores, 20, cols)
            if n >= 20:  # warm-up left out
                times.append((time.perf_counter_ns() - start) / 1e6)
    yield from _percentiles("top20_model_latency", times, items=len(bundle), goal_p99=5.0)


def _demo_database(quick: bool) -> Iterator[tuple[Settings, list[str]]]:
    """A scratch SQLite database with the demo shop loaded and trained; sample user ids."""
    with scratch_database("sqlite") as settings:
        engine = storage.create_engine(settings)
        config = ShopConfig(products=600, visitors=1500 if quick else 6000)
        shop = generate_shop(config)
        load_items(engine, 1, [Item(**p) for p in shop.product_dicts()])
        load_messages(engine, 1, list(shop.events()))
        train_demo(engine, 1)
        with engine.connect() as conn:
            people = list(
                conn.execute(
                    sa.select(events.c.profile_id)
                    .where(events.c.event == "Product Viewed")
                    .distinct()
                    .limit(500)
                ).scalars()
            )
        engine.dispose()
        yield settings, people


def _in_process(settings: Settings, people: list[str]) -> Iterator[Figure]:
    engine = storage.create_engine(settings)
    times = []
    for n in range(len(people) * 2):
        start = time.perf_counter_ns()
        recommend_for(engine, 1, people[n % len(people)], "for_you", k=20)
        if n >= 20:
            times.append((time.perf_counter_ns() - start) / 1e6)
    engine.dispose()
    yield from _percentiles("recommend_for_latency", times, backend="sqlite", goal_p99=5.0)


def _over_http(settings: Settings, people: list[str]) -> Iterator[Figure]:

    engine = storage.create_engine(settings)
    with engine.begin() as conn:
        key = storage.create_key(
            conn, 1, "server", "bench", settings.secret_key.get_secret_value()
        ).secret
    engine.dispose()
    port = free_port()
    server = serve(settings, port)
    try:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            times = []
            started = time.perf_counter()
            for n in range(len(people) * 2):
                params: dict[str, str | int] = {"user": people[n % len(people)], "k": 20}
                start = time.perf_counter_ns()
                client.get("/v1/recommendations", params=params).raise_for_status()
                times.append((time.perf_counter_ns() - start) / 1e6)
            rate = len(times) / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(10)
    yield from _percentiles("http_latency", times, backend="sqlite", clients=1)
    yield figure(BENCH, "http_throughput", round(rate, 1), "requests/s", clients=1,
                 median_ms=round(statistics.median(times), 3))  # fmt: skip


def run(quick: bool) -> Iterator[Figure]:
    """Every figure of this benchmark."""
    yield from training(quick)
    for settings, people in _demo_database(quick):
        yield from _in_process(settings, people)
        yield from _over_http(settings, people)
