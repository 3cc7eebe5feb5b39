"""Reading and writing profile states, and the ingest subscriber that keeps them current."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored import storage
from tailored.core import utcnow
from tailored.events import EventRow, RetryBatch

from ._extensions import state_listeners
from ._identity import Resolution, resolve_batch, write_resolution
from ._state import State, apply_event, merge_states
from ._tables import profiles

# The statements of every ingest, built once: building and caching a statement costs about
# as much as running it for a batch of one person. Merged-away states are dropped in Python:
# with ``merged_into IS NULL`` in the query, SQLite (without statistics) walks the
# merged_into index over every live profile instead of looking the ids up by key.
_STATES = (
    sa.select(profiles.c.id, profiles.c.state, profiles.c.merged_into)
    .where(profiles.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(profiles.c.id)
)
_STATES_FOR_UPDATE = _STATES.with_for_update()
_SAVE_STATE = (
    profiles.update()
    .where(profiles.c.id == sa.bindparam("pid"))
    .values(state=sa.bindparam("new_state"), updated_at=sa.bindparam("now"))
)

_SQLITE_SAVE_STATE = "UPDATE profiles SET state = ?, updated_at = ? WHERE id = ?"


def load_states(
    conn: Connection, profile_ids: set[str], *, for_update: bool = False
) -> dict[str, State]:
    """The stored states of ``profile_ids`` (merged-away profiles are left out).

    With ``for_update`` the rows stay locked until the transaction ends (PostgreSQL; SQLite's
    write transaction holds the whole database), so concurrent batches never lose each
    other's updates. Rows are locked in id order to keep deadlocks rare.
    """
    if not profile_ids:
        return {}
    if conn.dialect.name == "sqlite":  # straight to the driver, as in save_states
        ids = tuple(profile_ids)
        marks = storage.sqlite_placeholders(len(ids))
        sql = f"SELECT id, state, merged_into FROM profiles WHERE id IN ({marks})"
        return {
            pid: (orjson.loads(state) if state else None) or {}
            for pid, state, merged_into in conn.exec_driver_sql(sql, ids)
            if merged_into is None
        }
    query = _STATES_FOR_UPDATE if for_update else _STATES
    rows = conn.execute(query, {"ids": list(profile_ids)})
    return {pid: state or {} for pid, state, merged_into in rows if merged_into is None}


def save_states(conn: Connection, states: dict[str, State]) -> None:
    """Write states back, one statement for the whole batch."""
    if not states:
        return
    now = utcnow()
    if conn.dialect.name == "sqlite":
        # Straight to the driver: a third of the cost of SQLAlchemy's per-row processing.
        stamp = storage.sqlite_time(now)
        rows = [(storage.sqlite_json(state), stamp, pid) for pid, state in states.items()]
        conn.exec_driver_sql(_SQLITE_SAVE_STATE, rows)
        return
    conn.execute(
        _SAVE_STATE,
        [{"pid": pid, "new_state": state, "now": now} for pid, state in states.items()],
    )


def _lock_key(workspace_id: int, value: str) -> int:
    digest = hashlib.blake2b(f"{workspace_id}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_identities(conn: Connection, workspace_id: int, rows: list[EventRow]) -> None:
    """Serialise concurrent batches that involve the same people (PostgreSQL).

    One transaction-scoped advisory lock per id, taken in a fixed order, so two batches that
    share a person resolve one after the other (no duplicate profiles, no deadlock) while
    batches about different people run in parallel.
    """
    ids: set[str] = set()
    for row in rows:
        ids.update(v for v in (row["user_id"], row["anonymous_id"]) if v)
        previous = (row.get("extra") or {}).get("previousId")
        if previous:
            ids.add(str(previous))
    keys = sorted({_lock_key(workspace_id, v) for v in ids})
    if keys:
        conn.execute(
            sa.text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered"
            ),
            {"keys": keys},
        )


@dataclass
class _Prepared:
    resolution: Resolution
    loser_states: dict[str, State]


class ProfileUpdater:
    """The ingest subscriber: resolves identities before the insert, folds events in after."""

    def prepare(self, conn: Connection, workspace_id: int, rows: list[EventRow]) -> Any:
        """Assign each row its profile and write the identity graph's changes."""
        if conn.dialect.name == "postgresql":
            lock_identities(conn, workspace_id, rows)
        resolution = resolve_batch(conn, workspace_id, rows)
        existing_losers = {p for p in resolution.merged if p not in resolution.new_profiles}
        loser_states = load_states(conn, existing_losers, for_update=True)
        if len(loser_states) != len(existing_losers):
            raise RetryBatch("a profile to merge was merged by a concurrent batch")
        write_resolution(conn, workspace_id, resolution)
        return _Prepared(resolution, loser_states)

    def apply(
        self, conn: Connection, workspace_id: int, stored: list[EventRow], prepared: Any
    ) -> None:
        """Fold the stored rows (and this batch's merges) into the profiles' states."""
        assert isinstance(prepared, _Prepared)
        resolution = prepared.resolution
        touched = {str(r["profile_id"]) for r in stored}
        touched |= {resolution.final(p) for p in prepared.loser_states}
        existing = touched - set(resolution.new_profiles)
        states = load_states(conn, existing, for_update=True)
        if len(states) != len(existing):
            raise RetryBatch("a profile was merged by a concurrent batch")
        for profile in touched & set(resolution.new_profiles):
            states[profile] = {}
        rebuilt = set(touched & set(resolution.new_profiles))
        for loser, state in sorted(prepared.loser_states.items()):
            survivor = resolution.final(loser)
            states[survivor] = merge_states(states.get(survivor, {}), state)
            rebuilt.add(survivor)
        for row in stored:
            apply_event(states[str(row["profile_id"])], _event_view(row))
        save_states(conn, states)
        for listener in state_listeners():
            listener(conn, workspace_id, states, stored, frozenset(rebuilt))


def _event_view(row: EventRow) -> dict[str, Any]:
    parsed = row.get("parsed") or {}
    return {
        "type": row["type"],
        "event": row["event"],
        "timestamp": row["timestamp"],
        "properties": row["properties"],
        "traits": row["traits"],
        "context": row["context"],
        "seen": parsed.get("seen"),
        "consent": parsed.get("consent"),
    }
