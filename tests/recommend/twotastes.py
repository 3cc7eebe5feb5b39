"""A tiny shop in the event log: kitchen people and garden people, sent through ingestion."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tailored import storage
from tailored.events import ingest
from tailored.recommend import ALSConfig, Item, TrainingConfig, upsert_items

KITCHEN = [f"k{n:02d}" for n in range(12)]
GARDEN = [f"g{n:02d}" for n in range(12)]
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CONFIG = TrainingConfig(als=ALSConfig(factors=8, regularization=0.5, iterations=20))


def catalog() -> list[Item]:
    """Every item, with ``g09`` out of stock and prices 5, 10, 15, ..."""
    return [
        Item(
            item_id=item,
            title=f"{'Kitchen' if item[0] == 'k' else 'Garden'} thing {item}",
            categories=["Home", "Kitchen" if item[0] == "k" else "Garden"],
            brand="Acme" if int(item[1:]) % 2 else "Bolt",
            price=5.0 * (int(item[1:]) + 1),
            in_stock=item != "g09",
        )
        for item in KITCHEN + GARDEN
    ]


def event(user: str, name: str, items: list[str], when: datetime, **extra: object) -> dict:
    """A track message naming ``items`` (one as product_id, several as line items)."""
    if name == "Order Completed":
        properties: dict[str, object] = {"products": [{"product_id": i} for i in items]}
    elif name == "Recommendations Viewed":
        properties = {"item_ids": items}
    else:
        properties = {"product_id": items[0]}
    properties.update(extra)
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "properties": properties,
        "timestamp": when.isoformat(),
    }


def history(seed: int = 1) -> list[dict]:
    """30 people: u00..u14 view 6 kitchen items and buy 2; u15..u29 the same in the garden."""
    rng = random.Random(seed)
    out = []
    when = NOW - timedelta(days=20)
    for n in range(30):
        pool = KITCHEN if n < 15 else GARDEN
        seen = rng.sample(pool[:10], 6)
        for item in seen:
            when += timedelta(minutes=7)
            out.append(event(f"u{n:02d}", "Product Viewed", [item], when))
        out.append(event(f"u{n:02d}", "Order Completed", seen[:2], when))
    return out


def load(engine, messages: list[dict], received: datetime = NOW) -> None:
    """Send ``messages`` through ingestion in the default workspace."""
    result = ingest(engine, 1, messages, received)
    assert not result.rejected, result.rejected


def build(engine) -> None:
    """The catalog and the history, in workspace 1."""
    with storage.write_transaction(engine) as conn:
        upsert_items(conn, 1, catalog())
    load(engine, history())
