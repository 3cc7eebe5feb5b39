"""Thompson sampling for binary rewards (Beta-Bernoulli) and continuous ones (Normal-Gamma)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tailored.core import ValidationError

from ._arms import FloatArray, IntArray, explore_uniformly, top_counts
from ._config import BernoulliThompsonConfig, GaussianThompsonConfig
from ._policy import BasePolicy, ConfigT


class _MonteCarloThompson(BasePolicy[ConfigT]):
    """Thompson sampling with its action distribution estimated from posterior draws.

    The probability of an arm is estimated as the share of ``draws`` joint posterior samples in
    which it is best. ``choose`` then draws the arm from that estimate (mixed with the floor), so
    the returned propensity is exactly the probability with which the arm was picked; and since
    the estimate is unbiased, the arm picked is distributed as under textbook Thompson sampling.
    The draws are kept between decisions and only the columns of arms updated since are
    redrawn, so a decision after one update costs ``draws`` samples, not ``draws * k``.
    """

    def __init__(
        self, config: ConfigT | None = None, *, rng: np.random.Generator | None = None
    ) -> None:
        super().__init__(config, rng=rng)
        self._cache_key: bytes | None = None
        self._cache_draws: FloatArray = np.empty((0, 0))
        self._cache_p: FloatArray | None = None
        self._stale: set[int] = set()

    @property
    def _draws(self) -> int:
        return int(getattr(self.config, "draws", 1000))

    def _distribution(self, _x: FloatArray | None, rows: IntArray) -> FloatArray:
        key = rows.tobytes()
        if key != self._cache_key:
            self._cache_draws = self._sample(rows, self._draws)
            self._cache_key, self._cache_p = key, None
        elif self._stale:
            cols = np.flatnonzero(np.isin(rows, np.fromiter(self._stale, dtype=np.int64)))
            if cols.size:
                self._cache_draws[:, cols] = self._sample(rows[cols], self._draws)
                self._cache_p = None
        self._stale.clear()
        if self._cache_p is None:
            self._cache_p = top_counts(self._cache_draws)[None, :]
        return self._cache_p

    def choose_batch(self, contexts: FloatArray, arms: Sequence[str]) -> IntArray:
        """One arm index per row of ``contexts``, each from its own posterior draw."""
        rows = self._table.rows(arms)
        n, _ = self._contexts(contexts)
        chosen = self._sample(rows, n).argmax(axis=1).astype(np.int64)
        return explore_uniformly(self._rng, chosen, self._floor, rows.shape[0])

    def _learn(self, _x: FloatArray | None, rows: IntArray, rewards: FloatArray) -> None:
        self._fold(rows, rewards)
        self._stale.update(rows.tolist())

    @abstractmethod
    def _fold(self, rows: IntArray, rewards: FloatArray) -> None:
        """Update the posterior statistics of ``rows`` with ``rewards``."""

    @abstractmethod
    def _sample(self, rows: IntArray, n: int) -> FloatArray:
        """``n`` independent posterior draws of the mean reward of each of ``rows``."""


class BernoulliThompson(_MonteCarloThompson[BernoulliThompsonConfig]):
    """Thompson sampling with a Beta posterior per arm, for rewards in [0, 1] (clicks).

    A reward ``r`` adds ``r`` to the arm's ``alpha`` and ``1 - r`` to its ``beta``.

    Example:
        >>> import numpy as np
        >>> policy = BernoulliThompson(rng=np.random.default_rng(1))
        >>> for _ in range(50):
        ...     policy.update(None, "b", 1.0)
        ...     policy.update(None, "a", 0.0)
        >>> policy.choose(None, ["a", "b"])
        ('b', 0.999)
    """

    kind = "bernoulli_thompson"
    config_type = BernoulliThompsonConfig

    @classmethod
    def from_posteriors(
        cls,
        arms: Sequence[str],
        alpha: npt.ArrayLike,
        beta: npt.ArrayLike,
        config: BernoulliThompsonConfig | None = None,
        *,
        rng: np.random.Generator | None = None,
    ) -> BernoulliThompson:
        """A policy whose arms start from the given Beta parameters (one per arm)."""
        policy = cls(config, rng=rng)
        rows = policy._table.rows(list(arms))
        a = np.asarray(alpha, dtype=np.float64)
        b = np.asarray(beta, dtype=np.float64)
        if a.shape != rows.shape or b.shape != rows.shape or min(a.min(), b.min()) <= 0:
            raise ValidationError("alpha and beta need one positive number per arm")
        policy._table.stats["alpha"][rows] = a
        policy._table.stats["beta"][rows] = b
        return policy

    def ranking_probabilities(
        self, arms: Sequence[str], slots: int, draws: int | None = None
    ) -> FloatArray:
        """Probability that each arm lands in each of the top ``slots`` places of a ranking.

        Ranking by one posterior draw per arm is Thompson sampling for a slate; the result,
        shape ``(len(arms), slots)``, is estimated from ``draws`` Monte Carlo rankings (the
        exploration floor is not applied: a floor for slates is not a single mixture).
        """
        rows = self._table.rows(arms)
        k = rows.shape[0]
        if not 1 <= slots <= k:
            raise ValidationError(f"slots must be between 1 and {k}", [{"loc": ["slots"]}])
        n = draws or self.config.draws
        samples = self._sample(rows, n)
        top = np.argpartition(-samples, slots - 1, axis=1)[:, :slots]
        order = np.argsort(-np.take_along_axis(samples, top, axis=1), axis=1)
        ranked = np.take_along_axis(top, order, axis=1)
        out = np.empty((k, slots))
        for s in range(slots):
            out[:, s] = np.bincount(ranked[:, s], minlength=k) / n
        return out

    def _defaults(self) -> dict[str, npt.ArrayLike]:
        return {"alpha": self.config.prior_alpha, "beta": self.config.prior_beta}

    def _check_rewards(self, rewards: FloatArray) -> FloatArray:
        if not np.all((rewards >= 0.0) & (rewards <= 1.0)):
            raise ValidationError("reward must lie in [0, 1]", [{"loc": ["reward"]}])
        return rewards

    def _fold(self, rows: IntArray, rewards: FloatArray) -> None:
        size = len(self._table)
        self._table.stats["alpha"] += np.bincount(rows, weights=rewards, minlength=size)
        self._table.stats["beta"] += np.bincount(rows, weights=1.0 - rewards, minlength=size)

    def _sample(self, rows: IntArray, n: int) -> FloatArray:
        stats = self._table.stats
        return self._rng.beta(stats["alpha"][rows], stats["beta"][rows], size=(n, rows.shape[0]))


class GaussianThompson(_MonteCarloThompson[GaussianThompsonConfig]):
    """Thompson sampling for continuous rewards: Normal rewards of unknown mean and variance.

    Each arm keeps its count, mean and sum of squared deviations; the Normal-Gamma posterior
    gives a draw of the mean as ``mu ~ N(m_n, 1 / (kappa_n * tau))`` with
    ``tau ~ Gamma(a_n, rate=b_n)``.
    """

    kind = "gaussian_thompson"
    config_type = GaussianThompsonConfig

    def _defaults(self) -> dict[str, npt.ArrayLike]:
        return {"n": 0.0, "mean": 0.0, "m2": 0.0}

    def _fold(self, rows: IntArray, rewards: FloatArray) -> None:
        # Chan's pairwise merge of (n, mean, m2): stable for large rewards such as revenue.
        size = len(self._table)
        s = self._table.stats
        nb = np.bincount(rows, minlength=size).astype(np.float64)
        sb = np.bincount(rows, weights=rewards, minlength=size)
        mb = np.divide(sb, nb, out=np.zeros(size), where=nb > 0)
        m2b = np.bincount(rows, weights=(rewards - mb[rows]) ** 2, minlength=size)
        total = s["n"] + nb
        delta = mb - s["mean"]
        safe = np.maximum(total, 1.0)
        s["mean"] = np.where(nb > 0, s["mean"] + delta * nb / safe, s["mean"])
        s["m2"] = s["m2"] + m2b + delta**2 * s["n"] * nb / safe
        s["n"] = total

    def _sample(self, rows: IntArray, n: int) -> FloatArray:
        c = self.config
        s = self._table.stats
        count, mean, m2 = s["n"][rows], s["mean"][rows], s["m2"][rows]
        kappa = c.prior_strength + count
        center = (c.prior_strength * c.prior_mean + count * mean) / kappa
        shape = c.prior_shape + count / 2.0
        shift = c.prior_strength * count * (mean - c.prior_mean) ** 2 / (2.0 * kappa)
        rate = c.prior_rate + m2 / 2.0 + shift
        k = rows.shape[0]
        tau = self._rng.gamma(shape, 1.0 / rate, size=(n, k))
        out: FloatArray = center + self._rng.standard_normal((n, k)) / np.sqrt(kappa * tau)
        return out
