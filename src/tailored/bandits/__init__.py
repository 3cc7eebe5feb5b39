"""Multi-armed and contextual bandit policies, off-policy evaluation and simulation."""

from __future__ import annotations

from ._config import (
    BernoulliThompsonConfig,
    EpsilonGreedyConfig,
    ExploreThenCommitConfig,
    GaussianThompsonConfig,
    LinearThompsonConfig,
    LinUCBConfig,
    PolicyConfig,
    UCB1Config,
    UniformConfig,
)
from ._counting import UCB1, EpsilonGreedy, ExploreThenCommit, UniformRandom
from ._linear import LinearThompson, LinUCB
from ._policy import (
    BasePolicy,
    BatchPolicy,
    Context,
    ExplicitPolicy,
    Policy,
    StatefulPolicy,
    policy_from_state,
)
from ._thompson import BernoulliThompson, GaussianThompson

__all__ = [
    "UCB1",
    "BasePolicy",
    "BatchPolicy",
    "BernoulliThompson",
    "BernoulliThompsonConfig",
    "Context",
    "EpsilonGreedy",
    "EpsilonGreedyConfig",
    "ExplicitPolicy",
    "ExploreThenCommit",
    "ExploreThenCommitConfig",
    "GaussianThompson",
    "GaussianThompsonConfig",
    "LinUCB",
    "LinUCBConfig",
    "LinearThompson",
    "LinearThompsonConfig",
    "Policy",
    "PolicyConfig",
    "StatefulPolicy",
    "UCB1Config",
    "UniformConfig",
    "UniformRandom",
    "policy_from_state",
]
