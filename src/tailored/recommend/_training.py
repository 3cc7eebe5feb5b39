"""Training on the event log: one versioned model per workspace, with holdout metrics.

``tailored train`` (and the worker, every :data:`TRAIN_EVERY_SECONDS`) reads the workspace's
item events, learns missing catalog items from them, fits ALS, bought-together rules,
popularity and trending, measures a quick holdout NDCG@20, and stores the result as a new
version that servers pick up on their next request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from tailored import storage
from tailored.core import ValidationError, utcnow

from ._als import ALS, ALSConfig
from ._bundle import Bundle
from ._cooccurrence import FrequentlyBoughtTogether, FrequentlyBoughtTogetherConfig
from ._history import EventLog, read_event_log
from ._interactions import Interactions, SignalConfig
from ._items import learn_items
from ._metrics import evaluate
from ._popularity import Popularity, Trending, TrendingConfig
from ._split import random_split
from ._store import ModelVersion, save_version

log = logging.getLogger("tailored.recommend")

JOB_KIND = "recommend.train"
#: How often the worker retrains every workspace.
TRAIN_EVERY_SECONDS = 6 * 3600.0
#: The steps reported to ``on_step``, in order.
STEPS = ("reading events", "learning items", "fitting models", "measuring holdout", "saving")


class TrainingConfig(BaseModel):
    """How a workspace's model is trained (stored with each version)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    signal: SignalConfig = Field(default_factory=SignalConfig)
    """Weights per event type and time decay. The defaults count a view 1, an add to cart
    3 and a purchase 5 (see ``DEFAULT_EVENT_WEIGHTS``), without decay."""
    als: ALSConfig = Field(default_factory=lambda: ALSConfig(factors=64, threads=0))
    """The ALS model behind ``for_you`` and ``similar``."""
    bought_together: FrequentlyBoughtTogetherConfig = Field(
        default_factory=FrequentlyBoughtTogetherConfig
    )
    """The rules behind ``bought_together``, counted over orders."""
    trending_half_life_days: float = Field(7.0, gt=0)
    """An event this many days older than the newest counts half in ``trending``."""
    since_days: float | None = Field(None, gt=0)
    """Train on the events of this many last days only; ``None`` reads them all."""
    min_events: int = Field(10, ge=1)
    """Refuse to train on fewer item interactions than this."""
    learn_items: bool = True
    """Add items named in events to the catalog, and fill its empty fields."""
    keep_versions: int = Field(5, ge=1)
    """How many versions to keep (older ones are deleted)."""
    holdout_users: int = Field(2000, ge=0)
    """Measure holdout NDCG@20 on at most this many users (0 skips the measurement)."""
    ann_min_items: int = Field(100_000, ge=1)
    """Serve through a faiss ANN index from this many items on (if faiss is installed)."""


@dataclass
class TrainingRun:
    """What a training run produced.

    Attributes:
        version: The stored version.
        metrics: Sizes, holdout NDCG@20 (ALS and the popularity baseline) and seconds.
        learned_items: Items added to the catalog from events.
    """

    version: ModelVersion
    metrics: dict[str, Any] = field(default_factory=dict)
    learned_items: int = 0


def _interactions(events: EventLog, signal: SignalConfig) -> Interactions:
    return Interactions.from_arrays(
        events.users,
        events.items,
        times=np.asarray(events.times, dtype=np.int64),
        events=events.events,
        signal=signal,
    )


def _together(data: Interactions, events: EventLog, config: TrainingConfig) -> sp.csr_matrix:
    """Bought-together rules over the orders, columns in ``data``'s item order."""
    n = len(data.items)
    if not events.baskets:
        return sp.csr_matrix((n, n), dtype=np.float32)
    index = data.item_index
    lines = [(b, index[i]) for b, basket in enumerate(events.baskets) for i in basket]
    codes = np.array(lines, dtype=np.int64)
    baskets = Interactions(
        users=tuple(str(b) for b in range(len(events.baskets))),
        items=data.items,
        user_codes=codes[:, 0],
        item_codes=codes[:, 1],
        weights=np.ones(len(lines), dtype=np.float32),
        signal=SignalConfig(aggregate="binary"),
    )
    rules: sp.csr_matrix = FrequentlyBoughtTogether(config.bought_together).fit(baskets).rules
    return rules


