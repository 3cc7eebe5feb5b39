"""Non-personalized baselines: all-time popularity and time-decayed trending."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tailored.core import ValidationError

from ._scoring import Columns, Scores, ScoringModel

if TYPE_CHECKING:
    from ._interactions import Interactions

_DAY = 86_400.0


class PopularityConfig(BaseModel):
    """Settings of :class:`Popularity`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    measure: Literal["users", "strength"] = "users"
    """Rank by the number of distinct users of an item, or by its summed strength."""


class TrendingConfig(BaseModel):
    """Settings of :class:`Trending`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    half_life_days: float = Field(7.0, gt=0)
    """An event this many days older than the newest event counts half as much."""


class _Constant(ScoringModel):
    """A model whose scores are the same for everyone: one vector, ``_scores``."""

    _scores: Scores

    def _user_scores(self, users: Columns) -> Scores:
        return np.broadcast_to(self._scores, (len(users), len(self._scores)))

    def _history_scores(self, cols: Columns, strengths: Scores) -> Scores:
        del cols, strengths
        return self._scores

    def _item_scores(self, col: int) -> Scores:
        del col
        return self._scores


class Popularity(_Constant):
    """The most popular items, the same for everyone: the baseline every model must beat.

    ``similar(item)`` is the most popular other items.

    >>> from tailored.recommend._interactions import Interactions
    >>> data = Interactions.from_arrays(["a", "b", "b", "c"], ["x", "x", "y", "z"])
    >>> [r.item for r in Popularity().fit(data).recommend("c", k=2)]
    ['x', 'y']
    """

    def __init__(self, config: PopularityConfig | None = None) -> None:
        self.config = config or PopularityConfig()

    def _fit(self, data: Interactions) -> None:
        source = data.binary if self.config.measure == "users" else data.matrix
        self._scores = np.asarray(source.sum(axis=0), dtype=np.float32).ravel()


class Trending(_Constant):
    """What is popular lately: event strengths decayed by age relative to the newest event."""

    def __init__(self, config: TrendingConfig | None = None) -> None:
        self.config = config or TrendingConfig()

    def _fit(self, data: Interactions) -> None:
        if data.times is None:
            raise ValidationError("Trending needs timestamps, and the interactions have none")
        age_days = (data.times.max() - data.times) / _DAY
        decayed = data.weights * np.exp2(-age_days / self.config.half_life_days)
        self._scores = np.bincount(
            data.item_codes, weights=decayed, minlength=len(data.items)
        ).astype(np.float32)
