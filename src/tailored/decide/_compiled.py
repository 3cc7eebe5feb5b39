"""A workspace's decide objects compiled for the hot path, cached per process.

Conditions are compiled once, experiments become GrowthBook experiment definitions with their
propensities worked out, experiences are grouped by placement in priority order. A process
rebuilds its copy at once after its own writes (:func:`invalidate`) and within
:data:`RECHECK_SECONDS` after another process's.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored import storage
from tailored.conditions import Condition, compile_condition
from tailored.experiments import assignment
from tailored.experiments.evaluation import sticky_experiment_key
from tailored.segments import segments as segments_table

from ._model import Audience, Experience, Experiment, Flag, Placement, Settings, Variant
from ._store import Snapshot, load_snapshot
from ._tables import decide_objects

#: How often a process checks whether another process changed the configuration.
RECHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class CompiledAudience:
    """An audience ready to test: a segment key and a compiled condition."""

    segment: str | None
    condition: Condition | None

    @classmethod
    def of(cls, audience: Audience | None) -> CompiledAudience | None:
        """The compiled form; None for "everyone"."""
        if audience is None:
            return None
        condition = None if audience.condition is None else compile_condition(audience.condition)
        return cls(audience.segment, condition)

    def matches(self, attributes: Mapping[str, Any], segments: frozenset[str]) -> bool:
        """Whether a person with ``attributes`` in ``segments`` is in the audience."""
        if self.segment is not None and self.segment not in segments:
            return False
        return self.condition is None or self.condition(attributes)


def audience_matches(
    audience: CompiledAudience | None, attributes: Mapping[str, Any], segments: frozenset[str]
) -> bool:
    """Whether a person is in ``audience`` (None is everyone)."""
    return audience is None or audience.matches(attributes, segments)


@dataclass(frozen=True)
class CompiledExperiment:
    """An experiment ready to assign, with each variant's probability.

    Assignment is GrowthBook's, step for step: a stored (sticky) assignment of the current
    bucket version wins; otherwise the layer (namespace, hash version 1 of ``"__" + layer``)
    must hold the person, then the version 2 hash of ``seed + id`` picks the variant whose
    bucket range (weights scaled by coverage) holds it.
    """

    model: Experiment
    seed: str
    keys: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    namespace: tuple[str, float, float] | None
    sticky_key: str
    """The key of this experiment's assignment in the profile: ``<key>__<bucket version>``."""
    propensity: dict[str, float]
    """Probability of each variant for a person eligible to take part: layer share x coverage
    x weight (a person outside the layer slice or coverage gets no variant)."""

    @classmethod
    def of(cls, exp: Experiment) -> CompiledExperiment:
        """Compile one experiment."""
        keys = tuple(v.key for v in exp.variants)
        ranges = assignment.bucket_ranges(len(keys), exp.coverage, list(exp.weights))
        namespace = None
        share = 1.0
        if exp.layer is not None:
            start, end = exp.layer.range
            namespace = (exp.layer.key, start, end)
            share = end - start
        propensity = {k: share * exp.coverage * w for k, w in zip(keys, exp.weights, strict=True)}
        return cls(
            exp, exp.seed or exp.key, keys, tuple(ranges), namespace,
            sticky_experiment_key(exp.key, exp.bucket_version), propensity,
        )  # fmt: skip

    def assign(self, hash_id: str, sticky: Mapping[str, Any]) -> str | None:
        """The variant of the person hashed as ``hash_id`` with stored assignments ``sticky``
        (``{"<key>__<version>": [variant, ms]}``); None when they do not take part."""
        if self.model.status != "running" or not hash_id:
            return None
        stored = sticky.get(self.sticky_key)
        if stored is not None and stored[0] in self.propensity:
            return str(stored[0])
        if self.namespace is not None and not assignment.in_namespace(hash_id, self.namespace):
            return None
        n = assignment.hash(self.seed, hash_id, 2)
        index = -1 if n is None else assignment.choose_variation(n, self.ranges)
        return None if index < 0 else self.keys[index]


@dataclass(frozen=True)
class CompiledExperience:
    """An experience with its audiences compiled."""

    model: Experience
    audience: CompiledAudience | None
    variants: tuple[tuple[Variant, CompiledAudience | None], ...]
    variant_by_key: dict[str, Variant]


@dataclass(frozen=True)
class CompiledRule:
    """A flag rule with its audience compiled."""

    index: int
    id: str
    audience: CompiledAudience | None
    value: Any
    rollout: float | None
    experiment: str | None
    values: dict[str, Any] | None


@dataclass(frozen=True)
class CompiledFlag:
    """A flag with its rules compiled."""

    model: Flag
    rules: tuple[CompiledRule, ...]


@dataclass
class CompiledConfig:
    """Everything a decision reads, built once per configuration change."""

    snapshot: Snapshot
    settings: Settings
    placements: dict[str, Placement]
    experiences: dict[str, list[CompiledExperience]]
    """Experiences by placement, highest priority first (ties by key)."""
    experiments: dict[str, CompiledExperiment]
    flags: dict[str, CompiledFlag]
    segment_keys: dict[int, str]
    """Key of each saved segment by id (memberships are stored by id)."""
    etag: str = ""
    """Changes whenever the configuration does."""
    flag_keys: tuple[str, ...] = field(default=())
    reads: frozenset[str] = frozenset()
    """The top-level attribute names any condition, bandit feature or slot reads."""


