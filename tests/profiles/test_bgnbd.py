"""BG/NBD: closed forms worked by hand, the fit on simulated customers, calibration, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from tailored.core import ValidationError
from tailored.profiles import (
    BGNBDConfig,
    BGNBDParams,
    bgnbd_log_likelihood,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
)
from tailored.profiles._bgnbd import _objective

from ._simulation import simulate

# The published CDNOW estimates (Fader, Hardie & Lee 2005, in weeks), used here only as a
# realistic point to simulate from.
CDNOW = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)

# Hand-worked cases. For (r, alpha, a, b) = (1, 1, 1, 1) and x = 1, t_x = 1, T = 3:
#   Gamma(r + x) alpha^r / Gamma(r) = 1
#   alive term   B(1, 2) / B(1, 1) / (alpha + T)^2   = (1/2) / 16 = 1/32
#   dropped term B(2, 1) / B(1, 1) / (alpha + t_x)^2 = (1/2) / 4  = 1/8
#   L = 1/32 + 4/32 = 5/32, P(alive) = (1/32) / (5/32) = 1/5.
# For (2, 1, 2, 1), the same customer:
#   Gamma(3) / Gamma(2) = 2
#   alive term   2 * B(2, 2) / B(2, 1) / 4^3 = 2 * (1/6) / (1/2) / 64 = 1/96
#   dropped term 2 * B(3, 1) / B(2, 1) / 2^3 = 2 * (1/3) / (1/2) / 8  = 1/6
#   L = 17/96, P(alive) = 1/17.
ONES = BGNBDParams(r=1.0, alpha=1.0, a=1.0, b=1.0)
TWOS = BGNBDParams(r=2.0, alpha=1.0, a=2.0, b=1.0)


def test_log_likelihood_matches_the_hand_computed_closed_form() -> None:
    got = np.exp(bgnbd_log_likelihood([1, 1], [1.0, 1.0], [3.0, 3.0], ONES))
    assert got[0] == pytest.approx(5 / 32, rel=1e-12, abs=0)
    got = np.exp(bgnbd_log_likelihood([1, 0], [1.0, 0.0], [3.0, 3.0], TWOS))
    assert got[0] == pytest.approx(17 / 96, rel=1e-12, abs=0)
    # x = 0: only the alive term, (alpha / (alpha + T))^r = (1/4)^2.
    assert got[1] == pytest.approx(1 / 16, rel=1e-12, abs=0)


def test_probability_alive_matches_the_hand_computed_closed_form() -> None:
    assert probability_alive(1, 1.0, 3.0, ONES) == pytest.approx(1 / 5, rel=1e-12, abs=0)
    assert probability_alive(1, 1.0, 3.0, TWOS) == pytest.approx(1 / 17, rel=1e-12, abs=0)


def test_expected_purchases_matches_the_hand_computed_closed_form() -> None:
    # (r, alpha, a, b) = (1, 1, 2, 1), x = 0, T = 1, t = 2: 2F1(1, 1; 2; z) = -ln(1 - z) / z
    # with z = 2 / 4, so E = (a + b - 1) / (a - 1) * (1 - (2/4) * 2 ln 2) = 2 (1 - ln 2).
    params = BGNBDParams(r=1.0, alpha=1.0, a=2.0, b=1.0)
    want = 2 * (1 - math.log(2))
    assert expected_purchases(2.0, 0, 0.0, 1.0, params) == pytest.approx(want, rel=1e-12, abs=0)
    # TWOS, x = 1, t_x = 1, T = 3, t = 4: c = a + b + x - 1 = 3 = r + x, so
    # 2F1(3, 2; 3; z) = (1 - z)^-2 with 1 - z = 4/8; the bracket is 1 - (1/2)^3 (1/2)^-2 = 1/2,
    # and E = P(alive) * 3 / 1 * 1/2 = 3/34.
    got = expected_purchases(4.0, 1, 1.0, 3.0, TWOS)
    assert got == pytest.approx(3 / 34, rel=1e-12, abs=0)


def test_expected_purchases_is_continuous_through_a_equal_to_one() -> None:
    def at(a: float) -> float:
        return expected_purchases(4.0, 1, 1.0, 3.0, BGNBDParams(r=2.0, alpha=1.0, a=a, b=1.0))

    assert at(1.0) == pytest.approx((at(1.0 - 1e-4) + at(1.0 + 1e-4)) / 2, rel=1e-6)
    assert math.isfinite(at(1.0 + 5e-8))


@pytest.mark.parametrize("params", [ONES, TWOS, CDNOW])
@pytest.mark.parametrize("age", [0.0, 0.5, 38.86, 1e4])
def test_probability_alive_is_one_without_repeat_purchases(params: BGNBDParams, age: float) -> None:
    assert probability_alive(0, 0.0, age, params) == 1.0


def test_numbers_give_floats_and_sequences_give_arrays() -> None:
    single = probability_alive(2, 30.43, 38.86, CDNOW)
    assert isinstance(single, float)
    many = probability_alive([2, 0], [30.43, 0.0], 38.86, CDNOW)  # one age for all
    assert isinstance(many, np.ndarray)
    assert many.tolist() == [single, 1.0]
    expected = expected_purchases(39.0, [2, 2], [30.43, 30.43], [38.86, 38.86], CDNOW)
    assert expected.shape == (2,)
    assert expected[0] == expected_purchases(39.0, 2, 30.43, 38.86, CDNOW)


def test_the_paper_example_customer() -> None:
    # The paper's worked customer: x = 2, t_x = 30.43, T = 38.86 (weeks); 39 more weeks.
    assert expected_purchases(39.0, 2, 30.43, 38.86, CDNOW) == pytest.approx(1.226, abs=5e-4)


def test_the_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(7)
    sample = simulate(CDNOW, rng.uniform(20, 40, 500), 1.0, rng)
    data = (sample.x, sample.t_x / 40, sample.T / 40, rng.integers(1, 4, 500).astype(float))
    for point in ([0.3, 0.2, 0.7, 2.0], [2.0, 3.0, 0.5, 5.0], [0.05, 0.01, 9.0, 0.2]):
        log_point = np.log(point)
        error = optimize.check_grad(
            lambda v: _objective(v, data, 0.01)[0],
            lambda v: _objective(v, data, 0.01)[1],
            log_point,
        )
        assert error < 1e-6 * max(1.0, float(np.abs(_objective(log_point, data, 0.01)[1]).max()))


@pytest.fixture(scope="module")
def simulated_fit() -> tuple[object, object]:
    rng = np.random.default_rng(20240501)
    sample = simulate(CDNOW, rng.uniform(26, 52, 20_000), 1.0, rng)
    return sample, fit_bgnbd(sample.x, sample.t_x, sample.T)


def test_the_fit_recovers_the_parameters_of_simulated_customers(simulated_fit) -> None:
    sample, fit = simulated_fit
    assert fit.converged
    assert fit.n_customers == 20_000
    got = fit.params
    # 20,000 customers: r and alpha are pinned to a few percent, a and b less tightly.
    assert got.r == pytest.approx(CDNOW.r, rel=0.08)
    assert got.alpha == pytest.approx(CDNOW.alpha, rel=0.10)
    assert got.a == pytest.approx(CDNOW.a, rel=0.20)
    assert got.b == pytest.approx(CDNOW.b, rel=0.20)
    # And each within 3 standard errors (observed information, in the log-parameters).
    errors = _standard_errors(sample, got)
    gaps = np.log(_as_array(got)) - np.log(_as_array(CDNOW))
    assert np.all(np.abs(gaps) < 3 * errors), (gaps, errors)
    assert fit.log_likelihood >= bgnbd_log_likelihood(sample.x, sample.t_x, sample.T, CDNOW).sum()


def test_the_fit_is_a_maximum_of_the_likelihood(simulated_fit) -> None:
    sample, fit = simulated_fit
    best = fit.params
    for name in ("r", "alpha", "a", "b"):
        for factor in (0.99, 1.01):
            moved = BGNBDParams(**{**_as_dict(best), name: getattr(best, name) * factor})
            ll = bgnbd_log_likelihood(sample.x, sample.t_x, sample.T, moved).sum()
            assert ll < fit.log_likelihood, (name, factor)


def test_the_fit_does_not_depend_on_the_time_unit(simulated_fit) -> None:
    sample, _ = simulated_fit
    keep = slice(0, 3000)
    weeks = fit_bgnbd(sample.x[keep], sample.t_x[keep], sample.T[keep]).params
    days = fit_bgnbd(sample.x[keep], 7 * sample.t_x[keep], 7 * sample.T[keep]).params
    assert days.alpha == pytest.approx(7 * weeks.alpha, rel=1e-5)
    for name in ("r", "a", "b"):
        assert getattr(days, name) == pytest.approx(getattr(weeks, name), rel=1e-5)


def test_a_penalty_pulls_the_fit_in() -> None:
    rng = np.random.default_rng(3)
    sample = simulate(CDNOW, rng.uniform(26, 52, 300), 1.0, rng)
    plain = fit_bgnbd(sample.x, sample.t_x, sample.T)
    penalized = fit_bgnbd(sample.x, sample.t_x, sample.T, BGNBDConfig(penalizer=0.1))
    assert penalized.log_likelihood < plain.log_likelihood
    assert abs(math.log(penalized.params.b)) < abs(math.log(plain.params.b))


def test_predictions_are_calibrated_on_simulated_customers() -> None:
    # E[alive] = E[P(alive | history)] and E[future] = E[E(future | history)] under the model.
    rng = np.random.default_rng(11)
    n, horizon = 50_000, 39.0
    sample = simulate(CDNOW, rng.uniform(26, 52, n), horizon, rng)
    alive = probability_alive(sample.x, sample.t_x, sample.T, CDNOW)
    assert abs(alive.mean() - sample.alive.mean()) < 4 * sample.alive.std() / math.sqrt(n)
    future = expected_purchases(horizon, sample.x, sample.t_x, sample.T, CDNOW)
    assert abs(future.mean() - sample.future.mean()) < 4 * sample.future.std() / math.sqrt(n)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(0, 50),
    recency_share=st.floats(0.0, 1.0),
    age=st.floats(0.1, 400.0),
    extra=st.floats(0.0, 50.0),
)
def test_probability_alive_falls_with_time_since_the_last_purchase(
    x: int, recency_share: float, age: float, extra: float
) -> None:
    t_x = recency_share * age if x > 0 else 0.0
    now = probability_alive(x, t_x, age, CDNOW)
    later = probability_alive(x, t_x, age + extra, CDNOW)
    assert 0.0 <= later <= now <= 1.0


@settings(max_examples=60, deadline=None)
@given(x=st.integers(0, 30), recency_share=st.floats(0.0, 1.0), t=st.floats(0.0, 100.0))
def test_expected_purchases_grow_with_the_horizon(x: int, recency_share: float, t: float) -> None:
    t_x = recency_share * 38.0 if x > 0 else 0.0
    sooner = expected_purchases(t, x, t_x, 38.0, CDNOW)
    later = expected_purchases(t + 1.0, x, t_x, 38.0, CDNOW)
    assert 0.0 <= sooner <= later


@pytest.mark.parametrize(
    ("x", "t_x", "T", "field"),
    [
        ([1], [5.0], [4.0], "t_x"),
        ([-1], [0.0], [4.0], "x"),
        ([1], [-1.0], [4.0], "t_x"),
        ([1], [1.0], [-4.0], "T"),
        ([1.5], [1.0], [4.0], "x"),
        ([0], [2.0], [4.0], "t_x"),
        ([1], [float("nan")], [4.0], "t_x"),
        ([1, 2], [1.0, 1.0, 1.0], [4.0], "x"),
        ([[1]], [1.0], [4.0], "x"),
        (["one"], [1.0], [4.0], "x"),
    ],
)
def test_bad_summaries_are_validation_errors(x, t_x, T, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        probability_alive(x, t_x, T, CDNOW)
    assert any(item["loc"] == [field] for item in caught.value.details)


def test_a_negative_horizon_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="t must not be negative"):
        expected_purchases(-1.0, 1, 1.0, 3.0, CDNOW)


def test_too_few_customers_cannot_be_fitted() -> None:
    with pytest.raises(ValidationError, match="at least 20 customers"):
        fit_bgnbd([1] * 19, [1.0] * 19, [3.0] * 19)
    with pytest.raises(ValidationError, match="repeat purchase"):
        fit_bgnbd([0] * 50, [0.0] * 50, [3.0] * 50)
    with pytest.raises(ValidationError, match="every T is 0"):
        fit_bgnbd([1] * 50, [0.0] * 50, [0.0] * 50)


@pytest.mark.parametrize("field", ["r", "alpha", "a", "b"])
@pytest.mark.parametrize("value", [0.0, -1.0, math.inf, math.nan, True])
def test_bad_parameters_are_validation_errors(field: str, value: float) -> None:
    with pytest.raises(ValidationError, match=f"^{field} "):
        BGNBDParams(**{**_as_dict(CDNOW), field: value})


def _standard_errors(sample, params: BGNBDParams) -> np.ndarray:
    """Standard errors of the log-parameters from a finite-difference Hessian."""

    def log_likelihood(log_params: np.ndarray) -> float:
        moved = BGNBDParams(*np.exp(log_params))
        return float(bgnbd_log_likelihood(sample.x, sample.t_x, sample.T, moved).sum())

    center, step = np.log(_as_array(params)), 1e-4
    hessian = np.empty((4, 4))
    for i, j in np.ndindex(4, 4):
        di, dj = np.eye(4)[i] * step, np.eye(4)[j] * step
        corners = [log_likelihood(center + si * di + sj * dj) for si in (1, -1) for sj in (1, -1)]
        hessian[i, j] = (corners[0] - corners[1] - corners[2] + corners[3]) / (4 * step**2)
    return np.sqrt(np.diag(np.linalg.inv(-hessian)))


def _as_array(params: BGNBDParams) -> np.ndarray:
    return np.array([params.r, params.alpha, params.a, params.b])


def _as_dict(params: BGNBDParams) -> dict[str, float]:
    return {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}
