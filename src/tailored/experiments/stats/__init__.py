"""Statistics of experiment analysis: a pure library over sufficient statistics.

The results API aggregates each metric per variant in SQL (counts, sums, sums of squares and,
for ratio and CUPED metrics, sums of products) and hands the summaries to these functions:

- fixed-horizon tests: :func:`welch_ttest`, :func:`proportion_ztest`, :func:`ratio_ztest`;
- always-valid sequential inference (normal-mixture SPRT): :func:`sequential_test`,
  :func:`combine_looks`;
- Bayesian comparisons: :func:`bayes_conversion` (Beta-Binomial), :func:`bayes_mean` (normal);
- variance reduction: :func:`cuped_adjust`;
- sample ratio mismatch: :func:`srm_test`;
- multiple comparisons: :func:`adjust_pvalues`;
- planning: :func:`sample_size_conversion`, :func:`sample_size_mean`,
  :func:`power_conversion`, :func:`power_mean`, :func:`mde_conversion`, :func:`mde_mean`;
- checks of the claims above on simulated data: :func:`simulate`.

Every comparison is treatment minus control. Invalid input raises
``tailored.core.ValidationError`` with the offending argument named.
"""

from __future__ import annotations

from ._bayesian import BayesianEstimate, bayes_conversion, bayes_mean
from ._cuped import CupedAdjustment, CupedStats, cuped_adjust
from ._frequentist import EffectEstimate, proportion_ztest, ratio_ztest, welch_ttest
from ._multiple import AdjustmentMethod, adjust_pvalues
from ._power import (
    SampleSize,
    mde_conversion,
    mde_mean,
    power_conversion,
    power_mean,
    sample_size_conversion,
    sample_size_mean,
)
from ._samples import ArmStats, ProportionStats, RatioStats, SampleStats
from ._sequential import DEFAULT_TUNING_N, SequentialEstimate, combine_looks, sequential_test
from ._simulate import SCENARIOS, SimulationRow, simulate
from ._srm import SRM_THRESHOLD, SrmResult, srm_test

__all__ = [
    "DEFAULT_TUNING_N",
    "SCENARIOS",
    "SRM_THRESHOLD",
    "AdjustmentMethod",
    "ArmStats",
    "BayesianEstimate",
    "CupedAdjustment",
    "CupedStats",
    "EffectEstimate",
    "ProportionStats",
    "RatioStats",
    "SampleSize",
    "SampleStats",
    "SequentialEstimate",
    "SimulationRow",
    "SrmResult",
    "adjust_pvalues",
    "bayes_conversion",
    "bayes_mean",
    "combine_looks",
    "cuped_adjust",
    "mde_conversion",
    "mde_mean",
    "power_conversion",
    "power_mean",
    "proportion_ztest",
    "ratio_ztest",
    "sample_size_conversion",
    "sample_size_mean",
    "sequential_test",
    "simulate",
    "srm_test",
    "welch_ttest",
]
