"""The normal-mixture SPRT: its formula, its duality with the intervals, and its history."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from tailored.core import ValidationError
from tailored.experiments.stats import (
    DEFAULT_TUNING_N,
    ProportionStats,
    RatioStats,
    SampleStats,
    combine_looks,
    proportion_ztest,
    sequential_test,
)


def _mixture_lr(diff: float, variance: float, tau2: float, theta0: float = 0.0) -> float:
    """The likelihood ratio written as the ratio of two normal densities of ``diff``."""
    mixture = stats.norm.pdf(diff, loc=theta0, scale=math.sqrt(variance + tau2))
    point = stats.norm.pdf(diff, loc=theta0, scale=math.sqrt(variance))
    return float(mixture / point)


@pytest.mark.parametrize(("conv_t", "alpha"), [(540, 0.05), (560, 0.05), (600, 0.1), (505, 0.01)])
def test_p_value_and_interval_follow_the_mixture_likelihood_ratio(conv_t: int, alpha: float):
    c, t = ProportionStats(5000, 500), ProportionStats(5000, conv_t)
    result = sequential_test(c, t, alpha=alpha)
    variance = result.std_error**2
    a = 2 * math.log(1 / alpha)
    tau2 = (a + math.log1p(a)) / DEFAULT_TUNING_N * 10_000 * variance
    assert result.mixing_variance == pytest.approx(tau2, rel=1e-12)
    lr = _mixture_lr(result.estimate, variance, tau2)
    assert result.p_value == pytest.approx(min(1.0, 1.0 / lr), rel=1e-9)
    # The interval's ends are exactly where the likelihood ratio crosses 1 / alpha.
    for end in (result.ci_low, result.ci_high):
        assert _mixture_lr(result.estimate, variance, tau2, theta0=end) == pytest.approx(
            1 / alpha, rel=1e-9
        )
    assert (result.p_value < alpha) == (not result.ci_low <= 0 <= result.ci_high)


def test_interval_is_wider_than_the_fixed_horizon_one() -> None:
    c, t = ProportionStats(20_000, 2000), ProportionStats(20_000, 2150)
    fixed, sequential = proportion_ztest(c, t), sequential_test(c, t)
    assert sequential.ci_high - sequential.ci_low > fixed.ci_high - fixed.ci_low
    assert sequential.p_value > fixed.p_value
    assert sequential.relative == pytest.approx(fixed.relative)
    assert sequential.relative_ci_low is not None and fixed.relative_ci_low is not None
    assert sequential.relative_ci_low < fixed.relative_ci_low


def test_interval_is_tightest_near_the_tuning_sample_size() -> None:
    def width_ratio(n_per_arm: int) -> float:
        arm = SampleStats(n_per_arm, 0.0, 1.0)
        result = sequential_test(arm, arm, tuning_n=10_000)
        return (result.ci_high - result.ci_low) / (2 * 1.959963984540054 * result.std_error)

    at_tuning = width_ratio(5_000)
    assert at_tuning < width_ratio(2_000)
    assert at_tuning < width_ratio(12_500)


def test_works_for_means_and_ratios() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(10, 3, 3000), rng.normal(10.4, 3, 3000)
    means = sequential_test(SampleStats.from_values(a), SampleStats.from_values(b))
    assert means.significant and means.ci_low > 0
    views = rng.poisson(5, 3000) + 1.0
    ratios = sequential_test(
        RatioStats.from_values(a, views), RatioStats.from_values(b, views), tuning_n=6000
    )
    assert ratios.estimate == pytest.approx(b.sum() / views.sum() - a.sum() / views.sum())


def test_combine_looks_is_monotone() -> None:
    rng = np.random.default_rng(4)
    conv = rng.binomial(400, [0.10, 0.11], size=(20, 2)).cumsum(axis=0)
    looks = []
    for day, (c, t) in enumerate(conv, start=1):
        looks.append(sequential_test(ProportionStats(400 * day, c), ProportionStats(400 * day, t)))
    combined = [combine_looks(looks[: i + 1]) for i in range(len(looks))]
    p_values = [r.p_value for r in combined]
    assert p_values == sorted(p_values, reverse=True)
    assert p_values[-1] == min(r.p_value for r in looks)
    for before, after in itertools.pairwise(combined):
        assert before.ci_low <= after.ci_low <= after.ci_high <= before.ci_high
        assert after.relative_ci_low is not None and before.relative_ci_low is not None
        assert before.relative_ci_low <= after.relative_ci_low
    assert combined[-1].estimate == looks[-1].estimate


def test_combine_looks_falls_back_to_the_latest_interval_when_they_disagree() -> None:
    early = sequential_test(SampleStats(1000, 0.0, 1.0), SampleStats(1000, 1.0, 1.0))
    late = sequential_test(SampleStats(1000, 0.0, 1.0), SampleStats(1000, -1.0, 1.0))
    combined = combine_looks([early, late])
    assert (combined.ci_low, combined.ci_high) == (late.ci_low, late.ci_high)
    with pytest.raises(ValidationError, match="looks"):
        combine_looks([])


def test_edge_cases() -> None:
    nobody = sequential_test(ProportionStats(100, 0), ProportionStats(100, 0))
    assert nobody.p_value == 1.0 and nobody.ci_low == nobody.ci_high == 0.0
    assert nobody.relative is None and nobody.relative_ci_low is None
    with pytest.raises(ValidationError, match="zero variance"):
        sequential_test(SampleStats(10, 1.0, 0.0), SampleStats(10, 2.0, 0.0))
    with pytest.raises(ValidationError, match=r"treatment\.n"):
        sequential_test(ProportionStats(10, 1), ProportionStats(1, 1))
    with pytest.raises(ValidationError, match="tuning_n"):
        sequential_test(ProportionStats(10, 1), ProportionStats(10, 1), tuning_n=0)
    huge = sequential_test(ProportionStats(10**6, 10**5), ProportionStats(10**6, 2 * 10**5))
    assert huge.p_value == 0.0 and math.isfinite(huge.ci_low)
