"""Multi-armed and contextual bandit policies, off-policy evaluation and simulation.

Every policy obeys :class:`Policy`: ``choose(context, arms) -> (arm, propensity)`` and
``update(context, arm, reward)``. The built-in ones also state their action distribution
(:class:`ExplicitPolicy`), decide and learn in batches (:class:`BatchPolicy`) and store their
state as JSON (:class:`StatefulPolicy`, :func:`policy_from_state`).
"""

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
    VowpalWabbitConfig,
)
from ._counting import UCB1, EpsilonGreedy, ExploreThenCommit, UniformRandom
from ._environments import (
    Environment,
    contextual_environment,
    drifting_environment,
    stationary_environment,
)
from ._estimators import (
    ESTIMATORS,
    Estimate,
    OffPolicyConfig,
    effective_sample_size,
    evaluate,
    importance_weights,
    logged_value,
)
from ._linear import LinearThompson, LinUCB
from ._logged import LoggedFeedback, policy_distribution
from ._obd import OBD_CAMPAIGNS, load_obd, obd_bts_ranking, obd_comparison, read_bts_priors
from ._policy import (
    BasePolicy,
    BatchPolicy,
    Context,
    ExplicitPolicy,
    Policy,
    StatefulPolicy,
    policy_from_state,
)
from ._reward_models import ArmMeanModel, RewardModel, RidgeModel
from ._simulate import cumulative_regret, default_policies, simulate
from ._thompson import BernoulliThompson, GaussianThompson
from ._vw import VowpalWabbit

__all__ = [
    "ESTIMATORS",
    "OBD_CAMPAIGNS",
    "UCB1",
    "ArmMeanModel",
    "BasePolicy",
    "BatchPolicy",
    "BernoulliThompson",
    "BernoulliThompsonConfig",
    "Context",
    "Environment",
    "EpsilonGreedy",
    "EpsilonGreedyConfig",
    "Estimate",
    "ExplicitPolicy",
    "ExploreThenCommit",
    "ExploreThenCommitConfig",
    "GaussianThompson",
    "GaussianThompsonConfig",
    "LinUCB",
    "LinUCBConfig",
    "LinearThompson",
    "LinearThompsonConfig",
    "LoggedFeedback",
    "OffPolicyConfig",
    "Policy",
    "PolicyConfig",
    "RewardModel",
    "RidgeModel",
    "StatefulPolicy",
    "UCB1Config",
    "UniformConfig",
    "UniformRandom",
    "VowpalWabbit",
    "VowpalWabbitConfig",
    "contextual_environment",
    "cumulative_regret",
    "default_policies",
    "drifting_environment",
    "effective_sample_size",
    "evaluate",
    "importance_weights",
    "load_obd",
    "logged_value",
    "obd_bts_ranking",
    "obd_comparison",
    "policy_distribution",
    "policy_from_state",
    "read_bts_priors",
    "simulate",
    "stationary_environment",
]
