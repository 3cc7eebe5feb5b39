"""CUPED: variance reduction with the pre-exposure value of the same metric.

Deng, Xu, Kohavi and Walker, "Improving the sensitivity of online controlled experiments by
utilizing pre-experiment data" (WSDM 2013). Each unit's value ``y`` is replaced by
``y - theta (x - mean(x))`` where ``x`` is the same metric measured before exposure and
``theta = Cov(x, y) / Var(x)`` is computed on both arms pooled. Because assignment is random,
``x`` has the same distribution in every arm, so the adjustment removes noise but not effect;
the variance of the difference falls by about ``rho^2``, the squared correlation of ``x``
and ``y``. The adjusted summaries are ordinary :class:`SampleStats`, ready for
:func:`welch_ttest`, :func:`sequential_test` or :func:`bayes_mean`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._checks import check_count, check_nonnegative, check_real, check_values, invalid
from ._samples import (
    SampleStats,
    check_empty_sums,
    clip_covariance,
    sample_covariance,
    sample_variance,
)


@dataclass(frozen=True, slots=True)
class CupedStats:
    """A mean metric and its pre-exposure value in one variant.

    Units without pre-exposure data (new people) carry a pre-exposure value of 0.

    Attributes:
        n: Number of units.
        mean: Mean of the metric during the experiment.
        pre_mean: Mean of the same metric before exposure.
        variance: Sample variance (ddof 1) of the metric.
        pre_variance: Sample variance (ddof 1) of the pre-exposure values.
        covariance: Sample covariance (ddof 1) of the metric and its pre-exposure value.
    """

    n: int
    mean: float
    pre_mean: float
    variance: float
    pre_variance: float
    covariance: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        for name in ("mean", "pre_mean", "covariance"):
            object.__setattr__(self, name, check_real(name, getattr(self, name)))
        for name in ("variance", "pre_variance"):
            object.__setattr__(self, name, check_nonnegative(name, getattr(self, name)))
        if abs(self.covariance) > math.sqrt(self.variance * self.pre_variance) * (1 + 1e-9):
            raise invalid("covariance", "exceeds the product of the standard deviations")

    @classmethod
    def from_sums(
        cls,
        n: int,
        total: float,
        pre_total: float,
        sum_squares: float,
        pre_sum_squares: float,
        cross_sum: float,
    ) -> CupedStats:
        """Build from the count and the sums, sums of squares and sum of products per unit."""
        n = check_count("n", n)
        sy, sx = check_real("total", total), check_real("pre_total", pre_total)
        syy = check_nonnegative("sum_squares", sum_squares)
        sxx = check_nonnegative("pre_sum_squares", pre_sum_squares)
        sxy = check_real("cross_sum", cross_sum)
        check_empty_sums(
            n, total=sy, pre_total=sx, sum_squares=syy, pre_sum_squares=sxx, cross_sum=sxy
        )
        vy = sample_variance(n, sy, syy, "sum_squares")
        vx = sample_variance(n, sx, sxx, "pre_sum_squares")
        cxy = clip_covariance(sample_covariance(n, sx, sy, sxy), vx, vy)
        return cls(n, sy / n if n else 0.0, sx / n if n else 0.0, vy, vx, cxy)

    @classmethod
    def from_values(cls, values: ArrayLike, pre_values: ArrayLike) -> CupedStats:
        """Build from per-unit values and pre-exposure values (two arrays of equal length)."""
        y = check_values("values", values)
        x = check_values("pre_values", pre_values)
        if x.size != y.size:
            raise invalid("pre_values", f"has {x.size} values, values has {y.size}")
        n = int(y.size)
        if n < 2:
            return cls(n, float(y.sum()), float(x.sum()), 0.0, 0.0, 0.0)
        cov = np.cov(y, x, ddof=1)
        vy, vx = float(cov[0, 0]), float(cov[1, 1])
        cxy = clip_covariance(float(cov[0, 1]), vx, vy)
        return cls(n, float(y.mean()), float(x.mean()), vy, vx, cxy)

    @property
    def sample(self) -> SampleStats:
        """The metric alone, unadjusted."""
        return SampleStats(self.n, self.mean, self.variance)


@dataclass(frozen=True, slots=True)
class CupedAdjustment:
    """CUPED-adjusted summaries of both arms.

    Attributes:
        theta: The pooled regression coefficient of the metric on its pre-exposure value.
        control: The control arm's adjusted metric.
        treatment: The treatment arm's adjusted metric.
        variance_reduction: ``1 - Var(adjusted lift) / Var(unadjusted lift)``, estimated
            (about 0 when the pre-exposure value carries no information; 0 when the metric
            has no spread at all).
    """

    theta: float
    control: SampleStats
    treatment: SampleStats
    variance_reduction: float


def _pooled_theta(control: CupedStats, treatment: CupedStats) -> tuple[float, float]:
    """``theta`` and the pooled pre-exposure mean, from the moments of both arms together."""
    n = control.n + treatment.n
    x_bar = (control.n * control.pre_mean + treatment.n * treatment.pre_mean) / n
    y_bar = (control.n * control.mean + treatment.n * treatment.mean) / n
    cov = var_x = 0.0
    for arm in (control, treatment):
        dx, dy = arm.pre_mean - x_bar, arm.mean - y_bar
        cov += (arm.n - 1) * arm.covariance + arm.n * dx * dy
        var_x += (arm.n - 1) * arm.pre_variance + arm.n * dx * dx
    # A pre-exposure value without spread (say, every unit new) cannot help: no adjustment.
    theta = cov / var_x if var_x > 0 else 0.0
    return theta, x_bar


def _adjusted(arm: CupedStats, theta: float, x_bar: float) -> SampleStats:
    variance = arm.variance - 2.0 * theta * arm.covariance + theta * theta * arm.pre_variance
    mean = arm.mean - theta * (arm.pre_mean - x_bar)
    return SampleStats(arm.n, mean, max(variance, 0.0))


def cuped_adjust(control: CupedStats, treatment: CupedStats) -> CupedAdjustment:
    """Adjust both arms with ``theta`` from the pooled covariance (see the module docstring).

    Args:
        control: The control arm (at least 2 units).
        treatment: The treatment arm (at least 2 units).

    Example:
        >>> rng = np.random.default_rng(7)
        >>> pre = rng.normal(size=(2, 5000))
        >>> post = 0.6 * pre + 0.8 * rng.normal(size=(2, 5000))
        >>> adj = cuped_adjust(CupedStats.from_values(post[0], pre[0]),
        ...                    CupedStats.from_values(post[1], pre[1]))
        >>> round(adj.theta, 2), round(adj.variance_reduction, 2)
        (0.59, 0.35)
    """
    for name, arm in (("control", control), ("treatment", treatment)):
        if arm.n < 2:
            raise invalid(f"{name}.n", f"must be at least 2 for CUPED, got {arm.n}")
    theta, x_bar = _pooled_theta(control, treatment)
    adj_c, adj_t = _adjusted(control, theta, x_bar), _adjusted(treatment, theta, x_bar)
    before = control.variance / control.n + treatment.variance / treatment.n
    after = adj_c.point_variance + adj_t.point_variance
    reduction = 1.0 - after / before if before > 0 else 0.0
    return CupedAdjustment(theta, adj_c, adj_t, reduction)
