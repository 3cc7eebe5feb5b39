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
from sqlalchemy.engine import Connection

from tailored.conditions import Condition, compile_condition
from tailored.experiments import evaluation as gb
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
    """An experiment as GrowthBook runs it, with each variant's probability."""

    model: Experiment
    definition: gb.Experiment
    propensity: dict[str, float]
    """Probability of each variant for a person eligible to take part: layer share x coverage
    x weight (a person outside the layer slice or coverage gets no variant)."""

    @classmethod
    def of(cls, exp: Experiment) -> CompiledExperiment:
        """Compile one experiment."""
        spec: dict[str, Any] = {
            "key": exp.key,
            "variations": [v.key for v in exp.variants],
            "weights": list(exp.weights),
            "coverage": exp.coverage,
            "hashVersion": 2,
            "seed": exp.seed or exp.key,
            "bucketVersion": exp.bucket_version,
            "meta": [{"key": v.key, "name": v.name or v.key} for v in exp.variants],
            "hashAttribute": "id",
            "active": exp.status == "running",
            "name": exp.name or exp.key,
        }
        share = 1.0
        if exp.layer is not None:
            start, end = exp.layer.range
            spec["namespace"] = [exp.layer.key, start, end]
            share = end - start
        propensity = {
            v.key: share * exp.coverage * w for v, w in zip(exp.variants, exp.weights, strict=True)
        }
        return cls(exp, gb.Experiment.model_validate(spec), propensity)


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


def compiled_config(conn: Connection, workspace_id: int) -> CompiledConfig:
    """The workspace's compiled configuration, rebuilt when it changed."""
    cache_key = (conn.engine.url.render_as_string(), workspace_id)
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
        _cache.pop((conn.engine.url.render_as_string(), workspace_id), None)
