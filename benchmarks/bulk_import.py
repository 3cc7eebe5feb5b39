"""``bulk_import``: events/s through ``tailored import events`` (in-process, no CLI start-up).

A JSONL file of realistic messages is imported into a fresh database with every stage
subscribed (profiles, segments, decision log), as the command does. Goal: >= 50,000 events/s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from tailored import events, storage

from . import Figure, figure
from ._databases import backends, scratch_database
from ._events import install_stages, messages


def _one_run(backend: str, path: Path, n: int) -> float:
    with scratch_database(backend) as settings:
        engine = storage.create_engine(settings)
        started = time.perf_counter()
        summary = events.import_file(engine, 1, path, "jsonl")
        elapsed = time.perf_counter() - started
        engine.dispose()
    assert summary.stored == n, summary
    return n / elapsed


def run(quick: bool = False) -> Iterator[Figure]:
    """Median events/s per backend."""
    install_stages()

    n, runs = (10_000, 2) if quick else (50_000, 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_bytes(b"\n".join(orjson.dumps(m) for m in messages(n)) + b"\n")
        for backend in backends():
            rates = [_one_run(backend, path, n) for _ in range(runs)]
            yield figure(
                "bulk_import",
                "events_per_second",
                round(statistics.median(rates)),
                "events/s",
                backend=backend,
                events=n,
                runs=runs,
                goal=50_000,
            )
