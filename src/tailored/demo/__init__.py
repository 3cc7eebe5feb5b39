"""The demo shop generator and dataset importers."""

from __future__ import annotations

from ._load import LoadResult, load_items, load_messages
from ._online_retail import RetailData, convert, read_online_retail
from ._shop import Lifecycle, Product, Shop, ShopConfig, Visitor, generate_shop
from ._trial import ORDER_RATES, TrialConfig, TrialResult, run_trial
from ._workspace import workspace_file

__all__ = [
    "ORDER_RATES",
    "Lifecycle",
    "LoadResult",
    "Product",
    "RetailData",
    "Shop",
    "ShopConfig",
    "TrialConfig",
    "TrialResult",
    "Visitor",
    "convert",
    "generate_shop",
    "load_items",
    "load_messages",
    "read_online_retail",
    "run_trial",
    "workspace_file",
]
