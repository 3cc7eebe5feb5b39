"""Cumulative regret of every policy in simulated environments."""

from __future__ import annotations

from typing import Any

import numpy as np

from tailored.core import ValidationError

from ._config import (
    ExploreThenCommitConfig,
    LinearThompsonConfig,
    LinUCBConfig,
    VowpalWabbitConfig,
)
from ._counting import UCB1, EpsilonGreedy, ExploreThenCommit, UniformRandom
from ._environments import (
    Environment,
    contextual_environment,
    drifting_environment,
    stationary_environment,
)
from ._linear import LinearThompson, LinUCB
from ._policy import BatchPolicy
from ._thompson import BernoulliThompson, GaussianThompson
from ._vw import VowpalWabbit


def cumulative_regret(
    environment: Environment,
    policy: BatchPolicy,
    *,
    batch_size: int = 100,
    seed: int = 0,
    trace: list[tuple[int, float]] | None = None,
) -> float:
    """Sum over rounds of the best expected reward minus that of the arm chosen.

    The policy decides ``batch_size`` rounds at a time and learns their rewards afterwards,
    as it would with rewards arriving late in production. Rewards are Bernoulli draws from
    uniforms fixed by ``seed``, so policies run with one seed see the same luck. When
    ``trace`` is given, ``(rounds so far, cumulative regret)`` is appended after each batch.
    """
    if batch_size < 1:
        raise ValidationError("batch_size must be at least 1", [{"loc": ["batch_size"]}])
    uniforms = np.random.default_rng([seed, 0]).random(environment.rounds)
    arms = list(environment.arms)
    best = environment.means.max(axis=1)
    regret = 0.0
    for start in range(0, environment.rounds, batch_size):
        stop = min(start + batch_size, environment.rounds)
        x = environment.contexts[start:stop]
        chosen = policy.choose_batch(x, arms)
        mean = environment.means[start:stop][np.arange(stop - start), chosen]
        regret += float(np.sum(best[start:stop] - mean))
        rewards = (uniforms[start:stop] < mean).astype(np.float64)
        policy.update_batch(x, arms, chosen, rewards)
        if trace is not None:
            trace.append((stop, regret))
    return regret


def default_policies(
    environment: Environment, *, seed: int = 0, test_fraction: float = 0.1
) -> dict[str, BatchPolicy]:
    """Every built-in policy with its default settings, plus the two baselines: uniform
    allocation and an A/B test that ships its winner after ``test_fraction`` of the rounds."""
    d = environment.n_features
    horizon = int(test_fraction * environment.rounds)
    rngs = iter(np.random.default_rng([seed, 100 + i]) for i in range(9))
    return {
        "uniform": UniformRandom(rng=next(rngs)),
        "ab_test": ExploreThenCommit(ExploreThenCommitConfig(horizon=horizon), rng=next(rngs)),
        "epsilon_greedy": EpsilonGreedy(rng=next(rngs)),
        "ucb1": UCB1(rng=next(rngs)),
        "bernoulli_thompson": BernoulliThompson(rng=next(rngs)),
        "gaussian_thompson": GaussianThompson(rng=next(rngs)),
        "linucb": LinUCB(LinUCBConfig(n_features=d), rng=next(rngs)),
        "linear_thompson": LinearThompson(LinearThompsonConfig(n_features=d), rng=next(rngs)),
        "vw": VowpalWabbit(VowpalWabbitConfig(n_features=d), rng=next(rngs)),
    }


def simulate(
    rounds: int = 100_000,
    seed: int = 0,
    *,
    batch_size: int = 100,
    test_fraction: float = 0.1,
    traces: dict[tuple[str, str], list[tuple[int, float]]] | None = None,
) -> list[dict[str, Any]]:
    """Cumulative regret of every policy in the stationary, drifting and contextual
    environments, next to uniform allocation and a fixed-horizon A/B test.

    Args:
        rounds: Rounds per environment.
        seed: Seeds the environments, the rewards and the policies.
        batch_size: Rounds decided between two updates of the policy.
        test_fraction: Share of the rounds the A/B test runs before shipping its winner.
        traces: When given, filled per ``(environment, policy)`` with the cumulative regret
            after each batch, for plots.

    Returns:
        One dict per (environment, policy): ``environment``, ``policy``, ``rounds``,
        ``cumulative_regret`` and ``regret_vs_uniform`` (the ratio to the regret of uniform
        allocation in the same environment; below 1 is better).
    """
    if not 0.0 <= test_fraction <= 1.0:
        raise ValidationError("test_fraction must lie in [0, 1]", [{"loc": ["test_fraction"]}])
    environments = [
        stationary_environment(rounds, seed),
        drifting_environment(rounds, seed),
        contextual_environment(rounds, seed),
    ]
    table: list[dict[str, Any]] = []
    for env in environments:
        policies = default_policies(env, seed=seed, test_fraction=test_fraction)
        regrets = {}
        for name, policy in policies.items():
            trace = None if traces is None else traces.setdefault((env.name, name), [])
            regrets[name] = cumulative_regret(
                env, policy, batch_size=batch_size, seed=seed, trace=trace
            )
        uniform = regrets["uniform"]
        for name, regret in regrets.items():
            table.append(
                {
                    "environment": env.name,
                    "policy": name,
                    "rounds": rounds,
                    "cumulative_regret": regret,
                    "regret_vs_uniform": regret / uniform if uniform > 0 else float("nan"),
                }
            )
    return table
