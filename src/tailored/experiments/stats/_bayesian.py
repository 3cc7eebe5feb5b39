"""Bayesian comparisons: chance to beat control, expected loss and credible intervals.

Two models, both deterministic (no Monte Carlo):

- Beta-Binomial for conversions: each arm's rate has a ``Beta(prior_alpha + conversions,
  prior_beta + n - conversions)`` posterior. The chance to beat control ``P(T > C)`` is the
  one-dimensional integral ``int f_C(x) P(T > x) dx``, taken over the narrower posterior (so
  the other's distribution function is smooth on the range) by Gauss-Legendre quadrature in
  logit space, which agrees with the exact finite sums to better than 1e-10. The
  expected losses reduce to such integrals too, because ``x f_{a,b}(x) = a/(a+b) f_{a+1,b}(x)``:
  ``E[(C - T)+] = E[C] P(C' > T) - E[T] P(C > T')`` with ``C' ~ Beta(a_C + 1, b_C)`` and
  ``T' ~ Beta(a_T + 1, b_T)``. Credible intervals of ``T - C`` invert its distribution function,
  computed by the same quadrature; a call takes a few milliseconds.
- Normal for means (and rates or ratios summarised as means): the effect has the posterior
  ``N(d, V)`` under a flat prior (``d`` the observed lift, ``V`` its sampling variance), or the
  conjugate update of an optional ``N(0, prior_variance)`` prior on the effect; everything is
  then closed form.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from ._checks import FloatArray, check_positive, check_probability, invalid
from ._frequentist import relative_lift, require_n
from ._samples import ArmStats, ProportionStats

# Posterior mass left outside the integration range on each side.
_TAIL = 1e-14
# Closest the integration range comes to 0 and to 1 (floats cannot tell 1 - 1e-17 from 1).
_LOWEST, _HIGHEST = 1e-300, 1.0 - 1e-16
# Gauss-Legendre nodes and weights on [-1, 1], applied to pieces at most _PIECE wide in logit.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(96)
_PIECE = 6.0


@dataclass(frozen=True, slots=True)
class BayesianEstimate:
    """The posterior comparison of a treatment with its control.

    Attributes:
        control: The control arm's estimate: its posterior mean under the Beta model, the
            observed mean (rate, ratio) under the normal model.
        treatment: The treatment arm's estimate, likewise.
        estimate: Posterior mean of the effect (``treatment - control``, or relative lift).
        ci_low: Lower end of the equal-tailed credible interval of the effect.
        ci_high: Upper end of that interval.
        chance_to_beat: Posterior probability that the treatment is better (effect > 0).
        expected_loss: Expected shortfall if the treatment is shipped, ``E[max(-effect, 0)]``.
        expected_loss_control: Expected shortfall if the control is kept,
            ``E[max(effect, 0)]``.
        credible_level: Coverage of the credible interval.
    """

    control: float
    treatment: float
    estimate: float
    ci_low: float
    ci_high: float
    chance_to_beat: float
    expected_loss: float
    expected_loss_control: float
    credible_level: float


@dataclass(frozen=True, slots=True)
class _Beta:
    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def sd(self) -> float:
        s = self.a + self.b
        return math.sqrt(self.a * self.b / (s * s * (s + 1.0)))

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.asarray(special.betainc(self.a, self.b, np.clip(x, 0.0, 1.0)), dtype=np.float64)

    def sf(self, x: FloatArray) -> FloatArray:
        return np.asarray(special.betaincc(self.a, self.b, np.clip(x, 0.0, 1.0)), dtype=np.float64)

    def support(self) -> tuple[float, float]:
        low = float(special.betaincinv(self.a, self.b, _TAIL))
        high = float(special.betainccinv(self.a, self.b, _TAIL))
        return low, high

    def shifted(self) -> _Beta:
        """The size-biased posterior: its density is ``x f(x) / E[X]``."""
        return _Beta(self.a + 1.0, self.b)


def _expect(
    dist: _Beta, func: Callable[[FloatArray], FloatArray], kinks: tuple[float, ...] = ()
) -> float:
    """``E[func(X)]`` for ``X ~ dist`` over the posterior's bulk.

    The integral is taken in logit space, ``x = 1 / (1 + exp(-z))``, where the density times
    the Jacobian, ``x^a (1 - x)^b / B(a, b)``, is smooth and decays exponentially at both
    ends even when the density itself is unbounded (a parameter below 1). ``func`` is smooth
    except at ``kinks``; a Gauss-Legendre rule on each smooth piece is then accurate to
    rounding, in one vectorised call per piece.
    """
    low, high = dist.support()
    low, high = max(low, _LOWEST), min(high, _HIGHEST)
    cuts = sorted({low, high, *(k for k in kinks if low < k < high)})
    value = mass = 0.0
    for left, right in itertools.pairwise(special.logit(np.asarray(cuts)).tolist()):
        pieces = max(1, math.ceil((right - left) / _PIECE))
        half = (right - left) / (2.0 * pieces)
        z = (left + half * (_NODES[None, :] + 1.0 + 2.0 * np.arange(pieces)[:, None])).ravel()
        log_x, log_1mx = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
        weight = np.tile(_WEIGHTS, pieces) * np.exp(
            dist.a * log_x + dist.b * log_1mx - special.betaln(dist.a, dist.b)
        )
        value += half * float(weight @ func(special.expit(z)))
        mass += half * float(weight.sum())
    # Dividing by the integrated density cancels the error of betaln for large parameters.
    return min(max(value / mass, 0.0), 1.0)


def _prob_greater(first: _Beta, second: _Beta) -> float:
    """``P(first > second)`` for independent Beta variables, over the narrower posterior."""
    if second.sd <= first.sd:
        return _expect(second, first.sf)
    return 1.0 - _expect(first, second.sf)


def _diff_cdf(treatment: _Beta, control: _Beta, d: float) -> float:
    """``P(T - C <= d)``, over the narrower density (kinks where the other leaves [0, 1])."""
    if control.sd <= treatment.sd:
        return _expect(control, lambda x: treatment.cdf(x + d), (-d, 1.0 - d))
    return _expect(treatment, lambda y: control.sf(y - d), (d, 1.0 + d))


def _diff_quantile(treatment: _Beta, control: _Beta, q: float) -> float:
    """The ``q`` quantile of ``T - C`` by root finding on its distribution function.

    The search starts from the normal approximation, whose error is a fraction of the spread,
    so a narrow bracket usually holds the root.
    """
    spread = math.hypot(treatment.sd, control.sd)
    guess = treatment.mean - control.mean + float(special.ndtri(q)) * spread

    def gap(d: float) -> float:
        return _diff_cdf(treatment, control, d) - q

    width = 0.25 * spread
    low, high = max(guess - width, -1.0), min(guess + width, 1.0)
    while gap(low) > 0 and low > -1.0:
        low, width = max(low - 2 * width, -1.0), 2 * width
    while gap(high) < 0 and high < 1.0:
        high, width = min(high + 2 * width, 1.0), 2 * width
    return float(optimize.brentq(gap, low, high, xtol=1e-8 * spread, rtol=1e-12))


def bayes_conversion(
    control: ProportionStats,
    treatment: ProportionStats,
    *,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
    credible_level: float = 0.95,
) -> BayesianEstimate:
    """Beta-Binomial comparison of two conversion rates (effect = treatment - control).

    Works for any counts, including arms with no units yet (the posterior is the prior) and
    arms where nobody or everybody converted.

    Args:
        control: The control arm.
        treatment: The treatment arm.
        prior_alpha: First parameter of the Beta prior of each rate (1 with ``prior_beta``
            1 is uniform).
        prior_beta: Second parameter of the Beta prior.
        credible_level: Coverage of the equal-tailed credible interval.

    Example:
        >>> r = bayes_conversion(ProportionStats(1000, 100), ProportionStats(1000, 130))
        >>> round(r.chance_to_beat, 4)
        0.9822
    """
    prior_alpha = check_positive("prior_alpha", prior_alpha)
    prior_beta = check_positive("prior_beta", prior_beta)
    level = check_probability("credible_level", credible_level)
    c = _Beta(prior_alpha + control.conversions, prior_beta + control.n - control.conversions)
    t = _Beta(prior_alpha + treatment.conversions, prior_beta + treatment.n - treatment.conversions)
    chance = _prob_greater(t, c)
    c_size_biased = _prob_greater(c.shifted(), t)  # P(C' > T)
    t_size_biased = _prob_greater(t.shifted(), c)  # P(T' > C)
    # E[C 1{C > T}] = E[C] P(C' > T); E[T 1{C > T}] = E[T] (1 - P(T' > C)).
    loss = c.mean * c_size_biased - t.mean * (1.0 - t_size_biased)
    loss_control = t.mean * t_size_biased - c.mean * (1.0 - c_size_biased)
    tail = (1.0 - level) / 2.0
    return BayesianEstimate(
        control=c.mean,
        treatment=t.mean,
        estimate=t.mean - c.mean,
        ci_low=_diff_quantile(t, c, tail),
        ci_high=_diff_quantile(t, c, 1.0 - tail),
        chance_to_beat=chance,
        expected_loss=max(loss, 0.0),
        expected_loss_control=max(loss_control, 0.0),
        credible_level=level,
    )


def _normal_effect(
    control: ArmStats, treatment: ArmStats, *, relative: bool
) -> tuple[float, float]:
    """The observed effect and its sampling variance, on the absolute or relative scale."""
    c, t = control.point, treatment.point
    vc, vt = control.point_variance, treatment.point_variance
    if not relative:
        return t - c, vc + vt
    rel = relative_lift(c, t, vc, vt)
    if rel is None:
        raise invalid("control", "has an estimate of 0, so the relative lift is undefined")
    return rel


def _normal_decision(mean: float, sd: float) -> tuple[float, float, float]:
    """``P(D > 0)``, ``E[max(-D, 0)]`` and ``E[max(D, 0)]`` for ``D ~ N(mean, sd^2)``."""
    if sd == 0:
        chance = 1.0 if mean > 0 else 0.0 if mean < 0 else 0.5
        return chance, max(-mean, 0.0), max(mean, 0.0)
    z = mean / sd
    density = float(stats.norm.pdf(z))
    chance = float(stats.norm.cdf(z))
    loss = sd * density - mean * float(stats.norm.cdf(-z))
    loss_control = sd * density + mean * chance
    return chance, loss, loss_control


def bayes_mean(
    control: ArmStats,
    treatment: ArmStats,
    *,
    relative: bool = False,
    prior_variance: float | None = None,
    credible_level: float = 0.95,
) -> BayesianEstimate:
    """Normal-model comparison of two means (or rates, or ratios), in closed form.

    Args:
        control: The control arm (at least 2 units).
        treatment: The treatment arm (at least 2 units).
        relative: Work on the relative lift (delta method) instead of the difference.
        prior_variance: Variance of a ``N(0, prior_variance)`` prior on the effect, in the
            effect's scale; ``None`` for a flat prior.
        credible_level: Coverage of the equal-tailed credible interval.

    Example:
        >>> from tailored.experiments.stats import SampleStats
        >>> a, b = SampleStats(400, 10.0, 25.0), SampleStats(400, 10.5, 25.0)
        >>> round(bayes_mean(a, b).chance_to_beat, 4)
        0.9214
    """
    level = check_probability("credible_level", credible_level)
    require_n(control, "control", 2)
    require_n(treatment, "treatment", 2)
    mean, variance = _normal_effect(control, treatment, relative=relative)
    if prior_variance is not None:
        tau2 = check_positive("prior_variance", prior_variance)
        if variance > 0:
            precision = 1.0 / variance + 1.0 / tau2
            mean, variance = mean / variance / precision, 1.0 / precision
    sd = math.sqrt(variance)
    chance, loss, loss_control = _normal_decision(mean, sd)
    half = float(stats.norm.isf((1.0 - level) / 2.0)) * sd
    return BayesianEstimate(
        control=control.point,
        treatment=treatment.point,
        estimate=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        chance_to_beat=chance,
        expected_loss=max(loss, 0.0),
        expected_loss_control=max(loss_control, 0.0),
        credible_level=level,
    )
