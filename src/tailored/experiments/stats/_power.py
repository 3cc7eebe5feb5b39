"""Power, sample size and minimum detectable effect of fixed-horizon two-sided tests.

Conversion metrics use the two-proportion z-test (pooled variance under the null, unpooled
under the alternative), as ``statsmodels.stats.proportion.power_proportions_2indep`` does.
Mean metrics use the z-test with a known standard deviation, as
``statsmodels.stats.power.NormalIndPower`` does. Both count the far tail (an effect found
significant in the wrong direction), so the numbers agree with statsmodels exactly.

``ratio`` is the allocation ratio ``n_treatment / n_control``: 1 for an even split, 0.25 for
80/20 in favour of the control. These are the numbers for a test read once; a sequential test
(:func:`sequential_test`) needs more units for the same power.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import optimize, special

from ._checks import check_positive, check_probability, check_real, invalid


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Units needed in each arm.

    Attributes:
        control: Units in the control arm.
        treatment: Units in the treatment arm.
        total: Both together.
    """

    control: int
    treatment: int
    total: int


def _two_sided_power(diff: float, se_null: float, se_alt: float, alpha: float) -> float:
    z = float(-special.ndtri(alpha / 2.0))
    d = abs(diff)
    upper = float(special.ndtr((d - z * se_null) / se_alt))
    lower = float(special.ndtr((-z * se_null - d) / se_alt))
    return upper + lower


def _treatment_rate(baseline: float, effect: float, relative: bool) -> float:
    rate = baseline * (1.0 + effect) if relative else baseline + effect
    if not 0.0 < rate < 1.0:
        raise invalid("effect", f"puts the treatment rate at {rate!r}, outside (0, 1)")
    if rate == baseline:
        raise invalid("effect", "must not be 0")
    return rate


def _conversion_power(p_c: float, p_t: float, n_c: float, ratio: float, alpha: float) -> float:
    n_t = ratio * n_c
    pooled = (p_c + ratio * p_t) / (1.0 + ratio)
    se_null = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t))
    se_alt = math.sqrt(p_c * (1.0 - p_c) / n_c + p_t * (1.0 - p_t) / n_t)
    return _two_sided_power(p_t - p_c, se_null, se_alt, alpha)


def _mean_power(std: float, effect: float, n_c: float, ratio: float, alpha: float) -> float:
    se = std * math.sqrt(1.0 / n_c + 1.0 / (ratio * n_c))
    return _two_sided_power(effect, se, se, alpha)


def _solve(func: Callable[[float], float], target: float, start: float, upper: float) -> float:
    """The ``x`` in ``(0, upper]`` where the increasing ``func`` reaches ``target``."""
    low, high = start, start
    while func(low) >= target:
        low /= 2.0
        if low < 1e-12 * start:
            raise invalid("power", "is reached at any size; it must exceed alpha")
    while func(high) < target:
        if high >= upper:
            raise invalid("power", f"cannot be reached (at most {func(upper):.4f} here)")
        high = min(high * 2.0, upper)
    return float(optimize.brentq(lambda x: func(x) - target, low, high, xtol=1e-12, rtol=1e-14))


def _design(alpha: float, ratio: float) -> tuple[float, float]:
    return check_probability("alpha", alpha), check_positive("ratio", ratio)


def _target(power: float, alpha: float) -> float:
    power = check_probability("power", power)
    if power <= alpha:
        raise invalid("power", f"must exceed alpha ({alpha}), got {power}")
    return power


def _sizes(n_control: float, ratio: float) -> SampleSize:
    control = math.ceil(n_control - 1e-9)
    treatment = math.ceil(ratio * n_control - 1e-9)
    return SampleSize(control, treatment, control + treatment)


def power_conversion(
    baseline: float,
    effect: float,
    n_control: float,
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
    relative: bool = False,
) -> float:
    """Power of the two-sided two-proportion z-test.

    Args:
        baseline: The control's conversion rate.
        effect: The true lift: absolute (``0.01`` = one point), or relative with ``relative``.
        n_control: Units in the control arm (treatment: ``ratio * n_control``).
        alpha: Significance level.
        ratio: Allocation ratio ``n_treatment / n_control``.
        relative: Read ``effect`` as relative to the baseline (``0.1`` = +10%).
    """
    alpha, ratio = _design(alpha, ratio)
    p_c = check_probability("baseline", baseline)
    p_t = _treatment_rate(p_c, check_real("effect", effect), relative)
    n_c = check_positive("n_control", n_control)
    return _conversion_power(p_c, p_t, n_c, ratio, alpha)


