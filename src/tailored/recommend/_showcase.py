"""The demo shop's recommendations: train on its events, and requests worth trying."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored.events import events

from ._als import ALSConfig
from ._catalog import get_item
from ._history import PURCHASE_EVENT, VIEW_EVENT, event_items
from ._training import TrainingConfig, TrainingRun, train_workspace

#: Settings for a demo-sized shop (hundreds of products, thousands of visitors).
DEMO_TRAINING = TrainingConfig(als=ALSConfig(factors=32, regularization=2.0, threads=0))


def train_demo(engine: Engine, workspace_id: int) -> TrainingRun:
    """Train the demo workspace's model (a few seconds on the demo shop)."""
    return train_workspace(engine, workspace_id, DEMO_TRAINING)


def _path(**params: object) -> str:
    return "/v1/recommendations?" + urlencode({k: v for k, v in params.items() if v})


def _busiest_viewer(engine: Engine, workspace_id: int) -> tuple[str | None, str | None]:
    """The profile with the most product views, and the category they view most."""
    views = sa.func.count().label("views")
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(events.c.profile_id, views)
            .where(events.c.workspace_id == workspace_id, events.c.event == VIEW_EVENT)
            .group_by(events.c.profile_id)
            .order_by(views.desc(), events.c.profile_id)
            .limit(1)
        ).first()
        if row is None:
            return None, None
        props = conn.execute(
            sa.select(events.c.properties).where(
                events.c.workspace_id == workspace_id,
                events.c.profile_id == row[0],
                events.c.event == VIEW_EVENT,
            )
        ).scalars()
        categories = Counter(p.get("category") for p in props if p and p.get("category"))
    top = categories.most_common(1)[0][0] if categories else None
    return str(row[0]), top


def _best_seller(engine: Engine, workspace_id: int) -> tuple[str | None, str | None]:
    """The item in the most orders, and its title."""
    with engine.connect() as conn:
        orders = conn.execute(
            sa.select(events.c.properties)
            .where(events.c.workspace_id == workspace_id, events.c.event == PURCHASE_EVENT)
            .limit(20_000)
        ).scalars()
        counts = Counter(i for p in orders for i in {i for i, _ in event_items(p)})
        if not counts:
            return None, None
        item = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[0][0]
        row = get_item(conn, workspace_id, item)
    return item, (row["title"] if row else item)


def demo_examples(engine: Engine, workspace_id: int) -> list[tuple[str, str]]:
    """``(title, path)`` pairs of recommendation requests that show off the demo shop.

    Paths are relative to the server and need a server key.
    """
    person, category = _busiest_viewer(engine, workspace_id)
    item, title = _best_seller(engine, workspace_id)
    out: list[tuple[str, str]] = []
    if person is not None:
        taste = f", who mostly looks at {category}" if category else ""
        out.append((f"For you: {person}{taste}", _path(user=person, strategy="for_you", k=5)))
        out.append(
            (f"Recently viewed by {person}", _path(user=person, strategy="recently_viewed", k=5))
        )
    if item is not None:
        out.append((f"Similar to {title}", _path(strategy="similar", item=item, k=5)))
        out.append(
            (f"Bought together with {title}", _path(strategy="bought_together", item=item, k=5))
        )
    out.append(("Trending this week", _path(strategy="trending", k=5)))
    return out
