"""Welch's t-test, the two-proportion z-test and ratio metrics against scipy and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from tailored.core import ValidationError
from tailored.experiments.stats import (
    ProportionStats,
    RatioStats,
    SampleStats,
    proportion_ztest,
    ratio_ztest,
    welch_ttest,
)

TOL = 1e-9


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
def test_welch_matches_scipy(seed: int, alpha: float) -> None:
    rng = np.random.default_rng(seed)
    a = rng.lognormal(1.0, 1.0, size=int(rng.integers(5, 400)))
    b = rng.lognormal(1.1, 0.7, size=int(rng.integers(5, 400)))
    ours = welch_ttest(SampleStats.from_values(a), SampleStats.from_values(b), alpha=alpha)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(confidence_level=1 - alpha)
    assert ours.statistic == pytest.approx(ref.statistic, rel=TOL, abs=TOL)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=TOL, abs=TOL)
    assert ours.df == pytest.approx(ref.df, rel=TOL)
    assert ours.ci_low == pytest.approx(ci.low, rel=TOL, abs=TOL)
    assert ours.ci_high == pytest.approx(ci.high, rel=TOL, abs=TOL)
    assert ours.estimate == pytest.approx(b.mean() - a.mean(), rel=TOL, abs=TOL)


def test_welch_from_sums_matches_from_values() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(5, 2, 300), rng.normal(5.3, 3, 250)
    by_values = welch_ttest(SampleStats.from_values(a), SampleStats.from_values(b))
    by_sums = welch_ttest(
        SampleStats.from_sums(a.size, a.sum(), (a * a).sum()),
        SampleStats.from_sums(b.size, b.sum(), (b * b).sum()),
    )
    assert by_sums.p_value == pytest.approx(by_values.p_value, rel=1e-9)
    assert by_sums.ci_low == pytest.approx(by_values.ci_low, rel=1e-9)


@pytest.mark.parametrize(
    ("conv_c", "n_c", "conv_t", "n_t"),
    [(100, 1000, 130, 1000), (5, 80, 1, 120), (4000, 50000, 4210, 49000), (0, 50, 3, 60)],
)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_ztest_matches_statsmodels(conv_c: int, n_c: int, conv_t: int, n_t: int, alpha: float):
    ours = proportion_ztest(ProportionStats(n_c, conv_c), ProportionStats(n_t, conv_t), alpha=alpha)
    z, p = proportions_ztest([conv_t, conv_c], [n_t, n_c])
    low, high = confint_proportions_2indep(
        conv_t, n_t, conv_c, n_c, method="wald", compare="diff", alpha=alpha
    )
    assert ours.statistic == pytest.approx(z, rel=TOL, abs=TOL)
    assert ours.p_value == pytest.approx(p, rel=TOL, abs=TOL)
    assert ours.ci_low == pytest.approx(low, rel=TOL, abs=TOL)
    assert ours.ci_high == pytest.approx(high, rel=TOL, abs=TOL)


def test_relative_interval_is_the_delta_method() -> None:
    c, t = ProportionStats(2000, 200), ProportionStats(2100, 252)
    result = proportion_ztest(c, t)
    pc, pt = 0.1, 0.12
    var = pt * (1 - pt) / 2100 / pc**2 + pt**2 * (pc * (1 - pc) / 2000) / pc**4
    half = stats.norm.isf(0.025) * math.sqrt(var)
    assert result.relative == pytest.approx(pt / pc - 1, rel=TOL)
    assert result.relative_ci_low == pytest.approx(pt / pc - 1 - half, rel=TOL)
    assert result.relative_ci_high == pytest.approx(pt / pc - 1 + half, rel=TOL)


def test_relative_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(11)
    sims, n, mu_c, mu_t = 1500, 400, 10.0, 11.0
    covered = 0
    for _ in range(sims):
        a, b = rng.exponential(mu_c, n), rng.exponential(mu_t, n)
        r = welch_ttest(SampleStats.from_values(a), SampleStats.from_values(b))
        assert r.relative_ci_low is not None and r.relative_ci_high is not None
        covered += r.relative_ci_low <= mu_t / mu_c - 1 <= r.relative_ci_high
    # 95% nominal; binomial sd over 1,500 runs is 0.56 points.
    assert 0.925 <= covered / sims <= 0.975


def test_ratio_variance_is_the_linearised_variance() -> None:
    rng = np.random.default_rng(5)
    orders_c, orders_t = rng.poisson(2.0, 800) + 1, rng.poisson(2.2, 900) + 1
    revenue_c = orders_c * rng.gamma(2.0, 20.0, 800)
    revenue_t = orders_t * rng.gamma(2.0, 21.0, 900)
    c = RatioStats.from_values(revenue_c, orders_c)
    t = RatioStats.from_values(revenue_t, orders_t)
    result = ratio_ztest(c, t)

    def linearised(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ratio = x.mean() / y.mean()
        return (x - ratio * y) / y.mean()

    lin_c, lin_t = linearised(revenue_c, orders_c), linearised(revenue_t, orders_t)
    se = math.sqrt(lin_c.var(ddof=1) / 800 + lin_t.var(ddof=1) / 900)
    assert result.std_error == pytest.approx(se, rel=TOL)
    expected = revenue_t.sum() / orders_t.sum() - revenue_c.sum() / orders_c.sum()
    assert result.estimate == pytest.approx(expected, rel=TOL)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(expected) / se), rel=1e-8)


def test_ratio_from_sums_matches_from_values() -> None:
    rng = np.random.default_rng(8)
    x, y = rng.gamma(2.0, 3.0, 500), rng.poisson(3.0, 500) + 1.0
    by_values = RatioStats.from_values(x, y)
    by_sums = RatioStats.from_sums(500, x.sum(), y.sum(), x @ x, y @ y, x @ y)
    assert by_sums.point_variance == pytest.approx(by_values.point_variance, rel=1e-9)


def test_ratio_with_unit_denominators_is_a_ztest_of_means() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.normal(3, 1, 500), rng.normal(3.1, 1.2, 600)
    ratio = ratio_ztest(
        RatioStats.from_values(a, np.ones(500)), RatioStats.from_values(b, np.ones(600))
    )
    welch = welch_ttest(SampleStats.from_values(a), SampleStats.from_values(b))
    assert ratio.statistic == pytest.approx(welch.statistic, rel=TOL)
    assert ratio.std_error == pytest.approx(welch.std_error, rel=TOL)


def test_zero_variance_with_equal_means_is_no_difference() -> None:
    same = SampleStats(n=50, mean=3.0, variance=0.0)
    result = welch_ttest(same, same)
    assert (result.p_value, result.ci_low, result.ci_high, result.relative) == (1.0, 0, 0, 0)
    assert not result.significant


def test_zero_variance_with_different_means_is_an_error() -> None:
    with pytest.raises(ValidationError, match="zero variance"):
        welch_ttest(SampleStats(50, 3.0, 0.0), SampleStats(50, 4.0, 0.0))
    ones = np.ones(10)
    with pytest.raises(ValidationError, match="zero variance"):
        ratio_ztest(RatioStats.from_values(ones, ones), RatioStats.from_values(2 * ones, ones))


@pytest.mark.parametrize("n", [0, 1])
def test_welch_needs_two_units(n: int) -> None:
    with pytest.raises(ValidationError, match=r"control\.n must be at least 2"):
        welch_ttest(SampleStats(n, 1.0, 0.0), SampleStats(10, 1.0, 1.0))


def test_ztest_edge_cases_are_defined() -> None:
    none = proportion_ztest(ProportionStats(100, 0), ProportionStats(120, 0))
    assert none.p_value == 1.0 and none.statistic == 0.0 and none.relative is None
    everyone = proportion_ztest(ProportionStats(100, 100), ProportionStats(120, 120))
    assert everyone.p_value == 1.0 and everyone.relative == 0.0
    split = proportion_ztest(ProportionStats(100, 0), ProportionStats(100, 100))
    assert split.p_value < 1e-20 and split.ci_low == split.ci_high == 1.0
    single = proportion_ztest(ProportionStats(1, 1), ProportionStats(1, 0))
    assert 0 < single.p_value < 1
    for r in (none, everyone, split, single):
        assert all(math.isfinite(v) for v in (r.p_value, r.ci_low, r.ci_high, r.statistic))
    with pytest.raises(ValidationError, match=r"treatment\.n must be at least 1"):
        proportion_ztest(ProportionStats(10, 1), ProportionStats(0, 0))


def test_ratio_needs_a_denominator() -> None:
    zeros = np.zeros(5)
    with pytest.raises(ValidationError, match="denominator_mean"):
        ratio_ztest(RatioStats.from_values(zeros, zeros), RatioStats.from_values(zeros, zeros))


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, float("nan")])
def test_alpha_is_checked(alpha: float) -> None:
    arm = SampleStats(10, 1.0, 1.0)
    with pytest.raises(ValidationError, match="alpha"):
        welch_ttest(arm, arm, alpha=alpha)
