"""The hook bandit experiences plug into: a policy per experience picks the variant.

:class:`BanditHook` is what a ``bandit`` experience asks for a variant and its probability;
:func:`set_bandit_hook` replaces the default, :class:`LocalBandits`, which keeps one policy of
``tailored.bandits`` per experience in this process's memory.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pydantic

from tailored import bandits
from tailored.core import ValidationError

from ._model import BanditSettings

_POLICIES: dict[str, type[bandits.BasePolicy[Any]]] = {
    "bernoulli_thompson": bandits.BernoulliThompson,
    "gaussian_thompson": bandits.GaussianThompson,
    "epsilon_greedy": bandits.EpsilonGreedy,
    "ucb1": bandits.UCB1,
    "linucb": bandits.LinUCB,
    "linear_thompson": bandits.LinearThompson,
    "uniform": bandits.UniformRandom,
}
_CONTEXTUAL = frozenset({"linucb", "linear_thompson"})


@dataclass(frozen=True, slots=True)
class BanditChoice:
    """The variant a bandit picked, the probability it had, and the policy's version."""

    arm: str
    propensity: float
    version: int


class BanditHook(Protocol):
    """Picks a variant of a bandit experience for one request."""

    def choose(
        self,
        workspace_id: int,
        experience: str,
        settings: BanditSettings,
        arms: Sequence[str],
        features: list[float] | None,
    ) -> BanditChoice:
        """The chosen arm among ``arms`` given numeric ``features`` (contextual policies)."""
        ...


def new_policy(settings: BanditSettings) -> bandits.BasePolicy[Any]:
    """A fresh policy for ``settings``.

    Raises:
        ValidationError: the settings do not fit the policy.
    """
    cls = _POLICIES[settings.policy]
    extra: dict[str, Any] = {}
    if settings.policy in _CONTEXTUAL:
        if not settings.features:
            raise ValidationError(f"policy {settings.policy!r} needs `features`: attribute paths")
        extra["n_features"] = len(settings.features)
    try:
        config = cls.config_type.model_validate({**settings.settings, **extra})
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValidationError(f"bandit.settings.{where}: {err['msg']}") from None
    return cls(config)


def features_of(settings: BanditSettings, attributes: Mapping[str, Any]) -> list[float] | None:
    """The numeric context of a request: each feature path's value, 0.0 when not a number."""
    if settings.policy not in _CONTEXTUAL:
        return None
    out = []
    for path in settings.features:
        value: Any = attributes
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, (bool, int | float)):
            out.append(float(value))
        else:
            out.append(0.0)
    return out


class LocalBandits:
    """One policy per workspace and experience, in memory, rebuilt when its settings change.

    A non-contextual policy's action distribution changes only when it learns, so it is
    worked out once per policy version and arms are drawn from it in plain Python; the
    propensity returned is still the exact probability of the arm drawn.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._policies: dict[tuple[int, str], tuple[BanditSettings, bandits.BasePolicy[Any]]] = {}
        self._distributions: dict[tuple[int, str], tuple[int, tuple[str, ...], list[float]]] = {}
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def policy(
        self, workspace_id: int, experience: str, settings: BanditSettings
    ) -> bandits.BasePolicy[Any]:
        """The experience's current policy."""
        key = (workspace_id, experience)
        known = self._policies.get(key)
        if known is not None and (known[0] is settings or known[0] == settings):
            return known[1]
        with self._lock:
            policy = new_policy(settings)
            self._policies[key] = (settings, policy)
            self._distributions.pop(key, None)
        return policy

    def choose(
        self,
        workspace_id: int,
        experience: str,
        settings: BanditSettings,
        arms: Sequence[str],
        features: list[float] | None,
    ) -> BanditChoice:
        """Draw an arm from the experience's policy."""
        policy = self.policy(workspace_id, experience, settings)
        if features is not None:
            with self._lock:
                arm, propensity = policy.choose(features, arms)
            return BanditChoice(arm, propensity, policy.updates)
        key = (workspace_id, experience)
        arms = tuple(arms)
        cached = self._distributions.get(key)
        if cached is None or cached[0] != policy.updates or cached[1] != arms:
            with self._lock:
                p = [float(x) for x in policy.probabilities(None, arms)]
            cached = (policy.updates, arms, list(itertools.accumulate(p)))
            self._distributions[key] = cached
        cumulative = cached[2]
        index = min(bisect.bisect_right(cumulative, self._random.random() * cumulative[-1]),
                    len(arms) - 1)  # fmt: skip
        low = cumulative[index - 1] if index else 0.0
        return BanditChoice(arms[index], cumulative[index] - low, policy.updates)


_hook: list[BanditHook] = [LocalBandits()]


def bandit_hook() -> BanditHook:
    """The hook bandit experiences use."""
    return _hook[0]


def set_bandit_hook(hook: BanditHook) -> None:
    """Have bandit experiences ask ``hook`` from now on."""
    _hook[0] = hook
