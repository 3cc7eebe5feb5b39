"""The demo shop generator and dataset importers."""

from __future__ import annotations

from ._load import LoadResult, load_items, load_messages
from ._online_retail import RetailData, convert, read_online_retail

__all__ = [
    "LoadResult",
    "RetailData",
    "convert",
    "load_items",
    "load_messages",
    "read_online_retail",
]
