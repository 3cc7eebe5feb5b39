"""Sample ratio mismatch: are the variants' unit counts consistent with their weights?

A chi-square goodness-of-fit test of the observed counts against ``total * weight``. A
mismatch means the assignment or the exposure logging is broken, and every other result of the
experiment is suspect. The alert threshold is ``p < 0.001``, as in GrowthBook and Optimizely: a
healthy experiment raises a false alarm once in a thousand checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from ._checks import FloatArray, check_count, check_positive, check_probability, invalid

#: The p-value under which a sample ratio mismatch is reported.
SRM_THRESHOLD = 0.001


@dataclass(frozen=True, slots=True)
class SrmResult:
    """The outcome of a sample-ratio-mismatch check.

    Attributes:
        statistic: Pearson's chi-square statistic.
        p_value: Its p-value on ``len(counts) - 1`` degrees of freedom (1 with no units yet).
        df: Degrees of freedom.
        expected: The expected count of each variant, ``total * weight / sum(weights)``.
        threshold: The p-value under which a mismatch is reported.
        mismatch: Whether ``p_value < threshold``.
    """

    statistic: float
    p_value: float
    df: int
    expected: tuple[float, ...]
    threshold: float
    mismatch: bool


def _probabilities(weights: Sequence[float], k: int) -> FloatArray:
    if len(weights) != k:
        raise invalid("weights", f"has {len(weights)} entries for {k} counts")
    values = [check_positive(f"weights[{i}]", w) for i, w in enumerate(weights)]
    array = np.asarray(values, dtype=np.float64)
    return np.asarray(array / array.sum(), dtype=np.float64)


def chi_square_pvalues(counts: FloatArray, probabilities: FloatArray) -> FloatArray:
    """Vectorised goodness-of-fit p-values: one per row of ``counts`` (for simulations).

    Args:
        counts: Observed counts, shape ``(..., k)``; every row with a positive total.
        probabilities: Expected shares, shape ``(k,)``, summing to 1.
    """
    totals = counts.sum(axis=-1, keepdims=True)
    expected = totals * probabilities
    statistic = ((counts - expected) ** 2 / expected).sum(axis=-1)
    return np.asarray(special.chdtrc(probabilities.size - 1, statistic), dtype=np.float64)


def srm_test(
    counts: Sequence[int], weights: Sequence[float], *, threshold: float = SRM_THRESHOLD
) -> SrmResult:
    """Check observed variant counts against the configured weights.

    Matches ``scipy.stats.chisquare(counts, f_exp=expected)``. With no units at all there is
    nothing to check: the result is ``p = 1``, no mismatch.

    Args:
        counts: Units seen in each variant (at least two variants).
        weights: The configured traffic weights, in the same order (positive; they need not
            sum to 1).
        threshold: Alert when the p-value falls below this.

    Example:
        >>> srm_test([101_000, 99_000], [0.5, 0.5]).mismatch
        True
    """
    threshold = check_probability("threshold", threshold)
    if len(counts) < 2:
        raise invalid("counts", f"must hold at least two variants, got {len(counts)}")
    observed = np.asarray(
        [check_count(f"counts[{i}]", c) for i, c in enumerate(counts)], dtype=np.float64
    )
    probabilities = _probabilities(weights, observed.size)
    expected = observed.sum() * probabilities
    df = observed.size - 1
    if observed.sum() == 0:
        return SrmResult(0.0, 1.0, df, tuple(expected.tolist()), threshold, False)
    statistic = float(((observed - expected) ** 2 / expected).sum())
    p_value = float(special.chdtrc(df, statistic))
    return SrmResult(
        statistic, p_value, df, tuple(expected.tolist()), threshold, p_value < threshold
    )
