"""Experiment results: exposures and later events, per variant and metric, through the stats.

People are the units. Each person's first exposure to the experiment (an ``Experience
Viewed`` decision with ``reason: experiment``) fixes their variant and the start of their
metric windows; people logged in two variants are left out and counted. Each metric is
worked out per person from their events in the window, then per variant compared with the
control: the fixed-horizon test (Welch's t, the two-proportion z, or the delta-method ratio
z), the always-valid sequential test, and the Bayesian chance to beat control. p-values are
adjusted across every (metric, variant) comparison (Benjamini-Hochberg by default), and the
split is checked for sample ratio mismatch.

Non-ratio metrics also carry the CUPED-adjusted lift (``cuped_*``): each person's value of
the same metric over the window of the same length just before their first exposure is the
covariate, so a metric that people's history predicts is read with a narrower interval. The
adjusted test is fixed-horizon; the recommendation reads the unadjusted always-valid one.

The recommendation reads the first metric as the primary one:

- ``check_setup``: the split does not match the weights (SRM): nothing else can be trusted;
- ``stop``: a guardrail, or the primary metric, is worse in some variant with always-valid
  confidence;
- ``ship``: one variant beats the control on the primary metric with always-valid
  confidence (the best such variant is named) and no guardrail is harmed;
- ``keep_running`` otherwise.

Always-valid p-values may be read at any time, as often as wished.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored.core import NotFound, ValidationError, utcnow
from tailored.experiments import stats
from tailored.experiments.stats import CupedStats

from ._exposures import to_ms
from ._model import Experiment, Metric
from ._results_data import Cohort, Data, ExperimentCohort, load, needs
from ._store import load_snapshot
from ._tables import decisions

_HOUR_MS = 3_600_000


#: The two groups of the holdout report: the held-out people are its control.
HOLDOUT_GROUPS = ("holdout", "personalized")


def _holdout_cohort(workspace_id: int) -> Cohort:
    return Cohort(
        (decisions.c.workspace_id == workspace_id, decisions.c.placement.is_not(None)),
        sa.case((decisions.c.reason == "holdout", "holdout"), else_="personalized"),
    )


def _values(
    metric: Metric, data: Data, cutoff: int | None = None, *, pre: bool = False
) -> npt.NDArray[np.float64]:
    """Every person's value of a non-ratio metric, from events up to ``cutoff`` (epoch ms).

    With ``pre``, the same metric over the window of the same length that ends just before
    the person's first exposure (CUPED's covariate).
    """
    first = data.event_first
    window = int(metric.window_hours * _HOUR_MS)
    if pre:
        mask = (data.ts >= first - window) & (data.ts < first)
    else:
        after = int(metric.after_hours * _HOUR_MS) if metric.type == "retention" else 0
        end = first + window
        if cutoff is not None:
            end = np.minimum(end, cutoff)
        mask = (data.ts >= first + after) & (data.ts <= end)
    if metric.event is not None:
        mask &= data.name == data.names.index(metric.event)
    who = data.person[mask]
    if metric.type == "sum":
        weights = data.props[metric.property or ""][mask]
        return np.bincount(who, weights=weights, minlength=data.size).astype(np.float64)
    counts = np.bincount(who, minlength=data.size).astype(np.float64)
    if metric.type in ("conversion", "retention"):
        return (counts > 0).astype(np.float64)
    return counts


@dataclass(frozen=True)
class _Arms:
    """Per-variant summaries of one metric, ready for the tests."""

    stats: dict[str, stats.ArmStats]
    means: dict[str, float]
    cuped: dict[str, CupedStats]
    """Per variant, the metric with its pre-exposure value (not for ratio metrics)."""


def _summaries(
    metric: Metric,
    metrics: Mapping[str, Metric],
    data: Data,
    variants: list[str],
    cutoff: int | None = None,
) -> _Arms:
    arms: dict[str, stats.ArmStats] = {}
    means: dict[str, float] = {}
    cuped: dict[str, stats.CupedStats] = {}
    if metric.type == "ratio":
        num = _values(metrics[metric.numerator or ""], data, cutoff)
        den = _values(metrics[metric.denominator or ""], data, cutoff)
    else:
        vals = _values(metric, data, cutoff)
        pre = _values(metric, data, pre=True) if cutoff is None else None
    for code, variant in enumerate(variants):
        members = data.members(code, cutoff)
        if metric.type == "ratio":
            a, b = num[members], den[members]
            means[variant] = float(a.sum() / b.sum()) if b.sum() else math.nan
            if len(a) >= 2 and b.sum() > 0:
                arms[variant] = stats.RatioStats.from_values(a, b)
            continue
        values = vals[members]
        means[variant] = float(values.mean()) if len(values) else math.nan
        if pre is not None and len(values) >= 2:
            cuped[variant] = stats.CupedStats.from_values(values, pre[members])
        if metric.type in ("conversion", "retention"):
            arms[variant] = stats.ProportionStats(len(values), int(values.sum()))
        elif len(values):
            arms[variant] = stats.SampleStats.from_values(values)
    return _Arms(arms, means, cuped)


def _fixed_horizon(
    control: stats.ArmStats, treatment: stats.ArmStats, alpha: float
) -> stats.EffectEstimate:
    if isinstance(control, stats.ProportionStats) and isinstance(treatment, stats.ProportionStats):
        return stats.proportion_ztest(control, treatment, alpha=alpha)
    if isinstance(control, stats.RatioStats) and isinstance(treatment, stats.RatioStats):
        return stats.ratio_ztest(control, treatment, alpha=alpha)
    if isinstance(control, stats.SampleStats) and isinstance(treatment, stats.SampleStats):
        return stats.welch_ttest(control, treatment, alpha=alpha)
    raise ValidationError("the arms of a comparison must be summaries of the same kind")


def _compare(
    metric: Metric, control: stats.ArmStats, treatment: stats.ArmStats, alpha: float
) -> dict[str, Any]:
    """Fixed-horizon, sequential and Bayesian comparison of a variant with the control."""
    out: dict[str, Any] = {}
    try:
        effect = _fixed_horizon(control, treatment, alpha)
        out |= {
            "lift": effect.estimate, "ci_low": effect.ci_low, "ci_high": effect.ci_high,
            "relative_lift": effect.relative, "relative_ci_low": effect.relative_ci_low,
            "relative_ci_high": effect.relative_ci_high, "p_value": effect.p_value,
        }  # fmt: skip
    except ValidationError as exc:
        out["note"] = exc.message
        return out
    try:
        sequential = stats.sequential_test(control, treatment, alpha=alpha)
        out |= {
            "always_valid_p_value": sequential.p_value,
            "always_valid_ci_low": sequential.ci_low,
            "always_valid_ci_high": sequential.ci_high,
        }
    except ValidationError as exc:
        out["note"] = exc.message
    try:
        if isinstance(control, stats.ProportionStats) and isinstance(
            treatment, stats.ProportionStats
        ):
            bayes = stats.bayes_conversion(control, treatment)
        else:
            bayes = stats.bayes_mean(control, treatment)
        better = bayes.chance_to_beat
        out["chance_to_beat_control"] = better if metric.higher_is_better else 1.0 - better
    except ValidationError as exc:
        out.setdefault("note", exc.message)
    return out


def clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def experiment_results(
    engine: Engine,
    workspace_id: int,
    key: str,
    *,
    now: datetime | None = None,
    alpha: float = 0.05,
    correction: stats.AdjustmentMethod = "benjamini-hochberg",
) -> dict[str, Any]:
    """The results of experiment ``key``: per variant and metric, tests, SRM, recommendation.

    Raises:
        NotFound: no such experiment.
        ValidationError: it has no metrics to report.
    """
    now = now or utcnow()
    with engine.connect() as conn:
        snap = load_snapshot(conn, workspace_id)
    experiment: Experiment | None = snap.of("experiment").get(key)
    if experiment is None:
        raise NotFound(f"no experiment {key!r} in this workspace")
    metrics: dict[str, Metric] = snap.of("metric")
    chosen = [metrics[m] for m in experiment.metrics if m in metrics]
    if not chosen:
        raise ValidationError(
            f"experiment {key!r} names no metrics; add `metrics: [...]` to it",
            [{"loc": "metrics", "message": "at least one metric"}],
        )
    variants = [v.key for v in experiment.variants]
    cohort = ExperimentCohort(key)
    report = _report(engine, workspace_id, cohort, chosen, metrics, variants,
                     list(experiment.weights), now, alpha, correction)  # fmt: skip
    srm = report["srm"]
    recommendation = _recommend(report["metrics"], chosen, srm["mismatch"], variants[0], alpha)
    result = {"experiment": key, "status": experiment.status, **report,
              "recommendation": recommendation}  # fmt: skip
    return dict(clean(result))


def holdout_results(
    engine: Engine,
    workspace_id: int,
    metric_keys: list[str],
    *,
    now: datetime | None = None,
    alpha: float = 0.05,
    correction: stats.AdjustmentMethod = "benjamini-hochberg",
) -> dict[str, Any]:
    """The total lift of personalization: everyone who was decided for, the global holdout
    (the control) against the personalized, on ``metric_keys`` from each person's first
    decision. People who were in both groups (the holdout changed) are left out.

    Raises:
        ValidationError: no metrics, or an unknown one.
    """
    now = now or utcnow()
    with engine.connect() as conn:
        snap = load_snapshot(conn, workspace_id)
    metrics: dict[str, Metric] = snap.of("metric")
    unknown = [m for m in metric_keys if m not in metrics]
    if unknown or not metric_keys:
        raise ValidationError(
            f"name one or more metrics of this workspace; unknown: {unknown or 'none given'}",
            [{"loc": "metrics", "message": "metric keys, comma-separated"}],
        )
    chosen = [metrics[m] for m in metric_keys]
    share = snap.settings.holdout.percent / 100
    weights = [share, 1 - share] if 0 < share < 1 else None
    report = _report(engine, workspace_id, _holdout_cohort(workspace_id), chosen, metrics,
                     list(HOLDOUT_GROUPS), weights, now, alpha, correction)  # fmt: skip
    return dict(clean({"holdout_percent": snap.settings.holdout.percent, **report}))


def _report(
    engine: Engine,
    workspace_id: int,
    cohort: Cohort | ExperimentCohort,
    chosen: list[Metric],
    metrics: Mapping[str, Metric],
    variants: list[str],
    weights: list[float] | None,
    now: datetime,
    alpha: float,
    correction: stats.AdjustmentMethod,
) -> dict[str, Any]:
    """Users, SRM (against ``weights``, when given), the metric rows and the timeline."""
    data = load(engine, workspace_id, cohort, variants, needs(chosen, metrics), now)
    counts = [_count(data.members(n)) for n in range(len(variants))]
    srm = None if weights is None else stats.srm_test(counts, weights)
    rows = _metric_rows(chosen, metrics, data, variants, alpha)
    _adjust(rows, correction)
    return {
        "computed_at": now.isoformat(),
        "alpha": alpha,
        "correction": correction,
        "users": dict(zip(variants, counts, strict=True)),
        "excluded_multiple_variants": data.excluded,
        "srm": None if srm is None else {
            "p_value": srm.p_value, "mismatch": srm.mismatch, "threshold": srm.threshold},
        "metrics": rows,
        "timeline": _timeline(chosen[0], metrics, data, variants, alpha, now),
    }  # fmt: skip


def _count(members: slice) -> int:
    return int(members.stop - members.start)


def _metric_rows(
    chosen: list[Metric],
    metrics: Mapping[str, Metric],
    data: Data,
    variants: list[str],
    alpha: float,
) -> list[dict[str, Any]]:
    rows = []
    control = variants[0]
    for metric in chosen:
        arms = _summaries(metric, metrics, data, variants)
        for code, variant in enumerate(variants):
            row: dict[str, Any] = {
                "metric": metric.key,
                "type": metric.type,
                "guardrail": metric.guardrail,
                "higher_is_better": metric.higher_is_better,
                "variant": variant,
                "control": variant == control,
                "users": _count(data.members(code)),
                "mean": arms.means.get(variant),
            }
            if variant != control and control in arms.stats and variant in arms.stats:
                row |= _compare(metric, arms.stats[control], arms.stats[variant], alpha)
            if variant != control and control in arms.cuped and variant in arms.cuped:
                row |= _cuped(arms.cuped[control], arms.cuped[variant], alpha)
            rows.append(row)
    return rows


def _cuped(control: stats.CupedStats, treatment: stats.CupedStats, alpha: float) -> dict[str, Any]:
    """The lift adjusted by CUPED (Welch's t on the adjusted values), when the pre-exposure
    window carries information; nothing otherwise (say, every person is new)."""
    if control.pre_variance == 0 and treatment.pre_variance == 0:
        return {}
    adjustment = stats.cuped_adjust(control, treatment)
    try:
        effect = stats.welch_ttest(adjustment.control, adjustment.treatment, alpha=alpha)
    except ValidationError:
        return {}
    return {
        "cuped_lift": effect.estimate, "cuped_ci_low": effect.ci_low,
        "cuped_ci_high": effect.ci_high, "cuped_p_value": effect.p_value,
        "cuped_variance_reduction": adjustment.variance_reduction,
    }  # fmt: skip


def _adjust(rows: list[dict[str, Any]], correction: stats.AdjustmentMethod) -> None:
    tested = [r for r in rows if r.get("p_value") is not None]
    if not tested:
        return
    adjusted = stats.adjust_pvalues([r["p_value"] for r in tested], correction)
    for row, p in zip(tested, adjusted, strict=True):
        row["p_value_adjusted"] = p


def _harmful(row: dict[str, Any], alpha: float) -> bool:
    p = row.get("always_valid_p_value")
    lift = row.get("lift")
    if p is None or lift is None or p >= alpha:
        return False
    return bool(lift < 0 if row["higher_is_better"] else lift > 0)


def _helpful(row: dict[str, Any], alpha: float) -> bool:
    p = row.get("always_valid_p_value")
    lift = row.get("lift")
    if p is None or lift is None or p >= alpha:
        return False
    return bool(lift > 0 if row["higher_is_better"] else lift < 0)


def _recommend(
    rows: list[dict[str, Any]], chosen: list[Metric], srm: bool, control: str, alpha: float
) -> dict[str, Any]:
    if srm:
        return {"action": "check_setup",
                "why": "the split does not match the weights (sample ratio mismatch)"}  # fmt: skip
    primary = chosen[0].key
    harm = [r for r in rows if not r["control"] and (r["guardrail"] or r["metric"] == primary)
            and _harmful(r, alpha)]  # fmt: skip
    if harm:
        worst = harm[0]
        why = f"{worst['variant']} is worse than {control} on {worst['metric']}"
        return {"action": "stop", "variant": worst["variant"], "why": why}
    wins = [r for r in rows if r["metric"] == primary and not r["control"] and _helpful(r, alpha)]
    if wins:
        best = max(wins, key=lambda r: abs(r["lift"]))
        return {"action": "ship", "variant": best["variant"],
                "why": f"{best['variant']} beats {control} on {primary} with always-valid "
                       f"p = {best['always_valid_p_value']:.4g}"}  # fmt: skip
    return {"action": "keep_running", "why": f"no variant differs from {control} on {primary} yet"}


def _timeline(
    metric: Metric,
    metrics: Mapping[str, Metric],
    data: Data,
    variants: list[str],
    alpha: float,
    now: datetime,
    days: int = 30,
) -> list[dict[str, Any]]:
    """The primary metric's cumulative lift per variant at the end of each of the latest
    ``days`` days, for plots."""
    if not data.size:
        return []
    start = datetime.fromtimestamp(int(data.first.min()) / 1000, tz=now.tzinfo).date()
    start = max(start, now.date() - timedelta(days=days - 1))
    points = []
    day = start
    control = variants[0]
    while day <= now.date():
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
        cutoff = to_ms(min(end, now))
        arms = _summaries(metric, metrics, data, variants, cutoff)
        for code, variant in enumerate(variants[1:], start=1):
            users = _count(data.members(code, cutoff))
            point: dict[str, Any] = {"date": day.isoformat(), "variant": variant, "users": users}
            if control in arms.stats and variant in arms.stats:
                found = _compare(metric, arms.stats[control], arms.stats[variant], alpha)
                point |= {k: found.get(k) for k in ("lift", "always_valid_ci_low",
                                                     "always_valid_ci_high")}  # fmt: skip
            points.append(point)
        day += timedelta(days=1)
    return points


#: The columns of the CSV export, in order.
CSV_COLUMNS = (
    "metric", "type", "guardrail", "variant", "control", "users", "mean", "lift", "ci_low",
    "ci_high", "relative_lift", "relative_ci_low", "relative_ci_high", "p_value",
    "p_value_adjusted", "always_valid_p_value", "always_valid_ci_low", "always_valid_ci_high",
    "chance_to_beat_control", "cuped_lift", "cuped_ci_low", "cuped_ci_high", "cuped_p_value",
    "cuped_variance_reduction", "note",
)  # fmt: skip
