"""Sample ratio mismatch against scipy's chi-square goodness of fit."""

from __future__ import annotations

import pytest
from scipy import stats

from tailored.core import ValidationError
from tailored.experiments.stats import SRM_THRESHOLD, srm_test


@pytest.mark.parametrize(
    ("counts", "weights"),
    [
        ([50_500, 49_500], [0.5, 0.5]),
        ([9_480, 520], [95, 5]),
        ([3_310, 3_400, 3_290], [1, 1, 1]),
        ([1_000, 2_100, 6_900], [0.1, 0.2, 0.7]),
    ],
)
def test_matches_scipy_chisquare(counts: list[int], weights: list[float]) -> None:
    result = srm_test(counts, weights)
    expected = [sum(counts) * w / sum(weights) for w in weights]
    ref = stats.chisquare(counts, f_exp=expected)
    assert result.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    assert result.expected == pytest.approx(expected, rel=1e-12)
    assert result.mismatch == (ref.pvalue < SRM_THRESHOLD)


def test_alerts_below_one_in_a_thousand() -> None:
    assert SRM_THRESHOLD == 0.001
    assert srm_test([101_000, 99_000], [1, 1]).mismatch  # p ~ 8e-6
    assert not srm_test([50_500, 49_500], [1, 1]).mismatch  # p ~ 0.0016
    assert srm_test([50_500, 49_500], [1, 1], threshold=0.01).mismatch


def test_no_units_yet_is_not_a_mismatch() -> None:
    result = srm_test([0, 0], [0.5, 0.5])
    assert (result.p_value, result.mismatch, result.statistic) == (1.0, False, 0.0)


@pytest.mark.parametrize(
    ("counts", "weights", "field"),
    [
        ([10], [1.0], "counts"),
        ([10, 20], [1.0], "weights"),
        ([10, 20], [1.0, 0.0], r"weights\[1\]"),
        ([10, -2], [1.0, 1.0], r"counts\[1\]"),
        ([10, 2.5], [1.0, 1.0], r"counts\[1\]"),
    ],
)
def test_rejects_bad_input(counts: list[float], weights: list[float], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        srm_test(counts, weights)  # type: ignore[arg-type]
