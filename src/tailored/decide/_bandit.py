"""The hook bandit experiences plug into: a policy per experience picks the variant.

:class:`BanditHook` is what a ``bandit`` experience asks for a variant and its probability;
:func:`set_bandit_hook` replaces the default, :class:`LocalBandits`, which keeps one policy of
``tailored.bandits`` per experience in this process's memory.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pydantic
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored import bandits, storage
from tailored.core import ValidationError, utcnow

from ._model import BanditSettings
from ._tables import bandit_states

log = logging.getLogger("tailored.decide")

_POLICIES: dict[str, type[bandits.BasePolicy[Any]]] = {
    "bernoulli_thompson": bandits.BernoulliThompson,
    "gaussian_thompson": bandits.GaussianThompson,
    "epsilon_greedy": bandits.EpsilonGreedy,
    "ucb1": bandits.UCB1,
    "linucb": bandits.LinUCB,
    "linear_thompson": bandits.LinearThompson,
    "uniform": bandits.UniformRandom,
    "vw": bandits.VowpalWabbit,
}
_CONTEXTUAL = frozenset({"linucb", "linear_thompson", "vw"})


@dataclass(frozen=True, slots=True)
class BanditChoice:
    """The variant a bandit picked, the probability it had, and the policy's version."""

    arm: str
    propensity: float
    version: int


class BanditHook(Protocol):
    """Picks a variant of a bandit experience for one request, and learns from rewards."""

    def choose(
        self,
        engine: Engine,
        workspace_id: int,
        experience: str,
        settings: BanditSettings,
        arms: Sequence[str],
        features: list[float] | None,
    ) -> BanditChoice:
        """The chosen arm among ``arms`` given numeric ``features`` (contextual policies)."""
        ...

    def learn(
        self,
        conn: Connection,
        workspace_id: int,
        experience: str,
        settings: BanditSettings,
        arm: str,
        features: list[float] | None,
        reward: float,
    ) -> int:
        """Learn ``reward`` for ``arm``, inside the transaction of ``conn`` that records it;
        returns the policy's new version."""
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


