"""Keeping memberships current: per ingested batch, and as windows lapse.

- Before the profiles stage folds a batch, the workspace's segments are looked up (compiled
  once per process, refreshed when they change) and their features are set to be folded.
- After the states are saved, inside the ingest transaction, every touched profile is
  evaluated and what changed is written, so membership reflects an event once the collection
  call returns. A profile that only gained events is evaluated from its stored memberships:
  just the segments those events (or profile fields, or a changed segment) can change.
- ``tailored worker`` runs :data:`SWEEP_JOB` every 30 s: profiles whose windows lapse (their
  due time has passed) are evaluated again, and workspaces whose RFM scores were recomputed
  since their segments were are recomputed.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored import events, profiles, storage
from tailored.core import utcnow
from tailored.events import EventRow

from ._batch import recompute
from ._definitions import CompiledWorkspace
from ._features import FeatureExtension, event_name, set_tracking
from ._membership import (
    Evaluation,
    evaluate,
    last_evaluations,
    load_scores,
    merged_away,
    write_memberships,
)
from ._store import compiled_workspace
from ._tables import due, segments

SWEEP_JOB = "segments.sweep"
SWEEP_EVERY_SECONDS = 30.0
SWEEP_BATCH = 5_000

_batch: ContextVar[tuple[int, CompiledWorkspace] | None] = ContextVar(
    "tailored_segment_batch", default=None
)


class _BatchPreparer:
    """The ingest subscriber: looks up the workspace's segments before the batch is folded."""

    def prepare(self, conn: Connection, workspace_id: int, rows: list[EventRow]) -> Any:
        """Compile (or reuse) the segments and set their features to be folded."""
        del rows
        compiled = compiled_workspace(conn, workspace_id)
        set_tracking(compiled.features)
        _batch.set((workspace_id, compiled))
        return None

    def apply(
        self, conn: Connection, workspace_id: int, stored: list[EventRow], prepared: Any
    ) -> None:
        """Nothing: memberships are updated by the state listener, after states are saved."""
        del conn, workspace_id, stored, prepared


def _to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def update_profiles(
    conn: Connection,
    workspace_id: int,
    compiled: CompiledWorkspace,
    states: dict[str, dict[str, Any]],
    now: datetime,
    folded: dict[str, frozenset[str]] | None = None,
) -> None:
    """Evaluate ``states`` and store what changed (profiles merged into them leave).

    ``folded`` names, per profile, the events folded into its state since it was last
    evaluated, when nothing else changed it; those profiles are evaluated incrementally.
    """
    now_ms = _to_ms(now)
    folded = folded or {}
    scores = load_scores(conn, states) if compiled.reads_scores else {}
    last = last_evaluations(conn, [pid for pid in states if pid in folded])
    results = {
        pid: evaluate(compiled, state, now, now_ms, scores.get(pid),
                      since=last.get(pid), events=folded.get(pid, frozenset()))
        for pid, state in states.items()
    }  # fmt: skip
    # Only a profile created or merged by the batch (not folded) can have taken in another.
    for loser in merged_away(conn, [pid for pid in states if pid not in folded]):
        results[loser] = Evaluation(frozenset(), None)
    write_memberships(conn, workspace_id, results, compiled.keys, now, last)


def _on_states(
    conn: Connection,
    workspace_id: int,
    states: dict[str, dict[str, Any]],
    stored: list[EventRow],
    rebuilt: frozenset[str],
) -> None:
    batch = _batch.get()
    if batch is not None and batch[0] == workspace_id:
        compiled = batch[1]
    else:
        compiled = compiled_workspace(conn, workspace_id)
    if compiled.segments and states:
        names: dict[str, set[str]] = {pid: set() for pid in states if pid not in rebuilt}
        for row in stored:
            name = event_name(row)
            found = names.get(str(row["profile_id"]))
            if name is not None and found is not None:
                found.add(name)
        folded = {pid: frozenset(n) for pid, n in names.items()}
        update_profiles(conn, workspace_id, compiled, states, utcnow(), folded)


def sweep(engine: Engine, now: datetime | None = None) -> int:
    """Evaluate again every profile whose memberships may have lapsed by ``now``.

    Returns:
        How many profiles were evaluated.
    """
    now = now or utcnow()
    done = 0
    while True:
        with storage.write_transaction(engine) as conn:
            rows = conn.execute(
                sa.select(due.c.profile_id, due.c.workspace_id)
                .where(due.c.due_at <= now)
                .order_by(due.c.due_at)
                .limit(SWEEP_BATCH)
            ).all()
            by_workspace: dict[int, list[str]] = {}
            for pid, ws in rows:
                by_workspace.setdefault(ws, []).append(pid)
            for ws, pids in sorted(by_workspace.items()):
                states = profiles.load_states(conn, set(pids))
                gone = set(pids) - set(states)
                if gone:
                    conn.execute(due.delete().where(due.c.profile_id.in_(gone)))
                update_profiles(conn, ws, compiled_workspace(conn, ws), states, now)
        done += len(rows)
        if len(rows) < SWEEP_BATCH:
            return done


def _scores_changed(engine: Engine) -> list[int]:
    """Workspaces whose segments read RFM scores computed after the segments were."""
    with engine.connect() as conn:
        scored = conn.execute(
            sa.select(
                profiles.scores.c.workspace_id, sa.func.max(profiles.scores.c.computed_at)
            ).group_by(profiles.scores.c.workspace_id)
        ).all()
        stale = []
        for workspace_id, scored_at in scored:
            computed = conn.execute(
                sa.select(sa.func.min(segments.c.computed_at)).where(
                    segments.c.workspace_id == workspace_id
                )
            ).scalar()
            stale_scores = computed is not None and computed < scored_at
            if stale_scores and compiled_workspace(conn, workspace_id).reads_scores:
                stale.append(workspace_id)
    return stale


def _sweep_job(engine: Engine, job: storage.Job) -> None:
    del job
    sweep(engine)
    for workspace_id in _scores_changed(engine):
        recompute(engine, workspace_id)


def install_realtime() -> None:
    """Hook into ingestion and the worker (idempotent)."""
    profiles.register_state_extension(FeatureExtension())
    events.subscribe(_PREPARER)
    profiles.add_state_listener(_on_states)
    storage.register_job(SWEEP_JOB, _sweep_job)
    storage.register_periodic(SWEEP_JOB, every_seconds=SWEEP_EVERY_SECONDS)


_PREPARER = _BatchPreparer()
