"""Recommend: the catalog, recommendation models, training, serving and evaluation."""

from __future__ import annotations

from ._als import ALS, ALSConfig
from ._catalog import Item, count_items, get_item, items, upsert_items
from ._catalog_files import read_items
from ._content import ContentBased, ContentConfig, Describable, item_documents
from ._cooccurrence import FrequentlyBoughtTogether, FrequentlyBoughtTogetherConfig
from ._ease import EASE, EASEConfig
from ._evaluate import Candidate, HybridCandidate, compare, default_candidates, evaluate_models
from ._files import read_interactions
from ._history import IMPRESSION_EVENT, PersonHistory, event_items, person_history
from ._hybrid import Hybrid, HybridConfig
from ._interactions import DEFAULT_EVENT_WEIGHTS, Interactions, SignalConfig
from ._itemknn import ItemKNN, ItemKNNConfig
from ._items import ITEMS_PAGE_MAX, LEARNED, delete_item, item_document, learn_items, list_items
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
from ._rules import Pin, Rules, ScoreRule
from ._scoring import ScoringModel
from ._serving import (
    STRATEGIES,
    ModelCache,
    RecommendationList,
    RecommendedItem,
    Strategy,
    model_cache,
    recommend_for,
)
from ._showcase import demo_examples, train_demo
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
from ._store import ModelVersion, list_versions, recommend_models, rollback
from ._training import STEPS as TRAINING_STEPS
from ._training import TrainingConfig, TrainingRun, train_workspace

__all__ = [
    "ALS",
    "DEFAULT_EVENT_WEIGHTS",
    "EASE",
    "IMPRESSION_EVENT",
    "ITEMS_PAGE_MAX",
    "LEARNED",
    "PROTOCOLS",
    "STRATEGIES",
    "TRAINING_STEPS",
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
    "ModelCache",
    "ModelVersion",
    "PersonHistory",
    "Pin",
    "Popularity",
    "PopularityConfig",
    "ProtocolName",
    "Recommendation",
    "RecommendationList",
    "RecommendedItem",
    "Recommender",
    "Rules",
    "ScoreRule",
    "ScoringModel",
    "SignalConfig",
    "Split",
    "Strategy",
    "TrainingConfig",
    "TrainingRun",
    "Trending",
    "TrendingConfig",
    "average_precision_at_k",
    "catalog_coverage",
    "compare",
    "count_items",
    "default_candidates",
    "delete_item",
    "demo_examples",
    "evaluate",
    "evaluate_models",
    "event_items",
    "get_item",
    "item_document",
    "item_documents",
    "items",
    "learn_items",
    "leave_last_out",
    "list_items",
    "list_versions",
    "model_cache",
    "ndcg_at_k",
    "person_history",
    "popularity_bias",
    "random_split",
    "read_interactions",
    "read_items",
    "recall_at_k",
    "recommend_for",
    "recommend_models",
    "rollback",
    "split",
    "temporal_split",
    "train_demo",
    "train_workspace",
    "upsert_items",
    "validation_split",
]
