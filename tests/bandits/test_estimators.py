"""Off-policy estimators: unbiased where theory says so, with honest intervals."""

from __future__ import annotations

import numpy as np
import pytest

from tailored.bandits import (
    ESTIMATORS,
    ArmMeanModel,
    BernoulliThompson,
    LinUCB,
    LinUCBConfig,
    LoggedFeedback,
    OffPolicyConfig,
    RewardModel,
    RidgeModel,
    effective_sample_size,
    evaluate,
    importance_weights,
    logged_value,
    policy_distribution,
)
from tailored.core import ValidationError

K = 4
ARMS = tuple("abcd")


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class World:
    """Contexts, known click rates, a logging policy and a target policy."""

    def __init__(self, n, seed=0):
        rng = np.random.default_rng(seed)
        self.x = np.hstack([np.ones((n, 1)), rng.standard_normal((n, 2))])
        theta = np.random.default_rng(100).normal(0.0, 1.0, (K, 3))
        theta[:, 0] -= 1.0
        self.means = 1 / (1 + np.exp(-(self.x @ theta.T)))
        self.logging = softmax(self.x @ np.random.default_rng(101).normal(0, 0.5, (3, K)))
        self.target = softmax(2.0 * self.x @ np.random.default_rng(102).normal(0, 1.0, (3, K)))
        self.value = float(np.sum(self.target * self.means) / n)

    def log(self, seed):
        rng = np.random.default_rng(seed)
        n = self.x.shape[0]
        cdf = self.logging.cumsum(axis=1)
        actions = np.minimum((cdf < rng.random((n, 1))).sum(axis=1), K - 1)
        rows = np.arange(n)
        rewards = (rng.random(n) < self.means[rows, actions]).astype(float)
        return LoggedFeedback(ARMS, actions, rewards, self.logging[rows, actions], self.x)


class ConstantModel:
    """A deliberately wrong reward model."""

    def fit(self, logged, weights=None):
        self.k = logged.n_arms

    def predict(self, logged):
        return np.full((len(logged), self.k), 0.5)


def test_intervals_cover_the_true_value():
    world = World(6000)
    logged = world.log(1)
    config = OffPolicyConfig(n_bootstrap=300, seed=2)
    for model in (ArmMeanModel(), RidgeModel()):
        estimates = evaluate(logged, world.target, model=model, config=config)
        for name in ("ips", "snips", "dr"):
            e = estimates[name]
            assert e.lower <= world.value <= e.upper, (name, e, world.value)
            assert e.upper - e.lower < 0.1


def test_ips_snips_and_dr_are_unbiased_over_repeated_logs():
    world = World(400, seed=3)
    config = OffPolicyConfig(n_bootstrap=0)
    runs = {name: [] for name in ESTIMATORS}
    wrong = {"dr_wrong_model": []}
    for seed in range(300):
        logged = world.log(seed)
        for name, e in evaluate(logged, world.target, config=config, model=RidgeModel()).items():
            runs[name].append(e.value)
        dr = evaluate(logged, world.target, estimators=["dr"], model=ConstantModel(), config=config)
        wrong["dr_wrong_model"].append(dr["dr"].value)
    for name in ("ips", "snips", "dr"):
        values = np.array(runs[name])
        se = values.std(ddof=1) / np.sqrt(values.size)
        assert abs(values.mean() - world.value) < 3.5 * se + 1e-3, name
    values = np.array(wrong["dr_wrong_model"])
    assert abs(values.mean() - world.value) < 3.5 * values.std(ddof=1) / np.sqrt(values.size)


def test_a_wrong_model_biases_the_direct_method_but_not_dr():
    world = World(20_000, seed=4)
    logged = world.log(5)
    config = OffPolicyConfig(n_bootstrap=0)
    dm = evaluate(logged, world.target, estimators=["dm"], model=ConstantModel(), config=config)
    dr = evaluate(logged, world.target, estimators=["dr"], model=ConstantModel(), config=config)
    assert abs(dm["dm"].value - world.value) > 0.1
    assert abs(dr["dr"].value - world.value) < 0.03


def test_weights_and_effective_sample_size():
    n = 1000
    uniform = LoggedFeedback(ARMS, np.arange(n) % K, np.zeros(n), np.full(n, 1 / K))
    same = np.full((n, K), 1 / K)
    assert np.allclose(importance_weights(uniform, same), 1.0)
    assert effective_sample_size(importance_weights(uniform, same)) == pytest.approx(n)
    always_a = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    w = importance_weights(uniform, always_a)
    assert effective_sample_size(w) == pytest.approx(n / K)
    assert effective_sample_size(np.zeros(3)) == 0.0
    result = evaluate(uniform, always_a, estimators=["ips"], config=OffPolicyConfig(n_bootstrap=10))
    assert result["ips"].effective_sample_size == pytest.approx(n / K)
    assert result["ips"].rounds == n


