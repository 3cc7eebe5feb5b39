"""Offline comparison of models: tune on a validation split, then score on the test split.

Hyperparameters are chosen on a validation split carved from the training set with the same
protocol; the test set is only used once, for the chosen setting of each model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from tailored.core import ValidationError

from ._als import ALS, ALSConfig
from ._content import ContentBased, ContentConfig
from ._ease import EASE, EASEConfig
from ._hybrid import Hybrid, HybridConfig
from ._interactions import Interactions
from ._itemknn import ItemKNN, ItemKNNConfig
from ._metrics import evaluate
from ._popularity import Popularity, PopularityConfig, Trending, TrendingConfig
from ._scoring import ScoringModel
from ._split import ProtocolName, Split, split, validation_split


@dataclass(frozen=True)
class Candidate:
    """A model to compare, and the settings to try for it (the first is the default).

    Attributes:
        name: Its name in the results (``"ease"``).
        build: Makes an unfitted model from one setting.
        grid: Settings tried on the validation split.
    """

    name: str
    build: Callable[[Any], ScoringModel]
    grid: Sequence[BaseModel]


@dataclass(frozen=True)
class HybridCandidate:
    """A hybrid of earlier candidates (each at its chosen setting), and fusions to try.

    Attributes:
        name: Its name in the results.
        members: Names of the candidates it blends.
        grid: Fusion settings tried on the validation split.
    """

    name: str
    members: Sequence[str]
    grid: Sequence[HybridConfig]


def default_candidates(
    documents: Mapping[str, str] | None = None, *, timestamps: bool = True, hybrid: bool = True
) -> list[Candidate | HybridCandidate]:
    """Popularity, trending, item-kNN, ALS, EASE, content (given texts) and their hybrid.

    The grids are small (1 to 6 settings each, the model's default first), enough to adapt to
    the data's density. The hybrid blends EASE, item-kNN, ALS and (with timestamps) trending,
    and tries weights that lean on EASE or on recency.

    Args:
        documents: Item texts; adds a content-based candidate.
        timestamps: Whether the interactions have times (trending needs them).
        hybrid: Whether to add the hybrid.
    """
    out: list[Candidate | HybridCandidate] = [
        Candidate("popularity", Popularity, [PopularityConfig()]),
    ]
    if timestamps:
        out.append(
            Candidate("trending", Trending, [TrendingConfig(half_life_days=d) for d in (7, 30)])
        )
    out += [
        Candidate(
            "itemknn",
            ItemKNN,
            [ItemKNNConfig(neighbors=n, shrinkage=s) for n in (50, 20, 100) for s in (10.0, 0.0)],
        ),
        Candidate(
            "als",
            ALS,
            [
                ALSConfig(),
                ALSConfig(factors=64, regularization=0.1, alpha=2.0),
                ALSConfig(factors=256, regularization=1.0, alpha=3.0),
            ],
        ),
        Candidate("ease", EASE, [EASEConfig(l2=v) for v in (300.0, 100.0, 500.0, 1000.0)]),
    ]
    if documents is not None:
        docs = dict(documents)
        out.append(Candidate("content", lambda c: ContentBased(docs, c), [ContentConfig()]))
    if hybrid:
        members = ["ease", "itemknn", "als"] + (["trending"] if timestamps else [])
        recency = (0.5, 1.0, 2.0) if timestamps else ()
        grid = [
            HybridConfig(fusion="weighted", weights={"ease": 2.0, "trending": 0.0}),
            HybridConfig(fusion="weighted", weights={"ease": 3.0, "trending": 0.0}),
            HybridConfig(fusion="rrf", weights={"ease": 4.0, "trending": 0.0}),
            *(HybridConfig(fusion="weighted", weights={"trending": w}) for w in recency),
        ]
        out.append(HybridCandidate("hybrid", members, grid))
    return out


def _score(model: ScoringModel, data: Split, ks: Sequence[int]) -> tuple[dict[str, float], float]:
    """Fit on ``data.train``, evaluate on ``data.test``; returns metrics and fit seconds."""
    start = time.perf_counter()
    model.fit(data.train)
    seconds = time.perf_counter() - start
    return evaluate(model, data.train, data.test, ks), seconds


@dataclass
class _Fitted:
    """Each single model at its chosen setting, fitted on the validation and the test
    split's training sets, for the hybrids that blend them."""

    on_val: dict[str, ScoringModel] = field(default_factory=dict)
    on_test: dict[str, tuple[ScoringModel, float]] = field(default_factory=dict)


#: What a candidate's run gives: its setting, its validation score, test metrics, fit seconds.
_Outcome = tuple[BaseModel, float | None, dict[str, float], float]


def _run_single(
    cand: Candidate, data: Split, val: Split | None, ks: Sequence[int], fitted: _Fitted
) -> _Outcome:
    chosen, val_score = cand.grid[0], None
    if val is not None:
        metric = f"ndcg@{max(ks)}"
        for config in cand.grid:
            model = cand.build(config)
            value = _score(model, val, ks)[0][metric]
            if val_score is None or value > val_score:
                chosen, val_score, fitted.on_val[cand.name] = config, value, model
    model = cand.build(chosen)
    metrics, seconds = _score(model, data, ks)
    fitted.on_test[cand.name] = (model, seconds)
    return chosen, val_score, metrics, seconds


def _run_hybrid(
    cand: HybridCandidate, data: Split, val: Split | None, ks: Sequence[int], fitted: _Fitted
) -> _Outcome:
    missing = [m for m in cand.members if m not in fitted.on_test]
    if missing:
        raise ValidationError(f"hybrid {cand.name!r} needs earlier candidates {missing}")
    chosen, val_score = cand.grid[0], None
    if val is not None:
        metric = f"ndcg@{max(ks)}"
        members = {m: fitted.on_val[m] for m in cand.members}
        for config in cand.grid:
            value = _score(Hybrid(members, config, fit_members=False), val, ks)[0][metric]
            if val_score is None or value > val_score:
                chosen, val_score = config, value
    on_test = {m: fitted.on_test[m][0] for m in cand.members}
    metrics, seconds = _score(Hybrid(on_test, chosen, fit_members=False), data, ks)
    seconds += sum(fitted.on_test[m][1] for m in cand.members)
    return chosen, val_score, metrics, seconds


def compare(
    data: Split,
    candidates: Sequence[Candidate | HybridCandidate] | None = None,
    *,
    ks: Sequence[int] = (10, 20),
    tune: bool = True,
) -> list[dict[str, Any]]:
    """Every candidate side by side on one split; the popularity baseline always included.

    Args:
        data: The split to score on (see :func:`~tailored.recommend._split.split`).
        candidates: Models and their grids; :func:`default_candidates` by default. A hybrid
            blends candidates listed before it, each at its chosen setting.
        ks: Cutoffs of the metrics; tuning maximizes NDCG at the largest.
        tune: Choose each setting on a validation split carved from ``data.train`` (see
            :func:`~tailored.recommend._split.validation_split`); otherwise use each grid's
            first.

    Returns:
        One dict per model, e.g. ``{"model": "ease", "protocol": "random", "recall@20":
        0.33, "ndcg@20": 0.29, ..., "fit_seconds": 2.1, "params": {"l2": 100.0, ...},
        "validation_ndcg@20": 0.20}``.
    """
    if candidates is None:
        candidates = default_candidates(timestamps=data.train.times is not None)
    candidates = list(candidates)
    if not any(isinstance(c, Candidate) and c.name == "popularity" for c in candidates):
        candidates.insert(0, Candidate("popularity", Popularity, [PopularityConfig()]))
    val = validation_split(data) if tune else None
    fitted = _Fitted()
    rows: list[dict[str, Any]] = []
    for cand in candidates:
        if not cand.grid:
            raise ValidationError(f"candidate {cand.name!r} has no settings to try")
        if isinstance(cand, HybridCandidate):
            chosen, val_score, metrics, seconds = _run_hybrid(cand, data, val, ks, fitted)
        else:
            chosen, val_score, metrics, seconds = _run_single(cand, data, val, ks, fitted)
        row: dict[str, Any] = {"model": cand.name, "protocol": data.protocol, **metrics}
        row["fit_seconds"] = round(seconds, 3)
        row["params"] = chosen.model_dump()
        if val_score is not None:
            row[f"validation_ndcg@{max(ks)}"] = val_score
        rows.append(row)
    return rows


def evaluate_models(
    data: Interactions,
    protocol: ProtocolName = "random",
    candidates: Sequence[Candidate | HybridCandidate] | None = None,
    *,
    ks: Sequence[int] = (10, 20),
    tune: bool = True,
    seed: int = 42,
    fraction: float = 0.2,
    min_items: int = 5,
    cutoff: datetime | int | None = None,
) -> list[dict[str, Any]]:
    """Split ``data`` by ``protocol`` and :func:`compare` the candidates on it.

    >>> from tailored.recommend._interactions import Interactions
    >>> users = [f"u{n}" for n in range(30) for _ in range(6)]
    >>> items = [f"i{(n + j) % 12}" for n in range(30) for j in range(6)]
    >>> rows = evaluate_models(Interactions.from_arrays(users, items), "random",
    ...                        [Candidate("popularity", Popularity, [PopularityConfig()])],
    ...                        tune=False)
    >>> rows[0]["model"], rows[0]["protocol"], 0 <= rows[0]["ndcg@20"] <= 1
    ('popularity', 'random', True)
    """
    held_out = split(
        data, protocol, seed=seed, fraction=fraction, min_items=min_items, cutoff=cutoff
    )
    return compare(held_out, candidates, ks=ks, tune=tune)
