"""``ingest_inproc``: events/s through ``tailored.events.ingest`` in one process, batches of 100.

Includes validation, deduplication, the commit and every stage's subscriber, as in the
server (profile states, segment memberships, the decision log); the ratio to
``storage_write`` shows what the pipeline costs over bare inserts.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

from tailored import events, storage
from tailored.core import utcnow

from . import Figure, figure
from ._databases import backends, scratch_database
from ._events import install_stages, messages
from .storage_write import _one_run as storage_rate

BATCH = 100


def _one_run(backend: str, n: int) -> float:
    sample = messages(n)
    with scratch_database(backend) as settings:
        engine = storage.create_engine(settings)
        started = time.perf_counter()
        for i in range(0, n, BATCH):
            events.ingest(engine, 1, sample[i : i + BATCH], utcnow())
        elapsed = time.perf_counter() - started
        engine.dispose()
    return n / elapsed


def run(quick: bool = False) -> Iterator[Figure]:
    """Median events/s per backend, and the ratio to bare inserts."""
    install_stages()
    n, runs = (5_000, 2) if quick else (30_000, 5)
    for backend in backends():
        rates = [_one_run(backend, n) for _ in range(runs)]
        bare = statistics.median(storage_rate(backend, n) for _ in range(max(2, runs // 2)))
        median = statistics.median(rates)
        params = {"backend": backend, "events": n, "batch": BATCH, "runs": runs}
        yield figure("ingest_inproc", "events_per_second", round(median), "events/s", **params)
        yield figure(
            "ingest_inproc", "ratio_to_storage_write", round(median / bare, 3), "ratio", **params
        )
