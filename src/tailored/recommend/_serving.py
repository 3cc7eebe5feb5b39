"""Serving: the trained model held in memory, folded in with a person's latest events.

:func:`recommend_for` answers one request: it resolves the person, reads their recent item
events from the event log (so an event sent a moment ago already counts), scores with the
newest active model version (reloaded when another version becomes active), applies the
business rules and returns a list with a fresh ``recommendation_id``.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

import numpy as np
from sqlalchemy.engine import Connection, Engine
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from tailored.core import NotFound, ValidationError, new_id, utcnow
from tailored.profiles import find_profile

from ._bundle import Bundle, faiss_available
from ._history import PersonHistory, person_history
from ._items import item_attributes
from ._rules import CompiledRules, Rules, item_attributes_document
from ._scoring import Columns, Scores, top_k
from ._store import ModelVersion, load_version, served_version
from ._training import TrainingConfig

Strategy = Literal["for_you", "similar", "bought_together", "trending", "recently_viewed"]
#: The strategies :func:`recommend_for` knows.
STRATEGIES: tuple[str, ...] = get_args(Strategy)
#: How far back, and how many of, a person's events are folded in at request time.
HISTORY_DAYS = 365.0
HISTORY_LIMIT = 500

_blas = ThreadpoolController()


@dataclass(frozen=True)
class LoadedModel:
    """A stored version as the process holds it."""

    key: tuple[int, datetime]
    version: ModelVersion
    bundle: Bundle
    config: TrainingConfig


class ModelCache:
    """The served model of each workspace, reloaded when another version becomes active."""

    def __init__(self) -> None:
        self._models: dict[int, LoadedModel] = {}
        self._lock = threading.Lock()

    def get(self, conn: Connection, workspace_id: int) -> LoadedModel | None:
        """The workspace's served model, or ``None`` before the first training."""
        key = served_version(conn, workspace_id)
        if key is None:
            return None
        cached = self._models.get(workspace_id)
        if cached is not None and cached.key == key:
            return cached
        with self._lock:
            cached = self._models.get(workspace_id)
            if cached is None or cached.key != key:
                version, blob = load_version(conn, key[0])
                config = TrainingConfig.model_validate(version.config)
                bundle = Bundle.from_bytes(blob)
                if len(bundle) >= config.ann_min_items and faiss_available():
                    bundle.build_ann()
                cached = LoadedModel(key, version, bundle, config)
                self._models[workspace_id] = cached
        return cached


_caches: weakref.WeakKeyDictionary[Engine, ModelCache] = weakref.WeakKeyDictionary()


def model_cache(engine: Engine) -> ModelCache:
    """The process-wide model cache of ``engine``'s database."""
    cache = _caches.get(engine)
    if cache is None:
        cache = _caches.setdefault(engine, ModelCache())
    return cache


@dataclass(frozen=True)
class RecommendedItem:
    """One item of a list: its id, score (``None`` when pinned) and catalog attributes."""

    item_id: str
    score: float | None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecommendationList:
    """An answer of :func:`recommend_for`.

    Attributes:
        recommendation_id: Put it on the ``Recommendations Viewed``, click and purchase
            events it leads to, to attribute them.
        strategy: The strategy asked for.
        source: What ranked the items: ``als``, ``bought_together``, ``similar``,
            ``trending``, ``popularity`` or ``history``.
        model_version: The model version used, if any.
        profile_id: The person's profile, if known.
        items: The items, best first.
    """

    recommendation_id: str
    strategy: str
    source: str
    model_version: int | None
    profile_id: str | None
    items: list[RecommendedItem]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "recommendation_id": self.recommendation_id,
            "strategy": self.strategy,
            "source": self.source,
            "model_version": self.model_version,
            "profile_id": self.profile_id,
            "items": [{"item_id": i.item_id, "score": i.score, **i.attributes} for i in self.items],
        }


def _profile(conn: Connection, workspace_id: int, user: str | None) -> str | None:
    if not user:
        return None
    try:
        return find_profile(conn, workspace_id, user)
    except NotFound:
        return None  # a first-time visitor: cold start


def _banned(
    bundle: Bundle, strategy: str, history: PersonHistory, rules: Rules, anchors: list[str]
) -> Columns:
    """Columns the rules leave out for this person."""
    out: set[str] = set(anchors)
    if rules.exclude_purchased:
        out |= history.purchased
    if strategy != "recently_viewed":
        if rules.exclude_seen:
            out |= set(history.strengths)
        if rules.max_impressions is not None:
            out |= {i for i, n in history.impressions.items() if n >= rules.max_impressions}
    return bundle.columns(out)


def _scores(
    bundle: Bundle, strategy: str, anchors: list[str], history: PersonHistory, pool: int
) -> tuple[Scores, str]:
    """Every item's score for the strategy, and what produced it."""
    if strategy == "for_you":
        cols = bundle.columns(history.strengths)
        if len(cols):
            strengths = np.array(
                [history.strengths[bundle.items[c]] for c in cols], dtype=np.float32
            )
            return bundle.for_history(cols, strengths, pool), "als"
    elif strategy in ("similar", "bought_together"):
        cols = bundle.columns(anchors)
        if len(cols):
            similar = bundle.similar_to(int(cols[0]), pool)
            if strategy == "similar":
                return similar, "similar"
            rules = bundle.bought_with(cols)
            if (rules > 0).any():
                # rules first, then the most similar items (cosine <= 1) to fill the list
                return np.where(rules > 0, 2.0 + rules, similar).astype(np.float32), strategy
            return similar, "similar"
    if bundle.trending.any():
        return bundle.trending, "trending"
    return bundle.popularity, "popularity"


