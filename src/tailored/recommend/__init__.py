"""Recommend: the catalog, recommendation models, training, serving and evaluation."""

from __future__ import annotations

from ._catalog import Item, count_items, get_item, items, upsert_items

__all__ = ["Item", "count_items", "get_item", "items", "upsert_items"]
