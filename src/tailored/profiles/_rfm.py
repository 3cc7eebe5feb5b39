"""RFM: recency, frequency and monetary scores 1-5 by quintiles, and the named RFM segments.

Each dimension is scored against the population it is computed over (a workspace's customers):
the quintile edges are ``numpy.percentile(values, [20, 40, 60, 80])`` (linear interpolation),
and a value ``v`` with ``edge[k-1] < v <= edge[k]`` scores ``k`` (the lowest bin includes the
minimum), which is how ``pandas.qcut`` bins. So equal values always get equal scores, whatever
their order, and a value tied with an edge goes to the lower bin. Recency is in days since the
last purchase, where fewer is better, so its score is reversed: ``6 - bin``.

A dimension in which every customer has the same value carries no information; everyone then
scores 3 on it, so a uniform population is not called all "Champions" or all "Lost".

The segment comes from the recency score ``R`` and ``FM``, the mean of the frequency and
monetary scores rounded half up:

====  ===========  ===========  ===================  ===============  ===============
R     FM 1         FM 2         FM 3                 FM 4             FM 5
====  ===========  ===========  ===================  ===============  ===============
5     new          potential    potential            champions        champions
4     promising    potential    potential            loyal            loyal
3     about to     about to     need attention       loyal            loyal
      sleep        sleep
2     hibernating  hibernating  at risk              at risk          cannot lose
1     lost         hibernating  at risk              at risk          cannot lose
====  ===========  ===========  ===================  ===============  ===============

("potential" is potential loyalists, "new" new customers, "cannot lose" cannot lose them.)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from ._checks import broadcast, column, invalid

#: Score arrays: one small integer in 1..5 per customer.
ScoreArray = npt.NDArray[np.int8]

_QUINTILES = (20.0, 40.0, 60.0, 80.0)
_NO_SPREAD_SCORE = 3


class RFMSegment(StrEnum):
    """The named RFM segments; the value is the key used in traits and conditions."""

    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW_CUSTOMERS = "new_customers"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANNOT_LOSE_THEM = "cannot_lose_them"
    HIBERNATING = "hibernating"
    LOST = "lost"

    @property
    def label(self) -> str:
        """The name for people: ``"Potential loyalists"``, ``"Cannot lose them"``."""
        return self.value.replace("_", " ").capitalize()


_S = RFMSegment
# Rows: R from 1 to 5; columns: FM from 1 to 5 (the table in the module docstring).
_SEGMENTS: tuple[tuple[RFMSegment, ...], ...] = (
    (_S.LOST, _S.HIBERNATING, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE_THEM),
    (_S.HIBERNATING, _S.HIBERNATING, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE_THEM),
    (_S.ABOUT_TO_SLEEP, _S.ABOUT_TO_SLEEP, _S.NEED_ATTENTION, _S.LOYAL, _S.LOYAL),
    (_S.PROMISING, _S.POTENTIAL_LOYALISTS, _S.POTENTIAL_LOYALISTS, _S.LOYAL, _S.LOYAL),
    (_S.NEW_CUSTOMERS, _S.POTENTIAL_LOYALISTS, _S.POTENTIAL_LOYALISTS, _S.CHAMPIONS, _S.CHAMPIONS),
)


@dataclass(frozen=True, slots=True)
class RFMProfile:
    """One customer's RFM scores and segment.

    Attributes:
        recency: 1..5, 5 for the most recent buyers.
        frequency: 1..5, 5 for the most frequent buyers.
        monetary: 1..5, 5 for the biggest spenders.
        fm: The mean of ``frequency`` and ``monetary`` rounded half up.
        segment: The named segment of ``(recency, fm)``.
    """

    recency: int
    frequency: int
    monetary: int
    fm: int
    segment: RFMSegment

    @property
    def code(self) -> str:
        """The three scores as the usual three-digit code, ``"545"``."""
        return f"{self.recency}{self.frequency}{self.monetary}"


class RFMScores(NamedTuple):
    """The scores of a population, one entry per customer, in input order."""

    recency: ScoreArray
    """Recency scores, 5 for the fewest days since the last purchase."""
    frequency: ScoreArray
    """Frequency scores, 5 for the most purchases."""
    monetary: ScoreArray
    """Monetary scores, 5 for the most spent."""

    def profile(self, index: int) -> RFMProfile:
        """The scores and segment of the customer at ``index``."""
        r, f, m = int(self.recency[index]), int(self.frequency[index]), int(self.monetary[index])
        fm = fm_score(f, m)
        return RFMProfile(recency=r, frequency=f, monetary=m, fm=fm, segment=rfm_segment(r, fm))

    def profiles(self) -> list[RFMProfile]:
        """Every customer's :class:`RFMProfile`, in input order."""
        return [self.profile(i) for i in range(len(self.recency))]


