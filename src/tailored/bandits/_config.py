"""Typed settings of every policy, one pydantic model each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PolicyConfig(BaseModel):
    """Settings every policy shares."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    exploration_floor: float = Field(default=0.001, ge=0.0, lt=1.0)
    """Least probability any offered arm gets. The policy's own distribution ``p`` is mixed
    with the uniform one as ``(1 - k * floor) * p + floor`` for ``k`` arms, so logged
    propensities support off-policy evaluation of other policies; ``k * floor`` must be at
    most 1."""


class UniformConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.UniformRandom` (the floor changes nothing)."""


class ExploreThenCommitConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.ExploreThenCommit`: an A/B test that ships."""

    horizon: int = Field(default=1000, ge=0)
    """Number of rewards learned from while allocating uniformly; after that the arm with the
    best mean is shipped and later rewards are not learned from."""


class EpsilonGreedyConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.EpsilonGreedy`.

    After ``t`` updates the exploration rate is ``max(min_epsilon, epsilon / (1 + decay * t))``.
    """

    epsilon: float = Field(default=1.0, ge=0.0, le=1.0)
    """Exploration rate before the first update: the share of traffic spread uniformly."""

    decay: float = Field(default=0.01, ge=0.0)
    """How fast the exploration rate falls with the number of updates (0 keeps it fixed)."""

    min_epsilon: float = Field(default=0.0, ge=0.0, le=1.0)
    """Exploration rate the schedule never goes below."""


class UCB1Config(PolicyConfig):
    """Settings of :class:`~tailored.bandits.UCB1` (rewards are assumed to lie in [0, 1])."""

    exploration: float = Field(default=1.0, ge=0.0)
    """Multiplier of the confidence width ``sqrt(2 ln n / n_arm)``; 1 is the textbook UCB1."""


class BernoulliThompsonConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.BernoulliThompson` (rewards in [0, 1])."""

    prior_alpha: float = Field(default=1.0, gt=0.0)
    """Beta prior pseudo-successes of an arm seen for the first time."""

    prior_beta: float = Field(default=1.0, gt=0.0)
    """Beta prior pseudo-failures of an arm seen for the first time."""

    draws: int = Field(default=1000, ge=1)
    """Monte Carlo posterior draws per arm used to estimate the action distribution."""


class GaussianThompsonConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.GaussianThompson`: a Normal-Gamma prior on each
    arm's mean and precision, for continuous rewards such as revenue."""

    prior_mean: float = 0.0
    """Prior guess of an arm's mean reward."""

    prior_strength: float = Field(default=0.01, gt=0.0)
    """How many observations the prior mean is worth (small: the data decides quickly)."""

    prior_shape: float = Field(default=1.0, gt=0.0)
    """Gamma shape of the prior on the reward precision."""

    prior_rate: float = Field(default=1.0, gt=0.0)
    """Gamma rate of the prior on the reward precision (about the prior variance times the
    shape)."""

    draws: int = Field(default=1000, ge=1)
    """Monte Carlo posterior draws per arm used to estimate the action distribution."""


class LinUCBConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.LinUCB` (one ridge regression per arm)."""

    n_features: int = Field(ge=1)
    """Length of the numeric context vector."""

    alpha: float = Field(default=1.0, ge=0.0)
    """Width of the upper confidence bound, in posterior standard deviations."""

    ridge: float = Field(default=1.0, gt=0.0)
    """Ridge penalty: the prior precision of every coefficient."""


class LinearThompsonConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.LinearThompson` (Bayesian ridge per arm)."""

    n_features: int = Field(ge=1)
    """Length of the numeric context vector."""

    scale: float = Field(default=0.5, gt=0.0)
    """Posterior scale: the expected reward of an arm is drawn from
    ``N(x . theta, scale^2 x' A^-1 x)``; smaller explores less."""

    ridge: float = Field(default=1.0, gt=0.0)
    """Ridge penalty: the prior precision of every coefficient."""

    draws: int = Field(default=400, ge=1)
    """Monte Carlo draws per arm used to estimate the action distribution for a context."""


class VowpalWabbitConfig(PolicyConfig):
    """Settings of :class:`~tailored.bandits.VowpalWabbit` (``cb_explore_adf``)."""

    n_features: int = Field(ge=1)
    """Length of the numeric context vector (zeros are left out: sparse contexts are cheap)."""

    explore: Literal["epsilon", "squarecb"] = "squarecb"
    """Vowpal Wabbit's exploration: ``epsilon``-greedy, or SquareCB (Foster and Rakhlin,
    2020), which explores arms in proportion to how close they look to the best."""

    epsilon: float = Field(default=0.05, ge=0.0, le=1.0)
    """For ``explore: epsilon``: the probability spread uniformly over the arms."""

    gamma_scale: float = Field(default=10.0, gt=0.0)
    """For ``explore: squarecb``: larger exploits sooner."""

    learning_rate: float = Field(default=0.5, gt=0.0)
    """Vowpal Wabbit's ``--learning_rate``."""