def holdout_metrics(data: Interactions, config: TrainingConfig) -> dict[str, Any]:
    """NDCG@20 of ALS and of popularity on a random 20% of the items of up to
    ``holdout_users`` users with 5 or more (their other items train the models)."""
    if config.holdout_users == 0:
        return {}
    held = random_split(data, fraction=0.2, min_items=5, seed=config.als.seed)
    users = np.unique(held.test.user_codes)
    if not len(users):
        return {"holdout_users": 0}
    rng = np.random.default_rng(config.als.seed)
    chosen = rng.choice(users, size=min(len(users), config.holdout_users), replace=False)
    test = held.test.select(np.isin(held.test.user_codes, chosen))
    als = evaluate(ALS(config.als).fit(held.train), held.train, test, [20])
    popular = evaluate(Popularity().fit(held.train), held.train, test, [20])
    return {
        "holdout_users": int(als["users"]),
        "ndcg@20": round(als["ndcg@20"], 4),
        "recall@20": round(als["recall@20"], 4),
        "popularity_ndcg@20": round(popular["ndcg@20"], 4),
    }


def fit_bundle(data: Interactions, events: EventLog, config: TrainingConfig) -> Bundle:
    """Fit every part of a workspace model on ``data``."""
    als = ALS(config.als).fit(data)
    trending = Trending(TrendingConfig(half_life_days=config.trending_half_life_days)).fit(data)
    return Bundle(
        items=data.items,
        item_factors=als.item_factors,
        regularization=config.als.regularization,
        alpha=config.als.alpha,
        popularity=Popularity().fit(data)._scores,
        trending=trending._scores,
        together=_together(data, events, config),
    )


def train_workspace(
    engine: Engine,
    workspace_id: int,
    config: TrainingConfig | None = None,
    *,
    on_step: Callable[[str], None] | None = None,
) -> TrainingRun:
    """Train a workspace's model on its event log and store it as a new version.

    Args:
        engine: The database.
        workspace_id: The workspace.
        config: How to train; defaults to :class:`TrainingConfig`.
        on_step: Called with each of :data:`STEPS` as it starts (for progress bars).

    Raises:
        ValidationError: fewer than ``config.min_events`` item interactions.
    """
    config = config or TrainingConfig()
    step = on_step or (lambda _name: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        seconds[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    step(STEPS[0])
    since = None if config.since_days is None else utcnow() - timedelta(days=config.since_days)
    with engine.connect() as conn:
        events = read_event_log(conn, workspace_id, list(config.signal.event_weights), since)
    if len(events.items) < config.min_events:
        raise ValidationError(
            f"only {len(events.items)} item interactions in the event log; training needs "
            f"{config.min_events} (send Product Viewed / Order Completed events first)"
        )
    lap("read")
    step(STEPS[1])
    learned = 0
    if config.learn_items:
        with storage.write_transaction(engine) as conn:
            learned, _ = learn_items(conn, workspace_id, events.attributes)
    lap("items")
    step(STEPS[2])
    data = _interactions(events, config.signal)
    bundle = fit_bundle(data, events, config)
    lap("fit")
    step(STEPS[3])
    metrics: dict[str, Any] = {
        "users": len(data.users),
        "items": len(data.items),
        "events": data.n_events,
        "orders": len(events.baskets),
        **holdout_metrics(data, config),
    }
    lap("holdout")
    metrics["seconds"] = seconds
    step(STEPS[4])
    with storage.write_transaction(engine) as conn:
        version = save_version(
            conn,
            workspace_id,
            algorithm="als",
            config=config.model_dump(mode="json"),
            metrics=metrics,
            blob=bundle.to_bytes(),
            keep=config.keep_versions,
        )
    return TrainingRun(version, metrics, learned)


def _train_job(engine: Engine, job: storage.Job) -> None:
    """Retrain the job's workspace, or every workspace that has enough events."""
    with engine.connect() as conn:
        spaces = [w.id for w in storage.list_workspaces(conn)]
    if job.workspace_id is not None:
        spaces = [job.workspace_id]
    for workspace_id in spaces:
        try:
            run = train_workspace(engine, workspace_id)
        except ValidationError as exc:
            log.info("workspace %s not trained: %s", workspace_id, exc.message)
            continue
        log.info("workspace %s: model version %s", workspace_id, run.version.version)


storage.register_job(JOB_KIND, _train_job)
storage.register_periodic(JOB_KIND, every_seconds=TRAIN_EVERY_SECONDS)
