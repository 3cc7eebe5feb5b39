"""Contextual policies over numeric features: LinUCB and linear Thompson sampling.

Both keep one ridge regression per arm ("disjoint" models): ``A = ridge * I + sum x x'`` and
``b = sum r x``, with ``theta = A^-1 b``. The inverses are cached and recomputed only for the
arms an update touches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ._arms import FloatArray, IntArray, explore_uniformly, greedy
from ._config import LinearThompsonConfig, LinUCBConfig
from ._policy import BasePolicy, ConfigT


class _RidgePerArm(BasePolicy[ConfigT]):
    """Per-arm ridge regression with cached inverses."""

    def __init__(
        self, config: ConfigT | None = None, *, rng: np.random.Generator | None = None
    ) -> None:
        super().__init__(config, rng=rng)
        d = self._dim
        self._inv: FloatArray = np.empty((0, d, d))
        self._theta: FloatArray = np.empty((0, d))
        self._version = 0

    @property
    def _dim(self) -> int:
        assert self._n_features is not None  # both configs require n_features
        return self._n_features

    def _defaults(self) -> dict[str, npt.ArrayLike]:
        ridge = float(getattr(self.config, "ridge", 1.0))
        return {"A": ridge * np.eye(self._dim), "b": np.zeros(self._dim)}

    def _model(self, rows: IntArray) -> tuple[FloatArray, FloatArray]:
        """Coefficients ``(k, d)`` and inverse Gram matrices ``(k, d, d)`` of ``rows``."""
        have, size = self._inv.shape[0], len(self._table)
        if have < size:
            new = np.arange(have, size)
            inv = np.linalg.inv(self._table.stats["A"][new])
            theta = np.einsum("kij,kj->ki", inv, self._table.stats["b"][new])
            self._inv = np.concatenate([self._inv, inv])
            self._theta = np.concatenate([self._theta, theta])
        return self._theta[rows], self._inv[rows]

    def _moments(self, x: FloatArray, rows: IntArray) -> tuple[FloatArray, FloatArray]:
        """Predicted mean ``x . theta`` and variance factor ``x' A^-1 x``, both ``(n, k)``."""
        theta, inv = self._model(rows)
        mean = x @ theta.T
        var = np.einsum("nd,kde,ne->nk", x, inv, x)
        return mean, np.maximum(var, 0.0)

    def _learn(self, x: FloatArray | None, rows: IntArray, rewards: FloatArray) -> None:
        assert x is not None  # contextual: BasePolicy always passes the features
        self._model(rows)  # bring the caches up to the current arms first
        stats = self._table.stats
        np.add.at(stats["A"], rows, x[:, :, None] * x[:, None, :])
        np.add.at(stats["b"], rows, rewards[:, None] * x)
        touched = np.unique(rows)
        inv = np.linalg.inv(stats["A"][touched])
        self._inv[touched] = inv
        self._theta[touched] = np.einsum("kij,kj->ki", inv, stats["b"][touched])
        self._version += 1


class LinUCB(_RidgePerArm[LinUCBConfig]):
    """The arm with the highest ``x . theta + alpha * sqrt(x' A^-1 x)`` (Li et al., 2010).

    Deterministic apart from ties (split evenly) and the exploration floor.

    Example:
        >>> import numpy as np
        >>> policy = LinUCB(LinUCBConfig(n_features=2), rng=np.random.default_rng(0))
        >>> policy.update([1.0, 0.0], "a", 1.0)
        >>> policy.choose([1.0, 0.0], ["a", "b"])[0]
        'a'
    """

    kind = "linucb"
    config_type = LinUCBConfig

    def _distribution(self, x: FloatArray | None, rows: IntArray) -> FloatArray:
        assert x is not None
        mean, var = self._moments(x, rows)
        return greedy(mean + self.config.alpha * np.sqrt(var))


class LinearThompson(_RidgePerArm[LinearThompsonConfig]):
    """Linear Thompson sampling (Agrawal and Goyal, 2013) with one model per arm.

    Given a context ``x``, arm ``a``'s expected reward is drawn from
    ``N(x . theta_a, scale^2 x' A_a^-1 x)``, independently across arms, and the best draw wins.
    The probability of each arm is estimated from ``draws`` such joint draws and the arm is
    drawn from that estimate, so the returned propensity is exact (see
    :class:`BernoulliThompson`). The estimate for the last context is kept until the next
    update, so repeated calls for one context agree.
    """

    kind = "linear_thompson"
    config_type = LinearThompsonConfig

    def __init__(
        self, config: LinearThompsonConfig | None = None, *, rng: np.random.Generator | None = None
    ) -> None:
        super().__init__(config, rng=rng)
        self._cache: tuple[tuple[bytes, bytes, int], FloatArray] | None = None

    def _distribution(self, x: FloatArray | None, rows: IntArray) -> FloatArray:
        assert x is not None
        key = (x.tobytes(), rows.tobytes(), self._version)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        mean, var = self._moments(x, rows)
        sd = self.config.scale * np.sqrt(var)
        m, k, n = mean.shape[0], mean.shape[1], self.config.draws
        draws = mean[:, None, :] + sd[:, None, :] * self._rng.standard_normal((m, n, k))
        best = draws.argmax(axis=2) + (np.arange(m) * k)[:, None]
        p = np.bincount(best.ravel(), minlength=m * k).reshape(m, k) / n
        self._cache = (key, p)
        return p

    def choose_batch(self, contexts: FloatArray, arms: Sequence[str]) -> IntArray:
        """One arm index per row of ``contexts``, each from its own posterior draw."""
        rows = self._table.rows(arms)
        _, x = self._contexts(contexts)
        assert x is not None
        mean, var = self._moments(x, rows)
        draws = mean + self.config.scale * np.sqrt(var) * self._rng.standard_normal(mean.shape)
        chosen = draws.argmax(axis=1).astype(np.int64)
        return explore_uniformly(self._rng, chosen, self._floor, rows.shape[0])
