"""The policy interface, its optional capabilities and the shared implementation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import (
    Any,
    ClassVar,
    Generic,
    Protocol,
    Self,
    TypeAlias,
    TypeVar,
    cast,
    runtime_checkable,
)

import numpy as np
import numpy.typing as npt
import pydantic

from tailored.core import ValidationError

from ._arms import ArmTable, FloatArray, IntArray, mix_floor, sample_index, sample_rows
from ._config import PolicyConfig

Context: TypeAlias = Sequence[float] | npt.NDArray[np.floating[Any]] | None
"""Numeric context features of one decision (ignored by non-contextual policies)."""

STATE_FORMAT = 1


@runtime_checkable
class Policy(Protocol):
    """Anything that picks an arm and learns from the reward."""

    def choose(self, context: Context, arms: Sequence[str]) -> tuple[str, float]:
        """Pick one of ``arms``; return it with the probability it had of being picked."""
        ...

    def update(self, context: Context, arm: str, reward: float) -> None:
        """Learn the ``reward`` that ``arm`` earned in ``context``."""
        ...


@runtime_checkable
class ExplicitPolicy(Policy, Protocol):
    """A policy that can state its whole action distribution."""

    def probabilities(self, context: Context, arms: Sequence[str]) -> FloatArray:
        """The probability of each of ``arms`` (same order) under the current state."""
        ...


@runtime_checkable
class BatchPolicy(Protocol):
    """A policy that decides and learns for many rounds at once (simulation, replay)."""

    def choose_batch(self, contexts: FloatArray, arms: Sequence[str]) -> IntArray:
        """One index into ``arms`` per row of ``contexts`` (``(n, d)``), as ``n`` calls of
        ``choose`` with no update in between would draw them."""
        ...

    def update_batch(
        self, contexts: FloatArray, arms: Sequence[str], chosen: IntArray, rewards: FloatArray
    ) -> None:
        """Learn ``rewards[i]`` for ``arms[chosen[i]]`` in ``contexts[i]``, for every ``i``."""
        ...


@runtime_checkable
class StatefulPolicy(Protocol):
    """A policy whose learned state can be stored and restored."""

    def state(self) -> dict[str, Any]:
        """The configuration and learned state as a JSON-able dict."""
        ...


ConfigT = TypeVar("ConfigT", bound=PolicyConfig)

_KINDS: dict[str, type[BasePolicy[Any]]] = {}


class BasePolicy(ABC, Generic[ConfigT]):
    """The shared implementation: arms by name, the exploration floor, batches and state.

    A subclass sets ``kind`` and ``config_type`` and implements :meth:`_defaults` (per-arm
    statistics), :meth:`_distribution` (the action distribution before the floor) and
    :meth:`_learn` (a batch of rewards). ``choose`` draws from :meth:`probabilities`, so the
    propensity it returns is the exact probability of the chosen arm.

    Args:
        config: The policy's settings; the defaults of ``config_type`` when omitted.
        rng: Source of randomness; pass a seeded generator for reproducible decisions.
    """

    kind: ClassVar[str]
    config_type: ClassVar[type[PolicyConfig]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            _KINDS[cls.kind] = cls

    def __init__(self, config: ConfigT | None = None, *, rng: np.random.Generator | None = None):
        if config is None:
            try:
                config = cast(ConfigT, self.config_type())
            except pydantic.ValidationError as exc:
                raise ValidationError(f"{type(self).__name__} needs a config: {exc}") from exc
        if not isinstance(config, self.config_type):
            raise ValidationError(f"{type(self).__name__} needs a {self.config_type.__name__}")
        self.config: ConfigT = config
        # Contextual configs carry n_features; the others ignore the context.
        self._n_features: int | None = getattr(config, "n_features", None)
        self._rng = rng if rng is not None else np.random.default_rng()
        self._table = ArmTable(self._defaults())
        self.updates = 0
        """Number of rewards learned from (or, past a commit, received)."""

    @property
    def arms(self) -> tuple[str, ...]:
        """Every arm the policy has seen, in the order it first saw them."""
        return tuple(self._table.names)

    def choose(self, context: Context, arms: Sequence[str]) -> tuple[str, float]:
        """Pick one of ``arms``; return it with its probability under the policy."""
        p = self.probabilities(context, arms)
        i = sample_index(self._rng, p)
        return arms[i], float(p[i])

    def probabilities(self, context: Context, arms: Sequence[str]) -> FloatArray:
        """The probability of each of ``arms`` (same order), the exploration floor included."""
        rows = self._table.rows(arms)
        x = self._context(context)
        return mix_floor(
            self._distribution(None if x is None else x[None, :], rows)[0], self._floor
        )

    def update(self, context: Context, arm: str, reward: float) -> None:
        """Learn the ``reward`` that ``arm`` earned in ``context``."""
        x = self._context(context)
        try:
            value = float(reward)
        except (TypeError, ValueError) as exc:
            raise ValidationError("reward must be a number", [{"loc": ["reward"]}]) from exc
        rewards = self._check_rewards(np.array([value]))
        rows = np.array([self._table.row(arm)], dtype=np.int64)
        self._learn(None if x is None else x[None, :], rows, rewards)
        self.updates += 1

    def choose_batch(self, contexts: FloatArray, arms: Sequence[str]) -> IntArray:
        """One index into ``arms`` per row of ``contexts``, drawn independently."""
        rows = self._table.rows(arms)
        n, x = self._contexts(contexts)
        return sample_rows(self._rng, mix_floor(self._distribution(x, rows), self._floor), n)

    def update_batch(
        self, contexts: FloatArray, arms: Sequence[str], chosen: IntArray, rewards: FloatArray
    ) -> None:
        """Learn a batch of rewards; equivalent to calling :meth:`update` for each row."""
        n, x = self._contexts(contexts)
        chosen = np.asarray(chosen, dtype=np.int64)
        r = self._check_rewards(np.asarray(rewards, dtype=np.float64))
        rows = self._table.rows(arms)
        if chosen.shape != (n,) or r.shape != (n,):
            raise ValidationError("chosen and rewards need one entry per context row")
        if n and (chosen.min() < 0 or chosen.max() >= len(rows)):
            raise ValidationError("chosen holds an index outside arms", [{"loc": ["chosen"]}])
        self._learn(x, rows[chosen], r)
        self.updates += n

    def state(self) -> dict[str, Any]:
        """Configuration and learned state, JSON-able (the random generator is not included)."""
        return {
            "policy": self.kind,
            "format": STATE_FORMAT,
            "config": self.config.model_dump(mode="json"),
            "updates": self.updates,
            **self._table.to_json(),
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], *, rng: np.random.Generator | None = None
    ) -> Self:
        """Rebuild a policy from :meth:`state`; raises ``ValidationError`` on a bad state."""
        if state.get("policy") != cls.kind or state.get("format") != STATE_FORMAT:
            raise ValidationError(
                f"state is not a format-{STATE_FORMAT} {cls.kind!r} policy state",
                [{"loc": ["policy"]}],
            )
        try:
            config = cls.config_type.model_validate(state.get("config", {}))
        except pydantic.ValidationError as exc:
            raise ValidationError(f"state has an invalid config: {exc}") from exc
        policy = cls(cast(Any, config), rng=rng)
        defaults = policy._defaults()
        policy._table = ArmTable.from_json(defaults, state.get("arms"), state.get("stats"))
        updates = state.get("updates")
        if not isinstance(updates, int) or updates < 0:
            raise ValidationError("state 'updates' must be a non-negative integer")
        policy.updates = updates
        return policy

    @property
    def _floor(self) -> float:
        return self.config.exploration_floor

    def _context(self, context: Context) -> FloatArray | None:
        if self._n_features is None:
            return None
        try:
            x = np.asarray(context, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValidationError("context must be numeric", [{"loc": ["context"]}]) from exc
        if x.shape != (self._n_features,) or not np.all(np.isfinite(x)):
            raise ValidationError(
                f"context must be {self._n_features} finite numbers", [{"loc": ["context"]}]
            )
        return x

    def _contexts(self, contexts: FloatArray) -> tuple[int, FloatArray | None]:
        x = np.asarray(contexts, dtype=np.float64)
        if x.ndim != 2:
            raise ValidationError("contexts must be a 2-D array", [{"loc": ["contexts"]}])
        if self._n_features is None:
            return x.shape[0], None
        if x.shape[1] != self._n_features or not np.all(np.isfinite(x)):
            raise ValidationError(
                f"contexts must have {self._n_features} finite columns", [{"loc": ["contexts"]}]
            )
        return x.shape[0], x

    def _check_rewards(self, rewards: FloatArray) -> FloatArray:
        if not np.all(np.isfinite(rewards)):
            raise ValidationError("reward must be a finite number", [{"loc": ["reward"]}])
        return rewards

    @abstractmethod
    def _defaults(self) -> dict[str, npt.ArrayLike]:
        """The statistics a new arm starts with."""

    @abstractmethod
    def _distribution(self, x: FloatArray | None, rows: IntArray) -> FloatArray:
        """Action distribution before the floor: ``(n, k)`` for contexts ``x`` (``(n, d)``),
        or ``(1, k)`` for a non-contextual policy (``x`` is None)."""

    @abstractmethod
    def _learn(self, x: FloatArray | None, rows: IntArray, rewards: FloatArray) -> None:
        """Fold in ``rewards[i]`` for arm row ``rows[i]`` (context ``x[i]``)."""


def policy_from_state(
    state: Mapping[str, Any], *, rng: np.random.Generator | None = None
) -> BasePolicy[Any]:
    """Rebuild any built-in policy from its :meth:`BasePolicy.state`.

    Raises:
        ValidationError: The state names no known policy or does not fit it.
    """
    kind = state.get("policy")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValidationError(f"unknown policy {kind!r}; known: {sorted(_KINDS)}")
    return cls.from_state(state, rng=rng)
