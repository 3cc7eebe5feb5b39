"""Power, sample size and minimum detectable effect against statsmodels."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import power_proportions_2indep

from tailored.core import ValidationError
from tailored.experiments.stats import (
    mde_conversion,
    mde_mean,
    power_conversion,
    power_mean,
    sample_size_conversion,
    sample_size_mean,
)

DESIGNS = [  # (baseline, absolute effect, alpha, power, ratio)
    (0.10, 0.01, 0.05, 0.8, 1.0),
    (0.03, 0.006, 0.01, 0.9, 1.0),
    (0.50, -0.02, 0.05, 0.8, 0.25),
    (0.20, 0.05, 0.1, 0.95, 3.0),
]


def _statsmodels_power(baseline: float, effect: float, n_c: float, alpha: float, ratio: float):
    # statsmodels' sample 1 is our control, its prop2 our treatment, nobs2 = ratio * nobs1.
    return power_proportions_2indep(
        -effect, baseline + effect, n_c, ratio=ratio, alpha=alpha, return_results=False
    )


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("n_c", [50, 1234.5, 20_000])
def test_conversion_power_matches_statsmodels(design: tuple[float, ...], n_c: float) -> None:
    baseline, effect, alpha, _, ratio = design
    ours = power_conversion(baseline, effect, n_c, alpha=alpha, ratio=ratio)
    assert ours == pytest.approx(_statsmodels_power(baseline, effect, n_c, alpha, ratio), abs=1e-9)


@pytest.mark.parametrize("design", DESIGNS)
def test_conversion_sample_size_is_the_smallest_that_reaches_power(design: tuple[float, ...]):
    baseline, effect, alpha, power, ratio = design
    size = sample_size_conversion(baseline, effect, alpha=alpha, power=power, ratio=ratio)
    assert size.total == size.control + size.treatment
    assert abs(size.treatment - ratio * size.control) <= max(ratio, 1.0)
    reached = _statsmodels_power(baseline, effect, size.control, alpha, ratio)
    short = _statsmodels_power(baseline, effect, size.control - 1, alpha, ratio)
    assert reached >= power - 1e-9 > short


def test_relative_effect() -> None:
    assert sample_size_conversion(0.1, 0.1, relative=True) == sample_size_conversion(0.1, 0.01)


@pytest.mark.parametrize(
    ("std", "effect", "alpha", "power", "ratio"),
    [
        (20.0, 1.0, 0.05, 0.8, 1.0),
        (3.0, 0.1, 0.01, 0.9, 0.5),
        (1.0, -0.2, 0.1, 0.85, 2.0),
    ],
)
def test_mean_sample_size_matches_statsmodels(std, effect, alpha, power, ratio) -> None:
    ref = NormalIndPower().solve_power(
        effect_size=effect / std, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    size = sample_size_mean(std, effect, alpha=alpha, power=power, ratio=ratio)
    assert size.control == math.ceil(ref)
    ref_power = NormalIndPower().power(effect / std, 777.0, alpha, ratio=ratio)
    assert power_mean(std, effect, 777.0, alpha=alpha, ratio=ratio) == pytest.approx(
        ref_power, abs=1e-9
    )


@pytest.mark.parametrize(("baseline", "n_c", "ratio"), [(0.1, 10_000, 1.0), (0.02, 50_000, 0.5)])
def test_mde_inverts_power(baseline: float, n_c: int, ratio: float) -> None:
    mde = mde_conversion(baseline, n_c, ratio=ratio)
    assert mde > 0
    assert _statsmodels_power(baseline, mde, n_c, 0.05, ratio) == pytest.approx(0.8, abs=1e-9)
    effect = mde_mean(5.0, n_c, ratio=ratio)
    assert NormalIndPower().power(effect / 5.0, n_c, 0.05, ratio=ratio) == pytest.approx(
        0.8, abs=1e-9
    )


def test_invalid_designs() -> None:
    with pytest.raises(ValidationError, match="effect"):
        sample_size_conversion(0.1, 0.0)
    with pytest.raises(ValidationError, match="effect"):
        sample_size_conversion(0.95, 0.1)
    with pytest.raises(ValidationError, match="power"):
        sample_size_conversion(0.1, 0.01, power=0.04)
    with pytest.raises(ValidationError, match="ratio"):
        sample_size_mean(1.0, 0.1, ratio=0)
    with pytest.raises(ValidationError, match="baseline"):
        power_conversion(1.0, 0.01, 100)
    with pytest.raises(ValidationError, match="power"):
        mde_conversion(0.5, 3, power=0.999)
    with pytest.raises(ValidationError, match="effect"):
        sample_size_mean(1.0, 0.0)
