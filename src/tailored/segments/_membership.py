"""Evaluating a profile's memberships and writing what changed.

The same two functions serve every path: the ingest listener (the profiles a batch touched),
the worker's sweep (profiles whose windows lapse) and batch recomputation (everyone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.conditions import EvaluationContext
from tailored.profiles import profiles, scores

from ._attributes import note_lifecycle_changes, profile_attributes
from ._bus import ENTERED, EXITED, SegmentChange, publish
from ._definitions import CompiledWorkspace
from ._operators import Subject
from ._tables import due, history, members

_NO_ATTRIBUTES: Any = MappingProxyType({})
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A profile's segments (by id) and when they may next change without an event (ms)."""

    segment_ids: frozenset[int]
    due: int | None


def evaluate(
    compiled: CompiledWorkspace,
    state: dict[str, Any],
    now: datetime,
    now_ms: int,
    score: dict[str, Any] | None = None,
) -> Evaluation:
    """Evaluate every segment of a workspace for one profile state."""
    subject = Subject(state, now_ms)
    attributes = _NO_ATTRIBUTES
    if compiled.reads_profile:
        attributes = profile_attributes(state, now, score)
        note_lifecycle_changes(subject, attributes.get("lifecycle_stage"))
    context = EvaluationContext(attributes, state=subject)
    found: list[int] = []
    for segment in compiled.segments:
        direct = segment.direct
        if direct(context) if direct is not None else segment.condition.matches(context):
            subject.members.add(segment.key)
            found.append(segment.id)
    return Evaluation(frozenset(found), subject.due)


def load_scores(conn: Connection, profile_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The RFM scores of the given profiles, shaped as ``tailored.profiles.score_of``."""
    out: dict[str, dict[str, Any]] = {}
    ids = list(profile_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            sa.select(scores).where(scores.c.profile_id.in_(ids[start : start + _CHUNK]))
        ).mappings()
        for row in rows:
            out[row["profile_id"]] = {
                "rfm": {k: row[k] for k in ("recency", "frequency", "monetary")},
                "rfm_segment": row["segment"],
                "probability_alive": row["p_alive"],
            }
    return out


def _current(conn: Connection, profile_ids: list[str]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {pid: set() for pid in profile_ids}
    for start in range(0, len(profile_ids), _CHUNK):
        chunk = profile_ids[start : start + _CHUNK]
        rows = conn.execute(
            sa.select(members.c.profile_id, members.c.segment_id).where(
                members.c.profile_id.in_(chunk)
            )
        )
        for pid, sid in rows:
            out[pid].add(sid)
    return out


def write_memberships(
    conn: Connection,
    workspace_id: int,
    results: dict[str, Evaluation],
    keys: dict[int, str],
    now: datetime,
) -> list[SegmentChange]:
    """Store the evaluations: members, history, due times; publish and return the changes."""
    if not results:
        return []
    current = _current(conn, list(results))
    entered = [(pid, sid) for pid, r in results.items() for sid in r.segment_ids - current[pid]]
    exited = [(pid, sid) for pid, r in results.items() for sid in current[pid] - r.segment_ids]
    _enter(conn, workspace_id, entered, now)
    _exit(conn, exited, now)
    _clear_due(conn, list(results))
    due_rows = [
        {"profile_id": pid, "workspace_id": workspace_id, "due_at": _dt(r.due)}
        for pid, r in results.items()
        if r.due is not None
    ]
    if due_rows:
        conn.execute(due.insert(), due_rows)
    changes = [
        SegmentChange(workspace_id, keys[sid], pid, ENTERED, now) for pid, sid in entered
    ] + [SegmentChange(workspace_id, keys[sid], pid, EXITED, now) for pid, sid in exited]
    publish(conn, changes)
    return changes


def _clear_due(conn: Connection, ids: list[str]) -> None:
    for start in range(0, len(ids), _CHUNK):
        conn.execute(due.delete().where(due.c.profile_id.in_(ids[start : start + _CHUNK])))


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _enter(
    conn: Connection, workspace_id: int, pairs: list[tuple[str, int]], now: datetime
) -> None:
    if not pairs:
        return
    rows = [
        {"segment_id": sid, "profile_id": pid, "workspace_id": workspace_id, "entered_at": now}
        for pid, sid in pairs
    ]
    conn.execute(members.insert(), rows)
    conn.execute(history.insert(), [{**row, "exited_at": None} for row in rows])


def _exit(conn: Connection, pairs: list[tuple[str, int]], now: datetime) -> None:
    if not pairs:
        return
    params = [{"sid": sid, "pid": pid} for pid, sid in pairs]
    conn.execute(
        members.delete().where(
            members.c.segment_id == sa.bindparam("sid"),
            members.c.profile_id == sa.bindparam("pid"),
        ),
        params,
    )
    conn.execute(
        history.update()
        .where(
            history.c.segment_id == sa.bindparam("sid"),
            history.c.profile_id == sa.bindparam("pid"),
            history.c.exited_at.is_(None),
        )
        .values(exited_at=now),
        params,
    )


def merged_away(conn: Connection, profile_ids: Iterable[str]) -> list[str]:
    """Profiles merged into one of ``profile_ids`` that still hold memberships."""
    ids = list(profile_ids)
    query = (
        sa.select(members.c.profile_id)
        .distinct()
        .join(profiles, profiles.c.id == members.c.profile_id)
        .where(profiles.c.merged_into.in_(ids))
    )
    return list(conn.execute(query).scalars())
