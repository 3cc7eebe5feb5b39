"""The catalog: the items a workspace recommends, searches and sells."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tailored.core import utcnow
from tailored.storage import JSONType, UTCDateTime, metadata

items = Table(
    "items",
    metadata,
    Column(
        "workspace_id",
        Integer,
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("item_id", String(255), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("categories", JSONType, nullable=False),
    Column("brand", String(255), nullable=True),
    Column("price", Float, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("in_stock", Boolean, nullable=False),
    Column("tags", JSONType, nullable=False),
    Column("properties", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


class Item(BaseModel):
    """An item of the catalog, as sent to ``/v1/items`` or imported."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=255, description="The shop's id (SKU).")
    title: str = Field(min_length=1, max_length=2000, description="Display name.")
    description: str | None = Field(None, max_length=20_000, description="Free text.")
    categories: list[str] = Field(default_factory=list, description="Most general first.")
    brand: str | None = Field(None, max_length=255, description="Brand or maker.")
    price: float | None = Field(None, ge=0, description="Current unit price.")
    currency: str | None = Field(None, min_length=3, max_length=3, description="ISO 4217 code.")
    in_stock: bool = Field(True, description="Whether it can be bought now.")
    tags: list[str] = Field(default_factory=list, description="Free labels.")
    properties: dict[str, Any] = Field(default_factory=dict, description="Anything else.")
    created_at: datetime | None = Field(None, description="When it entered the catalog.")


def upsert_items(conn: Connection, workspace_id: int, batch: Sequence[Item]) -> int:
    """Insert or update items by ``item_id``; returns how many were written."""
    if not batch:
        return 0
    now = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            **item.model_dump(exclude={"created_at"}),
            "created_at": item.created_at or now,
            "updated_at": now,
        }
        for item in batch
    ]
    dialect = conn.dialect.name
    insert = postgresql.insert(items) if dialect == "postgresql" else sqlite.insert(items)
    updated = {
        c.name: insert.excluded[c.name]
        for c in items.columns
        if c.name not in {"workspace_id", "item_id", "created_at"}
    }
    conn.execute(
        insert.on_conflict_do_update(index_elements=["workspace_id", "item_id"], set_=updated),
        rows,
    )
    return len(rows)


def count_items(conn: Connection, workspace_id: int) -> int:
    """How many items a workspace's catalog holds."""
    query = sa.select(sa.func.count()).select_from(items)
    return int(conn.execute(query.where(items.c.workspace_id == workspace_id)).scalar_one())


def get_item(conn: Connection, workspace_id: int, item_id: str) -> dict[str, Any] | None:
    """One item as a dict, or ``None``."""
    row = (
        conn.execute(
            sa.select(items).where(items.c.workspace_id == workspace_id, items.c.item_id == item_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)
