"""``segments``: the cost of keeping 50 segments current per event, and a batch recompute.

- ``incremental_per_event``: folding one event into a profile state (with the segments'
  features) and updating its memberships in 50 segments, in process, as ingestion does: from
  the profile's last evaluation, only the segments the event can change (a profile's first
  event evaluates all 50). Goal: median <= 50 us.
- ``ingest_events_per_s``: ``events.ingest`` on SQLite in batches of 100 with the 50 segments
  updated in the same transaction.
- ``recompute_seconds``: a behavioural segment recomputed over 100,000 profiles on SQLite
  (10,000 with ``--quick``). Goal: <= 5 s for 100,000.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tailored import events, profiles, segments, storage
from tailored.core import new_id, utcnow

from . import Figure, figure
from ._databases import scratch_database

NAMES = ("Product Viewed", "Product Added", "Order Completed", "Page Viewed", "Searched")
CATEGORIES = ("kitchen", "garden", "toys", "books")


def fifty_segments(*, profile_fields: bool) -> list[tuple[int, str, Any]]:
    """50 segment conditions of every behavioural kind (and a few on profile fields)."""
    out: list[Any] = []
    for i, name in enumerate(NAMES):
        out += [
            {"$event": {"name": name, "within": f"{i + 1}d", "count": {"$gte": 2}}},
            {"$event": {"name": name, "within": "30d", "count": 0}},
            {"$event": {"name": name, "between": ["30d", "7d"]}},
            {"$event": {"name": name, "within": "2h"}},
            {"$event": {"name": name, "where": {"category": CATEGORIES[i % 4]}, "within": "7d"}},
            {"$event": {"name": name, "property": "price", "aggregate": "sum", "within": "30d",
                        "value": {"$gte": 50}}},
            {"$event": {"name": name, "property": "price", "aggregate": "last",
                        "value": {"$gt": 20}}},
            {"$sequence": {"steps": [{"name": name}, {"name": "Order Completed"}],
                           "within": "1d", "since": "7d", "completed": False}},
        ]  # fmt: skip
    out += [{"$segment": "s0"}, {"$and": [{"$segment": "s1"}, {"$segment": "s2"}]}]
    out += [{"$event": {"name": n, "count": {"$gte": 5}}} for n in NAMES[:3]]
    out = out[:50]
    if profile_fields:
        out[-5:] = [{"lifecycle_stage": "new"}, {"total_revenue": {"$gte": 100}},
                    {"traits.plan": "pro"}, {"last_device": "mobile"},
                    {"lifecycle_stage": {"$in": ["at_risk", "dormant"]}}]  # fmt: skip
    return [(i, f"s{i}", c) for i, c in enumerate(out)]


def _event(rng: random.Random, now: Any) -> dict[str, Any]:
    return {
        "type": "track", "event": rng.choice(NAMES), "traits": None, "context": None,
        "timestamp": now - timedelta(minutes=rng.randrange(0, 60 * 24 * 30)),
        "properties": {"price": rng.randrange(1, 60), "category": rng.choice(CATEGORIES)},
        "seen": None, "consent": None,
    }  # fmt: skip


def _incremental(profile_fields: bool, n: int) -> Iterator[Figure]:
    compiled = segments.compile_workspace(fifty_segments(profile_fields=profile_fields))
    rng, now = random.Random(1), utcnow()
    states: list[dict[str, Any]] = [{} for _ in range(200)]
    last: list[segments.Evaluation | None] = [None] * len(states)
    timings = []
    with segments.tracking(compiled.features):
        for _ in range(n):
            which, event = rng.randrange(len(states)), _event(rng, now)
            state = states[which]
            started = time.perf_counter()
            at = utcnow()
            profiles.apply_event(state, event)
            last[which] = segments.evaluate(
                compiled, state, at, int(at.timestamp() * 1000),
                since=last[which], events=frozenset([event["event"]]),
            )  # fmt: skip
            timings.append((time.perf_counter() - started) * 1e6)
    params = {"segments": 50, "events": n, "profile_fields": profile_fields}
    yield figure("segments", "incremental_per_event_p50", round(statistics.median(timings), 1),
                 "us", **params)  # fmt: skip
    timings.sort()
    yield figure("segments", "incremental_per_event_p99", round(timings[int(0.99 * n)], 1),
                 "us", **params)  # fmt: skip


def _ingest(n: int) -> Iterator[Figure]:
    rng = random.Random(2)
    with scratch_database("sqlite") as settings:
        engine = storage.create_engine(settings)
        rows = [(i, f"s{i}", c) for i, (_, _, c) in enumerate(fifty_segments(profile_fields=False))]
        segments.create_segments(
            engine, 1, [{"key": k, "name": k, "condition": c} for _, k, c in rows]
        )
        now = utcnow()
        messages = [
            {"type": "track", "userId": f"u{rng.randrange(2000)}", "event": rng.choice(NAMES),
             "properties": {"price": rng.randrange(1, 60), "category": rng.choice(CATEGORIES)},
             "timestamp": (now - timedelta(minutes=rng.randrange(60 * 24 * 30))).isoformat()}
            for _ in range(n)
        ]  # fmt: skip
        started = time.perf_counter()
        for i in range(0, n, 100):
            events.ingest(engine, 1, messages[i : i + 100], utcnow(), where="")
        elapsed = time.perf_counter() - started
        engine.dispose()
    yield figure("segments", "ingest_events_per_s", round(n / elapsed), "events/s",
                 backend="sqlite", segments=50, batch=100, events=n)  # fmt: skip


def _state(rng: random.Random, today: int) -> dict[str, Any]:
    daily: dict[str, dict[str, int]] = {}
    for name in NAMES:
        days = {
            str(today - rng.randrange(60)): rng.randrange(1, 4) for _ in range(rng.randrange(4))
        }
        if days:
            daily[name] = days
    counts = {name: sum(days.values()) for name, days in daily.items()}
    return {"first": (today - 60) * 86_400_000, "last": today * 86_400_000,
            "counts": counts, "daily": daily}  # fmt: skip


def _recompute(n: int) -> Iterator[Figure]:
    rng, now = random.Random(3), utcnow()
    today = int(now.timestamp()) // 86_400
    with scratch_database("sqlite") as settings:
        engine = storage.create_engine(settings)
        with storage.write_transaction(engine) as conn:
            rows = [{"id": new_id("prof"), "workspace_id": 1, "state": _state(rng, today),
                     "created_at": now, "updated_at": now} for _ in range(n)]  # fmt: skip
            conn.execute(profiles.profiles.insert(), rows)
        condition = {"$and": [
            {"$event": {"name": "Product Viewed", "within": "7d", "count": {"$gte": 3}}},
            {"$event": {"name": "Order Completed", "within": "7d", "count": 0}},
        ]}  # fmt: skip
        started = time.perf_counter()
        segments.create_segment(engine, 1, "keen", "Keen, no order", condition)
        elapsed = time.perf_counter() - started
        with engine.connect() as conn:
            size = segments.segment_sizes(conn, 1)["keen"]
        engine.dispose()
    yield figure("segments", "recompute_seconds", round(elapsed, 2), "s",
                 backend="sqlite", profiles=n, members=size)  # fmt: skip


def run(quick: bool = False) -> Iterator[Figure]:
    """Every figure of this benchmark."""
    n = 2_000 if quick else 20_000
    yield from _incremental(False, n)
    yield from _incremental(True, n)
    yield from _ingest(2_000 if quick else 20_000)
    yield from _recompute(10_000 if quick else 100_000)
