"""Simulations that check the methods' claims on data with a known truth.

Each scenario draws many experiments at once with numpy, runs them through the library's own
functions and reports one row per method. The figures are reproducible for a given ``seed``.

- ``aa_peeking``: A/A tests (conversion 10%, 500 units per arm per day) read daily for 28
  days. The sequential test stays under its 5% false-positive rate; the fixed-horizon z-test
  read daily does not (about 25%); read once at the end it holds 5%.
- ``cuped``: A/A tests of a metric whose pre-exposure value has correlation 0.6 with it; the
  variance of the estimated lift falls by about ``0.6^2 = 36%``.
- ``power``: experiments sized by :func:`sample_size_conversion` for 80% power (10% -> 11%);
  the share found significant.
- ``srm``: a 50.5/49.5 split of 200,000 units checked against 50/50 (the share flagged is the
  ``power``), and correct 95/5 splits (the share flagged is the ``alarm_rate``, about 0.1%).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._checks import check_count, invalid
from ._cuped import CupedStats, cuped_adjust
from ._frequentist import welch_ttest, ztest_pvalues
from ._power import sample_size_conversion
from ._sequential import msprt_log_lr
from ._srm import SRM_THRESHOLD, chi_square_pvalues

#: One row of simulation output: names to numbers or labels.
SimulationRow = dict[str, float | int | str]

_ALPHA = 0.05


def _row(scenario: str, method: str, sims: int, **figures: float | int) -> SimulationRow:
    return {"scenario": scenario, "method": method, "sims": sims, **figures}


def _aa_peeking(sims: int, rng: np.random.Generator) -> list[SimulationRow]:
    looks, daily, rate = 28, 500, 0.10
    tuning_n = 2 * daily * looks  # the planned total, as the sequential docs advise
    conversions = rng.binomial(daily, rate, size=(sims, looks, 2)).cumsum(axis=1).astype(float)
    n = np.broadcast_to(daily * np.arange(1.0, looks + 1.0), (sims, looks))
    conv_c, conv_t = conversions[..., 0], conversions[..., 1]
    fixed = ztest_pvalues(conv_c, n, conv_t, n) < _ALPHA
    rate_c, rate_t = conv_c / n, conv_t / n
    variance = (rate_c * (1 - rate_c) + rate_t * (1 - rate_t)) / n
    safe = np.where(variance > 0, variance, 1.0)
    log_lr = np.where(
        variance > 0, msprt_log_lr(rate_t - rate_c, safe, 2.0 * n, _ALPHA, tuning_n), 0.0
    )
    sequential = log_lr >= math.log(1.0 / _ALPHA)
    return [
        _row(
            "aa_peeking",
            "sequential",
            sims,
            looks=looks,
            tuning_n=tuning_n,
            false_positive_rate=float(sequential.any(axis=1).mean()),
        ),
        _row(
            "aa_peeking",
            "fixed_horizon_peeking",
            sims,
            looks=looks,
            false_positive_rate=float(fixed.any(axis=1).mean()),
        ),
        _row(
            "aa_peeking",
            "fixed_horizon_final",
            sims,
            looks=1,
            false_positive_rate=float(fixed[:, -1].mean()),
        ),
    ]


def _cuped(sims: int, rng: np.random.Generator) -> list[SimulationRow]:
    n, rho = 500, 0.6
    pre = rng.standard_normal((sims, 2, n))
    post = rho * pre + math.sqrt(1.0 - rho * rho) * rng.standard_normal((sims, 2, n))
    squares = [(post * post).sum(-1), (pre * pre).sum(-1), (post * pre).sum(-1)]
    sums = [post.sum(-1), pre.sum(-1), *squares]
    raw, adjusted = np.empty(sims), np.empty(sims)
    raw_hits = adjusted_hits = 0
    estimated = 0.0
    for i in range(sims):
        c, t = (CupedStats.from_sums(n, *(float(s[i, arm]) for s in sums)) for arm in (0, 1))
        adjustment = cuped_adjust(c, t)
        before = welch_ttest(c.sample, t.sample)
        after = welch_ttest(adjustment.control, adjustment.treatment)
        raw[i], adjusted[i] = before.estimate, after.estimate
        raw_hits += before.p_value < _ALPHA
        adjusted_hits += after.p_value < _ALPHA
        estimated += adjustment.variance_reduction / sims
    common = {"rho": rho, "n_per_arm": n}
    return [
        _row(
            "cuped",
            "unadjusted",
            sims,
            **common,
            std_error=float(raw.std()),
            false_positive_rate=raw_hits / sims,
        ),
        _row(
            "cuped",
            "cuped",
            sims,
            **common,
            std_error=float(adjusted.std()),
            false_positive_rate=adjusted_hits / sims,
            variance_reduction=float(1.0 - adjusted.var() / raw.var()),
            estimated_variance_reduction=estimated,
        ),
    ]


def _power(sims: int, rng: np.random.Generator) -> list[SimulationRow]:
    baseline, effect, target = 0.10, 0.01, 0.8
    size = sample_size_conversion(baseline, effect, alpha=_ALPHA, power=target)
    n_c, n_t = np.full(sims, float(size.control)), np.full(sims, float(size.treatment))
    conv_c = rng.binomial(size.control, baseline, sims).astype(float)
    conv_t = rng.binomial(size.treatment, baseline + effect, sims).astype(float)
    hits = ztest_pvalues(conv_c, n_c, conv_t, n_t) < _ALPHA
    return [
        _row(
            "power",
            "z_test",
            sims,
            n_per_arm=size.control,
            target_power=target,
            power=float(hits.mean()),
        )
    ]


def _srm(sims: int, rng: np.random.Generator) -> list[SimulationRow]:
    users = 200_000
    skewed = rng.binomial(users, 0.505, sims).astype(float)
    flagged = chi_square_pvalues(np.column_stack([skewed, users - skewed]), np.array([0.5, 0.5]))
    correct = rng.binomial(users, 0.05, sims).astype(float)
    alarms = chi_square_pvalues(np.column_stack([users - correct, correct]), np.array([0.95, 0.05]))
    return [
        _row(
            "srm",
            "chi_square",
            sims,
            users=users,
            threshold=SRM_THRESHOLD,
            power=float((flagged < SRM_THRESHOLD).mean()),
            alarm_rate=float((alarms < SRM_THRESHOLD).mean()),
        )
    ]


_SCENARIOS: dict[str, tuple[Callable[[int, np.random.Generator], list[SimulationRow]], int]] = {
    "aa_peeking": (_aa_peeking, 2000),
    "cuped": (_cuped, 2000),
    "power": (_power, 2000),
    "srm": (_srm, 1000),
}

#: The names :func:`simulate` accepts.
SCENARIOS: tuple[str, ...] = tuple(sorted(_SCENARIOS))


def simulate(scenario: str, sims: int | None = None, seed: int = 0) -> list[SimulationRow]:
    """Run one scenario and return one row per method (see the module docstring).

    Args:
        scenario: One of :data:`SCENARIOS`.
        sims: Number of simulated experiments; each scenario has a default (1,000 to 2,000)
            that runs in a few seconds.
        seed: Seed of the random generator; the same seed gives the same figures.

    Example:
        >>> [row["method"] for row in simulate("aa_peeking", sims=200)]
        ['sequential', 'fixed_horizon_peeking', 'fixed_horizon_final']
    """
    if scenario not in _SCENARIOS:
        raise invalid("scenario", f"must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    run, default = _SCENARIOS[scenario]
    count = default if sims is None else check_count("sims", sims, minimum=1)
    generator = np.random.default_rng(check_count("seed", seed))
    return run(count, generator)
