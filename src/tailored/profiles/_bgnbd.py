"""Probability alive and expected purchases: the BG/NBD model (Fader, Hardie & Lee, 2005).

A customer buys at rate ``lambda`` (Gamma(r, alpha) over customers) while alive, and after each
repeat purchase drops out for good with probability ``p`` (Beta(a, b) over customers). Each
customer is summarised by three numbers, in one time unit throughout (days or weeks):

- ``x``: the number of repeat purchases (purchases after the first one);
- ``t_x``: the time from the first purchase to the last one (0 when ``x`` is 0);
- ``T``: the time from the first purchase to the end of the observation (the customer's age).

The paper's notation is kept for the arguments, so the formulas can be read against it.

Reference: P. S. Fader, B. G. S. Hardie, K. L. Lee, "Counting Your Customers the Easy Way:
An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284, 2005.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, Field
from scipy import special

from tailored.core import ValidationError

from ._checks import FloatArray, broadcast, column, invalid

# Bounds of the log-parameters during fitting (time rescaled to a longest age of 1): wide enough
# for any real population, narrow enough that exp() and gammaln() stay finite.
_LOG_BOUND = 18.0
# Distance from a = 1 below which expected_purchases uses the symmetric limit (0/0 at a = 1).
_A_NEAR_ONE = 1e-7


@dataclass(frozen=True, slots=True)
class BGNBDParams:
    """The four population parameters of the BG/NBD model.

    Attributes:
        r: Shape of the Gamma distribution of purchase rates.
        alpha: Scale of that distribution, in the time unit of the data (rates have mean
            ``r / alpha``).
        a: First shape of the Beta distribution of dropout probabilities.
        b: Second shape of it (dropout probabilities have mean ``a / (a + b)``).

    Raises:
        tailored.core.ValidationError: A parameter is not a finite number above 0.
    """

    r: float
    alpha: float
    a: float
    b: float

    def __post_init__(self) -> None:
        for name in ("r", "alpha", "a", "b"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise invalid(name, f"must be a number, got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise invalid(name, f"must be a finite number above 0, got {value!r}")


class BGNBDConfig(BaseModel):
    """How :func:`fit_bgnbd` fits the model."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    min_customers: int = Field(default=20, ge=2)
    """Fewest customers a fit accepts; four parameters need a population, not a handful."""

    penalizer: float = Field(default=0.0, ge=0.0)
    """Weight of an L2 penalty on the log-parameters (alpha measured with the longest age as
    the time unit), added to the mean negative log-likelihood per customer. 0 is plain maximum
    likelihood; a small value (0.001) keeps a fit on sparse data away from extreme values."""

    max_iterations: int = Field(default=1000, ge=1)
    """Most iterations of the L-BFGS-B optimiser."""

    tolerance: float = Field(default=1e-12, gt=0.0)
    """Relative change of the mean log-likelihood at which the optimiser stops."""


@dataclass(frozen=True, slots=True)
class BGNBDFit:
    """The result of :func:`fit_bgnbd`.

    Attributes:
        params: The maximum-likelihood parameters, ``alpha`` in the time unit of the data.
        log_likelihood: The log-likelihood of the data at ``params`` (without the penalty).
        n_customers: How many customers the fit saw.
        converged: Whether the optimiser reported convergence; a fit that did not converge
            still holds the best parameters found.
        iterations: How many iterations the optimiser took.
    """

    params: BGNBDParams
    log_likelihood: float
    n_customers: int
    converged: bool
    iterations: int


