"""The one-arm summaries: constructors agree, bad input is a ValidationError naming the field."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tailored.core import ValidationError
from tailored.experiments.stats import CupedStats, ProportionStats, RatioStats, SampleStats


def test_sample_stats_from_sums_and_values_agree() -> None:
    values = np.array([1.0, 4.0, 2.5, 8.0, 0.5])
    by_values = SampleStats.from_values(values)
    by_sums = SampleStats.from_sums(5, values.sum(), (values**2).sum())
    assert by_sums.n == by_values.n == 5
    assert by_sums.mean == pytest.approx(values.mean(), rel=1e-12)
    assert by_sums.variance == pytest.approx(values.var(ddof=1), rel=1e-12)
    assert by_values.point_variance == pytest.approx(values.var(ddof=1) / 5, rel=1e-12)


@pytest.mark.parametrize("values", [[], [7.0]])
def test_tiny_samples_have_defined_summaries(values: list[float]) -> None:
    summary = SampleStats.from_values(values)
    assert summary.variance == 0.0
    assert summary == SampleStats.from_sums(len(values), sum(values), sum(v * v for v in values))
    assert math.isinf(SampleStats.from_values([]).point_variance)


def test_constant_values_have_zero_variance_despite_rounding() -> None:
    summary = SampleStats.from_sums(3, 0.3, 0.03)  # 3 * 0.1**2 in floating point
    assert summary.variance == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n": -1, "mean": 0.0, "variance": 1.0}, "n"),
        ({"n": 2.5, "mean": 0.0, "variance": 1.0}, "n"),
        ({"n": True, "mean": 0.0, "variance": 1.0}, "n"),
        ({"n": 3, "mean": float("nan"), "variance": 1.0}, "mean"),
        ({"n": 3, "mean": 1.0, "variance": -0.5}, "variance"),
        ({"n": 3, "mean": "1", "variance": 1.0}, "mean"),
    ],
)
def test_sample_stats_rejects_bad_fields(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SampleStats(**kwargs)  # type: ignore[arg-type]
    assert info.value.details[0]["loc"] == [field]


def test_inconsistent_sums_are_rejected() -> None:
    with pytest.raises(ValidationError, match="sum_squares"):
        SampleStats.from_sums(10, 100.0, 5.0)
    with pytest.raises(ValidationError, match=r"total is 3\.0 although n is 0"):
        SampleStats.from_sums(0, 3.0, 9.0)
    with pytest.raises(ValidationError, match="cross_sum"):
        RatioStats.from_sums(0, 0.0, 0.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValidationError, match="pre_total"):
        CupedStats.from_sums(0, 0.0, 2.0, 0.0, 4.0, 0.0)
    assert CupedStats.from_sums(0, 0.0, 0.0, 0.0, 0.0, 0.0).n == 0


def test_values_must_be_finite_and_flat() -> None:
    with pytest.raises(ValidationError, match="finite"):
        SampleStats.from_values([1.0, float("inf")])
    with pytest.raises(ValidationError, match="one-dimensional"):
        SampleStats.from_values([[1.0, 2.0]])
    with pytest.raises(ValidationError, match="numbers"):
        SampleStats.from_values(["a", "b"])


def test_proportions() -> None:
    assert ProportionStats(0, 0).rate == 0.0
    assert ProportionStats.from_values([0, 1, 1, 0]) == ProportionStats(4, 2)
    as_means = ProportionStats(10, 3).to_sample_stats()
    assert as_means.variance == pytest.approx(np.var([1, 1, 1] + [0] * 7, ddof=1))
    with pytest.raises(ValidationError, match="cannot exceed n"):
        ProportionStats(5, 6)
    with pytest.raises(ValidationError, match="only 0 and 1"):
        ProportionStats.from_values([0, 2])


def test_numpy_integers_are_accepted() -> None:
    assert ProportionStats(np.int64(10), np.int32(3)).n == 10  # type: ignore[arg-type]


def test_ratio_stats_checks() -> None:
    with pytest.raises(ValidationError, match="covariance"):
        RatioStats(10, 1.0, 1.0, 1.0, 1.0, 2.0)
    with pytest.raises(ValidationError, match="denominator"):
        RatioStats.from_values([1.0, 2.0], [1.0])
    single = RatioStats.from_values([3.0], [2.0])
    assert single.ratio == 1.5 and single.numerator_variance == 0.0


def test_cuped_stats_from_sums_and_values_agree() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = 0.5 * x + rng.normal(size=200)
    by_values = CupedStats.from_values(y, x)
    by_sums = CupedStats.from_sums(200, y.sum(), x.sum(), y @ y, x @ x, x @ y)
    for field in ("mean", "pre_mean", "variance", "pre_variance", "covariance"):
        assert getattr(by_sums, field) == pytest.approx(getattr(by_values, field), rel=1e-9)
    assert by_values.covariance == pytest.approx(np.cov(y, x)[0, 1], rel=1e-12)
    with pytest.raises(ValidationError, match="pre_values"):
        CupedStats.from_values([1.0, 2.0], [1.0])