def compile_snapshot(
    snap: Snapshot, segment_keys: dict[int, str], etag: str = ""
) -> CompiledConfig:
    """Compile a workspace's objects."""
    experiences: dict[str, list[CompiledExperience]] = {}
    for exp in snap.of("experience").values():
        compiled = CompiledExperience(
            exp,
            CompiledAudience.of(exp.audience),
            tuple((v, CompiledAudience.of(v.audience)) for v in exp.variants),
            {v.key: v for v in exp.variants},
        )
        experiences.setdefault(exp.placement, []).append(compiled)
    for group in experiences.values():
        group.sort(key=lambda c: (-c.model.priority, c.model.key))
    flags = {
        key: CompiledFlag(
            flag,
            tuple(
                CompiledRule(
                    n,
                    rule.id or f"rule-{n}",
                    CompiledAudience.of(rule.audience),
                    rule.value,
                    rule.rollout,
                    rule.experiment,
                    rule.values,
                )
                for n, rule in enumerate(flag.rules)
            ),
        )
        for key, flag in snap.of("flag").items()
    }
    return CompiledConfig(
        reads=_reads(snap),
        snapshot=snap,
        settings=snap.settings,
        placements=dict(snap.of("placement")),
        experiences=experiences,
        experiments={k: CompiledExperiment.of(e) for k, e in snap.of("experiment").items()},
        flags=flags,
        segment_keys=segment_keys,
        etag=etag,
        flag_keys=tuple(sorted(flags)),
    )


def _condition_reads(condition: Any) -> set[str]:
    """Top-level attribute names a condition reads (the first part of each path)."""
    found: set[str] = set()
    if isinstance(condition, Mapping):
        for key, value in condition.items():
            if key in ("$and", "$or", "$nor"):
                for part in value if isinstance(value, list) else ():
                    found |= _condition_reads(part)
            elif key == "$not":
                found |= _condition_reads(value)
            elif not str(key).startswith("$"):
                found.add(str(key).split(".", 1)[0])
    return found


def _reads(snap: Snapshot) -> frozenset[str]:
    audiences: list[Audience | None] = []
    paths: list[str] = []
    for exp in snap.of("experience").values():
        audiences.append(exp.audience)
        audiences += [v.audience for v in exp.variants]
        if exp.bandit is not None:
            paths += exp.bandit.features
        if exp.recommendations is not None and exp.recommendations.item_from:
            paths.append(exp.recommendations.item_from)
    for flag in snap.of("flag").values():
        audiences += [rule.audience for rule in flag.rules]
    found = {p.split(".", 1)[0] for p in paths}
    for audience in audiences:
        if audience is not None and audience.condition is not None:
            found |= _condition_reads(audience.condition)
    return frozenset(found)


_cache: dict[tuple[str, int], tuple[float, tuple[Any, ...], CompiledConfig]] = {}
_lock = threading.Lock()


def _stamp(conn: Connection, workspace_id: int) -> tuple[Any, ...]:
    objects = conn.execute(
        sa.select(
            sa.func.count(decide_objects.c.id),
            sa.func.max(decide_objects.c.updated_at),
            sa.func.max(decide_objects.c.id),
            sa.func.sum(decide_objects.c.version),
        ).where(decide_objects.c.workspace_id == workspace_id)
    ).one()
    segs = conn.execute(
        sa.select(sa.func.count(segments_table.c.id), sa.func.max(segments_table.c.id)).where(
            segments_table.c.workspace_id == workspace_id
        )
    ).one()
    return (*objects, *segs)


def fresh_config(engine: Engine, workspace_id: int) -> CompiledConfig | None:
    """This process's copy of the workspace's compiled configuration if it was checked within
    :data:`RECHECK_SECONDS` (no statement needed), else None."""
    cached = _cache.get((storage.database_key(engine), workspace_id))
    if cached is not None and time.monotonic() - cached[0] < RECHECK_SECONDS:
        return cached[2]
    return None


def compiled_config(conn: Connection, workspace_id: int) -> CompiledConfig:
    """The workspace's compiled configuration, rebuilt when it changed."""
    cache_key = (storage.database_key(conn.engine), workspace_id)
    cached = _cache.get(cache_key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < RECHECK_SECONDS:
        return cached[2]
    stamp = _stamp(conn, workspace_id)
    if cached is not None and cached[1] == stamp:
        with _lock:
            _cache[cache_key] = (now, stamp, cached[2])
        return cached[2]
    snap = load_snapshot(conn, workspace_id)
    rows = conn.execute(
        sa.select(segments_table.c.id, segments_table.c.key).where(
            segments_table.c.workspace_id == workspace_id
        )
    )
    segment_keys = {int(row.id): str(row.key) for row in rows}
    etag = hashlib.sha256(repr((workspace_id, stamp)).encode()).hexdigest()[:20]
    compiled = compile_snapshot(snap, segment_keys, etag)
    with _lock:
        _cache[cache_key] = (now, stamp, compiled)
    return compiled


def invalidate(conn: Connection, workspace_id: int) -> None:
    """Forget this process's copy of a workspace's configuration (after writing it)."""
    with _lock:
        _cache.pop((storage.database_key(conn.engine), workspace_id), None)
