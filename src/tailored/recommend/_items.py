"""Catalog reads and deletes, and items learned from events' properties.

Items named in events (``product_id`` with ``name``, ``category``, ``brand``, ``price``) are
added to the catalog when it lacks them, and fill fields the catalog left empty; a field
the catalog provides is never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import NotFound, ValidationError, utcnow

from ._catalog import Item, items, upsert_items

ITEMS_PAGE_MAX = 500

#: Marks catalog items that were learned from events rather than sent to the catalog.
LEARNED = "learned_from_events"


def item_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog row as JSON (without the workspace)."""
    out = {k: v for k, v in row.items() if k != "workspace_id"}
    for key in ("created_at", "updated_at"):
        if out.get(key) is not None:
            out[key] = out[key].isoformat()
    return out


def list_items(
    conn: Connection, workspace_id: int, *, limit: int = 100, after: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of items by id, and the id to pass as ``after`` for the next (or ``None``)."""
    if not 1 <= limit <= ITEMS_PAGE_MAX:
        raise ValidationError(f"limit must be 1 to {ITEMS_PAGE_MAX}, not {limit}")
    query = sa.select(items).where(items.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(items.c.item_id > after)
    rows = conn.execute(query.order_by(items.c.item_id).limit(limit + 1)).mappings().all()
    page = [item_document(dict(r)) for r in rows[:limit]]
    return page, (page[-1]["item_id"] if len(rows) > limit else None)


def delete_item(conn: Connection, workspace_id: int, item_id: str) -> None:
    """Remove an item from the catalog.

    Raises:
        NotFound: the catalog has no such item.
    """
    done = conn.execute(
        items.delete().where(items.c.workspace_id == workspace_id, items.c.item_id == item_id)
    )
    if not done.rowcount:
        raise NotFound(f"no item {item_id!r} in this workspace's catalog")


def item_attributes(
    conn: Connection, workspace_id: int, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Catalog attributes of the given items (those in the catalog), for rules and answers."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    columns = [c for c in items.c if c.name not in {"workspace_id", "created_at", "updated_at"}]
    assert columns[0].name == "item_id"
    names = [c.name for c in columns]
    rows = conn.execute(
        sa.select(*columns).where(items.c.workspace_id == workspace_id, items.c.item_id.in_(wanted))
    ).all()
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def _learned_item(item_id: str, attrs: Mapping[str, Any]) -> Item:
    currency = attrs.get("currency")
    price = attrs.get("price")
    return Item(
        item_id=item_id,
        title=str(attrs.get("name") or item_id)[:2000],
        categories=[str(attrs["category"])] if attrs.get("category") else [],
        brand=str(attrs["brand"])[:255] if attrs.get("brand") else None,
        price=float(price) if isinstance(price, int | float) and price >= 0 else None,
        currency=currency if isinstance(currency, str) and len(currency) == 3 else None,
        properties={LEARNED: True},
    )


def _fill(row: Mapping[str, Any], learned: Item) -> dict[str, Any]:
    """The fields of a stored item that are empty and that ``learned`` can fill."""
    values: dict[str, Any] = {}
    if not row["categories"] and learned.categories:
        values["categories"] = learned.categories
    for name in ("brand", "price", "currency"):
        if row[name] is None and getattr(learned, name) is not None:
            values[name] = getattr(learned, name)
    return values


def learn_items(
    conn: Connection, workspace_id: int, attributes: Mapping[str, Mapping[str, Any]]
) -> tuple[int, int]:
    """Add items events named to the catalog, and fill empty fields of known ones.

    Args:
        conn: A connection in a transaction.
        workspace_id: The workspace.
        attributes: Item id -> event properties describing it (``name``, ``category``,
            ``brand``, ``price``, ``currency``).

    Returns:
        ``(added, filled)``: items inserted and items whose empty fields were filled.
    """
    learned = {i: _learned_item(i, a) for i, a in attributes.items() if len(i) <= 255}
    known: dict[str, dict[str, Any]] = {}
    ids = list(learned)
    for start in range(0, len(ids), 500):
        known.update(item_attributes(conn, workspace_id, ids[start : start + 500]))
    added = [item for i, item in learned.items() if i not in known]
    upsert_items(conn, workspace_id, added)
    filled = 0
    now = utcnow()
    for item_id, row in known.items():
        values = _fill(row, learned[item_id])
        if values:
            conn.execute(
                items.update()
                .where(items.c.workspace_id == workspace_id, items.c.item_id == item_id)
                .values(**values, updated_at=now)
            )
            filled += 1
    return len(added), filled
