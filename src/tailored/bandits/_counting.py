"""Policies that keep only a count and a reward sum per arm."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._arms import FloatArray, IntArray, greedy
from ._config import EpsilonGreedyConfig, ExploreThenCommitConfig, UCB1Config, UniformConfig
from ._policy import BasePolicy, ConfigT


class _CountingPolicy(BasePolicy[ConfigT]):
    """Per-arm ``n`` (rewards seen) and ``sum`` (their total)."""

    def _defaults(self) -> dict[str, npt.ArrayLike]:
        return {"n": 0.0, "sum": 0.0}

    def _learn(self, _x: FloatArray | None, rows: IntArray, rewards: FloatArray) -> None:
        size = len(self._table)
        stats = self._table.stats
        stats["n"] += np.bincount(rows, minlength=size)
        stats["sum"] += np.bincount(rows, weights=rewards, minlength=size)

    def _means(self, rows: IntArray) -> tuple[FloatArray, FloatArray]:
        n = self._table.stats["n"][rows]
        means = self._table.stats["sum"][rows] / np.maximum(n, 1.0)
        return n, means


class UniformRandom(_CountingPolicy[UniformConfig]):
    """Every offered arm with the same probability; the baseline of every comparison.

    Example:
        >>> import numpy as np
        >>> UniformRandom(rng=np.random.default_rng(0)).choose(None, ["a", "b"])[1]
        0.5
    """

    kind = "uniform"
    config_type = UniformConfig

    def _distribution(self, _x: FloatArray | None, rows: IntArray) -> FloatArray:
        return np.full((1, rows.shape[0]), 1.0 / rows.shape[0])


class ExploreThenCommit(_CountingPolicy[ExploreThenCommitConfig]):
    """A fixed-horizon A/B test: uniform allocation, then the winner ships.

    Rewards are learned until ``horizon`` of them have arrived; from then on the arm with the
    best mean at that moment gets all traffic (apart from the exploration floor) and later
    rewards are counted but not learned from.
    """

    kind = "ab_test"
    config_type = ExploreThenCommitConfig

    def _distribution(self, _x: FloatArray | None, rows: IntArray) -> FloatArray:
        if self.updates < self.config.horizon:
            return np.full((1, rows.shape[0]), 1.0 / rows.shape[0])
        return greedy(self._means(rows)[1])[None, :]

    def _learn(self, x: FloatArray | None, rows: IntArray, rewards: FloatArray) -> None:
        left = max(self.config.horizon - self.updates, 0)
        super()._learn(x, rows[:left], rewards[:left])


class EpsilonGreedy(_CountingPolicy[EpsilonGreedyConfig]):
    """The best mean so far, except for a share ``epsilon_t`` spread uniformly.

    ``epsilon_t = max(min_epsilon, epsilon / (1 + decay * t))`` after ``t`` updates; arms not
    yet rewarded count as best, so each is tried early.
    """

    kind = "epsilon_greedy"
    config_type = EpsilonGreedyConfig

    @property
    def epsilon(self) -> float:
        """The current exploration rate."""
        c = self.config
        return max(c.min_epsilon, c.epsilon / (1.0 + c.decay * self.updates))

    def _distribution(self, _x: FloatArray | None, rows: IntArray) -> FloatArray:
        n, means = self._means(rows)
        eps = self.epsilon
        p: FloatArray = (1.0 - eps) * greedy(np.where(n > 0, means, np.inf)) + eps / rows.shape[0]
        return p[None, :]


class UCB1(_CountingPolicy[UCB1Config]):
    """The arm with the highest upper confidence bound ``mean + c * sqrt(2 ln n / n_arm)``.

    Deterministic apart from ties (split evenly) and the exploration floor; arms not yet
    rewarded come first. ``n`` counts the rewards of the offered arms.
    """

    kind = "ucb1"
    config_type = UCB1Config

    def _distribution(self, _x: FloatArray | None, rows: IntArray) -> FloatArray:
        n, means = self._means(rows)
        total = max(float(n.sum()), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            width = np.sqrt(2.0 * np.log(total) / n)
        index = np.where(n > 0, means + self.config.exploration * width, np.inf)
        return greedy(index)[None, :]
