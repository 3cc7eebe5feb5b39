"""Business rules applied to a model's ranking: exclusions, filters, boosts, pins, diversity.

Rules work on a pool of the model's best candidates (:attr:`Rules.pool`). Filters and
boosts are conditions of the condition language (``tailored.conditions``) over an item's
catalog attributes: ``item_id``, ``title``, ``categories`` (a list, most general first),
``category`` (the most specific), ``brand``, ``price``, ``currency``, ``in_stock``, ``tags``
and ``properties``. For example ``{"price": {"$lt": 50}, "categories": {"$in": ["Garden"]}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from tailored.conditions import Condition, compile_condition


class ScoreRule(BaseModel):
    """A boost or bury: items matching ``condition`` move up (or down) by ``weight``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    condition: dict[str, Any]
    """A condition over the item's attributes."""
    weight: float = Field(0.5, gt=0, le=10)
    """Added to (boost) or taken from (bury) the item's score, which is rescaled to 0..1
    over the candidates first: 1 moves every match above every other item."""


class Pin(BaseModel):
    """An item placed at a fixed position whatever the model says."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    item_id: str = Field(min_length=1, max_length=255)
    """The catalog item."""
    position: int = Field(1, ge=1, le=1000)
    """1 for the first place."""


class Rules(BaseModel):
    """Business rules for one recommendation request (defaults suit a shop)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    exclude_purchased: bool = True
    """Leave out items the person has bought."""
    exclude_seen: bool = True
    """Leave out items the person already interacted with (viewed, added to a cart, ...);
    ``recently_viewed`` ignores it."""
    max_impressions: int | None = Field(None, ge=1)
    """Leave out items already shown to the person this many times (``Recommendations
    Viewed`` events) within ``impression_window_days``; ``None`` shows them again freely."""
    impression_window_days: float = Field(7.0, gt=0)
    """The window in which impressions count."""
    in_stock_only: bool = True
    """Leave out catalog items whose ``in_stock`` is false."""
    filter: dict[str, Any] | None = None
    """Keep only items whose attributes satisfy this condition."""
    boost: list[ScoreRule] = Field(default_factory=list)
    """Move matching items up."""
    bury: list[ScoreRule] = Field(default_factory=list)
    """Move matching items down."""
    pinned: list[Pin] = Field(default_factory=list)
    """Items at fixed positions (still left out when out of stock and ``in_stock_only``)."""
    max_per_category: int | None = Field(None, ge=1)
    """At most this many items of one (most specific) category."""
    diversity: float = Field(0.0, ge=0, le=1)
    """Maximal marginal relevance: 0 ranks by score alone; towards 1 each next item is
    chosen more for being unlike the ones already chosen (by the model's item vectors)."""
    pool: int = Field(200, ge=1, le=5000)
    """How many of the model's best candidates the rules choose from."""


def item_attributes_document(item_id: str, row: Mapping[str, Any] | None) -> dict[str, Any]:
    """The attributes conditions see for an item (just its id when not in the catalog)."""
    if row is None:
        return {"item_id": item_id, "in_stock": True, "categories": [], "tags": []}
    doc = dict(row)
    categories = doc.get("categories") or []
    doc["category"] = categories[-1] if categories else None
    return doc


@dataclass(frozen=True)
class CompiledRules:
    """:class:`Rules` with their conditions compiled once."""

    rules: Rules
    filter: Condition | None
    boost: tuple[tuple[Condition, float], ...]

    @classmethod
    def of(cls, rules: Rules) -> CompiledRules:
        """Compile ``rules``; raises ``tailored.core.ValidationError`` for a bad condition."""
        scored = [(compile_condition(r.condition), r.weight) for r in rules.boost]
        scored += [(compile_condition(r.condition), -r.weight) for r in rules.bury]
        condition = None if rules.filter is None else compile_condition(rules.filter)
        return cls(rules, condition, tuple(scored))

    def allows(self, doc: Mapping[str, Any]) -> bool:
        """Whether an item passes the stock rule and the filter."""
        if self.rules.in_stock_only and doc.get("in_stock") is False:
            return False
        return self.filter is None or self.filter(doc)

    def rerank(
        self,
        pool: Sequence[tuple[str, float]],
        docs: Mapping[str, Mapping[str, Any]],
        k: int,
        vectors: Callable[[Sequence[str]], npt.NDArray[np.float32] | None] | None = None,
    ) -> list[tuple[str, float | None]]:
        """The final ``k`` from a pool of ``(item, score)`` best first: filtered, boosted,
        diversified and with the pinned items in place."""
        kept = [(i, s) for i, s in pool if np.isfinite(s) and self.allows(docs[i])]
        if not kept:
            return self._pin([], docs, k)
        scores = np.array([s for _, s in kept], dtype=np.float64)
        span = scores.max() - scores.min()
        scores = (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
        for n, (item, _) in enumerate(kept):
            scores[n] += sum(w for cond, w in self.boost if cond(docs[item]))
        order = np.lexsort((np.arange(len(kept)), -scores))
        ranked = [(kept[n][0], float(scores[n])) for n in order]
        if self.rules.diversity > 0 and vectors is not None:
            ranked = _mmr(ranked, vectors, self.rules.diversity, len(ranked))
        ranked = self._per_category(ranked, docs)
        return self._pin(ranked, docs, k)

    def _per_category(
        self, ranked: list[tuple[str, float]], docs: Mapping[str, Mapping[str, Any]]
    ) -> list[tuple[str, float]]:
        cap = self.rules.max_per_category
        if cap is None:
            return ranked
        counts: dict[Any, int] = {}
        out = []
        for item, score in ranked:
            category = docs[item].get("category")
            if category is not None and counts.get(category, 0) >= cap:
                continue
            counts[category] = counts.get(category, 0) + 1
            out.append((item, score))
        return out

    def _pin(
        self, ranked: list[tuple[str, float]], docs: Mapping[str, Mapping[str, Any]], k: int
    ) -> list[tuple[str, float | None]]:
        """Pinned items (score ``None``) at their positions, the ranking around them."""
        pins = [
            p
            for p in sorted(self.rules.pinned, key=lambda p: p.position)
            if not (self.rules.in_stock_only and docs[p.item_id].get("in_stock") is False)
        ]
        pinned_ids = {p.item_id for p in pins}
        out: list[tuple[str, float | None]] = [p for p in ranked if p[0] not in pinned_ids]
        for pin in pins:
            out.insert(min(pin.position - 1, len(out)), (pin.item_id, None))
        return out[:k]


def _mmr(
    ranked: list[tuple[str, float]],
    vectors: Callable[[Sequence[str]], npt.NDArray[np.float32] | None],
    diversity: float,
    k: int,
) -> list[tuple[str, float]]:
    """Maximal marginal relevance over unit item vectors (items without one keep their place
    after the others)."""
    matrix = vectors([i for i, _ in ranked])
    if matrix is None:
        return ranked
    relevance = np.array([s for _, s in ranked], dtype=np.float64)
    similarity = matrix.astype(np.float64) @ matrix.T.astype(np.float64)
    closest = np.full(len(ranked), -np.inf)
    chosen: list[int] = []
    free = np.ones(len(ranked), dtype=bool)
    for _ in range(min(k, len(ranked))):
        penalty = np.where(np.isfinite(closest), closest, 0.0)
        value = (1 - diversity) * relevance - diversity * penalty
        value[~free] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        free[best] = False
        closest = np.maximum(closest, similarity[:, best])
    return [ranked[n] for n in chosen]
