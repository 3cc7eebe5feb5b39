"""Sufficient statistics of one variant's metric: what the results API aggregates in SQL.

Every summary exposes the same three attributes, which is all the tests need from it:
``n`` (units), ``point`` (the arm's estimate: a mean, a rate or a ratio) and
``point_variance`` (the sampling variance of that estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    check_count,
    check_nonnegative,
    check_real,
    check_values,
    invalid,
)

# Sums of squares lose digits to cancellation; a variance this far below zero (relative to the
# raw second moment) is rounding, anything further is inconsistent input.
_ROUNDING = 1e-9


def sample_variance(n: int, total: float, sum_squares: float, name: str) -> float:
    """The sample variance (ddof 1) from the count, sum and sum of squares; 0 when ``n < 2``.

    Args:
        n: Number of units.
        total: Sum of the values.
        sum_squares: Sum of the squared values.
        name: The argument named in the error when the sums are inconsistent.
    """
    if n < 2:
        return 0.0
    centred = sum_squares - total * total / n
    if centred < -_ROUNDING * max(sum_squares, 1.0):
        raise invalid(name, "is smaller than the sum squared over n; the sums are inconsistent")
    return max(centred, 0.0) / (n - 1)


def check_empty_sums(n: int, **sums: float) -> None:
    """With no units every sum must be 0: anything else is a bug in the aggregation."""
    if n == 0:
        for name, value in sums.items():
            if value != 0:
                raise invalid(name, f"is {value!r} although n is 0")


def sample_covariance(n: int, sum_a: float, sum_b: float, cross_sum: float) -> float:
    """The sample covariance (ddof 1) from the count, both sums and the sum of products."""
    if n < 2:
        return 0.0
    return (cross_sum - sum_a * sum_b / n) / (n - 1)


def clip_covariance(covariance: float, variance_a: float, variance_b: float) -> float:
    """Pull a covariance that rounding pushed a hair past ``sqrt(var_a var_b)`` back onto it."""
    bound = math.sqrt(variance_a * variance_b)
    if bound < abs(covariance) <= bound * (1 + 1e-6):
        return math.copysign(bound, covariance)
    return covariance


@dataclass(frozen=True, slots=True)
class SampleStats:
    """A mean metric (revenue per person, sessions per person) in one variant.

    Attributes:
        n: Number of units (people) in the variant.
        mean: Mean of the per-unit values.
        variance: Sample variance of the per-unit values (ddof 1; 0 when ``n < 2``).

    Example:
        >>> SampleStats.from_sums(n=4, total=10.0, sum_squares=30.0)
        SampleStats(n=4, mean=2.5, variance=1.6666666666666667)
    """

    n: int
    mean: float
    variance: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        object.__setattr__(self, "mean", check_real("mean", self.mean))
        object.__setattr__(self, "variance", check_nonnegative("variance", self.variance))

    @classmethod
    def from_sums(cls, n: int, total: float, sum_squares: float) -> SampleStats:
        """Build from the count, the sum and the sum of squares of the per-unit values."""
        n = check_count("n", n)
        total = check_real("total", total)
        sum_squares = check_nonnegative("sum_squares", sum_squares)
        check_empty_sums(n, total=total, sum_squares=sum_squares)
        mean = total / n if n else 0.0
        return cls(n, mean, sample_variance(n, total, sum_squares, "sum_squares"))

    @classmethod
    def from_values(cls, values: ArrayLike) -> SampleStats:
        """Build from the per-unit values themselves."""
        array = check_values("values", values)
        n = int(array.size)
        mean = float(array.mean()) if n else 0.0
        variance = float(array.var(ddof=1)) if n > 1 else 0.0
        return cls(n, mean, variance)

    @property
    def point(self) -> float:
        """The arm's estimate: the mean."""
        return self.mean

    @property
    def point_variance(self) -> float:
        """Sampling variance of the mean (``inf`` when ``n == 0``)."""
        return self.variance / self.n if self.n else math.inf


@dataclass(frozen=True, slots=True)
class ProportionStats:
    """A conversion metric (share of people who converted) in one variant.

    Attributes:
        n: Number of units (people) in the variant.
        conversions: Number of those units that converted (at most ``n``).

    Example:
        >>> ProportionStats(n=200, conversions=30).rate
        0.15
    """

    n: int
    conversions: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        object.__setattr__(self, "conversions", check_count("conversions", self.conversions))
        if self.conversions > self.n:
            raise invalid("conversions", f"({self.conversions}) cannot exceed n ({self.n})")

    @classmethod
    def from_values(cls, values: ArrayLike) -> ProportionStats:
        """Build from per-unit 0/1 outcomes."""
        array = check_values("values", values)
        if not np.all((array == 0) | (array == 1)):
            raise invalid("values", "must hold only 0 and 1 for a conversion metric")
        return cls(int(array.size), int(array.sum()))

    @property
    def rate(self) -> float:
        """Share of units that converted (0 when ``n == 0``)."""
        return self.conversions / self.n if self.n else 0.0

    @property
    def point(self) -> float:
        """The arm's estimate: the conversion rate."""
        return self.rate

    @property
    def point_variance(self) -> float:
        """Sampling variance of the rate, ``p (1 - p) / n`` (``inf`` when ``n == 0``)."""
        return self.rate * (1.0 - self.rate) / self.n if self.n else math.inf

    def to_sample_stats(self) -> SampleStats:
        """The same data as a mean metric of 0/1 values (for the Welch test)."""
        return SampleStats.from_sums(self.n, float(self.conversions), float(self.conversions))