def _anchors(strategy: str, item: str | None, history: PersonHistory) -> list[str]:
    """The items a ``similar`` or ``bought_together`` list starts from."""
    if strategy not in ("similar", "bought_together"):
        return []
    if item:
        return [item]
    if strategy == "bought_together" and history.cart:
        return history.cart[:5]
    raise ValidationError(f"strategy {strategy!r} needs an item (or, for bought_together, a cart)")


def _pool(
    loaded: LoadedModel | None,
    strategy: str,
    anchors: list[str],
    history: PersonHistory,
    rules: Rules,
) -> tuple[list[tuple[str, float]], str]:
    if strategy == "recently_viewed":
        return [(i, 1.0 / (n + 1)) for n, i in enumerate(history.viewed)], "history"
    if loaded is None:
        raise NotFound("no trained recommendation model in this workspace: run `tailored train`")
    bundle = loaded.bundle
    if anchors and strategy == "similar" and not len(bundle.columns(anchors)):
        raise NotFound(f"unknown item {anchors[0]!r}: the model has never seen it")
    with _blas.limit(limits=1, user_api="blas"):
        scores, source = _scores(bundle, strategy, anchors, history, rules.pool)
    banned = _banned(bundle, strategy, history, rules, anchors)
    cols = top_k(scores, rules.pool, banned)
    return [(bundle.items[c], float(scores[c])) for c in cols], source


def recommend_for(
    engine: Engine,
    workspace_id: int,
    user: str | None,
    strategy: str,
    item: str | None = None,
    k: int = 10,
    rules: Rules | None = None,
    *,
    now: datetime | None = None,
) -> RecommendationList:
    """Recommend ``k`` items for a person (any of their ids) with a strategy and rules.

    Args:
        engine: The database.
        workspace_id: The workspace.
        user: A profile id, ``userId`` or ``anonymousId``; unknown or ``None`` is a first
            visit (``for_you`` then falls back to trending).
        strategy: One of :data:`STRATEGIES`.
        item: The item ``similar`` and ``bought_together`` start from (``bought_together``
            uses the person's cart without one).
        k: How many items, 1 to 100.
        rules: Business rules; :class:`Rules` defaults when ``None``.
        now: The reference time (tests); now by default.

    Raises:
        ValidationError: an unknown strategy, a bad ``k``, a missing item, a bad condition.
        NotFound: no trained model yet (but for ``recently_viewed``), or an unknown item.
    """
    if strategy not in STRATEGIES:
        raise ValidationError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if not 1 <= k <= 100:
        raise ValidationError(f"k must be 1 to 100, not {k}")
    rules = rules or Rules()
    compiled = CompiledRules.of(rules)
    now = now or utcnow()
    with engine.connect() as conn:
        profile_id = _profile(conn, workspace_id, user)
        loaded = model_cache(engine).get(conn, workspace_id)
        history = PersonHistory()
        if profile_id is not None:
            signal = (loaded.config if loaded else TrainingConfig()).signal
            history = person_history(
                conn, workspace_id, profile_id, signal, now=now, days=HISTORY_DAYS,
                limit=HISTORY_LIMIT, impression_days=rules.impression_window_days,
            )  # fmt: skip
        anchors = _anchors(strategy, item, history)
        pool, source = _pool(loaded, strategy, anchors, history, rules)
        vectors = None if loaded is None else _vectors(loaded.bundle)
        final, rows = _apply_rules(conn, workspace_id, compiled, pool, k, vectors)
    return RecommendationList(
        recommendation_id=new_id("rec"),
        strategy=strategy,
        source=source,
        model_version=None if loaded is None else loaded.version.version,
        profile_id=profile_id,
        items=[RecommendedItem(i, s, rows.get(i, {"item_id": i})) for i, s in final],
    )


def _apply_rules(
    conn: Connection,
    workspace_id: int,
    compiled: CompiledRules,
    pool: list[tuple[str, float]],
    k: int,
    vectors: Any,
) -> tuple[list[tuple[str, float | None]], dict[str, dict[str, Any]]]:
    """The final list, and the catalog rows of the items read for it.

    Rules that rank the whole pool (filter, boosts, diversity) read every candidate's
    attributes; otherwise only as many as the stock rule needs, a few at a time.
    """
    rules = compiled.rules
    whole = rules.filter or rules.boost or rules.bury or rules.max_per_category or rules.diversity
    size = len(pool) if whole else min(len(pool), 2 * k + 10)
    rows: dict[str, dict[str, Any]] = {}
    docs: dict[str, dict[str, Any]] = {}
    while True:
        wanted = [i for i, _ in pool[:size] if i not in docs]
        wanted += [p.item_id for p in rules.pinned if p.item_id not in docs]
        rows.update(item_attributes(conn, workspace_id, wanted))
        docs.update({i: item_attributes_document(i, rows.get(i)) for i in wanted})
        final = compiled.rerank(pool[:size], docs, k, vectors)
        if len(final) >= k or size >= len(pool):
            return final, rows
        size = min(len(pool), size * 4)


def _vectors(bundle: Bundle) -> Any:
    def lookup(ids: list[str]) -> Any:
        cols = bundle.columns(ids)
        return bundle.unit_items[cols] if len(cols) == len(ids) else None

    return lookup
