"""Fixed-horizon frequentist tests: Welch's t-test, the two-proportion z-test, ratio metrics.

Each test compares a treatment with a control (effect = treatment - control), is two-sided,
and reports the absolute lift with its confidence interval and the relative lift
(``treatment / control - 1``) with a delta-method interval:
``Var(rel) ~ Var(t) / c^2 + t^2 Var(c) / c^4``. These p-values are valid only when read once,
at a sample size fixed in advance; for results read while data arrives use
:func:`sequential_test`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ._checks import FloatArray, check_probability, invalid
from ._samples import ArmStats, ProportionStats, RatioStats, SampleStats


@dataclass(frozen=True, slots=True)
class EffectEstimate:
    """The result of a two-sample comparison (treatment - control).

    Attributes:
        control: The control arm's estimate (mean, rate or ratio).
        treatment: The treatment arm's estimate.
        estimate: Absolute lift, ``treatment - control``.
        std_error: Standard error of the absolute lift.
        ci_low: Lower end of the ``1 - alpha`` confidence interval of the absolute lift.
        ci_high: Upper end of that interval.
        p_value: Two-sided p-value of "no difference".
        statistic: The test statistic (t or z).
        df: Degrees of freedom of the reference distribution (``inf`` for a normal one).
        relative: Relative lift, ``treatment / control - 1``; ``None`` when the control is 0.
        relative_ci_low: Lower end of the delta-method interval of the relative lift.
        relative_ci_high: Upper end of that interval.
        alpha: The significance level the intervals were built for.
    """

    control: float
    treatment: float
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    statistic: float
    df: float
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    alpha: float

    @property
    def significant(self) -> bool:
        """Whether ``p_value < alpha``."""
        return self.p_value < self.alpha


def require_n(stats_: ArmStats, arm: str, minimum: int) -> None:
    """Raise a ``ValidationError`` naming the arm when it has fewer than ``minimum`` units."""
    if stats_.n < minimum:
        raise invalid(f"{arm}.n", f"must be at least {minimum} for this test, got {stats_.n}")


def relative_lift(
    control: float, treatment: float, var_control: float, var_treatment: float
) -> tuple[float, float] | None:
    """Relative lift and its delta-method variance; ``None`` when the control estimate is 0."""
    if control == 0:
        return None
    lift = treatment / control - 1.0
    variance = var_treatment / control**2 + treatment**2 * var_control / control**4
    return lift, variance


def _assemble(
    control: ArmStats,
    treatment: ArmStats,
    *,
    alpha: float,
    crit: float,
    statistic: float,
    p_value: float,
    df: float,
) -> EffectEstimate:
    """An ``EffectEstimate`` with intervals ``estimate +- crit * se`` on both scales."""
    c, t = control.point, treatment.point
    vc, vt = control.point_variance, treatment.point_variance
    se = math.sqrt(vc + vt)
    diff = t - c
    rel = relative_lift(c, t, vc, vt)
    rel_low = rel_high = None
    if rel is not None:
        rel_half = crit * math.sqrt(rel[1])
        rel_low, rel_high = rel[0] - rel_half, rel[0] + rel_half
    return EffectEstimate(
        control=c,
        treatment=t,
        estimate=diff,
        std_error=se,
        ci_low=diff - crit * se,
        ci_high=diff + crit * se,
        p_value=p_value,
        statistic=statistic,
        df=df,
        relative=None if rel is None else rel[0],
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
        alpha=alpha,
    )


def check_spreadless(diff: float) -> None:
    """Both arms without spread: equal estimates are "no difference", unequal ones an error."""
    if diff != 0:
        raise invalid(
            "treatment",
            "and control have zero variance but different values; the test is undefined",
        )


def welch_ttest(
    control: SampleStats, treatment: SampleStats, *, alpha: float = 0.05
) -> EffectEstimate:
    """Welch's unequal-variance t-test of the difference in means.

    Matches ``scipy.stats.ttest_ind(treatment, control, equal_var=False)`` and its
    ``confidence_interval``. When both arms have zero variance and equal means the result is
    "no difference" (p = 1, a zero-width interval); with different means it is a
    ``ValidationError``.

    Args:
        control: The control arm (at least 2 units).
        treatment: The treatment arm (at least 2 units).
        alpha: Significance level; intervals cover ``1 - alpha``.

    Example:
        >>> a = SampleStats(n=100, mean=10.0, variance=4.0)
        >>> b = SampleStats(n=100, mean=11.0, variance=4.0)
        >>> round(welch_ttest(a, b).p_value, 6)
        0.000507
    """
    alpha = check_probability("alpha", alpha)
    require_n(control, "control", 2)
    require_n(treatment, "treatment", 2)
    vc, vt = control.point_variance, treatment.point_variance
    if vc + vt == 0:
        check_spreadless(treatment.point - control.point)
        df = float(control.n + treatment.n - 2)
        crit = float(special.stdtrit(df, 1.0 - alpha / 2))
        return _assemble(
            control, treatment, alpha=alpha, crit=crit, statistic=0.0, p_value=1.0, df=df
        )
    df = (vc + vt) ** 2 / (vc**2 / (control.n - 1) + vt**2 / (treatment.n - 1))
    statistic = (treatment.mean - control.mean) / math.sqrt(vc + vt)
    p_value = float(2.0 * special.stdtr(df, -abs(statistic)))
    crit = float(special.stdtrit(df, 1.0 - alpha / 2))
    return _assemble(
        control, treatment, alpha=alpha, crit=crit, statistic=statistic, p_value=p_value, df=df
    )


def proportion_ztest(
    control: ProportionStats, treatment: ProportionStats, *, alpha: float = 0.05
) -> EffectEstimate:
    """The two-proportion z-test with a Wald interval on the difference.

    The p-value uses the pooled variance under "no difference", as
    ``statsmodels.stats.proportion.proportions_ztest`` does; the interval uses the unpooled
    variance, as ``confint_proportions_2indep(..., method="wald")`` does, and so does the
    reported ``std_error``. When no one (or everyone) converted in both arms the result is
    "no difference" (p = 1).

    Args:
        control: The control arm (at least 1 unit).
        treatment: The treatment arm (at least 1 unit).
        alpha: Significance level; intervals cover ``1 - alpha``.

    Example:
        >>> r = proportion_ztest(ProportionStats(1000, 100), ProportionStats(1000, 130))
        >>> round(r.p_value, 4), round(r.relative, 2)
        (0.0355, 0.3)
    """
    alpha = check_probability("alpha", alpha)
    require_n(control, "control", 1)
    require_n(treatment, "treatment", 1)
    statistic = float(
        _pooled_z(
            np.float64(control.conversions),
            np.float64(control.n),
            np.float64(treatment.conversions),
            np.float64(treatment.n),
        )
    )
    p_value = float(2.0 * special.ndtr(-abs(statistic)))
    crit = float(-special.ndtri(alpha / 2))
    return _assemble(
        control,
        treatment,
        alpha=alpha,
        crit=crit,
        statistic=statistic,
        p_value=p_value,
        df=math.inf,
    )


def ratio_ztest(
    control: RatioStats, treatment: RatioStats, *, alpha: float = 0.05
) -> EffectEstimate:
    """A z-test of the difference of two ratio metrics, each with its delta-method variance.

    Args:
        control: The control arm (at least 2 units, a non-zero denominator mean).
        treatment: The treatment arm (same requirements).
        alpha: Significance level; intervals cover ``1 - alpha``.
    """
    alpha = check_probability("alpha", alpha)
    require_n(control, "control", 2)
    require_n(treatment, "treatment", 2)
    se = math.sqrt(control.point_variance + treatment.point_variance)
    crit = float(-special.ndtri(alpha / 2))
    if se == 0:
        check_spreadless(treatment.point - control.point)
        statistic, p_value = 0.0, 1.0
    else:
        statistic = (treatment.point - control.point) / se
        p_value = float(2.0 * special.ndtr(-abs(statistic)))
    return _assemble(
        control,
        treatment,
        alpha=alpha,
        crit=crit,
        statistic=statistic,
        p_value=p_value,
        df=math.inf,
    )


def _pooled_z(
    conv_c: FloatArray | np.float64,
    n_c: FloatArray | np.float64,
    conv_t: FloatArray | np.float64,
    n_t: FloatArray | np.float64,
) -> FloatArray:
    """Pooled two-proportion z statistics, elementwise; 0 where the pooled variance is 0."""
    pooled = (conv_c + conv_t) / (n_c + n_t)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t))
    diff = conv_t / n_t - conv_c / n_c
    safe = np.where(se > 0, se, 1.0)
    return np.asarray(np.where(se > 0, diff / safe, 0.0), dtype=np.float64)


def ztest_pvalues(
    conv_c: FloatArray, n_c: FloatArray, conv_t: FloatArray, n_t: FloatArray
) -> FloatArray:
    """Vectorised two-sided p-values of the pooled two-proportion z-test (for simulations)."""
    z = _pooled_z(conv_c, n_c, conv_t, n_t)
    return np.asarray(2.0 * special.ndtr(-np.abs(z)), dtype=np.float64)
