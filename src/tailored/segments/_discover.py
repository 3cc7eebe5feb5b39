"""Discovering segments: clusters of profiles on standardized behavioural features.

Profiles are described by how much they do and buy (log-scaled counts and amounts) and by
their dominant category, device, country and lifecycle stage; KMeans groups them, the number
of groups chosen by silhouette score. Each cluster is described in plain words and with a
condition that defines it approximately, for a marketer to adopt as a segment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from tailored.core import ValidationError, utcnow

from ._attributes import profile_attributes
from ._batch import state_chunks

#: Numeric features: (attribute path, words for a high value, words for a low value).
NUMERIC: tuple[tuple[str, str, str], ...] = (
    ("order_count", "many orders", "few orders"),
    ("total_revenue", "high revenue", "low revenue"),
    ("average_order_value", "high order value", "low order value"),
    ("event_counts.Product Viewed", "many product views", "few product views"),
    ("event_counts.Page Viewed", "many page views", "few page views"),
)
#: Categorical features: (attribute path, how to read it).
CATEGORICAL: tuple[str, ...] = ("top_categories.0", "last_device", "traits.country")


class DiscoverConfig(BaseModel):
    """How segments are discovered."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    min_k: int = Field(default=2, ge=2)
    """The fewest clusters tried."""
    max_k: int = Field(default=6, ge=2, le=20)
    """The most clusters tried."""
    max_profiles: int = Field(default=20_000, ge=10)
    """Profiles clustered at most (the first by id beyond that are left out)."""
    silhouette_sample: int = Field(default=5_000, ge=100)
    """Profiles sampled to score each k."""
    seed: int = 0
    """Random seed of KMeans and the silhouette sample."""


@dataclass(frozen=True)
class Cluster:
    """One discovered group."""

    size: int
    share: float
    description: str
    condition: dict[str, Any]
    """A condition that defines the cluster approximately."""


@dataclass(frozen=True)
class Discovery:
    """The clusters found and how well they separate."""

    k: int
    silhouette: float
    profiles: int
    clusters: list[Cluster]


def _get(attributes: dict[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    value = attributes.get(head)
    if rest and isinstance(value, dict):
        return value.get(rest)
    if rest and isinstance(value, list):
        return value[int(rest)] if rest.isdigit() and len(value) > int(rest) else None
    return value


def _rows(engine: Engine, workspace_id: int, limit: int, now: datetime) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for chunk in state_chunks(conn, workspace_id):
            for state in chunk.values():
                if state.get("first") is not None:
                    out.append(profile_attributes(state, now, None))
            if len(out) >= limit:
                break
    return out[:limit]


def _matrix(rows: list[dict[str, Any]]) -> np.ndarray[Any, Any]:
    columns = [[np.log1p(float(_get(r, p) or 0.0)) for r in rows] for p, _, _ in NUMERIC]
    for path in CATEGORICAL:
        common = [v for v, _ in Counter(str(_get(r, path))
                                        for r in rows if _get(r, path)).most_common(6)]  # fmt: skip
        columns += [[1.0 if str(_get(r, path)) == v else 0.0 for r in rows] for v in common]
    x = np.array(columns, dtype=float).T
    spread = x.std(axis=0)
    standardized: np.ndarray[Any, Any] = (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return standardized


def discover(engine: Engine, workspace_id: int, config: DiscoverConfig | None = None) -> Discovery:
    """Cluster the workspace's profiles and describe each cluster.

    Raises:
        tailored.core.ValidationError: Too few profiles to cluster.
    """
    # scikit-learn is imported when needed: it costs about a second at start-up.
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    config = config or DiscoverConfig()
    rows = _rows(engine, workspace_id, config.max_profiles, utcnow())
    if len(rows) < max(10, config.min_k * 3):
        raise ValidationError(f"{len(rows)} profiles are too few to discover segments in")
    x = _matrix(rows)
    best: tuple[float, int, np.ndarray[Any, Any]] | None = None
    for k in range(config.min_k, min(config.max_k, len(rows) - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=config.seed).fit_predict(x)
        if len(set(labels.tolist())) < 2:
            continue
        sample = min(config.silhouette_sample, len(rows))
        score = float(silhouette_score(x, labels, sample_size=sample, random_state=config.seed))
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        raise ValidationError("the profiles are all alike: no clusters to describe")
    score, k, labels = best
    clusters = [_describe([r for r, label in zip(rows, labels, strict=True) if label == c], rows)
                for c in range(k)]  # fmt: skip
    clusters.sort(key=lambda c: -c.size)
    return Discovery(k, round(score, 4), len(rows), clusters)


def _describe(members: list[dict[str, Any]], everyone: list[dict[str, Any]]) -> Cluster:
    words: list[str] = []
    clauses: dict[str, Any] = {}
    for path, high, low in NUMERIC:
        mine = float(np.median([float(_get(r, path) or 0.0) for r in members]))
        overall = float(np.median([float(_get(r, path) or 0.0) for r in everyone]))
        cut = round((mine + overall) / 2, 2)
        if mine > overall * 1.5 and mine > 0:
            words.append(high)
            clauses[path] = {"$gte": cut}
        elif mine < overall / 1.5:
            words.append(low)
            clauses[path] = {"$lt": cut} if cut > 0 else {"$lte": 0}
    for path in CATEGORICAL:
        counts = Counter(str(v) for r in members if (v := _get(r, path)))
        if counts:
            value, n = counts.most_common(1)[0]
            if n / len(members) >= 0.5:
                words.append(f"mostly {value}" if path.startswith("top") else value)
                clauses[path] = value
    description = ", ".join(words) or "average on every feature"
    return Cluster(len(members), round(len(members) / len(everyone), 4), description, clauses)
