"""The demo shop generator and dataset importers."""

from __future__ import annotations

from ._load import LoadResult, load_items, load_messages
from ._online_retail import RetailData, convert, read_online_retail
from ._shop import Lifecycle, Product, Shop, ShopConfig, Visitor, generate_shop
from ._workspace import workspace_file

__all__ = [
    "Lifecycle",
    "LoadResult",
    "Product",
    "RetailData",
    "Shop",
    "ShopConfig",
    "Visitor",
    "convert",
    "generate_shop",
    "load_items",
    "load_messages",
    "read_online_retail",
    "workspace_file",
]
