"""The interface every recommendation model obeys, and its optional capabilities."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:
    from typing import Self

    import numpy as np
    import numpy.typing as npt

    from ._interactions import Interactions

#: An ad-hoc item history: item ids, or item ids with their strengths.
History = Sequence[str] | Mapping[str, float]


class Recommendation(NamedTuple):
    """One recommended item and its score (higher is better; scales differ by model)."""

    item: str
    score: float


@runtime_checkable
class Recommender(Protocol):
    """A recommendation model: fitted on interactions, then asked for users' and items' lists."""

    def fit(self, interactions: Interactions) -> Self:
        """Learn from ``interactions``; returns the model itself."""
        ...

    def recommend(
        self, user: str, k: int = 20, exclude: Collection[str] = ()
    ) -> list[Recommendation]:
        """The ``k`` best items for ``user``, best first, leaving out ``exclude`` and the
        items the user already has."""
        ...

    def similar(self, item: str, k: int = 20) -> list[Recommendation]:
        """The ``k`` items most like ``item`` (never ``item`` itself), best first."""
        ...


@runtime_checkable
class FoldIn(Protocol):
    """A model that scores an ad-hoc item history without retraining (real-time updates)."""

    def recommend_for_items(
        self, history: History, k: int = 20, exclude: Collection[str] = ()
    ) -> list[Recommendation]:
        """The ``k`` best items for someone with ``history``, leaving out ``exclude`` and the
        history itself. Unknown item ids in ``history`` are ignored."""
        ...


@runtime_checkable
class BatchScorer(Protocol):
    """A fitted model that scores many known users at once (used by offline evaluation)."""

    def score_users(self, users: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Scores of shape ``(len(users), n_items)`` for rows ``users`` of the fitted
        interactions, columns as in ``interactions.items``; higher is better."""
        ...
