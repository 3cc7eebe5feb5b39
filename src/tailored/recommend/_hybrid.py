"""A hybrid that blends the rankings of several models, with cold-start fallbacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from tailored.core import NotFound, ValidationError

from ._popularity import Popularity
from ._protocol import Recommendation
from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from collections.abc import Collection

    from ._interactions import Interactions


class HybridConfig(BaseModel):
    """Settings of :class:`Hybrid`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    fusion: Literal["rrf", "weighted"] = "rrf"
    """``rrf``: reciprocal rank fusion, ``sum(weight / (rrf_k + rank))``, which needs no
    calibration between models; ``weighted``: a weighted sum of each model's scores,
    standardized per user (mean 0, deviation 1)."""
    rrf_k: float = Field(60.0, gt=0)
    """The constant of reciprocal rank fusion: larger values flatten the top ranks' edge."""
    weights: dict[str, float] = Field(default_factory=dict)
    """Weight of each member by name; members not named weigh 1, and a weight of 0 leaves a
    member out."""


def _rank_contributions(scores: npt.NDArray[np.float64], rrf_k: float) -> npt.NDArray[np.float64]:
    """``1 / (rrf_k + rank)`` per entry of each row, rank 1 for the best; 0 where -inf."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[1] + 1)[None, :], axis=1)
    out = np.asarray(1.0 / (rrf_k + ranks), dtype=np.float64)
    out[~np.isfinite(scores)] = 0.0
    return out


def _standardized(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row minus its mean over finite entries, over their deviation; 0 where -inf."""
    finite = np.isfinite(scores)
    count = np.maximum(finite.sum(axis=1, keepdims=True), 1)
    centred = np.where(finite, scores, 0.0)
    centred -= centred.sum(axis=1, keepdims=True) / count
    centred[~finite] = 0.0
    std = np.sqrt(np.square(centred).sum(axis=1, keepdims=True) / count)
    return np.asarray(centred / np.where(std > 0, std, 1.0), dtype=np.float64)


class Hybrid(ScoringModel):
    """Blends members' rankings; falls back for people and items the members cannot serve.

    - A known user gets the fusion of every member's ranking (their own items excluded).
    - An unknown user, or a history no member knows, gets the ``fallback`` (popularity by
      default; pass a :class:`~tailored.recommend._popularity.Trending` for recency).
    - Members that do not know any item of a history stay out of that fusion, so an item
      known only by its text (a :class:`ContentBased` member) is reachable through content
      similarity from the first day.

    Args:
        members: Models by name; fitted by :meth:`fit` unless ``fit_members`` is false.
        config: Fusion settings.
        fallback: The cold-start model, fitted by :meth:`fit`.
        fit_members: False when the members are already fitted on the same interactions.
    """

    def __init__(
        self,
        members: Mapping[str, ScoringModel],
        config: HybridConfig | None = None,
        *,
        fallback: ScoringModel | None = None,
        fit_members: bool = True,
    ) -> None:
        if not members:
            raise ValidationError("a Hybrid needs at least one member model")
        self.members = dict(members)
        self.config = config or HybridConfig()
        self.fallback = fallback or Popularity()
        self.fit_members = fit_members

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The fitted interactions' items, then items only some member knows (by text)."""
        return self._ids

    @property
    def item_position(self) -> Mapping[str, int]:
        """Column of every id in :attr:`item_ids`."""
        return self._position

    def _fit(self, data: Interactions) -> None:
        for name, model in self.members.items():
            if self.fit_members:
                model.fit(data)
            elif model.data.items != data.items:
                raise ValidationError(
                    f"member {name!r} was fitted on other interactions; fit every member on "
                    "the hybrid's interactions, or let the hybrid fit them"
                )
        self.fallback.fit(data)
        ids = list(data.items)
        position = dict(data.item_index)
        for model in self.members.values():
            for item in model.item_ids:
                if item not in position:
                    position[item] = len(ids)
                    ids.append(item)
        self._ids, self._position = tuple(ids), position
        # member column -> hybrid column, and hybrid column -> member column (-1: unknown)
        self._to_hybrid = {
            name: np.array([position[i] for i in m.item_ids], dtype=np.int64)
            for name, m in self.members.items()
        }
        self._from_hybrid = {}
        for name, cols in self._to_hybrid.items():
            back = np.full(len(ids), -1, dtype=np.int64)
            back[cols] = np.arange(len(cols))
            self._from_hybrid[name] = back

    def recommend(
        self, user: str, k: int = 20, exclude: Collection[str] = ()
    ) -> list[Recommendation]:
        """Blended items for a known ``user``; the fallback's for an unknown one."""
        if user not in self.data.user_index:
            return self._ranked(self._fallback_scores(), k, self._columns(exclude))
        return super().recommend(user, k, exclude)

    def similar(self, item: str, k: int = 20) -> list[Recommendation]:
        """Blended similar items from the members that know ``item``."""
        col = self.item_position.get(item)
        if col is None:
            raise NotFound(f"unknown item {item!r}: no member model knows it")
        return self._ranked(self._item_scores(col), k, np.array([col], dtype=np.int64))

    def _active(self) -> list[tuple[str, ScoringModel]]:
        """The members with a weight other than 0."""
        weights = self.config.weights
        return [(n, m) for n, m in self.members.items() if weights.get(n, 1.0) != 0]

    def _fallback_scores(self) -> Scores:
        out = np.zeros(len(self._ids), dtype=np.float32)
        fallback = self.fallback
        cols = np.array([self._position[i] for i in fallback.item_ids], dtype=np.int64)
        out[cols] = fallback._history_scores(np.empty(0, dtype=np.int64), np.empty(0, np.float32))
        return out

    def _fuse(self, parts: dict[str, npt.NDArray[np.float64]], n_rows: int) -> Scores:
        """Blend member scores (rows x member columns, -inf where excluded)."""
        out = np.zeros((n_rows, len(self._ids)), dtype=np.float64)
        for name, scores in parts.items():
            weight = self.config.weights.get(name, 1.0)
            if self.config.fusion == "rrf":
                contribution = _rank_contributions(scores, self.config.rrf_k)
            else:
                contribution = _standardized(scores)
            out[:, self._to_hybrid[name]] += weight * contribution
        return out.astype(np.float32)

    def _user_scores(self, users: Columns) -> Scores:
        seen = self.data.binary[users].toarray() > 0
        n = len(self.data.items)
        parts = {}
        for name, model in self._active():
            scores = model._user_scores(users).astype(np.float64)
            scores[:, :n][seen] = -np.inf
            parts[name] = scores
        return self._fuse(parts, len(users))

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        parts = {}
        for name, model in self._active():
            own = self._from_hybrid[name][cols]
            known = own >= 0
            if not known.any():
                continue
            scores = model._history_scores(own[known], strengths[known]).astype(np.float64)
            scores[own[known]] = -np.inf
            parts[name] = scores[None, :]
        if not parts:
            return self._fallback_scores()
        return np.asarray(self._fuse(parts, 1)[0], dtype=np.float32)

    def _item_scores(self, col: int) -> Scores:
        parts = {}
        for name, model in self._active():
            own = int(self._from_hybrid[name][col])
            if own >= 0:
                scores = model._item_scores(own).astype(np.float64)
                scores[own] = -np.inf
                parts[name] = scores[None, :]
        return np.asarray(self._fuse(parts, 1)[0], dtype=np.float32)