def quintile_scores(values: ArrayLike) -> ScoreArray:
    """Scores 1..5 of ``values`` by population quintile, higher values scoring higher.

    >>> quintile_scores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quintile_scores([4, 4, 4]).tolist()
    [3, 3, 3]
    """
    array = np.atleast_1d(column("values", values))
    if array.size == 0:
        return np.zeros(0, dtype=np.int8)
    if array.min() == array.max():
        return np.full(array.shape, _NO_SPREAD_SCORE, dtype=np.int8)
    edges = np.percentile(array, _QUINTILES)
    scores: ScoreArray = (1 + np.searchsorted(edges, array, side="left")).astype(np.int8)
    return scores


def rfm_scores(recency_days: ArrayLike, frequency: ArrayLike, monetary: ArrayLike) -> RFMScores:
    """RFM scores 1..5 of every customer of a population.

    Args:
        recency_days: Days since each customer's last purchase (fewer is better).
        frequency: Each customer's number of purchases.
        monetary: Each customer's spend (net of refunds, so it may be negative).

    Returns:
        The three score arrays, in input order.

    Raises:
        tailored.core.ValidationError: The columns differ in length, hold a non-finite number,
            or a negative recency or frequency.

    >>> scores = rfm_scores([1, 40, 200], [9, 3, 1], [250.0, 80.0, 12.5])
    >>> [p.code for p in scores.profiles()]
    ['555', '333', '111']
    >>> scores.profile(2).segment.label
    'Lost'
    """
    r, f, m = broadcast(
        strict=True,
        recency_days=np.atleast_1d(column("recency_days", recency_days, nonnegative=True)),
        frequency=np.atleast_1d(column("frequency", frequency, nonnegative=True)),
        monetary=np.atleast_1d(column("monetary", monetary)),
    )
    # Reversed: fewer days is better. The no-spread score 3 maps to itself.
    recency: ScoreArray = (6 - quintile_scores(r)).astype(np.int8)
    return RFMScores(recency, quintile_scores(f), quintile_scores(m))


def fm_score(frequency: int, monetary: int) -> int:
    """The combined frequency-monetary score: their mean rounded half up.

    >>> fm_score(4, 5), fm_score(2, 2), fm_score(1, 2)
    (5, 2, 2)
    """
    _check_score("frequency", frequency)
    _check_score("monetary", monetary)
    return (frequency + monetary + 1) // 2


def rfm_segment(recency: int, fm: int) -> RFMSegment:
    """The named segment of a recency score and an FM score (the table of this module).

    >>> [rfm_segment(5, 5).value, rfm_segment(1, 1).value, rfm_segment(2, 5).value]
    ['champions', 'lost', 'cannot_lose_them']
    """
    _check_score("recency", recency)
    _check_score("fm", fm)
    return _SEGMENTS[recency - 1][fm - 1]


def _check_score(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= 5:
        raise invalid(name, f"must be a score from 1 to 5, got {value!r}")
