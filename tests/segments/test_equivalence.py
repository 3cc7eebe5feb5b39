"""Incremental membership (ingest + worker sweeps) equals recomputation from the event log."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
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


INCREMENTAL = {
    **SEGMENTS,
    "never-ordered": {"$event": {"name": "Ordered", "count": 0}},
    "viewed-today": {"$event": {"name": "Viewed", "within": "1d", "count": {"$gte": 2}}},
    "returning": {"$and": [{"$segment": "no-order"}, {"lifecycle_stage": {"$ne": "new"}}]},
    "big-kitchen": {"$or": [{"$segment": "kitchen"}, {"$segment": "spend"}]},
    # Events can only turn these false...
    "few-views": {"$event": {"name": "Viewed", "within": "3d", "count": {"$lte": 1}}},
    "no-kitchen": {"$not": {"$event": {"name": "Viewed", "where": {"cat": "kitchen"},
                                       "within": "2d"}}},
    "quiet": {"$nor": [{"$event": {"name": "Added", "within": "1d"}},
                       {"$event": {"name": "Ordered", "within": "1d", "count": {"$gt": 1}}}]},
    # ... and these only true.
    "buyer": {"$or": [{"$event": {"name": "Added", "count": {"$gte": 2}}},
                      {"$event": {"name": "Ordered", "between": ["5d", "1d"]}}]},
    "regular": {"$and": [{"$event": {"name": "Viewed", "within": "7d", "count": {"$gt": 1}}},
                         {"$segment": "buyer"}]},
    # Profile fields that only some events change, and one that any event may.
    "spender": {"total_revenue": {"$gte": 30}},
    "repeat": {"$and": [{"order_count": {"$gte": 2}}, {"average_order_value": {"$lt": 20}}]},
    "refunder": {"refund_count": {"$gte": 1}, "refunded_amount": {"$gt": 5}},
    "kitchen-fan": {"top_categories": "kitchen"},
    "champion": {"rfm_segment": "champions"},
    "recent-buyer": {"$and": [{"last_order_at": {"$exists": True}},
                              {"$event": {"name": "Viewed", "within": "2d"}}]},
    "seen-on": {"$or": [{"order_count": 0}, {"last_seen": {"$exists": True}}]},
}  # fmt: skip

#: Names that change profile fields besides the test's own.
commerce_strategy = st.tuples(
    st.just("u1"),
    st.sampled_from(["Viewed", "Added", "Ordered", "Order Completed", "Order Refunded",
                     "Product Viewed"]),
    st.integers(min_value=0, max_value=20 * 24),
    st.integers(min_value=0, max_value=30),
    st.sampled_from(["kitchen", "garden"]),
)  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "way"),
    [
        ({"$event": {"name": "V"}}, 1),
        ({"$event": {"name": "V", "within": "7d", "count": {"$gte": 3}}}, 1),
        ({"$event": {"name": "V", "between": ["7d", "1d"], "count": {"$gt": 0}}}, 1),
        ({"$event": {"name": "V", "count": 0}}, -1),
        ({"$event": {"name": "V", "within": "1d", "count": {"$lte": 2, "$lt": 3}}}, -1),
        ({"$event": {"name": "V", "count": {"$eq": 0}}}, -1),
        ({"$not": {"$event": {"name": "V"}}}, -1),
        ({"$nor": [{"$event": {"name": "V"}}, {"$event": {"name": "W"}}]}, -1),
        ({"$or": [{"$event": {"name": "V"}}, {"$not": {"$event": {"name": "W", "count": 0}}}]}, 1),
        # Either way: exact counts, ranges, short windows, aggregates, fields, references.
        ({"$event": {"name": "V", "count": 3}}, 0),
        ({"$event": {"name": "V", "count": {"$gte": 1, "$lte": 3}}}, 0),
        ({"$event": {"name": "V", "within": "2h"}}, 0),
        ({"$event": {"name": "V", "property": "p", "aggregate": "sum", "value": {"$gte": 1}}}, 0),
        ({"$and": [{"$event": {"name": "V"}}, {"$event": {"name": "W", "count": 0}}]}, 0),
        ({"$and": [{"$event": {"name": "V"}}, {"plan": "pro"}]}, 0),
        ({"$and": [{"$event": {"name": "V"}}, {"$segment": "s"}]}, 0),
        ({"$sequence": {"steps": [{"name": "V"}, {"name": "W"}], "within": "1d"}}, 0),
    ],
)
def test_which_way_events_move_a_segment(condition, way):
    assert segments.compile_workspace([(1, "s1", condition)]).segments[0].way == way


def test_a_reference_moves_the_way_its_segment_does():
    rows = [
        (1, "up", {"$event": {"name": "V", "within": "7d", "count": {"$gte": 2}}}),
        (2, "down", {"$event": {"name": "V", "count": 0}}),
        (3, "field", {"plan": "pro"}),
        (4, "same", {"$segment": "up"}),
        (5, "not-up", {"$not": {"$segment": "up"}}),
        (6, "both", {"$or": [{"$segment": "same"}, {"$event": {"name": "W"}}]}),
        (7, "mixed", {"$and": [{"$segment": "up"}, {"$segment": "down"}]}),
        (8, "via-field", {"$segment": "field"}),
    ]
    ways = {s.key: s.way for s in segments.compile_workspace(rows).segments}
    assert ways == {"up": 1, "down": -1, "field": 0, "same": 1, "not-up": -1, "both": 1,
                    "mixed": 0, "via-field": 0}  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(st.lists(commerce_strategy, min_size=1, max_size=25))
def test_evaluating_only_what_an_event_can_change_equals_evaluating_everything(stream):
    """An evaluation from the last one (``since`` + the new events' names) matches a full one,
    and is due no later."""
    rows = [(i + 1, key, condition) for i, (key, condition) in enumerate(INCREMENTAL.items())]
    compiled = segments.compile_workspace(rows)
    now = utcnow()
    ms = int(now.timestamp() * 1000)
    state: dict = {}
    last = None
    with segments.tracking(compiled.features):
        for user, name, hours, price, cat in stream:
            del user
            event = {"type": "track", "event": name, "timestamp": now - timedelta(hours=hours),
                     "properties": {"price": price, "cat": cat, "revenue": price,
                                    "category": cat}}  # fmt: skip
            profiles.apply_event(state, event)
            full = segments.evaluate(compiled, state, now, ms)
            if last is not None:
                names = frozenset({name})
                part = segments.evaluate(compiled, state, now, ms, since=last, events=names)
                assert part.segment_ids == full.segment_ids
                assert full.due is None or (part.due is not None and part.due <= full.due)
                last = part
            else:
                last = full
