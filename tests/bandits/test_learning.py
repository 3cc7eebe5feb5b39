"""Policies learn: the best arm of a stationary environment, per-context arms, regret."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tailored.bandits import (
    BernoulliThompson,
    Environment,
    GaussianThompson,
    GaussianThompsonConfig,
    LinearThompson,
    LinearThompsonConfig,
    LinUCB,
    LinUCBConfig,
    UniformRandom,
    contextual_environment,
    cumulative_regret,
    default_policies,
    drifting_environment,
    simulate,
    stationary_environment,
)
from tailored.core import ValidationError

from .test_contract import FACTORIES, context

RATES = {"a": 0.2, "b": 0.5, "c": 0.8}


@pytest.mark.parametrize("kind", sorted(set(FACTORIES) - {"uniform"}))
def test_each_policy_learns_the_best_arm(kind):
    policy = FACTORIES[kind](np.random.default_rng(0))
    rng = np.random.default_rng(1)
    arms = list(RATES)
    for _ in range(1500):
        x = context(kind, rng)
        arm, _ = policy.choose(x, arms)
        policy.update(x, arm, float(rng.random() < RATES[arm]))
    p = policy.probabilities(context(kind, rng), arms)
    assert p.argmax() == arms.index("c")
    assert p[arms.index("c")] > 0.8


def test_uniform_allocation_does_not_learn():
    policy = UniformRandom(rng=np.random.default_rng(0))
    for _ in range(200):
        policy.update(None, "c", 1.0)
    assert np.allclose(policy.probabilities(None, list(RATES)), 1 / 3)


@pytest.mark.parametrize(
    "cls,config", [(LinUCB, LinUCBConfig), (LinearThompson, LinearThompsonConfig)]
)
def test_contextual_policies_learn_a_best_arm_per_context(cls, config):
    policy = cls(config(n_features=2), rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    # Segment [1, 0] clicks on "a", segment [0, 1] on "b".
    rates = {(0, "a"): 0.7, (0, "b"): 0.2, (1, "a"): 0.2, (1, "b"): 0.7}
    for _ in range(1500):
        seg = int(rng.integers(0, 2))
        x = [1.0 - seg, float(seg)]
        arm, _ = policy.choose(x, ["a", "b"])
        policy.update(x, arm, float(rng.random() < rates[seg, arm]))
    assert policy.probabilities([1.0, 0.0], ["a", "b"])[0] > 0.9
    assert policy.probabilities([0.0, 1.0], ["a", "b"])[1] > 0.9


def test_gaussian_thompson_learns_from_revenue():
    policy = GaussianThompson(GaussianThompsonConfig(), rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    mean = {"cheap": 40.0, "premium": 55.0}
    for _ in range(600):
        arm, _ = policy.choose(None, list(mean))
        policy.update(None, arm, max(0.0, rng.normal(mean[arm], 30.0)))
    assert policy.probabilities(None, ["cheap", "premium"])[1] > 0.9


def test_gaussian_statistics_match_numpy():
    policy = GaussianThompson(rng=np.random.default_rng(0))
    rng = np.random.default_rng(2)
    rewards = rng.normal(1e6, 3.0, 300)
    policy.update_batch(np.zeros((100, 0)), ["a"], np.zeros(100, dtype=int), rewards[:100])
    for r in rewards[100:]:
        policy.update(None, "a", r)
    stats = policy.state()["stats"]
    assert stats["n"][0] == 300
    assert stats["mean"][0] == pytest.approx(rewards.mean(), rel=1e-12)
    assert stats["m2"][0] / 300 == pytest.approx(rewards.var(), rel=1e-6)


def test_thompson_probabilities_match_the_exact_ones():
    # P(Beta(2, 1) > Beta(1, 1)) = 2/3.
    policy = BernoulliThompson(rng=np.random.default_rng(0))
    policy.update(None, "b", 1.0)
    ranking = policy.ranking_probabilities(["a", "b"], 2, draws=40_000)
    assert ranking[1, 0] == pytest.approx(2 / 3, abs=0.01)
    assert np.allclose(ranking.sum(axis=0), 1.0) and np.allclose(ranking.sum(axis=1), 1.0)
    p = policy.probabilities(None, ["a", "b"])
    assert p[1] == pytest.approx(0.001 + 0.998 * 2 / 3, abs=0.05)


def test_environments_have_known_means():
    for env in (
        stationary_environment(500, 1),
        drifting_environment(500, 1),
        contextual_environment(500, 1),
    ):
        assert isinstance(env, Environment)
        assert env.means.shape == (500, len(env.arms))
        assert env.contexts.shape == (500, env.n_features)
        assert np.all((env.means >= 0) & (env.means <= 1))
    drifting = drifting_environment(1000, 1)
    assert len(set(drifting.means.argmax(axis=1))) > 1, "the best arm changes"
    contextual = contextual_environment(1000, 1)
    assert len(set(contextual.means.argmax(axis=1))) > 1, "the best arm depends on the context"
    with pytest.raises(ValidationError):
        stationary_environment(0)


def test_learning_policies_beat_uniform_allocation():
    env = stationary_environment(5000, 3)
    regrets = {
        name: cumulative_regret(env, policy, seed=3)
        for name, policy in default_policies(env, seed=3).items()
    }
    expected_uniform = float(np.sum(env.means.max(axis=1) - env.means.mean(axis=1)))
    assert regrets["uniform"] == pytest.approx(expected_uniform, rel=0.05)
    for name in ("bernoulli_thompson", "gaussian_thompson", "epsilon_greedy", "linucb"):
        assert regrets[name] < 0.6 * regrets["uniform"], name


def test_contextual_policies_win_where_context_matters():
    env = contextual_environment(5000, 0)
    policies = default_policies(env, seed=0)
    regrets = {name: cumulative_regret(env, p, seed=0) for name, p in policies.items()}
    best_context_free = min(regrets["bernoulli_thompson"], regrets["ucb1"])
    contextual = ("linucb", "linear_thompson", "vw")
    assert max(regrets[name] for name in contextual) < 0.6 * best_context_free


def test_simulate_reports_every_environment_and_policy():
    table = simulate(rounds=2000, seed=1)
    assert {row["environment"] for row in table} == {"stationary", "drifting", "contextual"}
    assert len(table) == 3 * 9
    for row in table:
        assert set(row) == {
            "environment",
            "policy",
            "rounds",
            "cumulative_regret",
            "regret_vs_uniform",
        }
        assert row["rounds"] == 2000 and row["cumulative_regret"] >= 0
        assert math.isfinite(row["regret_vs_uniform"])
    uniform = [r for r in table if r["policy"] == "uniform"]
    assert all(r["regret_vs_uniform"] == 1.0 for r in uniform)
    assert simulate(rounds=2000, seed=1) == table, "a seed fixes the whole simulation"
