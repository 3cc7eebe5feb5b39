"""The built-in segments, and the demo's behavioural ones.

Lifecycle and RFM segments read profile fields; "high value" is the top RFM monetary quintile
of buyers (the top 20% by net revenue); cart abandoners added to cart in the last week and
did not order within 24 hours.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from tailored.profiles import RFMSegment

from ._manage import create_segments

_CART = [{"name": "Product Added"}, {"name": "Order Completed"}]


def _segment(key: str, name: str, description: str, condition: Any) -> dict[str, Any]:
    return {"key": key, "name": name, "description": description, "condition": condition,
            "builtin": True}  # fmt: skip


def _rfm(segment: RFMSegment) -> dict[str, Any]:
    key = f"rfm-{segment.value.replace('_', '-')}"
    return _segment(key, f"RFM: {segment.label}", f"RFM segment {segment.label.lower()}",
                    {"rfm_segment": segment.value})  # fmt: skip


def builtin_segments() -> list[dict[str, Any]]:
    """The definitions of the built-in segments."""
    lifecycle = [
        _segment("new-visitors", "New visitors", "First seen in the last 14 days.",
                 {"lifecycle_stage": "new"}),
        _segment("returning", "Returning", "Active, past their first two weeks, or back.",
                 {"lifecycle_stage": {"$in": ["active", "reactivated"]}}),
        _segment("at-risk", "At risk", "No activity for 30 to 90 days.",
                 {"lifecycle_stage": "at_risk"}),
        _segment("dormant", "Dormant", "No activity for more than 90 days.",
                 {"lifecycle_stage": "dormant"}),
        _segment("high-value", "High value", "The top 20% of buyers by net revenue.",
                 {"rfm.monetary": 5}),
        _segment("cart-abandoners", "Cart abandoners",
                 "Added to cart in the last 7 days and did not order within 24 hours.",
                 {"$sequence": {"steps": _CART, "within": "24h", "since": "7d",
                                "completed": False}}),
    ]  # fmt: skip
    named = (
        RFMSegment.CHAMPIONS, RFMSegment.LOYAL, RFMSegment.POTENTIAL_LOYALISTS,
        RFMSegment.AT_RISK, RFMSegment.HIBERNATING, RFMSegment.LOST,
    )  # fmt: skip
    return lifecycle + [_rfm(s) for s in named]


def demo_segments() -> list[dict[str, Any]]:
    """A few behavioural segments that show what conditions can say."""
    return [{**definition, "builtin": False} for definition in _DEMO]


_DEMO = [
        _segment("keen-no-order", "Keen, no order",
                 "Viewed a product 3+ times this week and ordered nothing.",
                 {"$event": {"name": "Product Viewed", "within": "7d", "count": {"$gte": 3}},
                  "$and": [{"$event": {"name": "Order Completed", "within": "7d",
                                       "count": 0}}]}),
        _segment("big-spenders-30d", "Big spenders (30 days)",
                 "Spent 200 or more in the last 30 days.",
                 {"$event": {"name": "Order Completed", "within": "30d", "property": "revenue",
                             "aggregate": "sum", "value": {"$gte": 200}}}),
        _segment("one-and-done", "One and done", "Ordered exactly once, more than 30 days ago.",
                 {"$event": {"name": "Order Completed", "count": 1},
                  "$and": [{"$event": {"name": "Order Completed", "within": "30d",
                                       "count": 0}}]}),
        _segment("mobile-browsers", "Mobile browsers", "Last seen on a mobile device.",
                 {"last_device": "mobile"}),
        _segment("high-value-at-risk", "High value at risk", "High value, gone quiet.",
                 {"$and": [{"$segment": "high-value"}, {"$segment": "at-risk"}]}),
]  # fmt: skip


def install_builtin_segments(engine: Engine, workspace_id: int) -> list[str]:
    """Create the built-in segments the workspace does not have yet; returns those created."""
    return create_segments(engine, workspace_id, builtin_segments())


def install_demo_segments(engine: Engine, workspace_id: int) -> list[str]:
    """Create the built-in segments and the demo's behavioural ones (idempotent).

    Returns:
        The keys created.
    """
    return create_segments(engine, workspace_id, builtin_segments() + demo_segments())
