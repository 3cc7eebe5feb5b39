"""Simulated environments whose expected rewards are known, so regret can be measured."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tailored.core import ValidationError

from ._arms import FloatArray


@dataclass(frozen=True, eq=False)
class Environment:
    """The context and the expected (click) reward of every arm in every round.

    Attributes:
        name: Short name (``stationary``, ``drifting``, ``contextual``).
        contexts: Features shown to the policy, shape ``(rounds, d)``; a column of ones where
            the environment has no context, so contextual policies learn an intercept.
        means: Expected reward of each arm in each round, shape ``(rounds, k)``, in [0, 1];
            a reward is a Bernoulli draw with that mean.
    """

    name: str
    contexts: FloatArray
    means: FloatArray

    @property
    def arms(self) -> tuple[str, ...]:
        """Arm names ``arm-0`` .. ``arm-{k-1}``."""
        return tuple(f"arm-{i}" for i in range(self.means.shape[1]))

    @property
    def rounds(self) -> int:
        """Number of rounds."""
        return int(self.means.shape[0])

    @property
    def n_features(self) -> int:
        """Number of context columns."""
        return int(self.contexts.shape[1])


def stationary_environment(rounds: int, seed: int = 0, *, n_arms: int = 10) -> Environment:
    """Fixed click rates drawn uniformly from 2% to 12%."""
    _check(rounds, n_arms)
    rng = np.random.default_rng([seed, 1])
    means = np.broadcast_to(rng.uniform(0.02, 0.12, n_arms), (rounds, n_arms))
    return Environment("stationary", np.ones((rounds, 1)), means)


def drifting_environment(
    rounds: int, seed: int = 0, *, n_arms: int = 5, cycles: float = 2.0
) -> Environment:
    """Click rates that oscillate (``cycles`` sine periods over the run, random phases), so
    the best arm changes several times."""
    _check(rounds, n_arms)
    rng = np.random.default_rng([seed, 2])
    base = rng.uniform(0.05, 0.09, n_arms)
    phase = rng.uniform(0.0, 2.0 * np.pi, n_arms)
    t = np.arange(rounds)[:, None] / rounds
    means = base + 0.03 * np.sin(2.0 * np.pi * cycles * t + phase)
    return Environment("drifting", np.ones((rounds, 1)), means)


def contextual_environment(
    rounds: int, seed: int = 0, *, n_arms: int = 10, n_features: int = 6
) -> Environment:
    """Logistic click rates ``sigmoid(x . theta_a)`` over standard normal features (plus an
    intercept column), so the best arm depends on the person."""
    _check(rounds, n_arms)
    if n_features < 2:
        raise ValidationError("a contextual environment needs at least 2 features")
    rng = np.random.default_rng([seed, 3])
    x = np.hstack([np.ones((rounds, 1)), rng.standard_normal((rounds, n_features - 1))])
    theta = rng.normal(0.0, 0.6, (n_arms, n_features))
    theta[:, 0] = rng.uniform(-3.5, -2.5, n_arms)
    means = 1.0 / (1.0 + np.exp(-(x @ theta.T)))
    return Environment("contextual", x, means)


def _check(rounds: int, n_arms: int) -> None:
    if rounds < 1 or n_arms < 2:
        raise ValidationError("an environment needs at least 1 round and 2 arms")