def _customers(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[FloatArray, ...]:
    """The checked summaries (``x`` whole, ``0 <= t_x <= T``, ``t_x = 0`` when ``x = 0``)."""
    xs, txs, Ts = broadcast(
        x=column("x", x, nonnegative=True),
        t_x=column("t_x", t_x, nonnegative=True),
        T=column("T", T, nonnegative=True),
    )
    if np.any(xs != np.floor(xs)):
        raise invalid("x", "must hold whole numbers of repeat purchases")
    if np.any(txs > Ts):
        raise ValidationError(
            "t_x must not exceed T: the last purchase cannot come after the end of observation",
            [{"loc": ["t_x"], "message": "exceeds T"}],
        )
    if np.any((xs == 0) & (txs != 0)):
        raise invalid("t_x", "must be 0 for customers without repeat purchases (x = 0)")
    return xs, txs, Ts


def _parts(
    x: FloatArray, t_x: FloatArray, T: FloatArray, r: float, alpha: float, a: float, b: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The log-terms of the likelihood: common ``A1``, alive ``A2``, dropped ``A3``.

    ``A3`` is ``-inf`` where ``x = 0``: a customer without repeat purchases cannot have dropped.
    """
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)  # keeps b + x - 1 > 0 where the term is masked anyway
    a3 = special.betaln(a + 1, b + safe_x - 1) - special.betaln(a, b)
    a3 = np.where(repeat, a3 - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1, a2, a3


def bgnbd_log_likelihood(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike, params: BGNBDParams
) -> FloatArray:
    """The log-likelihood of each customer's ``(x, t_x, T)`` under ``params`` (eq. 6).

    >>> p = BGNBDParams(r=1.0, alpha=1.0, a=1.0, b=1.0)
    >>> round(float(np.exp(bgnbd_log_likelihood([1], [1.0], [3.0], p))[0]), 12)  # 5/32
    0.15625
    """
    xs, txs, Ts = (np.atleast_1d(v) for v in _customers(x, t_x, T))
    a1, a2, a3 = _parts(xs, txs, Ts, params.r, params.alpha, params.a, params.b)
    result: FloatArray = a1 + np.logaddexp(a2, a3)
    return result


def _objective(
    log_params: FloatArray, data: tuple[FloatArray, ...], penalizer: float
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood (plus penalty) and its gradient in the log-parameters."""
    x, t_x, T, weight = data
    r, alpha, a, b = np.exp(log_params)
    a1, a2, a3 = _parts(x, t_x, T, r, alpha, a, b)
    mix = np.logaddexp(a2, a3)
    w3 = np.exp(a3 - mix)  # posterior weight of "dropped after the last purchase"
    w2 = 1.0 - w3
    psi = special.digamma
    repeat = x > 0
    safe_b = np.where(repeat, b + x - 1, 1.0)
    d_r = psi(r + x) - psi(r) + math.log(alpha) - w2 * np.log(alpha + T)
    d_r -= w3 * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (w2 / (alpha + T) + w3 / (alpha + t_x))
    common = psi(a + b) - psi(a + b + x)
    d_a = common + w3 * (psi(a + 1) - psi(a))
    d_b = common + w2 * (psi(b + x) - psi(b)) + w3 * np.where(repeat, psi(safe_b) - psi(b), 0.0)
    total = weight.sum()
    grad = np.array([np.dot(weight, d) for d in (d_r, d_alpha, d_a, d_b)]) * np.exp(log_params)
    value = -float(np.dot(weight, a1 + mix)) / total + penalizer * float(log_params @ log_params)
    return value, -grad / total + 2.0 * penalizer * log_params


def _start(x: FloatArray, T: FloatArray, weight: FloatArray) -> FloatArray:
    """A starting point: r = 1 and alpha matching the mean purchase rate, a = b = 1."""
    rate = max(float(np.dot(weight, x) / np.dot(weight, T)), 1e-6)
    start: FloatArray = np.log(np.array([1.0, 1.0 / rate, 1.0, 1.0]))
    return start


def fit_bgnbd(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike, config: BGNBDConfig | None = None
) -> BGNBDFit:
    """Fit ``r, alpha, a, b`` by maximum likelihood on one ``(x, t_x, T)`` per customer.

    Identical customers are grouped first, time is rescaled so the longest age is 1 (alpha
    is scaled back), and L-BFGS-B minimises the negative log-likelihood over the
    log-parameters with the analytic gradient.

    Args:
        x: Repeat purchases per customer.
        t_x: Time of each customer's last purchase, counted from their first.
        T: Age of each customer: time from the first purchase to the end of observation.
        config: Fitting settings; the defaults when omitted.

    Returns:
        The fitted parameters and how the fit went.

    Raises:
        tailored.core.ValidationError: Bad summaries (negative, ``t_x > T``, fractional ``x``),
            fewer than ``config.min_customers`` customers, no customer with a repeat purchase
            (then dropout cannot be told apart from a low rate), or every age 0.
    """
    config = config or BGNBDConfig()
    xs, txs, Ts = (np.atleast_1d(v) for v in _customers(x, t_x, T))
    n = len(xs)
    if n < config.min_customers:
        raise invalid("x", f"must describe at least {config.min_customers} customers, got {n}")
    if not np.any(xs > 0):
        raise invalid("x", "must include a customer with a repeat purchase to fit dropout")
    scale = float(Ts.max())
    if scale <= 0:
        raise invalid("T", "must include a customer observed for some time (every T is 0)")
    stacked = np.column_stack([xs, txs / scale, Ts / scale])
    rows, weight = np.unique(stacked, axis=0, return_counts=True)
    data = (rows[:, 0], rows[:, 1], rows[:, 2], weight.astype(np.float64))
    from scipy import optimize  # imported here: scipy.optimize costs ~0.4 s to import

    result = optimize.minimize(
        _objective,
        _start(data[0], data[2], data[3]),
        args=(data, config.penalizer),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 4,
        options={"maxiter": config.max_iterations, "ftol": config.tolerance, "gtol": 1e-10},
    )
    r, alpha, a, b = (float(v) for v in np.exp(result.x))
    params = BGNBDParams(r=r, alpha=alpha * scale, a=a, b=b)
    log_likelihood = float(bgnbd_log_likelihood(xs, txs, Ts, params).sum())
    return BGNBDFit(params, log_likelihood, n, bool(result.success), int(result.nit))


@overload
def probability_alive(x: float, t_x: float, T: float, params: BGNBDParams) -> float: ...
@overload
def probability_alive(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike, params: BGNBDParams
) -> FloatArray: ...
def probability_alive(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike, params: BGNBDParams
) -> float | FloatArray:
    """The probability that a customer with history ``(x, t_x, T)`` is still alive at ``T``.

    ``1 / (1 + [x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))``
    (eq. 11); 1 for ``x = 0``, since the model lets customers drop out only after a repeat
    purchase. Numbers in give a float out, sequences an array.

    >>> p = BGNBDParams(r=1.0, alpha=1.0, a=1.0, b=1.0)
    >>> round(probability_alive(1, 1.0, 3.0, p), 12)  # 1 / (1 + 1 * (4 / 2) ** 2)
    0.2
    >>> probability_alive(0, 0.0, 30.0, p)
    1.0
    """
    xs, txs, Ts = _customers(x, t_x, T)
    result: FloatArray = special.expit(-_log_odds_dropped(xs, txs, Ts, params))
    return float(result) if result.ndim == 0 else result


def _log_odds_dropped(x: FloatArray, t_x: FloatArray, T: FloatArray, p: BGNBDParams) -> FloatArray:
    """``log(P(dropped) / P(alive))`` given the history; ``-inf`` where ``x = 0``."""
    repeat = x > 0
    safe = np.where(repeat, p.b + x - 1, 1.0)
    odds = math.log(p.a) - np.log(safe) + (p.r + x) * (np.log(p.alpha + T) - np.log(p.alpha + t_x))
    result: FloatArray = np.where(repeat, odds, -np.inf)
    return result


@overload
def expected_purchases(t: float, x: float, t_x: float, T: float, params: BGNBDParams) -> float: ...
@overload
def expected_purchases(
    t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, params: BGNBDParams
) -> FloatArray: ...
def expected_purchases(
    t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, params: BGNBDParams
) -> float | FloatArray:
    """Expected purchases in the next ``t`` time units of a customer with history ``(x, t_x, T)``.

    Eq. 10 of the paper: ``P(alive) * (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) /
    (alpha + T + t)) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t)))``.
    At ``a = 1`` the formula is 0/0; there the mean of its values at ``1 -/+ 1e-7`` stands in
    for the limit. Numbers in give a float out, sequences an array.

    >>> p = BGNBDParams(r=1.0, alpha=1.0, a=2.0, b=1.0)
    >>> round(expected_purchases(2.0, 0, 0.0, 1.0, p), 10)  # 2 * (1 - ln 2), by hand
    0.6137056389
    """
    ts = column("t", t, nonnegative=True)
    xs, txs, Ts = _customers(x, t_x, T)
    ts, xs, txs, Ts = broadcast(t=ts, x=xs, t_x=txs, T=Ts)
    if abs(params.a - 1.0) < _A_NEAR_ONE:
        below, above = (
            _conditional_purchases(ts, xs, txs, Ts, _with_a(params, 1.0 + side * _A_NEAR_ONE))
            for side in (-1.0, 1.0)
        )
        result: FloatArray = (below + above) / 2.0
    else:
        result = _conditional_purchases(ts, xs, txs, Ts, params)
    return float(result) if result.ndim == 0 else result


def _with_a(params: BGNBDParams, a: float) -> BGNBDParams:
    return BGNBDParams(r=params.r, alpha=params.alpha, a=a, b=params.b)


def _conditional_purchases(
    t: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray, p: BGNBDParams
) -> FloatArray:
    """Eq. 10 for ``a != 1``."""
    horizon = p.alpha + T + t
    z = t / horizon
    hyp = special.hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z)
    bracket = 1.0 - np.exp((p.r + x) * np.log((p.alpha + T) / horizon)) * hyp
    alive = special.expit(-_log_odds_dropped(x, t_x, T, p))
    result: FloatArray = alive * (p.a + p.b + x - 1) / (p.a - 1) * bracket
    # Never below 0: for a horizon near 0 the bracket is a difference of two numbers near 1,
    # which can round to the wrong side of 0 (-1e-15).
    return np.maximum(result, 0.0)
