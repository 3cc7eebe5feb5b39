"""``decide_inproc``: one decide call in-process, on a workspace of the shape the goal names.

20 segments, 10 experiences (5 by rules, 3 experiments, 2 bandits) over 5 placements, 10
flags, a 5% holdout; people from the demo shop. Three figures per backend:

- ``evaluate``: deciding every placement and flag for a person already read (the work the
  GrowthBook SDK does in-process from attributes). Goal: median <= 100 us, p99 <= 500 us.
- ``decide_dry_run``: the whole call without logging: find the person, read their profile
  state, segments and scores, then evaluate.
- ``decide_logged``: the whole call with its exposures committed (one ingest of a few events).
- ``growthbook`` (once, on the first backend): the peer the goal is set against, GrowthBook's
  Python SDK, evaluating the same placements and flags as features from the same people's
  attributes, one ``GrowthBook`` per call as its docs advise for servers (see
  ``_growthbook``). It calibrates ``evaluate`` against the day's machine.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

from growthbook import GrowthBook

from tailored import decide, storage
from tailored.core import utcnow

from . import Figure, _growthbook, figure
from ._databases import backends, scratch_database
from ._workspace import CONTEXTS, build_workspace


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1e6)
    out.sort()
    return out


def _quantile(timings: list[float], q: float) -> float:
    return round(timings[min(len(timings) - 1, int(q * len(timings)))], 1)


def _backend(
    backend: str, visitors: int, calls: int, logged_calls: int, peer: bool
) -> Iterator[Figure]:
    rng = random.Random(7)
    with scratch_database(backend) as settings:
        engine = storage.create_engine(settings)
        users = build_workspace(engine, visitors)
        now = utcnow()
        with engine.connect() as conn:
            config = decide.compiled_config(conn, 1)
            people = [decide.load_person(conn, 1, [u], config)[0] for u in users]
        requests = [
            decide.DecideRequest(user_id=u, context=rng.choice(CONTEXTS), dry_run=True)
            for u in users
        ]
        pairs = list(zip(requests, people, strict=True))

        def evaluate() -> object:
            request, person = rng.choice(pairs)
            return decide.decide_for(engine, 1, config, request, person, now)

        def dry_run() -> object:
            return decide.decide(engine, 1, rng.choice(requests))

        def logged() -> object:
            request = rng.choice(requests)
            live = decide.DecideRequest(user_id=request.user_id, context=request.context)
            return decide.decide(engine, 1, live)

        params = {"backend": backend, "profiles": len(users), "segments": 20,
                  "experiences": 10, "flags": 10}  # fmt: skip
        runs: list[tuple[str, Callable[[], object], int]] = [
            ("evaluate", evaluate, calls),
            ("decide_dry_run", dry_run, calls // 4),
            ("decide_logged", logged, logged_calls),
        ]
        if peer:
            features = _growthbook.features()
            known = [(_growthbook.attributes(p, r), r) for r, p in pairs]

            def growthbook() -> object:
                attrs, _ = rng.choice(known)
                gb = GrowthBook(attributes=attrs, features=features)
                return [gb.get_feature_value(key, None) for key in features]

            runs.append(("growthbook", growthbook, calls // 4))
        for name, fn, n in runs:
            _timed(fn, min(200, n))  # warm up caches and code paths
            timings = _timed(fn, n)
            for label, q in (("p50", 0.5), ("p99", 0.99)):
                yield figure("decide_inproc", f"{name}_{label}", _quantile(timings, q), "us",
                             calls=n, **params)  # fmt: skip
        engine.dispose()


def run(quick: bool = False) -> Iterator[Figure]:
    """Median and p99 of each figure, per backend."""
    visitors, calls, logged_calls = (300, 2000, 300) if quick else (1500, 20000, 2000)
    for n, backend in enumerate(backends()):
        yield from _backend(backend, visitors, calls, logged_calls, peer=n == 0)
