"""Always-valid inference that may be read at any time: the normal-mixture SPRT.

Method: the mixture sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis and
Walsh, "Always valid inference: continuous monitoring of A/B tests" (Operations Research,
2022), the method behind Optimizely's Stats Engine. The estimated effect is treated as
``theta_hat ~ N(theta, V)`` and the likelihood ratio of "effect theta_0" is mixed over a normal
prior ``theta ~ N(theta_0, tau^2)``::

    Lambda(theta_0) = sqrt(V / (V + tau^2)) * exp(tau^2 (theta_hat - theta_0)^2 / (2 V (V + tau^2)))

Under the null this is a martingale, so by Ville's inequality the chance that it ever reaches
``1 / alpha`` is at most ``alpha``. Hence

- the always-valid p-value ``p = min(1, 1 / Lambda(0))`` (and its running minimum over looks),
- the confidence sequence ``{theta_0 : Lambda(theta_0) < 1 / alpha}``, which is
  ``theta_hat +- sqrt(V) * g(r)`` with ``r = tau^2 / V`` and
  ``g(r)^2 = (1 + r) / r * (2 log(1 / alpha) + log(1 + r))``,

hold simultaneously over every look: results may be read daily, hourly, or after each event.
The relative lift gets the same boundary around its delta-method variance.

Why this one: it gives p-values and intervals from one formula, works from the same sufficient
statistics as the fixed-horizon tests, and, with the tuning below, is numerically the same
boundary as the asymptotic confidence sequences GrowthBook uses (Waudby-Smith et al.,
"Time-uniform central limit theory and asymptotic confidence sequences", 2021), so either
vendor's users will recognise the numbers.

Tuning: the mixing variance is set relative to the per-unit variance, ``tau^2 = rho^2 s^2``
with ``s^2 = N V`` (``N`` the units in both arms), and
``rho^2 = (2 log(1/alpha) + log(1 + 2 log(1/alpha))) / tuning_n``. The interval is then
narrowest when ``N`` is about ``tuning_n``: set it to the planned total sample size. The
default, 5,000, is GrowthBook's. A wrong guess costs width, never validity. Validity is
asymptotic (the variance is estimated and the estimate taken as normal), as in both products.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ._checks import FloatArray, check_count, check_probability, invalid
from ._frequentist import check_spreadless, relative_lift, require_n
from ._samples import ArmStats

#: GrowthBook's default for the sample size at which the interval is narrowest.
DEFAULT_TUNING_N = 5000


@dataclass(frozen=True, slots=True)
class SequentialEstimate:
    """The always-valid result of one look at a two-sample comparison (treatment - control).

    Attributes:
        control: The control arm's estimate (mean, rate or ratio).
        treatment: The treatment arm's estimate.
        estimate: Absolute lift, ``treatment - control``.
        std_error: Standard error of the absolute lift.
        ci_low: Lower end of the always-valid ``1 - alpha`` interval of the absolute lift.
        ci_high: Upper end of that interval.
        p_value: Always-valid p-value of "no difference".
        relative: Relative lift, ``treatment / control - 1``; ``None`` when the control is 0.
        relative_ci_low: Lower end of the always-valid interval of the relative lift.
        relative_ci_high: Upper end of that interval.
        alpha: The significance level the intervals were built for.
        tuning_n: Total sample size at which the intervals are narrowest.
        mixing_variance: The ``tau^2`` used for the absolute lift at this look.
    """

    control: float
    treatment: float
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    alpha: float
    tuning_n: int
    mixing_variance: float

    @property
    def significant(self) -> bool:
        """Whether ``p_value < alpha``; safe to act on at any look."""
        return self.p_value < self.alpha


def mixing_ratio(n_total: FloatArray, alpha: float, tuning_n: int) -> FloatArray:
    """``r = tau^2 / V = N rho^2``, elementwise over total sample sizes ``N``."""
    a = 2.0 * math.log(1.0 / alpha)
    rho_squared = (a + math.log1p(a)) / tuning_n
    return np.asarray(n_total * rho_squared, dtype=np.float64)


def msprt_log_lr(
    diff: FloatArray, variance: FloatArray, n_total: FloatArray, alpha: float, tuning_n: int
) -> FloatArray:
    """Log of the mixture likelihood ratio of "no difference", elementwise (for simulations).

    Args:
        diff: Estimated effects.
        variance: Their sampling variances ``V`` (positive).
        n_total: Units in both arms at each look.
        alpha: Significance level (it enters through the tuning of ``tau^2``).
        tuning_n: Total sample size at which the interval is narrowest.
    """
    r = mixing_ratio(n_total, alpha, tuning_n)
    quad = diff * diff / variance * r / (1.0 + r)
    return np.asarray(0.5 * (quad - np.log1p(r)), dtype=np.float64)


def msprt_half_width(
    variance: FloatArray, n_total: FloatArray, alpha: float, tuning_n: int
) -> FloatArray:
    """Half-width of the always-valid interval, ``sqrt(V) g(r)``, elementwise."""
    r = mixing_ratio(n_total, alpha, tuning_n)
    g2 = (1.0 + r) / r * (2.0 * math.log(1.0 / alpha) + np.log1p(r))
    return np.asarray(np.sqrt(variance * g2), dtype=np.float64)


def _look(
    diff: float, variance: float, n_total: int, alpha: float, tuning_n: int
) -> tuple[float, float]:
    """The p-value and the interval's half-width of one look at a scalar estimate."""
    if variance == 0:
        check_spreadless(diff)
        return 1.0, 0.0
    d, v, n = (np.asarray(x, dtype=np.float64) for x in (diff, variance, n_total))
    log_lr = float(msprt_log_lr(d, v, n, alpha, tuning_n))
    half = float(msprt_half_width(v, n, alpha, tuning_n))
    return (math.exp(-log_lr) if log_lr > 0 else 1.0), half


