"""Per-arm statistics, the exploration floor and sampling from an action distribution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tailored.core import ValidationError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class ArmTable:
    """Named arms, each a row in every statistic array, grown when an arm is first offered.

    Args:
        defaults: For each statistic, the value a new arm starts with (any shape; the table
            stores one such value per arm).
    """

    def __init__(self, defaults: Mapping[str, npt.ArrayLike]) -> None:
        self._defaults = {k: np.asarray(v, dtype=np.float64) for k, v in defaults.items()}
        self.names: list[str] = []
        self._index: dict[str, int] = {}
        self.stats: dict[str, FloatArray] = {
            k: np.empty((0, *v.shape)) for k, v in self._defaults.items()
        }
        self._last: tuple[tuple[str, ...], IntArray] | None = None

    def __len__(self) -> int:
        return len(self.names)

    def rows(self, arms: Sequence[str]) -> IntArray:
        """The rows of ``arms``, in their order; arms not seen before are added."""
        key = tuple(arms)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        if not key:
            raise ValidationError("arms must name at least one arm", [{"loc": ["arms"]}])
        if len(set(key)) != len(key):
            raise ValidationError("arms must not repeat an arm", [{"loc": ["arms"]}])
        self._add([a for a in key if a not in self._index])
        rows = np.fromiter((self._index[a] for a in key), dtype=np.int64, count=len(key))
        self._last = (key, rows)
        return rows

    def row(self, arm: str) -> int:
        """The row of one arm, added when new."""
        if arm not in self._index:
            self._add([arm])
        return self._index[arm]

    def _add(self, arms: list[str]) -> None:
        for arm in arms:
            if not isinstance(arm, str) or not arm:
                raise ValidationError(f"arm {arm!r} is not a non-empty string", [{"loc": ["arm"]}])
        if not arms:
            return
        for arm in arms:
            self._index[arm] = len(self.names)
            self.names.append(arm)
        for k, default in self._defaults.items():
            fresh = np.broadcast_to(default, (len(arms), *default.shape))
            self.stats[k] = np.concatenate([self.stats[k], fresh])

    def to_json(self) -> dict[str, Any]:
        """The arms and their statistics as JSON-able lists."""
        return {"arms": list(self.names), "stats": {k: v.tolist() for k, v in self.stats.items()}}

    @classmethod
    def from_json(
        cls, defaults: Mapping[str, npt.ArrayLike], arms: object, stats: object
    ) -> ArmTable:
        """Rebuild a table written by :meth:`to_json`, checking every shape."""
        table = cls(defaults)
        if not isinstance(arms, list) or not isinstance(stats, dict):
            raise ValidationError("state needs an 'arms' list and a 'stats' object")
        table._add([str(a) for a in arms])
        if len(table) != len(arms):
            raise ValidationError("state repeats an arm", [{"loc": ["arms"]}])
        if set(stats) != set(table.stats):
            raise ValidationError(f"state stats must be exactly {sorted(table.stats)}")
        for k, current in table.stats.items():
            try:
                value = np.asarray(stats[k], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValidationError(f"state stat {k!r} is not numeric") from exc
            if value.shape != current.shape or not np.all(np.isfinite(value)):
                raise ValidationError(
                    f"state stat {k!r} must be finite with shape {current.shape}",
                    [{"loc": ["stats", k]}],
                )
            table.stats[k] = value.copy()
        return table


def check_floor(floor: float, n_arms: int) -> float:
    """The mixing weight of the uniform distribution that guarantees ``floor`` to every arm."""
    gamma = floor * n_arms
    if gamma > 1.0 + 1e-12:
        raise ValidationError(
            f"exploration_floor {floor} cannot hold for {n_arms} arms (at most 1/{n_arms})",
            [{"loc": ["exploration_floor"]}],
        )
    return min(gamma, 1.0)


def mix_floor(p: FloatArray, floor: float) -> FloatArray:
    """Mix ``p`` (last axis: arms) with the uniform distribution so no arm is below ``floor``.

    The mixture ``(1 - k * floor) * p + floor`` is linear, so the probability of an arm under
    the mixed policy is exact whenever ``p`` is.
    """
    gamma = check_floor(floor, p.shape[-1])
    if gamma == 0.0:
        return p.copy()
    out: FloatArray = (1.0 - gamma) * p + gamma / p.shape[-1]
    return out


def greedy(scores: FloatArray) -> FloatArray:
    """The distribution that splits all probability evenly among the best scores (last axis)."""
    best = scores.max(axis=-1, keepdims=True)
    mask = (scores >= best).astype(np.float64)
    out: FloatArray = mask / mask.sum(axis=-1, keepdims=True)
    return out


def sample_index(rng: np.random.Generator, p: FloatArray) -> int:
    """One index drawn with probabilities ``p``."""
    cdf = np.cumsum(p)
    i = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
    return min(i, int(p.shape[0]) - 1)


def sample_rows(rng: np.random.Generator, p: FloatArray, n: int) -> IntArray:
    """One index per row of ``p`` (shape ``(n, k)`` or ``(1, k)``, broadcast to ``n`` rows)."""
    cdf = np.cumsum(p, axis=-1)
    u = rng.random(n)[:, None] * cdf[:, -1:]
    idx = (cdf <= u).sum(axis=-1)
    out: IntArray = np.minimum(idx, p.shape[-1] - 1).astype(np.int64)
    return out


def explore_uniformly(
    rng: np.random.Generator, chosen: IntArray, floor: float, n_arms: int
) -> IntArray:
    """Replace each of ``chosen`` by a uniform draw with probability ``n_arms * floor``.

    Applies the exploration floor to choices drawn directly from a policy's distribution.
    """
    gamma = check_floor(floor, n_arms)
    explore = rng.random(size=(chosen.shape[0],)) < gamma
    out = chosen.copy()
    out[explore] = rng.integers(0, n_arms, int(explore.sum()))
    return out


def top_counts(draws: FloatArray) -> FloatArray:
    """The share of rows of ``draws`` in which each column is the largest."""
    counts = np.bincount(draws.argmax(axis=1), minlength=draws.shape[1])
    out: FloatArray = counts / draws.shape[0]
    return out
