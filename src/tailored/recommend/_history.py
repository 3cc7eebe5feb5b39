"""Item interactions read from the event log: everyone's for training, one person's at
request time (through the ``(workspace_id, profile_id, timestamp)`` index).

An event names its items as ``properties.product_id`` (``Product Viewed``, ``Product
Added``, ...) or as line items ``properties.products[].product_id`` (``Order Completed``).
Impressions are ``Recommendations Viewed`` events with ``properties.item_ids`` (or
``products[]``) and the ``recommendation_id`` they showed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.events import events

from ._interactions import SignalConfig

#: The event that records which recommended items a person was shown.
IMPRESSION_EVENT = "Recommendations Viewed"
#: The event whose line items are purchases (excluded by default, and baskets for
#: "bought together").
PURCHASE_EVENT = "Order Completed"
#: Events whose items make up "recently viewed".
VIEW_EVENT = "Product Viewed"
_CART_EVENT = "Product Added"
_DAY = 86_400.0


def event_items(properties: Mapping[str, Any] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """The item ids an event's properties name, each with the properties describing it.

    >>> list(event_items({"product_id": "p1", "name": "Mug"}))
    [('p1', {'product_id': 'p1', 'name': 'Mug'})]
    >>> [i for i, _ in event_items({"products": [{"product_id": 7}, {"sku": "x"}]})]
    ['7']
    >>> list(event_items({"item_ids": ["a", "b"]}))
    [('a', {}), ('b', {})]
    """
    if not properties:
        return
    single = properties.get("product_id")
    if single not in (None, ""):
        yield str(single), dict(properties)
    lines = properties.get("products")
    if isinstance(lines, list):
        for line in lines:
            if isinstance(line, Mapping) and line.get("product_id") not in (None, ""):
                yield str(line["product_id"]), dict(line)
    ids = properties.get("item_ids")
    if isinstance(ids, list):
        for item in ids:
            if isinstance(item, str | int) and item != "":
                yield str(item), {}


@dataclass
class PersonHistory:
    """What one person did with items recently, newest first.

    Attributes:
        strengths: Item id -> strength (event weights, decayed by age if configured).
        purchased: Items bought.
        viewed: Items viewed, newest first, without repeats.
        cart: Items added to a cart, newest first, without repeats.
        impressions: Item id -> times shown in recommendations within the window.
    """

    strengths: dict[str, float] = field(default_factory=dict)
    purchased: set[str] = field(default_factory=set)
    viewed: list[str] = field(default_factory=list)
    cart: list[str] = field(default_factory=list)
    impressions: Counter[str] = field(default_factory=Counter)


def person_history(
    conn: Connection,
    workspace_id: int,
    profile_id: str,
    signal: SignalConfig,
    *,
    now: datetime,
    days: float,
    limit: int,
    impression_days: float,
) -> PersonHistory:
    """One person's item events from the last ``days`` (at most ``limit``, newest first)."""
    since = now - timedelta(days=days)
    query = (
        sa.select(events.c.event, events.c.timestamp, events.c.properties)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.profile_id == profile_id,
            events.c.timestamp >= since,
            events.c.type == "track",
        )
        .order_by(events.c.timestamp.desc(), events.c.id.desc())
        .limit(limit)
    )
    out = PersonHistory()
    viewed: dict[str, None] = {}
    cart: dict[str, None] = {}
    impression_since = now - timedelta(days=impression_days)
    weights, half_life = signal.event_weights, signal.half_life_days
    for name, moment, properties in conn.execute(query):
        if name == IMPRESSION_EVENT:
            if moment >= impression_since:
                out.impressions.update(i for i, _ in event_items(properties))
            continue
        if name not in weights:
            continue
        weight = weights[name]
        if half_life is not None:
            weight *= float(np.exp2(-(now - moment).total_seconds() / _DAY / half_life))
        for item, _ in event_items(properties):
            out.strengths[item] = out.strengths.get(item, 0.0) + weight
            if name == PURCHASE_EVENT:
                out.purchased.add(item)
            elif name == VIEW_EVENT:
                viewed.setdefault(item)
            elif name == _CART_EVENT:
                cart.setdefault(item)
    out.viewed, out.cart = list(viewed), list(cart)
    return out


@dataclass
class EventLog:
    """Everyone's item interactions, one entry per (event, item).

    Attributes:
        users: Profile id of every entry.
        items: Item id of every entry.
        events: Event type of every entry.
        times: Epoch seconds of every entry.
        baskets: Item ids of every purchase (one list per order).
        attributes: The newest attributes events gave of each item (name, category, ...).
    """

    users: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    baskets: list[list[str]] = field(default_factory=list)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_event_log(
    conn: Connection, workspace_id: int, event_names: list[str], since: datetime | None
) -> EventLog:
    """Every item interaction of the named event types (since ``since``), oldest first."""
    where = [
        events.c.workspace_id == workspace_id,
        events.c.type == "track",
        events.c.event.in_(event_names),
        events.c.profile_id.is_not(None),
    ]
    if since is not None:
        where.append(events.c.timestamp >= since)
    query = (
        sa.select(events.c.profile_id, events.c.event, events.c.timestamp, events.c.properties)
        .where(*where)
        .order_by(events.c.timestamp, events.c.id)
    )
    log = EventLog()
    for profile_id, name, moment, properties in conn.execute(query):
        stamp = moment.timestamp()
        basket = []
        for item, attrs in event_items(properties):
            log.users.append(profile_id)
            log.items.append(item)
            log.events.append(name)
            log.times.append(stamp)
            basket.append(item)
            if attrs:
                log.attributes[item] = attrs
        if name == PURCHASE_EVENT and len(basket) > 1:
            log.baskets.append(basket)
    return log
