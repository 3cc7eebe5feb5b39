"""CUPED: theta from the pooled covariance, adjusted summaries equal adjusted raw data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tailored.core import ValidationError
from tailored.experiments.stats import CupedStats, cuped_adjust, welch_ttest


@pytest.fixture
def arms() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(12)
    pre_c, pre_t = rng.gamma(2.0, 5.0, 700), rng.gamma(2.0, 5.0, 650)
    post_c = 0.8 * pre_c + rng.normal(0, 6, 700)
    post_t = 0.8 * pre_t + rng.normal(0.7, 6, 650)
    return (post_c, pre_c), (post_t, pre_t)


def test_adjustment_equals_adjusting_the_raw_values(arms) -> None:
    (post_c, pre_c), (post_t, pre_t) = arms
    adjustment = cuped_adjust(
        CupedStats.from_values(post_c, pre_c), CupedStats.from_values(post_t, pre_t)
    )
    pre_all, post_all = np.concatenate([pre_c, pre_t]), np.concatenate([post_c, post_t])
    theta = np.cov(post_all, pre_all)[0, 1] / pre_all.var(ddof=1)
    assert adjustment.theta == pytest.approx(theta, rel=1e-9)
    adj_c = post_c - theta * (pre_c - pre_all.mean())
    adj_t = post_t - theta * (pre_t - pre_all.mean())
    assert adjustment.control.mean == pytest.approx(adj_c.mean(), rel=1e-9)
    assert adjustment.treatment.variance == pytest.approx(adj_t.var(ddof=1), rel=1e-9)
    ours = welch_ttest(adjustment.control, adjustment.treatment)
    ref = stats.ttest_ind(adj_t, adj_c, equal_var=False)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert ours.ci_low == pytest.approx(ref.confidence_interval().low, rel=1e-9)
    before = post_c.var(ddof=1) / 700 + post_t.var(ddof=1) / 650
    after = adj_c.var(ddof=1) / 700 + adj_t.var(ddof=1) / 650
    assert adjustment.variance_reduction == pytest.approx(1 - after / before, rel=1e-9)
    assert adjustment.variance_reduction > 0.3


def test_from_sums_gives_the_same_adjustment(arms) -> None:
    (post_c, pre_c), (post_t, pre_t) = arms

    def from_sums(y: np.ndarray, x: np.ndarray) -> CupedStats:
        return CupedStats.from_sums(y.size, y.sum(), x.sum(), y @ y, x @ x, x @ y)

    by_values = cuped_adjust(
        CupedStats.from_values(post_c, pre_c), CupedStats.from_values(post_t, pre_t)
    )
    by_sums = cuped_adjust(from_sums(post_c, pre_c), from_sums(post_t, pre_t))
    assert by_sums.theta == pytest.approx(by_values.theta, rel=1e-9)
    assert by_sums.treatment.mean == pytest.approx(by_values.treatment.mean, rel=1e-9)


def test_no_pre_exposure_spread_means_no_adjustment() -> None:
    rng = np.random.default_rng(3)
    y_c, y_t = rng.normal(size=100), rng.normal(size=120)
    adjustment = cuped_adjust(
        CupedStats.from_values(y_c, np.zeros(100)), CupedStats.from_values(y_t, np.zeros(120))
    )
    assert adjustment.theta == 0.0 and adjustment.variance_reduction == 0.0
    assert adjustment.control.mean == pytest.approx(y_c.mean())


def test_constant_metric_is_defined() -> None:
    flat = CupedStats.from_values(np.ones(10), np.arange(10.0))
    adjustment = cuped_adjust(flat, flat)
    assert adjustment.variance_reduction == 0.0
    assert welch_ttest(adjustment.control, adjustment.treatment).p_value == 1.0


def test_needs_two_units_per_arm() -> None:
    one = CupedStats.from_values([1.0], [1.0])
    two = CupedStats.from_values([1.0, 2.0], [1.0, 3.0])
    with pytest.raises(ValidationError, match=r"control\.n must be at least 2"):
        cuped_adjust(one, two)