def test_without_a_bootstrap_there_is_no_interval():
    logged = World(200).log(0)
    e = evaluate(logged, World(200).target, config=OffPolicyConfig(n_bootstrap=0))["snips"]
    assert e.lower is None and e.upper is None
    assert set(e.as_dict()) == {
        "estimator",
        "value",
        "lower",
        "upper",
        "effective_sample_size",
        "rounds",
    }


def test_intervals_are_reproducible_with_a_seed():
    world = World(500)
    logged = world.log(0)
    config = OffPolicyConfig(n_bootstrap=50, seed=7)
    assert evaluate(logged, world.target, config=config) == evaluate(
        logged, world.target, config=config
    )


def test_logged_value_is_the_mean_reward():
    logged = World(2000).log(0)
    e = logged_value(logged, config=OffPolicyConfig(n_bootstrap=200))
    assert e.value == pytest.approx(logged.rewards.mean())
    assert e.lower < e.value < e.upper
    assert e.estimator == "logged"


def test_models_predict_every_arm():
    world = World(3000)
    logged = world.log(0)
    for model in (ArmMeanModel(), RidgeModel()):
        assert isinstance(model, RewardModel)
        with pytest.raises(ValidationError):
            model.predict(logged)
        model.fit(logged)
        q = model.predict(logged)
        assert q.shape == (3000, K)
        for a in range(K):
            shown = logged.actions == a
            # Both fit the rewards of the rows where the arm was shown (up to shrinkage).
            assert q[shown, a].mean() == pytest.approx(logged.rewards[shown].mean(), abs=0.02)


def test_ridge_follows_the_context():
    world = World(5000)
    logged = world.log(0)
    model = RidgeModel(alpha=0.1)
    model.fit(logged)
    err_ridge = np.abs(model.predict(logged) - world.means).mean()
    arm_mean = ArmMeanModel()
    arm_mean.fit(logged)
    assert err_ridge < 0.7 * np.abs(arm_mean.predict(logged) - world.means).mean()


def test_policy_distribution_of_live_policies():
    logged = World(50).log(0)
    ts = BernoulliThompson(rng=np.random.default_rng(0))
    ts.update(None, "a", 1.0)
    p = policy_distribution(
        ts, LoggedFeedback(ARMS, logged.actions, logged.rewards, logged.propensities)
    )
    assert p.shape == (50, K) and np.allclose(p.sum(axis=1), 1.0)
    assert np.all(p == p[0])
    linucb = LinUCB(LinUCBConfig(n_features=3), rng=np.random.default_rng(0))
    linucb.update([1.0, 2.0, 0.0], "b", 1.0)
    q = policy_distribution(linucb, logged)
    assert q.shape == (50, K) and np.allclose(q.sum(axis=1), 1.0)
    assert len({tuple(row) for row in q.round(6)}) > 1, "depends on the context"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"propensities": np.array([0.0, 0.5])},
        {"propensities": np.array([0.5, 1.5])},
        {"actions": np.array([0, 4])},
        {"actions": np.array([0])},
        {"rewards": np.array([np.nan, 1.0])},
        {"contexts": np.ones((3, 2))},
        {"positions": np.array([-1, 0])},
        {"arms": ()},
    ],
)
def test_bad_logs_are_refused(kwargs):
    base = {
        "arms": ARMS,
        "actions": np.array([0, 1]),
        "rewards": np.array([1.0, 0.0]),
        "propensities": np.array([0.5, 0.5]),
    }
    with pytest.raises(ValidationError):
        LoggedFeedback(**{**base, **kwargs})


def test_bad_targets_and_estimators_are_refused():
    logged = World(20).log(0)
    good = np.full((20, K), 1 / K)
    for bad in (np.full((20, K - 1), 1 / (K - 1)), np.full((20, K), 0.5), -good):
        with pytest.raises(ValidationError, match="target"):
            evaluate(logged, bad)
    with pytest.raises(ValidationError, match="unknown estimators"):
        evaluate(logged, good, estimators=["magic"])
    with pytest.raises(ValidationError):
        ArmMeanModel(prior_weight=-1)
    with pytest.raises(ValidationError):
        RidgeModel(alpha=0)
