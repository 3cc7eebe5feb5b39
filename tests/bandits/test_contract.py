"""The contract every policy obeys, run over each built-in policy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tailored.bandits import (
    UCB1,
    BatchPolicy,
    BernoulliThompson,
    BernoulliThompsonConfig,
    EpsilonGreedy,
    EpsilonGreedyConfig,
    ExplicitPolicy,
    ExploreThenCommit,
    ExploreThenCommitConfig,
    GaussianThompson,
    GaussianThompsonConfig,
    LinearThompson,
    LinearThompsonConfig,
    LinUCB,
    LinUCBConfig,
    Policy,
    StatefulPolicy,
    UCB1Config,
    UniformConfig,
    UniformRandom,
    VowpalWabbit,
    VowpalWabbitConfig,
    policy_from_state,
)
from tailored.core import ValidationError

FLOOR = 0.01
D = 3
ARMS = ["a", "b", "c", "d"]

FACTORIES = {
    "uniform": lambda rng: UniformRandom(UniformConfig(exploration_floor=FLOOR), rng=rng),
    "ab_test": lambda rng: ExploreThenCommit(
        ExploreThenCommitConfig(exploration_floor=FLOOR, horizon=20), rng=rng
    ),
    "epsilon_greedy": lambda rng: EpsilonGreedy(
        EpsilonGreedyConfig(exploration_floor=FLOOR, epsilon=0.5, decay=0.1), rng=rng
    ),
    "ucb1": lambda rng: UCB1(UCB1Config(exploration_floor=FLOOR), rng=rng),
    "bernoulli_thompson": lambda rng: BernoulliThompson(
        BernoulliThompsonConfig(exploration_floor=FLOOR, draws=500), rng=rng
    ),
    "gaussian_thompson": lambda rng: GaussianThompson(
        GaussianThompsonConfig(exploration_floor=FLOOR, draws=500), rng=rng
    ),
    "linucb": lambda rng: LinUCB(LinUCBConfig(exploration_floor=FLOOR, n_features=D), rng=rng),
    "linear_thompson": lambda rng: LinearThompson(
        LinearThompsonConfig(exploration_floor=FLOOR, n_features=D, draws=500), rng=rng
    ),
    "vw": lambda rng: VowpalWabbit(
        VowpalWabbitConfig(exploration_floor=FLOOR, n_features=D), rng=rng
    ),
}
CONTEXTUAL = {"linucb", "linear_thompson", "vw"}


@pytest.fixture(params=sorted(FACTORIES))
def kind(request):
    return request.param


def make(kind, seed=0):
    return FACTORIES[kind](np.random.default_rng(seed))


def context(kind, rng):
    return [1.0, *rng.standard_normal(D - 1)] if kind in CONTEXTUAL else None


def contexts(kind, rng, n):
    x = np.hstack([np.ones((n, 1)), rng.standard_normal((n, D - 1))])
    return x if kind in CONTEXTUAL else np.zeros((n, 0))


def trained(kind, seed=0, rounds=60):
    """A policy after ``rounds`` of its own decisions on arms with click rates .1 .. .7."""
    policy = make(kind, seed)
    rng = np.random.default_rng(seed + 1)
    rates = dict(zip(ARMS, [0.1, 0.3, 0.5, 0.7], strict=True))
    for _ in range(rounds):
        x = context(kind, rng)
        arm, _ = policy.choose(x, ARMS)
        policy.update(x, arm, float(rng.random() < rates[arm]))
    return policy


def test_every_policy_has_every_capability(kind):
    policy = make(kind)
    assert isinstance(policy, Policy)
    assert isinstance(policy, ExplicitPolicy)
    assert isinstance(policy, BatchPolicy)
    assert isinstance(policy, StatefulPolicy)
    assert policy.kind == kind


def test_choose_returns_an_offered_arm_with_its_true_probability(kind):
    policy = trained(kind)
    rng = np.random.default_rng(5)
    for _ in range(20):
        x = context(kind, rng)
        p = policy.probabilities(x, ARMS)
        arm, propensity = policy.choose(x, ARMS)
        assert arm in ARMS
        assert FLOOR <= propensity <= 1.0
        assert propensity == pytest.approx(p[ARMS.index(arm)])


def test_the_action_distribution_sums_to_one_above_the_floor(kind):
    rng = np.random.default_rng(6)
    for policy in (make(kind), trained(kind, rounds=10), trained(kind, rounds=80)):
        p = policy.probabilities(context(kind, rng), ARMS)
        assert p.shape == (len(ARMS),)
        assert p.sum() == pytest.approx(1.0)
        assert np.all(p >= FLOOR - 1e-12)
        assert np.all(p <= 1.0)


def test_decisions_are_deterministic_with_a_seed(kind):
    first, second = trained(kind, seed=3), trained(kind, seed=3)
    assert first.state() == second.state()
    rng1, rng2 = np.random.default_rng(9), np.random.default_rng(9)
    picks1 = [first.choose(context(kind, rng1), ARMS) for _ in range(30)]
    picks2 = [second.choose(context(kind, rng2), ARMS) for _ in range(30)]
    assert picks1 == picks2


def test_state_round_trips_through_json(kind):
    policy = trained(kind, rounds=40)
    state = json.loads(json.dumps(policy.state()))
    restored = policy_from_state(state, rng=np.random.default_rng(1))
    assert type(restored) is type(policy)
    assert restored.state() == policy.state()
    assert restored.config == policy.config
    again = type(policy).from_state(state, rng=np.random.default_rng(1))
    x = context(kind, np.random.default_rng(2))
    assert np.allclose(restored.probabilities(x, ARMS), again.probabilities(x, ARMS))
    # Monte Carlo policies agree up to their simulation error; the others exactly.
    assert np.allclose(restored.probabilities(x, ARMS), policy.probabilities(x, ARMS), atol=0.1)


def test_a_batch_update_equals_the_single_updates(kind):
    rng = np.random.default_rng(4)
    n = 50
    x = contexts(kind, rng, n)
    chosen = rng.integers(0, len(ARMS), n)
    rewards = (rng.random(n) < 0.4).astype(float)
    one, batch = make(kind), make(kind)
    for i in range(n):
        one.update(x[i] if kind in CONTEXTUAL else None, ARMS[chosen[i]], rewards[i])
    batch.update_batch(x, ARMS, chosen, rewards)
    s1, s2 = one.state(), batch.state()
    assert s1["updates"] == s2["updates"] == n
    assert sorted(s1["arms"]) == sorted(s2["arms"]) == sorted(ARMS)
    for arm in ARMS:
        i1, i2 = s1["arms"].index(arm), s2["arms"].index(arm)
        for key in s1["stats"]:
            assert np.allclose(s1["stats"][key][i1], s2["stats"][key][i2])


def test_a_batch_of_choices_follows_the_action_distribution(kind):
    policy = trained(kind, rounds=30)
    n = 4000
    x = np.tile([1.0, 0.5, -0.5], (n, 1)) if kind in CONTEXTUAL else np.zeros((n, 0))
    chosen = policy.choose_batch(x, ARMS)
    assert chosen.shape == (n,) and chosen.min() >= 0 and chosen.max() < len(ARMS)
    freq = np.bincount(chosen, minlength=len(ARMS)) / n
    p = policy.probabilities(x[0] if kind in CONTEXTUAL else None, ARMS)
    assert np.allclose(freq, p, atol=0.05)


def test_a_new_arm_can_join_at_any_time(kind):
    policy = trained(kind, rounds=30)
    rng = np.random.default_rng(0)
    p = policy.probabilities(context(kind, rng), [*ARMS, "new"])
    assert p.shape == (5,) and p.sum() == pytest.approx(1.0) and p[-1] >= FLOOR
    policy.update(context(kind, rng), "newer", 1.0)
    assert "newer" in policy.arms


@pytest.mark.parametrize("arms", [[], ["a", "a"], ["a", ""], ["a", 3]])
def test_bad_arms_are_refused(kind, arms):
    with pytest.raises(ValidationError):
        make(kind).choose(context(kind, np.random.default_rng(0)), arms)


@pytest.mark.parametrize("reward", [float("nan"), float("inf"), "many", None])
def test_a_reward_that_is_not_a_finite_number_is_refused(kind, reward):
    policy = make(kind)
    with pytest.raises(ValidationError, match="reward"):
        policy.update(context(kind, np.random.default_rng(0)), "a", reward)
    assert policy.updates == 0 and policy.arms == ()


def test_a_floor_above_one_over_k_is_refused(kind):
    policy = make(kind)
    arms = [f"arm-{i}" for i in range(101)]
    with pytest.raises(ValidationError, match="exploration_floor"):
        policy.choose(context(kind, np.random.default_rng(0)), arms)


@pytest.mark.parametrize(
    "change",
    [
        {"policy": "no-such-policy"},
        {"format": 99},
        {"config": {"exploration_floor": 2.0}},
        {"arms": ["a"]},
        {"stats": {}},
        {"updates": -1},
    ],
)
def test_a_broken_state_is_refused(kind, change):
    state = {**trained(kind, rounds=10).state(), **change}
    with pytest.raises(ValidationError):
        policy_from_state(state)


def test_contextual_policies_check_the_context():
    policy = make("linucb")
    for bad in (None, [1.0, 2.0], [1.0, float("inf"), 0.0], "abc"):
        with pytest.raises(ValidationError, match="context"):
            policy.choose(bad, ARMS)
    with pytest.raises(ValidationError, match="contexts"):
        policy.choose_batch(np.ones((3, 2)), ARMS)


def test_batch_arguments_are_checked():
    policy = make("ucb1")
    with pytest.raises(ValidationError):
        policy.update_batch(np.zeros((2, 0)), ARMS, np.array([0, 9]), np.array([1.0, 0.0]))
    with pytest.raises(ValidationError):
        policy.update_batch(np.zeros((2, 0)), ARMS, np.array([0]), np.array([1.0, 0.0]))
    with pytest.raises(ValidationError):
        policy.choose_batch(np.zeros(3), ARMS)


def test_bernoulli_thompson_needs_rewards_in_the_unit_interval():
    with pytest.raises(ValidationError, match=r"\[0, 1\]"):
        make("bernoulli_thompson").update(None, "a", 2.0)


def test_linear_policies_need_their_dimension():
    with pytest.raises(ValidationError, match="needs a config"):
        LinUCB()


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(sorted(FACTORIES)),
    history=st.lists(
        st.tuples(st.sampled_from(ARMS), st.floats(0.0, 1.0, allow_nan=False)), max_size=40
    ),
    offered=st.lists(st.sampled_from([*ARMS, "x", "y"]), min_size=1, max_size=6, unique=True),
)
# A reward too small for single precision once made Vowpal Wabbit's predictions NaN.
@example(kind="vw", history=[("a", 3.251418739471985e-201)], offered=["a", "b"])
def test_any_history_keeps_a_valid_distribution(kind, history, offered):
    policy = make(kind)
    rng = np.random.default_rng(0)
    for arm, reward in history:
        policy.update(context(kind, rng), arm, reward)
    x = context(kind, rng)
    p = policy.probabilities(x, offered)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(p >= FLOOR - 1e-12)
    arm, propensity = policy.choose(x, offered)
    assert arm in offered and propensity == pytest.approx(p[offered.index(arm)])
