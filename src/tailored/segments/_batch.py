"""Batch work over a whole workspace: backfilling features, recomputing, previewing.

This is where the event log is read: when a segment needs a feature profiles do not keep yet,
the feature is rebuilt for every profile from its events, in chunks of profiles, each chunk
in its own write transaction so ingestion is never held up for long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored import storage
from tailored.core import utcnow
from tailored.events import events
from tailored.profiles import profiles

from ._definitions import CompiledWorkspace
from ._features import STATE_KEY, FeatureExtension, FeatureSet, FeatureSpec, tracking
from ._membership import Evaluation, evaluate, load_scores, write_memberships
from ._store import compiled_workspace
from ._tables import segments

#: ``progress(done, total)``, called after each chunk of profiles.
Progress = Callable[[int, int], None]
CHUNK = 2_000
_EXTENSION = FeatureExtension()
_PAGE_TYPES = {"Page Viewed": "page", "Screen Viewed": "screen"}


@dataclass(frozen=True)
class RecomputeResult:
    """What a recomputation did."""

    profiles: int
    entered: int
    exited: int


def _to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def count_profiles(conn: Connection, workspace_id: int) -> int:
    """How many live (not merged-away) profiles the workspace has."""
    query = sa.select(sa.func.count()).where(
        profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
    )
    return int(conn.execute(query).scalar_one())


def state_chunks(
    conn: Connection, workspace_id: int, size: int = CHUNK
) -> Iterator[dict[str, dict[str, Any]]]:
    """The live profiles' states, ``size`` profiles at a time, in id order."""
    last = ""
    while True:
        rows = conn.execute(
            sa.select(profiles.c.id, profiles.c.state)
            .where(
                profiles.c.workspace_id == workspace_id,
                profiles.c.merged_into.is_(None),
                profiles.c.id > last,
            )
            .order_by(profiles.c.id)
            .limit(size)
        ).all()
        if not rows:
            return
        yield {pid: state or {} for pid, state in rows}
        last = rows[-1][0]


def feature_parts(
    conn: Connection, workspace_id: int, profile_ids: list[str], features: FeatureSet
) -> dict[str, dict[str, Any]]:
    """The ``features`` of each profile, rebuilt from the event log."""
    names = list(features.by_event)
    kinds = [_PAGE_TYPES[n] for n in names if n in _PAGE_TYPES]
    matches = sa.and_(events.c.type == "track", events.c.event.in_(names))
    if kinds:
        matches = sa.or_(matches, events.c.type.in_(kinds))
    columns = (events.c.profile_id, events.c.type, events.c.event, events.c.timestamp)
    rows = conn.execute(
        sa.select(*columns, events.c.properties).where(
            events.c.workspace_id == workspace_id, events.c.profile_id.in_(profile_ids), matches
        )
    )
    parts: dict[str, dict[str, Any]] = {pid: {} for pid in profile_ids}
    with tracking(features):
        for pid, kind, name, timestamp, properties in rows:
            view = {"type": kind, "event": name, "properties": properties}
            _EXTENSION.apply(parts[pid], view, _to_ms(timestamp))
    return parts


def backfill(
    engine: Engine, workspace_id: int, specs: list[FeatureSpec], progress: Progress | None = None
) -> int:
    """Rebuild ``specs`` in every profile's state from the event log; returns profiles done."""
    if not specs:
        return 0
    features = FeatureSet(specs)
    with engine.connect() as conn:
        total = count_profiles(conn, workspace_id)
    done, last = 0, ""
    while True:
        with storage.write_transaction(engine) as conn:
            chunk = _next_ids(conn, workspace_id, last)
            if not chunk:
                break
            states = dict(conn.execute(
                sa.select(profiles.c.id, profiles.c.state).where(profiles.c.id.in_(chunk))
            ).all())  # fmt: skip
            parts = feature_parts(conn, workspace_id, chunk, features)
            updates = [{"pid": pid, "st": _with_parts(states[pid] or {}, parts[pid], features)}
                       for pid in chunk]  # fmt: skip
            conn.execute(
                profiles.update()
                .where(profiles.c.id == sa.bindparam("pid"))
                .values(state=sa.bindparam("st")),
                updates,
            )
        done, last = done + len(chunk), chunk[-1]
        if progress:
            progress(done, total)
    return done


def _next_ids(conn: Connection, workspace_id: int, after: str) -> list[str]:
    return list(
        conn.execute(
            sa.select(profiles.c.id)
            .where(
                profiles.c.workspace_id == workspace_id,
                profiles.c.merged_into.is_(None),
                profiles.c.id > after,
            )
            .order_by(profiles.c.id)
            .limit(CHUNK)
        ).scalars()
    )


def _with_parts(
    state: dict[str, Any], parts: dict[str, Any], features: FeatureSet
) -> dict[str, Any]:
    own = state.setdefault(STATE_KEY, {})
    for key in features.specs:
        if key in parts:
            own[key] = parts[key]
        else:
            own.pop(key, None)
    return state


def recompute(
    engine: Engine,
    workspace_id: int,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RecomputeResult:
    """Evaluate every segment of the workspace for every profile and store what changed."""
    now = now or utcnow()
    now_ms = _to_ms(now)
    with engine.connect() as conn:
        total = count_profiles(conn, workspace_id)
        compiled = compiled_workspace(conn, workspace_id)
    done = entered = exited = 0
    with engine.connect() as reader:
        for chunk in state_chunks(reader, workspace_id):
            scores = load_scores(reader, chunk) if compiled.reads_scores else {}
            results = {pid: evaluate(compiled, state, now, now_ms, scores.get(pid))
                       for pid, state in chunk.items()}  # fmt: skip
            with storage.write_transaction(engine) as conn:
                changes = write_memberships(conn, workspace_id, results, compiled.keys, now)
            entered += sum(1 for c in changes if c.kind == "Segment Entered")
            exited += len(changes) - sum(1 for c in changes if c.kind == "Segment Entered")
            done += len(chunk)
            if progress:
                progress(done, total)
    with storage.write_transaction(engine) as conn:
        conn.execute(
            segments.update().where(segments.c.workspace_id == workspace_id).values(computed_at=now)
        )
    return RecomputeResult(done, entered, exited)


def evaluate_population(
    conn: Connection, workspace_id: int, compiled: CompiledWorkspace, now: datetime
) -> Iterator[tuple[str, Evaluation]]:
    """Evaluate ``compiled`` for every profile, rebuilding in memory features not yet kept."""
    kept = compiled_workspace(conn, workspace_id).features.specs
    missing = FeatureSet([s for k, s in compiled.features.specs.items() if k not in kept])
    now_ms = _to_ms(now)
    for chunk in state_chunks(conn, workspace_id):
        if missing.specs:
            parts = feature_parts(conn, workspace_id, list(chunk), missing)
            for pid, state in chunk.items():
                state.setdefault(STATE_KEY, {}).update(parts[pid])
        scores = load_scores(conn, chunk) if compiled.reads_scores else {}
        for pid, state in chunk.items():
            yield pid, evaluate(compiled, state, now, now_ms, scores.get(pid))
