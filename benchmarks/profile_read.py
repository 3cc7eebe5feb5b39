"""``profile_read``: reading one profile in-process (find by userId + the full document).

The database holds the demo shop loaded through ingestion; each read resolves a random
visitor's userId and builds the document the API returns. Goal: p95 <= 2 ms.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator

from tailored import profiles, storage
from tailored.core import utcnow
from tailored.demo import ShopConfig, generate_shop, load_messages

from . import Figure, figure
from ._databases import backends, scratch_database


def run(quick: bool = False) -> Iterator[Figure]:
    """p50/p95/p99 of one profile read per backend."""
    visitors, reads = (400, 500) if quick else (2000, 5000)
    shop = generate_shop(ShopConfig(visitors=visitors, products=200))
    messages = list(shop.events())
    users = [v.user_id for v in shop.visitors if v.user_id]
    config = profiles.LifecycleConfig()
    rng = random.Random(1)
    for backend in backends():
        with scratch_database(backend) as settings:
            engine = storage.create_engine(settings)
            load_messages(engine, 1, messages)
            timings = []
            with engine.connect() as conn:
                for _ in range(reads):
                    user = rng.choice(users)
                    started = time.perf_counter()
                    pid = profiles.find_profile(conn, 1, user)
                    profiles.profile_document(conn, 1, pid, utcnow(), config)
                    timings.append((time.perf_counter() - started) * 1e6)
            engine.dispose()
        timings.sort()
        params = {"backend": backend, "reads": reads, "profiles": visitors, "events": len(messages)}
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            value = timings[min(len(timings) - 1, int(q * len(timings)))]
            yield figure("profile_read", f"latency_{name}", round(value, 1), "us", **params)
        yield figure(
            "profile_read", "latency_mean", round(statistics.mean(timings), 1), "us", **params
        )
