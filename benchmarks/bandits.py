"""Bandit policies: ``choose`` latency, ``update`` throughput and simulated regret.

Latency goals (in-process, one core): ``choose`` p99 <= 200 us for 10 arms without context,
<= 1 ms for 50 arms with 20 context features (LinUCB, linear Thompson sampling, Vowpal
Wabbit).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks import Figure, figure
from tailored.bandits import (
    UCB1,
    BasePolicy,
    BernoulliThompson,
    EpsilonGreedy,
    ExploreThenCommit,
    GaussianThompson,
    LinearThompson,
    LinearThompsonConfig,
    LinUCB,
    LinUCBConfig,
    UniformRandom,
    VowpalWabbit,
    VowpalWabbitConfig,
    simulate,
)

BENCH = "bandits"
_GOAL_US = {0: 200.0, 20: 1000.0}


def _cases(seed: int) -> Iterator[tuple[str, BasePolicy[Any], int, int]]:
    """(name, policy, arms, features) for every measured policy."""
    rng = np.random.default_rng(seed)
    yield "uniform", UniformRandom(rng=rng), 10, 0
    yield "ab_test", ExploreThenCommit(rng=rng), 10, 0
    yield "epsilon_greedy", EpsilonGreedy(rng=rng), 10, 0
    yield "ucb1", UCB1(rng=rng), 10, 0
    yield "bernoulli_thompson", BernoulliThompson(rng=rng), 10, 0
    yield "gaussian_thompson", GaussianThompson(rng=rng), 10, 0
    yield "linucb", LinUCB(LinUCBConfig(n_features=20), rng=rng), 50, 20
    yield "linear_thompson", LinearThompson(LinearThompsonConfig(n_features=20), rng=rng), 50, 20
    yield "vw", VowpalWabbit(VowpalWabbitConfig(n_features=20), rng=rng), 50, 20


def _contexts(rng: np.random.Generator, n: int, d: int) -> list[list[float] | None]:
    if d == 0:
        return [None] * n
    return [[1.0, *row] for row in rng.standard_normal((n, d - 1)).tolist()]


def _warm_up(policy: BasePolicy[Any], arms: list[str], d: int, rounds: int) -> None:
    rng = np.random.default_rng(1)
    x = np.hstack([np.ones((rounds, 1)), rng.standard_normal((rounds, max(d, 1) - 1))])
    chosen = rng.integers(0, len(arms), rounds)
    policy.update_batch(
        x[:, :d] if d else x, arms, chosen, (rng.random(rounds) < 0.1).astype(np.float64)
    )


def _choose_figures(quick: bool) -> Iterator[Figure]:
    n = 2_000 if quick else 20_000
    for name, policy, k, d in _cases(0):
        arms = [f"arm-{i}" for i in range(k)]
        _warm_up(policy, arms, d, 5_000)
        contexts = _contexts(np.random.default_rng(2), n, d)
        for mode in ("no_updates", "update_every_call"):
            lat = np.empty(n)
            for i, x in enumerate(contexts):
                start = time.perf_counter_ns()
                arm, _ = policy.choose(x, arms)
                lat[i] = (time.perf_counter_ns() - start) / 1000.0
                if mode == "update_every_call":
                    policy.update(x, arm, float(i % 10 == 0))
            params = {"policy": name, "arms": k, "features": d, "mode": mode, "calls": n}
            goal = _GOAL_US[d]
            yield figure(BENCH, "choose_p50", float(np.percentile(lat, 50)), "us", **params)
            yield figure(
                BENCH, "choose_p99", float(np.percentile(lat, 99)), "us", goal=goal, **params
            )


def _update_figures(quick: bool) -> Iterator[Figure]:
    n = 2_000 if quick else 20_000
    for name, policy, k, d in _cases(3):
        arms = [f"arm-{i}" for i in range(k)]
        contexts = _contexts(np.random.default_rng(4), n, d)
        picks = np.random.default_rng(5).integers(0, k, n).tolist()
        start = time.perf_counter()
        for i, (x, a) in enumerate(zip(contexts, picks, strict=True)):
            policy.update(x, arms[a], float(i % 10 == 0))
        rate = n / (time.perf_counter() - start)
        params = {"policy": name, "arms": k, "features": d}
        yield figure(BENCH, "update_throughput", rate, "updates/s", **params)
        batch = np.ones((1000, max(d, 1)))
        batch[:, 1:] = np.random.default_rng(6).standard_normal((1000, max(d, 1) - 1))
        chosen = np.asarray(picks[:1000], dtype=np.int64)
        rewards = (np.arange(1000) % 10 == 0).astype(np.float64)
        start = time.perf_counter()
        policy.update_batch(batch, arms, chosen, rewards)
        rate = 1000 / (time.perf_counter() - start)
        yield figure(BENCH, "update_batch_throughput", rate, "updates/s", batch=1000, **params)


def _regret_figures(quick: bool) -> Iterator[Figure]:
    rounds = 10_000 if quick else 100_000
    start = time.perf_counter()
    table = simulate(rounds=rounds, seed=0)
    elapsed = time.perf_counter() - start
    for row in table:
        params = {"environment": row["environment"], "policy": row["policy"], "rounds": rounds}
        yield figure(BENCH, "cumulative_regret", row["cumulative_regret"], "clicks", **params)
        yield figure(BENCH, "regret_vs_uniform", row["regret_vs_uniform"], "ratio", **params)
    yield figure(BENCH, "simulate_seconds", elapsed, "s", rounds=rounds, rows=len(table))


def run(quick: bool) -> Iterator[Figure]:
    """Every figure of this benchmark."""
    yield from _choose_figures(quick)
    yield from _update_figures(quick)
    yield from _regret_figures(quick)