def attribute_path(attributes: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``attributes`` (None where it leads nowhere)."""
    value: Any = attributes
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def features_of(settings: BanditSettings, attributes: Mapping[str, Any]) -> list[float] | None:
    """The numeric context of a request: each feature path's value, 0.0 when not a number."""
    if settings.policy not in _CONTEXTUAL:
        return None
    out = []
    for path in settings.features:
        value = attribute_path(attributes, path)
        if isinstance(value, (bool, int | float)):
            out.append(float(value))
        else:
            out.append(0.0)
    return out


class LocalBandits:
    """One policy per workspace and experience, kept in memory and stored in ``bandit_states``.

    A policy is read from the database when first used (and again when the stored version
    differs from the one in memory, as when another process learned, checked every
    :attr:`recheck_seconds`); each reward updates it and
    stores its state in the reward's transaction, so learning survives restarts. Changing an
    experience's bandit settings starts a fresh policy. A non-contextual policy's action
    distribution changes only when it learns, so it is worked out once per version and arms
    are drawn from it in plain Python; the propensity returned is still the exact probability
    of the arm drawn.
    """

    recheck_seconds = 5.0

    def __init__(self, seed: int | None = None) -> None:
        self._policies: dict[tuple[str, int, str], _Held] = {}
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def _fresh(
        self, engine: Engine, workspace_id: int, experience: str, settings: BanditSettings
    ) -> tuple[_Held | None, bool]:
        """The policy in memory, and whether it may be used without asking the database."""
        held = self._policies.get((storage.database_key(engine), workspace_id, experience))
        if held is None or not (held.settings is settings or held.settings == settings):
            return None, False
        return held, time.monotonic() - held.checked < self.recheck_seconds

    def _held(
        self, conn: Connection, workspace_id: int, experience: str, settings: BanditSettings
    ) -> _Held:
        held, fresh = self._fresh(conn.engine, workspace_id, experience, settings)
        now = time.monotonic()
        if held is not None:
            if fresh:
                return held
            stored = stored_version(conn, workspace_id, experience)
            held.checked = now
            if stored == held.policy.updates or (stored is None and not held.policy.updates):
                return held
        key = (storage.database_key(conn.engine), workspace_id, experience)
        with self._lock:
            policy = _load(conn, workspace_id, experience, settings) or new_policy(settings)
            held = self._policies[key] = _Held(settings, policy, now)
        return held

    def policy(
        self, engine: Engine, workspace_id: int, experience: str, settings: BanditSettings
    ) -> bandits.BasePolicy[Any]:
        """The experience's current policy."""
        with engine.connect() as conn:
            return self._held(conn, workspace_id, experience, settings).policy

    def choose(
        self,
        engine: Engine,
        workspace_id: int,
        experience: str,
        settings: BanditSettings,
        arms: Sequence[str],
        features: list[float] | None,
    ) -> BanditChoice:
        """Draw an arm from the experience's policy."""
        held, fresh = self._fresh(engine, workspace_id, experience, settings)
        if held is None or not fresh:
            with engine.connect() as conn:
                held = self._held(conn, workspace_id, experience, settings)
        policy = held.policy
        if features is not None:
            with self._lock:
                arm, propensity = policy.choose(features, arms)
            return BanditChoice(arm, propensity, policy.updates)
        arms = tuple(arms)
        cached = held.distribution
        if cached is None or cached[0] != policy.updates or cached[1] != arms:
            with self._lock:
                p = [float(x) for x in policy.probabilities(None, arms)]
            cached = held.distribution = (policy.updates, arms, list(itertools.accumulate(p)))
        cumulative = cached[2]
        index = min(bisect.bisect_right(cumulative, self._random.random() * cumulative[-1]),
                    len(arms) - 1)  # fmt: skip
        low = cumulative[index - 1] if index else 0.0
        return BanditChoice(arms[index], cumulative[index] - low, policy.updates)

    def learn(
        self,
        conn: Connection,
        workspace_id: int,
        experience: str,
        settings: BanditSettings,
        arm: str,
        features: list[float] | None,
        reward: float,
    ) -> int:
        """Update the policy with one reward and store its state."""
        held = self._held(conn, workspace_id, experience, settings)
        with self._lock:
            held.policy.update(features, arm, reward)
            state = held.policy.state()
        _store(conn, workspace_id, experience, held.policy.updates, state)
        return held.policy.updates


@dataclass
class _Held:
    settings: BanditSettings
    policy: bandits.BasePolicy[Any]
    checked: float
    distribution: tuple[int, tuple[str, ...], list[float]] | None = None


def stored_version(conn: Connection, workspace_id: int, experience: str) -> int | None:
    return conn.execute(
        sa.select(bandit_states.c.version).where(
            bandit_states.c.workspace_id == workspace_id,
            bandit_states.c.experience == experience,
        )
    ).scalar()


def _load(
    conn: Connection, workspace_id: int, experience: str, settings: BanditSettings
) -> bandits.BasePolicy[Any] | None:
    """The stored policy, if it was learned under the same settings."""
    state = conn.execute(
        sa.select(bandit_states.c.state).where(
            bandit_states.c.workspace_id == workspace_id,
            bandit_states.c.experience == experience,
        )
    ).scalar()
    if not isinstance(state, dict):
        return None
    fresh = new_policy(settings)
    if state.get("policy") != fresh.kind or state.get("config") != fresh.state()["config"]:
        return None  # the settings changed: start over
    try:
        return bandits.policy_from_state(state)
    except ValidationError:
        log.warning("stored state of bandit %r is unreadable; starting afresh", experience)
        return None


def _store(
    conn: Connection, workspace_id: int, experience: str, version: int, state: dict[str, Any]
) -> None:
    where = sa.and_(
        bandit_states.c.workspace_id == workspace_id, bandit_states.c.experience == experience
    )
    values = {"version": version, "state": state, "updated_at": utcnow()}
    if conn.execute(bandit_states.update().where(where).values(**values)).rowcount == 0:
        conn.execute(
            bandit_states.insert().values(
                workspace_id=workspace_id, experience=experience, **values
            )
        )


_hook: list[BanditHook] = [LocalBandits()]


def bandit_hook() -> BanditHook:
    """The hook bandit experiences use."""
    return _hook[0]


def set_bandit_hook(hook: BanditHook) -> None:
    """Have bandit experiences ask ``hook`` from now on."""
    _hook[0] = hook
