"""Recommend: the catalog, recommendation models, training, serving and evaluation."""

from __future__ import annotations

from ._als import ALS, ALSConfig
from ._catalog import Item, count_items, get_item, items, upsert_items
from ._content import ContentBased, ContentConfig, Describable, item_documents
from ._cooccurrence import FrequentlyBoughtTogether, FrequentlyBoughtTogetherConfig
from ._ease import EASE, EASEConfig
from ._evaluate import Candidate, HybridCandidate, compare, default_candidates, evaluate_models
from ._files import read_interactions
from ._hybrid import Hybrid, HybridConfig
from ._interactions import DEFAULT_EVENT_WEIGHTS, Interactions, SignalConfig
from ._itemknn import ItemKNN, ItemKNNConfig
from ._metrics import (
    average_precision_at_k,
    catalog_coverage,
    evaluate,
    ndcg_at_k,
    popularity_bias,
    recall_at_k,
)
from ._popularity import Popularity, PopularityConfig, Trending, TrendingConfig
from ._protocol import BatchScorer, FoldIn, History, Recommendation, Recommender
from ._scoring import ScoringModel
from ._split import (
    PROTOCOLS,
    ProtocolName,
    Split,
    leave_last_out,
    random_split,
    split,
    temporal_split,
    validation_split,
)

__all__ = [
    "ALS",
    "DEFAULT_EVENT_WEIGHTS",
    "EASE",
    "PROTOCOLS",
    "ALSConfig",
    "BatchScorer",
    "Candidate",
    "ContentBased",
    "ContentConfig",
    "Describable",
    "EASEConfig",
    "FoldIn",
    "FrequentlyBoughtTogether",
    "FrequentlyBoughtTogetherConfig",
    "History",
    "Hybrid",
    "HybridCandidate",
    "HybridConfig",
    "Interactions",
    "Item",
    "ItemKNN",
    "ItemKNNConfig",
    "Popularity",
    "PopularityConfig",
    "ProtocolName",
    "Recommendation",
    "Recommender",
    "ScoringModel",
    "SignalConfig",
    "Split",
    "Trending",
    "TrendingConfig",
    "average_precision_at_k",
    "catalog_coverage",
    "compare",
    "count_items",
    "default_candidates",
    "evaluate",
    "evaluate_models",
    "get_item",
    "item_documents",
    "items",
    "leave_last_out",
    "ndcg_at_k",
    "popularity_bias",
    "random_split",
    "read_interactions",
    "recall_at_k",
    "split",
    "temporal_split",
    "upsert_items",
    "validation_split",
]
