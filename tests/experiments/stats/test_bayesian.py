"""Bayesian comparisons against exact sums and high-draw seeded Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from tailored.core import ValidationError
from tailored.experiments.stats import (
    ProportionStats,
    SampleStats,
    bayes_conversion,
    bayes_mean,
)

DRAWS = 2_000_000

CASES = [
    # (control n, conversions, treatment n, conversions, prior alpha, prior beta)
    (1000, 100, 1000, 130, 1.0, 1.0),
    (100, 10, 10_000, 1100, 1.0, 1.0),  # posteriors of very different widths
    (50, 0, 60, 0, 1.0, 1.0),  # nobody converted
    (50, 50, 40, 39, 1.0, 1.0),  # (almost) everybody converted
    (0, 0, 0, 0, 1.0, 1.0),  # no data yet: the prior alone
    (30, 0, 30, 2, 0.5, 0.5),  # Jeffreys prior: a density unbounded at 0
]


def _exact_chance(a_c: int, b_c: int, a_t: int, b_t: int) -> float:
    """``P(T > C)`` by Evan Miller's closed form (integer ``a_t``)."""
    i = np.arange(a_t)
    log_terms = (
        special.betaln(a_c + i, b_c + b_t)
        - np.log(b_t + i)
        - special.betaln(1 + i, b_t)
        - special.betaln(a_c, b_c)
    )
    return float(np.exp(special.logsumexp(log_terms)))


def _draws(rng: np.random.Generator, a: float, b: float) -> np.ndarray:
    return rng.beta(a, b, DRAWS)


@pytest.mark.parametrize(
    ("n_c", "x_c", "n_t", "x_t"),
    [c[:4] for c in CASES[:5]] + [(20_000, 2_000, 20_000, 2_100), (7, 3, 5, 4)],
)
def test_chance_to_beat_equals_the_exact_sum(n_c: int, x_c: int, n_t: int, x_t: int) -> None:
    result = bayes_conversion(ProportionStats(n_c, x_c), ProportionStats(n_t, x_t))
    exact = _exact_chance(1 + x_c, 1 + n_c - x_c, 1 + x_t, 1 + n_t - x_t)
    assert result.chance_to_beat == pytest.approx(exact, abs=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_beta_binomial_agrees_with_monte_carlo(case: tuple[int, int, int, int, float, float]):
    n_c, x_c, n_t, x_t, prior_a, prior_b = case
    result = bayes_conversion(
        ProportionStats(n_c, x_c),
        ProportionStats(n_t, x_t),
        prior_alpha=prior_a,
        prior_beta=prior_b,
    )
    rng = np.random.default_rng(20240601)
    c = _draws(rng, prior_a + x_c, prior_b + n_c - x_c)
    t = _draws(rng, prior_a + x_t, prior_b + n_t - x_t)
    d = t - c
    spread = d.std()
    # Five Monte Carlo standard errors: about 0.0018 for a probability near one half.
    assert result.chance_to_beat == pytest.approx((d > 0).mean(), abs=5 * 0.5 / math.sqrt(DRAWS))
    for ours, draws in (
        (result.expected_loss, np.maximum(-d, 0)),
        (result.expected_loss_control, np.maximum(d, 0)),
    ):
        assert ours == pytest.approx(draws.mean(), abs=5 * draws.std() / math.sqrt(DRAWS))
    low, high = np.quantile(d, [0.025, 0.975])
    assert result.ci_low == pytest.approx(low, abs=0.01 * spread)
    assert result.ci_high == pytest.approx(high, abs=0.01 * spread)
    assert result.estimate == pytest.approx(d.mean(), abs=5 * spread / math.sqrt(DRAWS))


@pytest.mark.parametrize("case", CASES)
def test_losses_differ_by_the_mean_effect(case: tuple[int, int, int, int, float, float]) -> None:
    n_c, x_c, n_t, x_t, prior_a, prior_b = case
    r = bayes_conversion(
        ProportionStats(n_c, x_c),
        ProportionStats(n_t, x_t),
        prior_alpha=prior_a,
        prior_beta=prior_b,
    )
    assert r.expected_loss_control - r.expected_loss == pytest.approx(r.estimate, abs=1e-10)
    assert r.ci_low <= r.estimate <= r.ci_high
    assert 0.0 <= r.chance_to_beat <= 1.0


def test_no_data_is_a_coin_flip() -> None:
    r = bayes_conversion(ProportionStats(0, 0), ProportionStats(0, 0))
    assert r.chance_to_beat == pytest.approx(0.5, abs=1e-9)
    assert r.estimate == 0.0


@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("prior_variance", [None, 0.05])
def test_normal_model_agrees_with_monte_carlo(relative: bool, prior_variance: float | None):
    c, t = SampleStats(400, 10.0, 25.0), SampleStats(420, 10.6, 30.0)
    result = bayes_mean(c, t, relative=relative, prior_variance=prior_variance, credible_level=0.9)
    diff = (t.mean / c.mean - 1) if relative else (t.mean - c.mean)
    if relative:
        variance = t.point_variance / c.mean**2 + t.mean**2 * c.point_variance / c.mean**4
    else:
        variance = c.point_variance + t.point_variance
    if prior_variance is not None:
        precision = 1 / variance + 1 / prior_variance
        diff, variance = diff / variance / precision, 1 / precision
    rng = np.random.default_rng(7)
    d = rng.normal(diff, math.sqrt(variance), DRAWS)
    se = 5 / math.sqrt(DRAWS)
    assert result.chance_to_beat == pytest.approx((d > 0).mean(), abs=se * 0.5)
    assert result.expected_loss == pytest.approx(np.maximum(-d, 0).mean(), abs=se * d.std())
    assert result.expected_loss_control == pytest.approx(np.maximum(d, 0).mean(), abs=se * d.std())
    low, high = np.quantile(d, [0.05, 0.95])
    assert result.ci_low == pytest.approx(low, abs=0.01 * d.std())
    assert result.ci_high == pytest.approx(high, abs=0.01 * d.std())


def test_normal_model_edge_cases() -> None:
    flat = SampleStats(10, 2.0, 0.0)
    same = bayes_mean(flat, flat)
    assert (same.chance_to_beat, same.expected_loss, same.ci_low) == (0.5, 0.0, 0.0)
    better = bayes_mean(flat, SampleStats(10, 3.0, 0.0))
    assert (better.chance_to_beat, better.expected_loss, better.expected_loss_control) == (
        1.0,
        0.0,
        1.0,
    )
    with pytest.raises(ValidationError, match="relative lift is undefined"):
        bayes_mean(SampleStats(10, 0.0, 1.0), flat, relative=True)
    with pytest.raises(ValidationError, match=r"control\.n"):
        bayes_mean(SampleStats(1, 0.0, 0.0), flat)
    with pytest.raises(ValidationError, match="prior_variance"):
        bayes_mean(flat, flat, prior_variance=0.0)


def test_beta_binomial_checks_its_prior() -> None:
    arm = ProportionStats(10, 1)
    with pytest.raises(ValidationError, match="prior_alpha"):
        bayes_conversion(arm, arm, prior_alpha=0)
    with pytest.raises(ValidationError, match="credible_level"):
        bayes_conversion(arm, arm, credible_level=1.0)