@dataclass(frozen=True, slots=True)
class RatioStats:
    """A ratio metric (revenue per order, clicks per view) with per-unit numerator and denominator.

    The unit of randomisation (a person) differs from the unit of the ratio's denominator, so
    the variance comes from the delta method over per-person sums, not from treating orders or
    views as independent.

    Attributes:
        n: Number of units (people) in the variant.
        numerator_mean: Mean per unit of the numerator (revenue per person).
        denominator_mean: Mean per unit of the denominator (orders per person).
        numerator_variance: Sample variance (ddof 1) of the per-unit numerators.
        denominator_variance: Sample variance (ddof 1) of the per-unit denominators.
        covariance: Sample covariance (ddof 1) of per-unit numerator and denominator.
    """

    n: int
    numerator_mean: float
    denominator_mean: float
    numerator_variance: float
    denominator_variance: float
    covariance: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        for name in ("numerator_mean", "denominator_mean", "covariance"):
            object.__setattr__(self, name, check_real(name, getattr(self, name)))
        for name in ("numerator_variance", "denominator_variance"):
            object.__setattr__(self, name, check_nonnegative(name, getattr(self, name)))
        bound = math.sqrt(self.numerator_variance * self.denominator_variance)
        if abs(self.covariance) > bound * (1 + _ROUNDING) + 1e-300:
            raise invalid("covariance", "exceeds the product of the standard deviations")

    @classmethod
    def from_sums(
        cls,
        n: int,
        numerator_sum: float,
        denominator_sum: float,
        numerator_sum_squares: float,
        denominator_sum_squares: float,
        cross_sum: float,
    ) -> RatioStats:
        """Build from the count and the sums, sums of squares and sum of products per unit."""
        n = check_count("n", n)
        sx = check_real("numerator_sum", numerator_sum)
        sy = check_real("denominator_sum", denominator_sum)
        sxx = check_nonnegative("numerator_sum_squares", numerator_sum_squares)
        syy = check_nonnegative("denominator_sum_squares", denominator_sum_squares)
        sxy = check_real("cross_sum", cross_sum)
        check_empty_sums(
            n,
            numerator_sum=sx,
            denominator_sum=sy,
            numerator_sum_squares=sxx,
            denominator_sum_squares=syy,
            cross_sum=sxy,
        )
        vx = sample_variance(n, sx, sxx, "numerator_sum_squares")
        vy = sample_variance(n, sy, syy, "denominator_sum_squares")
        cxy = clip_covariance(sample_covariance(n, sx, sy, sxy), vx, vy)
        return cls(n, sx / n if n else 0.0, sy / n if n else 0.0, vx, vy, cxy)

    @classmethod
    def from_values(cls, numerator: ArrayLike, denominator: ArrayLike) -> RatioStats:
        """Build from per-unit numerators and denominators (two arrays of equal length)."""
        x = check_values("numerator", numerator)
        y = check_values("denominator", denominator)
        if x.size != y.size:
            raise invalid("denominator", f"has {y.size} values, the numerator has {x.size}")
        n = int(x.size)
        if n < 2:
            return cls(n, float(x.sum()), float(y.sum()), 0.0, 0.0, 0.0)
        cov = np.cov(x, y, ddof=1)
        vx, vy = float(cov[0, 0]), float(cov[1, 1])
        cxy = clip_covariance(float(cov[0, 1]), vx, vy)
        return cls(n, float(x.mean()), float(y.mean()), vx, vy, cxy)

    @property
    def ratio(self) -> float:
        """Numerator mean over denominator mean; a ``ValidationError`` when the latter is 0."""
        if self.denominator_mean == 0:
            raise invalid("denominator_mean", "is 0, so the ratio is undefined")
        return self.numerator_mean / self.denominator_mean

    @property
    def point(self) -> float:
        """The arm's estimate: the ratio of means."""
        return self.ratio

    @property
    def point_variance(self) -> float:
        """Delta-method sampling variance of the ratio (``inf`` when ``n == 0``).

        ``Var(X/Y) ~ (Var X - 2 R Cov(X, Y) + R^2 Var Y) / (n mean(Y)^2)`` with ``R`` the ratio:
        the variance of the linearised values ``(x - R y) / mean(Y)``.
        """
        if not self.n:
            return math.inf
        r = self.ratio
        spread = (
            self.numerator_variance - 2.0 * r * self.covariance + r * r * self.denominator_variance
        )
        return max(spread, 0.0) / (self.denominator_mean**2 * self.n)


#: Any one-arm summary the generic methods (sequential, Bayesian normal) accept.
ArmStats: TypeAlias = SampleStats | ProportionStats | RatioStats
