"""``experiment_results``: the results of one experiment with 5 metrics, SQLite and PostgreSQL.

Exposures and events are written straight into the decision log (with the first exposures
kept from it) and the event log (the set-up is not what is measured); then
``tailored.decide.experiment_results`` is timed, median of 3. Goal: 1,000,000 exposures x 5
metrics in <= 2 s on SQLite. The default size is 200,000 exposures (20,000 with
``--quick``); ``EXPOSURES=1000000`` in the environment runs the goal's size. PostgreSQL is
measured too when a server is configured (see ``_databases``).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tailored import decide, storage
from tailored.core import utcnow
from tailored.events import events

from . import Figure, figure
from ._databases import backends, scratch_database

_METRICS: list[dict[str, Any]] = [
    {"key": "buyers", "type": "conversion", "event": "Order Completed"},
    {"key": "orders", "type": "count", "event": "Order Completed"},
    {"key": "revenue", "type": "sum", "event": "Order Completed", "property": "revenue"},
    {"key": "aov", "type": "ratio", "numerator": "revenue", "denominator": "orders"},
    {"key": "refunds", "type": "count", "event": "Order Refunded", "guardrail": True,
     "higher_is_better": False},
]  # fmt: skip


def _load(engine: Any, n: int) -> None:
    rng = random.Random(5)
    start = utcnow() - timedelta(days=10)
    decide.save_many(
        engine,
        1,
        [decide.parse("metric", m) for m in _METRICS]
        + [
            decide.parse(
                "experiment",
                {
                    "key": "exp",
                    "variants": [{"key": "a"}, {"key": "b"}],
                    "metrics": [m["key"] for m in _METRICS],
                },
            )
        ],
    )
    chunk = 20_000
    with storage.write_transaction(engine) as conn:
        for lo in range(0, n, chunk):
            rows, evs = [], []
            for i in range(lo, min(n, lo + chunk)):
                at = start + timedelta(seconds=i * 600_000 / n)
                variant = "ab"[i % 2]
                rows.append({
                    "id": f"dec_{i:020d}", "workspace_id": 1, "profile_id": f"prof_{i}",
                    "message_id": f"m{i}", "experiment": "exp", "variant": variant,
                    "reason": "experiment", "propensity": 0.5, "decided_at": at,
                })  # fmt: skip
                if rng.random() < (0.32 if variant == "b" else 0.30):
                    evs.append(_event(f"o{i}", f"prof_{i}", "Order Completed", at,
                                      {"revenue": round(rng.uniform(5, 120), 2)}))  # fmt: skip
                if rng.random() < 0.05:
                    evs.append(_event(f"r{i}", f"prof_{i}", "Order Refunded", at, {}))
            conn.execute(decide.decisions.insert(), rows)
            decide.record_first_exposures(conn, rows)
            if evs:
                conn.execute(events.insert(), evs)


def _event(mid: str, profile: str, name: str, at: Any, props: dict[str, Any]) -> dict[str, Any]:
    later = at + timedelta(hours=1)
    return {
        "workspace_id": 1, "message_id": mid, "type": "track", "event": name,
        "user_id": None, "anonymous_id": profile, "timestamp": later, "received_at": later,
        "properties": props, "traits": None, "context": None, "extra": None,
        "profile_id": profile,
    }  # fmt: skip


def run(quick: bool = False) -> Iterator[Figure]:
    """Median seconds for the results of one experiment."""
    n = int(os.environ.get("EXPOSURES", 20_000 if quick else 200_000))
    for backend in backends():
        with scratch_database(backend) as settings:
            engine = storage.create_engine(settings)
            _load(engine, n)
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                decide.experiment_results(engine, 1, "exp")
                timings.append(time.perf_counter() - started)
            engine.dispose()
        yield figure("experiment_results", "seconds", round(statistics.median(timings), 3), "s",
                     backend=backend, exposures=n, metrics=len(_METRICS), runs=3)  # fmt: skip
