"""Incremental membership (ingest + worker sweeps) equals recomputation from the event log."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailored import events, profiles, segments, storage
from tailored.core import utcnow

SEGMENTS = {
    "viewed-3": {"$event": {"name": "Viewed", "within": "7d", "count": {"$gte": 3}}},
    "recent": {"$event": {"name": "Viewed", "within": "12h"}},
    "kitchen": {"$event": {"name": "Viewed", "where": {"cat": "kitchen"}, "within": "2d"}},
    "lapsed": {"$event": {"name": "Added", "between": ["10d", "3d"]}},
    "spend": {
        "$event": {
            "name": "Ordered",
            "within": "14d",
            "property": "price",
            "aggregate": "sum",
            "value": {"$gte": 40},
        }
    },
    "cheap": {
        "$event": {"name": "Ordered", "property": "price", "aggregate": "min", "value": {"$lt": 10}}
    },
    "abandon": {
        "$sequence": {
            "steps": [{"name": "Added"}, {"name": "Ordered"}],
            "within": "1d",
            "since": "5d",
            "completed": False,
        }
    },
    "no-order": {"$and": [{"$segment": "viewed-3"}, {"$event": {"name": "Ordered", "count": 0}}]},
    "new": {"lifecycle_stage": "new"},
}

event_strategy = st.tuples(
    st.sampled_from(["u1", "u2", "u3"]),
    st.sampled_from(["Viewed", "Added", "Ordered"]),
    st.integers(min_value=0, max_value=20 * 24),  # hours ago
    st.integers(min_value=0, max_value=30),
    st.sampled_from(["kitchen", "garden"]),
)


def _message(user, name, hours, price, cat, now):
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "messageId": uuid.uuid4().hex,
        "properties": {"price": price, "cat": cat},
        "timestamp": (now - timedelta(hours=hours)).isoformat(),
    }


def _recomputed(conn, workspace_id, now):
    """Memberships from replaying the event log into fresh states."""
    compiled = segments.compiled_workspace(conn, workspace_id)
    states: dict[str, dict] = {}
    rows = conn.execute(
        sa.select(events.events).where(events.events.c.workspace_id == workspace_id)
    ).mappings()
    with segments.tracking(compiled.features):
        for row in rows:
            state = states.setdefault(row["profile_id"], {})
            profiles.apply_event(state, dict(row))
    ms = int(now.timestamp() * 1000)
    keys = {s.id: s.key for s in compiled.segments}
    return {
        (keys[sid], pid)
        for pid, state in states.items()
        for sid in segments.evaluate(compiled, state, now, ms).segment_ids
    }


def _stored(conn, workspace_id):
    rows = conn.execute(
        sa.select(segments.segments.c.key, segments.members.c.profile_id)
        .join(segments.segments, segments.segments.c.id == segments.members.c.segment_id)
        .where(segments.members.c.workspace_id == workspace_id)
    )
    return {tuple(r) for r in rows}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(event_strategy, max_size=15),
    batches=st.lists(st.lists(event_strategy, min_size=1, max_size=6), max_size=4),
    sweep_hours=st.integers(min_value=0, max_value=72),
)
def test_incremental_membership_equals_recomputation(engine, before, batches, sweep_hours):
    with storage.write_transaction(engine) as conn:
        workspace_id = storage.create_workspace(conn, f"w{uuid.uuid4().hex[:10]}").id
    now = utcnow()
    if before:  # events that predate the segments: backfilled when they are saved
        events.ingest(engine, workspace_id, [_message(*e, now) for e in before], now, where="")
    for key, condition in SEGMENTS.items():
        segments.create_segment(engine, workspace_id, key, key, condition)
    for batch in batches:
        messages = [_message(*e, now) for e in batch]
        events.ingest(engine, workspace_id, messages, utcnow(), where="")
    later = utcnow() + timedelta(hours=sweep_hours)  # windows lapse: the worker's sweep
    segments.sweep(engine, later)
    with engine.connect() as conn:
        assert _stored(conn, workspace_id) == _recomputed(conn, workspace_id, later)
