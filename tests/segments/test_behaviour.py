"""Behavioural conditions, evaluated incrementally at ingest, on both databases."""

from __future__ import annotations

from datetime import timedelta

from tailored import segments
from tests.segments.conftest import track

DAY = timedelta(days=1)


def test_event_count_in_a_window_updates_as_events_arrive(engine, send, members_of):
    condition = {"$event": {"name": "Product Viewed", "within": "7d", "count": {"$gte": 3}}}
    segments.create_segment(engine, 1, "keen", "Keen viewers", condition)
    send(track("a", "Product Viewed"), track("a", "Product Viewed"))
    assert members_of("keen") == set()
    send(track("a", "Product Viewed"), track("b", "Product Viewed", ago=10 * DAY))
    assert members_of("keen") == {"a"}, "read your writes: the third view enters a"


def test_a_segment_saved_later_sees_the_earlier_events(engine, send, members_of):
    send(*[track("a", "Order Completed", revenue=40, ago=n * DAY) for n in range(3)])
    send(track("b", "Order Completed", revenue=5), track("c", "Product Viewed", category="x"))
    spend = {
        "$event": {
            "name": "Order Completed",
            "within": "30d",
            "property": "revenue",
            "aggregate": "sum",
            "value": {"$gte": 100},
        }
    }
    segments.create_segment(engine, 1, "spenders", "Spenders", spend)
    assert members_of("spenders") == {"a"}
    send(track("b", "Order Completed", revenue=95))
    assert members_of("spenders") == {"a", "b"}, "the backfilled feature keeps folding"


def test_where_filters_aggregates_and_did_not_do(engine, send, members_of):
    send(
        track("a", "Product Viewed", category="kitchen", price=30),
        track("a", "Product Viewed", category="garden", price=5),
        track("b", "Product Viewed", category="garden", price=8),
        track("c", "Order Completed", revenue=12),
    )
    kitchen = {"$event": {"name": "Product Viewed", "where": {"category": "kitchen"}}}
    segments.create_segment(engine, 1, "kitchen", "Kitchen", kitchen)
    pricey = {
        "$event": {
            "name": "Product Viewed",
            "property": "price",
            "aggregate": "max",
            "value": {"$gt": 10},
        }
    }
    segments.create_segment(engine, 1, "pricey", "Pricey", pricey)
    never_bought = {
        "$and": [
            {"$event": {"name": "Product Viewed"}},
            {"$event": {"name": "Order Completed", "count": 0}},
        ]
    }
    segments.create_segment(engine, 1, "browsers", "Browsers", never_bought)
    assert members_of("kitchen") == {"a"}
    assert members_of("pricey") == {"a"}
    assert members_of("browsers") == {"a", "b"}
    send(track("b", "Order Completed", revenue=3))
    assert members_of("browsers") == {"a"}


def test_between_first_last_and_segment_references(engine, send, members_of):
    send(
        track("a", "Product Viewed", ago=20 * DAY),
        track("b", "Product Viewed", ago=2 * DAY),
        track("a", "Plan Changed", plan="basic", ago=3 * DAY),
        track("a", "Plan Changed", plan="pro", ago=DAY),
    )
    lapsed = {"$event": {"name": "Product Viewed", "between": ["30d", "7d"]}}
    segments.create_segment(engine, 1, "lapsed", "Lapsed", lapsed)
    pro = {
        "$event": {"name": "Plan Changed", "property": "plan", "aggregate": "last", "value": "pro"}
    }
    segments.create_segment(engine, 1, "pro", "Pro", pro)
    both = {"$and": [{"$segment": "lapsed"}, {"$segment": "pro"}]}
    segments.create_segment(engine, 1, "lapsed-pro", "Lapsed pro", both)
    assert members_of("lapsed") == {"a"}
    assert members_of("pro") == {"a"}
    assert members_of("lapsed-pro") == {"a"}
    send(track("a", "Plan Changed", plan="basic"))
    assert members_of("pro") == set() and members_of("lapsed-pro") == set()


def test_sequences_and_abandonment(engine, send, members_of):
    send(
        track("a", "Product Added", ago=3 * DAY),
        track("a", "Order Completed", ago=3 * DAY - timedelta(hours=2)),
        track("b", "Product Added", ago=2 * DAY),
        track("c", "Product Added", ago=timedelta(hours=2)),
    )
    steps = [{"name": "Product Added"}, {"name": "Order Completed"}]
    segments.create_segment(
        engine, 1, "converted", "Converted", {"$sequence": {"steps": steps, "within": "24h"}}
    )
    abandoned = {"$sequence": {"steps": steps, "within": "24h", "since": "7d", "completed": False}}
    segments.create_segment(engine, 1, "abandoners", "Abandoners", abandoned)
    assert members_of("converted") == {"a"}
    assert members_of("abandoners") == {"b"}, "c's 24 hours are not over yet"


def test_profile_fields(engine, send, members_of):
    send(
        {"type": "identify", "userId": "a", "traits": {"plan": "pro"}},
        track("b", "Order Completed", revenue=500),
    )
    segments.create_segment(engine, 1, "pro", "Pro", {"traits.plan": "pro"})
    segments.create_segment(engine, 1, "big", "Big", {"total_revenue": {"$gte": 100}})
    segments.create_segment(engine, 1, "new", "New", {"lifecycle_stage": "new"})
    assert members_of("pro") == {"a"}
    assert members_of("big") == {"b"}
    assert members_of("new") == {"a", "b"}


def test_builtin_and_demo_segments_install_once(engine, send, members_of):
    send(
        track("a", "Product Viewed"),
        track("a", "Product Viewed"),
        track("a", "Product Viewed"),
        track("b", "Product Added", ago=2 * DAY),
    )
    created = segments.install_demo_segments(engine, 1)
    assert {"new-visitors", "rfm-champions", "keen-no-order", "cart-abandoners"} <= set(created)
    assert segments.install_demo_segments(engine, 1) == []
    assert members_of("keen-no-order") == {"a"}
    assert members_of("cart-abandoners") == {"b"}
    assert members_of("new-visitors") == {"a", "b"}
