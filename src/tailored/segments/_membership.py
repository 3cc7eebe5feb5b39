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

# The statements of the ingest path, built once: building and caching a statement costs
# about as much as running it on a batch of one person.
_IDS: sa.BindParameter[str] = sa.bindparam("ids", expanding=True)
_SCORES = sa.select(scores).where(scores.c.profile_id.in_(_IDS))
_MEMBERS = sa.select(members.c.profile_id, members.c.segment_id).where(
    members.c.profile_id.in_(_IDS)
)
_DUE = sa.select(due.c.profile_id, due.c.due_at).where(due.c.profile_id.in_(_IDS))
_CLEAR_DUE = due.delete().where(due.c.profile_id.in_(_IDS))
_MERGED_AWAY = (
    sa.select(members.c.profile_id)
    .distinct()
    .join(profiles, profiles.c.id == members.c.profile_id)
    .where(profiles.c.merged_into.in_(_IDS))
)


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
    *,
    since: Evaluation | None = None,
    events: frozenset[str] = frozenset(),
) -> Evaluation:
    """Evaluate the segments of a workspace for one profile state.

    Args:
        compiled: The workspace's segments.
        state: The profile's state.
        now: The time of evaluation.
        now_ms: The same in epoch milliseconds.
        score: The profile's RFM scores, for segments that read them.
        since: The profile's last evaluation, when ``state`` is the state it was made on with
            only events named ``events`` folded in since. Segments that cannot change with
            those events (:meth:`CompiledWorkspace.plan`) keep their answer, and so do
            those the events can only move the way they already are (a count of at least
            three that holds; "never ordered" that does not); the earlier of the two due
            times is kept, so windows that lapse are still swept.
            Without it, every segment is evaluated.
        events: The names of the events folded in since ``since``.
    """
    subject = Subject(state, now_ms)
    attributes = _NO_ATTRIBUTES
    if compiled.reads_profile:
        fields = compiled.fields
        attributes = profile_attributes(state, now, score, fields)
        if fields is None or "lifecycle_stage" in fields:
            note_lifecycle_changes(subject, attributes.get("lifecycle_stage"))
    context = EvaluationContext(attributes, state=subject)
    members = subject.members
    if since is None:
        todo, found, before = compiled.segments, set(), None
    else:
        plan = compiled.plan(events)
        todo, before = plan.evaluate, since.segment_ids
        found = set(before & plan.kept)
        members.update(compiled.keys[sid] for sid in found & plan.referenced)
    for segment in todo:
        way = segment.way
        if before is not None and way and (segment.id in before) == (way > 0):
            # Events can only turn it true and it is (or only false and it is not): it stays.
            if way > 0:
                members.add(segment.key)
                found.add(segment.id)
            continue
        direct = segment.direct
        if direct(context) if direct is not None else segment.condition.matches(context):
            members.add(segment.key)
            found.add(segment.id)
    due_at = subject.due
    if since is not None and since.due is not None:
        due_at = since.due if due_at is None else min(due_at, since.due)
    return Evaluation(frozenset(found), due_at)


def load_scores(conn: Connection, profile_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The RFM scores of the given profiles, shaped as ``tailored.profiles.score_of``."""
    out: dict[str, dict[str, Any]] = {}
    ids = list(profile_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(_SCORES, {"ids": ids[start : start + _CHUNK]}).mappings()
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
        rows = conn.execute(_MEMBERS, {"ids": profile_ids[start : start + _CHUNK]})
        for pid, sid in rows:
            out[pid].add(sid)
    return out


def last_evaluations(conn: Connection, profile_ids: Iterable[str]) -> dict[str, Evaluation]:
    """The stored memberships and due times of the given profiles."""
    ids = list(profile_ids)
    due_at: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(_DUE, {"ids": ids[start : start + _CHUNK]})
        for pid, moment in rows:
            due_at[pid] = int(moment.timestamp() * 1000)
    return {
        pid: Evaluation(frozenset(sids), due_at.get(pid))
        for pid, sids in _current(conn, ids).items()
    }


def write_memberships(
    conn: Connection,
    workspace_id: int,
    results: dict[str, Evaluation],
    keys: dict[int, str],
    now: datetime,
    last: dict[str, Evaluation] | None = None,
) -> list[SegmentChange]:
    """Store the evaluations: members, history, due times; publish and return the changes.

    ``last`` may hold the stored evaluations of some of the profiles (see
    :func:`last_evaluations`), whose memberships are then not read again, nor their due
    times written when they did not move.
    """
    if not results:
        return []
    last = last or {}
    current = {pid: set(last[pid].segment_ids) for pid in results if pid in last}
    current.update(_current(conn, [pid for pid in results if pid not in current]))
    entered = [(pid, sid) for pid, r in results.items() for sid in r.segment_ids - current[pid]]
    exited = [(pid, sid) for pid, r in results.items() for sid in current[pid] - r.segment_ids]
    _enter(conn, workspace_id, entered, now)
    _exit(conn, exited, now)
    moved = [pid for pid, r in results.items() if pid not in last or last[pid].due != r.due]
    _clear_due(conn, moved)
    due_rows = [
        {"profile_id": pid, "workspace_id": workspace_id, "due_at": _dt(due_at)}
        for pid in moved
        if (due_at := results[pid].due) is not None
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
        conn.execute(_CLEAR_DUE, {"ids": ids[start : start + _CHUNK]})


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
    if not ids:
        return []
    return list(conn.execute(_MERGED_AWAY, {"ids": ids}).scalars())
