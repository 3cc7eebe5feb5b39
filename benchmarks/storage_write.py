"""``storage_write``: event rows per second into the event log, SQLite and PostgreSQL.

Rows go in batches of 500 in one transaction each, as the ingestion path writes them; the
figure is the median of several runs.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

from tailored import events, storage
from tailored.core import utcnow

from . import Figure, figure
from ._databases import backends, scratch_database

BATCH = 500


def sample_rows(n: int) -> list[events.EventRow]:
    """``n`` realistic track events."""
    now = utcnow()
    return [
        {
            "message_id": uuid.uuid4().hex,
            "type": "track",
            "event": "Product Viewed",
            "user_id": f"user-{i % 5000}",
            "anonymous_id": f"anon-{i % 9000}",
            "timestamp": now - timedelta(seconds=i),
            "received_at": now,
            "properties": {"product_id": f"sku-{i % 600}", "price": 19.99, "category": "kitchen"},
            "traits": None,
            "context": {"page": {"url": "https://shop.example/p/1"}, "locale": "en-GB"},
            "extra": None,
        }
        for i in range(n)
    ]


def _one_run(backend: str, n: int) -> float:
    rows = sample_rows(n)
    with scratch_database(backend) as settings:
        engine = storage.create_engine(settings)
        started = time.perf_counter()
        for i in range(0, n, BATCH):
            with storage.write_transaction(engine) as conn:
                events.append_events(conn, 1, rows[i : i + BATCH])
        elapsed = time.perf_counter() - started
        engine.dispose()
    return n / elapsed


def run(quick: bool = False) -> Iterator[Figure]:
    """Median rows/s over several runs per backend."""
    n, runs = (5_000, 2) if quick else (50_000, 5)
    for backend in backends():
        rates = [_one_run(backend, n) for _ in range(runs)]
        yield figure(
            "storage_write",
            "rows_per_second",
            round(statistics.median(rates)),
            "rows/s",
            backend=backend,
            rows=n,
            batch=BATCH,
            runs=runs,
            min=round(min(rates)),
            max=round(max(rates)),
        )