def sequential_test(
    control: ArmStats,
    treatment: ArmStats,
    *,
    alpha: float = 0.05,
    tuning_n: int = DEFAULT_TUNING_N,
) -> SequentialEstimate:
    """Always-valid p-value and intervals for the current look (see the module docstring).

    Args:
        control: The control arm's cumulative summary at this look (at least 2 units).
        treatment: The treatment arm's cumulative summary (same kind, at least 2 units).
        alpha: Significance level; intervals cover ``1 - alpha`` uniformly over all looks.
        tuning_n: Total sample size (both arms) at which the interval is narrowest.

    Example:
        >>> from tailored.experiments.stats import ProportionStats
        >>> look = sequential_test(ProportionStats(5000, 500), ProportionStats(5000, 600))
        >>> look.significant, round(look.p_value, 4)
        (True, 0.0335)
    """
    alpha = check_probability("alpha", alpha)
    tuning_n = check_count("tuning_n", tuning_n, minimum=1)
    require_n(control, "control", 2)
    require_n(treatment, "treatment", 2)
    c, t = control.point, treatment.point
    vc, vt = control.point_variance, treatment.point_variance
    variance, diff, n_total = vc + vt, t - c, control.n + treatment.n
    p_value, half = _look(diff, variance, n_total, alpha, tuning_n)
    rel = relative_lift(c, t, vc, vt)
    rel_low = rel_high = None
    if rel is not None:
        scale = half / math.sqrt(variance) if variance > 0 else 0.0
        rel_low, rel_high = rel[0] - scale * math.sqrt(rel[1]), rel[0] + scale * math.sqrt(rel[1])
    return SequentialEstimate(
        control=c,
        treatment=t,
        estimate=diff,
        std_error=math.sqrt(variance),
        ci_low=diff - half,
        ci_high=diff + half,
        p_value=p_value,
        relative=None if rel is None else rel[0],
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
        alpha=alpha,
        tuning_n=tuning_n,
        mixing_variance=float(mixing_ratio(np.asarray(n_total, float), alpha, tuning_n)) * variance,
    )


def _intersect(bounds: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Intersection of intervals; the last one alone when they do not all overlap."""
    low, high = max(lo for lo, _ in bounds), min(hi for _, hi in bounds)
    return (low, high) if low <= high else bounds[-1]


def combine_looks(looks: Sequence[SequentialEstimate]) -> SequentialEstimate:
    """The always-valid result over a history of looks, oldest first.

    The p-value is the running minimum and the intervals the running intersection (as in Johari
    et al.): both stay valid and become monotone, so a result never "un-happens". The
    estimates are those of the latest look. If the intervals do not all overlap (a sign that
    the effect drifted over time) the latest look's interval is reported.

    Args:
        looks: The results of :func:`sequential_test` at each look, in time order.
    """
    if not looks:
        raise invalid("looks", "must hold at least one look")
    last = looks[-1]
    low, high = _intersect([(look.ci_low, look.ci_high) for look in looks])
    rel_low, rel_high = last.relative_ci_low, last.relative_ci_high
    if rel_low is not None and rel_high is not None:
        rel_low, rel_high = _intersect(
            [
                (look.relative_ci_low, look.relative_ci_high)
                for look in looks
                if look.relative_ci_low is not None and look.relative_ci_high is not None
            ]
        )
    return replace(
        last,
        p_value=min(look.p_value for look in looks),
        ci_low=low,
        ci_high=high,
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
    )