def sample_size_conversion(
    baseline: float,
    effect: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    relative: bool = False,
) -> SampleSize:
    """Units per arm for the two-proportion z-test to reach ``power``.

    Args:
        baseline: The control's conversion rate.
        effect: The lift to detect, absolute or (with ``relative``) relative.
        alpha: Significance level.
        power: Desired chance of a significant result when the lift is real.
        ratio: Allocation ratio ``n_treatment / n_control``.
        relative: Read ``effect`` as relative to the baseline.

    Example:
        >>> sample_size_conversion(0.10, 0.01)
        SampleSize(control=14751, treatment=14751, total=29502)
    """
    alpha, ratio = _design(alpha, ratio)
    target = _target(power, alpha)
    p_c = check_probability("baseline", baseline)
    p_t = _treatment_rate(p_c, check_real("effect", effect), relative)
    n = _solve(lambda n: _conversion_power(p_c, p_t, n, ratio, alpha), target, 1000.0, 1e15)
    return _sizes(n, ratio)


def mde_conversion(
    baseline: float,
    n_control: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> float:
    """The smallest absolute rise of the conversion rate detected with ``power``.

    Divide by ``baseline`` for the relative figure.

    Args:
        baseline: The control's conversion rate.
        n_control: Units in the control arm (treatment: ``ratio * n_control``).
        alpha: Significance level.
        power: Desired chance of a significant result.
        ratio: Allocation ratio ``n_treatment / n_control``.
    """
    alpha, ratio = _design(alpha, ratio)
    target = _target(power, alpha)
    p_c = check_probability("baseline", baseline)
    n_c = check_positive("n_control", n_control)
    room = (1.0 - p_c) * (1.0 - 1e-12)
    return _solve(
        lambda d: _conversion_power(p_c, p_c + d, n_c, ratio, alpha), target, room / 2, room
    )


def power_mean(
    std: float,
    effect: float,
    n_control: float,
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
) -> float:
    """Power of the two-sided two-sample z-test of means.

    Args:
        std: Standard deviation of the per-unit metric (the same in both arms).
        effect: The true absolute difference in means.
        n_control: Units in the control arm (treatment: ``ratio * n_control``).
        alpha: Significance level.
        ratio: Allocation ratio ``n_treatment / n_control``.
    """
    alpha, ratio = _design(alpha, ratio)
    std = check_positive("std", std)
    effect = check_real("effect", effect)
    return _mean_power(std, effect, check_positive("n_control", n_control), ratio, alpha)


def sample_size_mean(
    std: float,
    effect: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> SampleSize:
    """Units per arm for the two-sample z-test of means to reach ``power``.

    Args:
        std: Standard deviation of the per-unit metric.
        effect: The absolute difference in means to detect.
        alpha: Significance level.
        power: Desired chance of a significant result when the difference is real.
        ratio: Allocation ratio ``n_treatment / n_control``.

    Example:
        >>> sample_size_mean(std=20.0, effect=1.0)
        SampleSize(control=6280, treatment=6280, total=12560)
    """
    alpha, ratio = _design(alpha, ratio)
    target = _target(power, alpha)
    std = check_positive("std", std)
    effect = check_real("effect", effect)
    if effect == 0:
        raise invalid("effect", "must not be 0")
    return _sizes(
        _solve(lambda n: _mean_power(std, effect, n, ratio, alpha), target, 1000.0, 1e15), ratio
    )


def mde_mean(
    std: float,
    n_control: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> float:
    """The smallest absolute difference in means detected with ``power``.

    Args:
        std: Standard deviation of the per-unit metric.
        n_control: Units in the control arm (treatment: ``ratio * n_control``).
        alpha: Significance level.
        power: Desired chance of a significant result.
        ratio: Allocation ratio ``n_treatment / n_control``.
    """
    alpha, ratio = _design(alpha, ratio)
    target = _target(power, alpha)
    std = check_positive("std", std)
    n_c = check_positive("n_control", n_control)
    return _solve(lambda d: _mean_power(std, d, n_c, ratio, alpha), target, std, math.inf)
