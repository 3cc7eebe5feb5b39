"""Multiple comparisons: adjusted p-values across the metrics and variants of an experiment.

An experiment with five metrics and three treatments makes fifteen comparisons; read at
``p < 0.05`` each, some will look like wins by chance. Adjusted p-values are compared with the
same ``alpha`` as before but control an error rate over the whole family:

- ``"benjamini-hochberg"`` (the default) controls the false discovery rate, the expected share
  of false wins among the reported wins (Benjamini and Hochberg, 1995);
- ``"holm"`` controls the family-wise error rate, the chance of any false win (Holm, 1979),
  uniformly more powerful than Bonferroni;
- ``"bonferroni"`` multiplies each p-value by the number of comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ._checks import check_real, invalid

#: The adjustment methods :func:`adjust_pvalues` knows.
AdjustmentMethod = Literal["benjamini-hochberg", "holm", "bonferroni"]


def _validated(p_values: Sequence[float]) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    values = [check_real(f"p_values[{i}]", p) for i, p in enumerate(p_values)]
    for i, p in enumerate(values):
        if not 0.0 <= p <= 1.0:
            raise invalid(f"p_values[{i}]", f"must be between 0 and 1, got {p!r}")
    return np.asarray(values, dtype=np.float64)


def adjust_pvalues(
    p_values: Sequence[float], method: AdjustmentMethod = "benjamini-hochberg"
) -> list[float]:
    """Adjusted p-values, in the order given.

    Matches ``statsmodels.stats.multitest.multipletests`` with ``method="fdr_bh"``,
    ``"holm"`` and ``"bonferroni"``. Flatten every (metric, variant) comparison of the
    experiment into one list.

    Args:
        p_values: The unadjusted p-values, each between 0 and 1.
        method: ``"benjamini-hochberg"``, ``"holm"`` or ``"bonferroni"``.

    Example:
        >>> [round(p, 4) for p in adjust_pvalues([0.01, 0.04, 0.03, 0.20])]
        [0.04, 0.0533, 0.0533, 0.2]
    """
    p = _validated(p_values)
    m = p.size
    if m == 0:
        return []
    if method == "bonferroni":
        return [float(x) for x in np.minimum(p * m, 1.0)]
    if method == "holm":
        order = np.argsort(p, kind="stable")
        scaled = p[order] * (m - np.arange(m))
        stepped = np.minimum(np.maximum.accumulate(scaled), 1.0)
    elif method == "benjamini-hochberg":
        order = np.argsort(p, kind="stable")[::-1]
        scaled = p[order] * (m / np.arange(m, 0, -1))
        stepped = np.minimum(np.minimum.accumulate(scaled), 1.0)
    else:
        raise invalid("method", f"must be benjamini-hochberg, holm or bonferroni, got {method!r}")
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = stepped
    return [float(x) for x in adjusted]
