"""Experiment results: exposures and later events, per variant and metric, through the stats.

People are the units. Each person's first exposure to the experiment (an ``Experience
Viewed`` decision with ``reason: experiment``) fixes their variant and the start of their
metric windows; people logged in two variants are left out and counted. Each metric is
worked out per person from their events in the window, then per variant compared with the
control: the fixed-horizon test (Welch's t, the two-proportion z, or the delta-method ratio
z), the always-valid sequential test, and the Bayesian chance to beat control. p-values are
adjusted across every (metric, variant) comparison (Benjamini-Hochberg by default), and the
split is checked for sample ratio mismatch.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored.core import NotFound, ValidationError, utcnow
from tailored.events import events
from tailored.experiments import stats

from ._model import Experiment, Metric
from ._store import load_snapshot
from ._tables import decisions

_HOUR_MS = 3_600_000


@dataclass
class _Person:
    variant: str
    first: int  # epoch ms of the first exposure
    events: list[tuple[str, int, dict[str, Any]]]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _exposures(
    engine: Engine, workspace_id: int, key: str, until: datetime
) -> tuple[dict[str, _Person], int]:
    """First exposure and variant per person; how many were seen in several variants."""
    query = (
        sa.select(
            decisions.c.profile_id,
            decisions.c.variant,
            sa.func.min(decisions.c.decided_at).label("first"),
        )
        .where(
            decisions.c.workspace_id == workspace_id,
            decisions.c.experiment == key,
            decisions.c.reason == "experiment",
            decisions.c.decided_at <= until,
            decisions.c.profile_id.is_not(None),
        )
        .group_by(decisions.c.profile_id, decisions.c.variant)
    )
    seen: dict[str, list[tuple[str, int]]] = {}
    with engine.connect() as conn:
        for profile_id, variant, first in conn.execute(query):
            seen.setdefault(profile_id, []).append((variant, _ms(first)))
    people = {p: _Person(v[0][0], v[0][1], []) for p, v in seen.items() if len(v) == 1}
    return people, len(seen) - len(people)


def _load_events(
    engine: Engine,
    workspace_id: int,
    key: str,
    people: dict[str, _Person],
    names: set[str] | None,
    until: datetime,
) -> None:
    """Attach each exposed person's events after their first exposure (``names`` only)."""
    exposed = (
        sa.select(decisions.c.profile_id)
        .where(
            decisions.c.workspace_id == workspace_id,
            decisions.c.experiment == key,
            decisions.c.reason == "experiment",
        )
        .distinct()
    )
    query = sa.select(
        events.c.profile_id, events.c.event, events.c.timestamp, events.c.properties
    ).where(
        events.c.workspace_id == workspace_id,
        events.c.type == "track",
        events.c.profile_id.in_(exposed),
        events.c.timestamp <= until,
    )
    if names is not None:
        query = query.where(events.c.event.in_(sorted(names)))
    with engine.connect() as conn:
        for profile_id, name, timestamp, properties in conn.execute(query):
            person = people.get(profile_id)
            ts = _ms(timestamp)
            if person is not None and ts >= person.first and name != "Experience Viewed":
                person.events.append((name or "", ts, properties or {}))


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


def _value(metric: Metric, person: _Person, cutoff: int | None = None) -> float:
    """The person's value of a non-ratio metric, from events up to ``cutoff`` (epoch ms)."""
    start = person.first + (int(metric.after_hours * _HOUR_MS) if metric.type == "retention" else 0)
    end = person.first + int(metric.window_hours * _HOUR_MS)
    if cutoff is not None:
        end = min(end, cutoff)
    hits = [
        props for name, ts, props in person.events
        if start <= ts <= end and (metric.event is None or name == metric.event)
    ]  # fmt: skip
    if metric.type in ("conversion", "retention"):
        return 1.0 if hits else 0.0
    if metric.type == "count":
        return float(len(hits))
    return sum(_number(props.get(metric.property or "")) for props in hits)


@dataclass(frozen=True)
class _Arms:
    """Per-variant summaries of one metric, ready for the tests."""

    stats: dict[str, stats.ArmStats]
    means: dict[str, float]


def _summaries(
    metric: Metric,
    metrics: Mapping[str, Metric],
    groups: Mapping[str, list[_Person]],
    cutoff: int | None = None,
) -> _Arms:
    arms: dict[str, stats.ArmStats] = {}
    means: dict[str, float] = {}
    for variant, members in groups.items():
        if metric.type == "ratio":
            num = metrics[metric.numerator or ""]
            den = metrics[metric.denominator or ""]
            a = np.array([_value(num, p, cutoff) for p in members], dtype=np.float64)
            b = np.array([_value(den, p, cutoff) for p in members], dtype=np.float64)
            means[variant] = float(a.sum() / b.sum()) if b.sum() else math.nan
            if len(members) >= 2 and b.sum() > 0:
                arms[variant] = stats.RatioStats.from_values(a, b)
            continue
        values = np.array([_value(metric, p, cutoff) for p in members], dtype=np.float64)
        means[variant] = float(values.mean()) if len(values) else math.nan
        if metric.type in ("conversion", "retention"):
            arms[variant] = stats.ProportionStats(len(values), int(values.sum()))
        elif len(values):
            arms[variant] = stats.SampleStats.from_values(values)
    return _Arms(arms, means)


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


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
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
    people, multiple = _exposures(engine, workspace_id, key, now)
    _load_events(engine, workspace_id, key, people, _event_names(chosen, metrics), now)
    variants = [v.key for v in experiment.variants]
    groups: dict[str, list[_Person]] = {v: [] for v in variants}
    for person in people.values():
        if person.variant in groups:
            groups[person.variant].append(person)
    counts = [len(groups[v]) for v in variants]
    srm = stats.srm_test(counts, list(experiment.weights))
    rows = _metric_rows(chosen, metrics, groups, variants, alpha)
    _adjust(rows, correction)
    result = {
        "experiment": key,
        "status": experiment.status,
        "computed_at": now.isoformat(),
        "alpha": alpha,
        "correction": correction,
        "users": dict(zip(variants, counts, strict=True)),
        "excluded_multiple_variants": multiple,
        "srm": {"p_value": srm.p_value, "mismatch": srm.mismatch, "threshold": srm.threshold},
        "metrics": rows,
        "recommendation": _recommend(rows, chosen, srm.mismatch, variants[0], alpha),
        "timeline": _timeline(chosen[0], metrics, groups, variants, alpha, now),
    }
    return dict(_clean(result))


def _event_names(chosen: Iterable[Metric], metrics: Mapping[str, Metric]) -> set[str] | None:
    names: set[str] = set()
    for metric in chosen:
        parts = [metric]
        if metric.type == "ratio":
            parts = [metrics[metric.numerator or ""], metrics[metric.denominator or ""]]
        for part in parts:
            if part.event is None:
                return None  # retention on any event
            names.add(part.event)
    return names


def _metric_rows(
    chosen: list[Metric],
    metrics: Mapping[str, Metric],
    groups: Mapping[str, list[_Person]],
    variants: list[str],
    alpha: float,
) -> list[dict[str, Any]]:
    rows = []
    control = variants[0]
    for metric in chosen:
        arms = _summaries(metric, metrics, groups)
        for variant in variants:
            row: dict[str, Any] = {
                "metric": metric.key,
                "type": metric.type,
                "guardrail": metric.guardrail,
                "higher_is_better": metric.higher_is_better,
                "variant": variant,
                "control": variant == control,
                "users": len(groups[variant]),
                "mean": arms.means.get(variant),
            }
            if variant != control and control in arms.stats and variant in arms.stats:
                row |= _compare(metric, arms.stats[control], arms.stats[variant], alpha)
            rows.append(row)
    return rows


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
    groups: Mapping[str, list[_Person]],
    variants: list[str],
    alpha: float,
    now: datetime,
    days: int = 30,
) -> list[dict[str, Any]]:
    """The primary metric's cumulative lift per variant at the end of each day, for plots."""
    firsts = [p.first for members in groups.values() for p in members]
    if not firsts:
        return []
    start = datetime.fromtimestamp(min(firsts) / 1000, tz=now.tzinfo).date()
    start = max(start, now.date() - timedelta(days=days - 1))  # the latest ``days`` days
    points = []
    day = start
    while day <= now.date():
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
        cutoff = _ms(min(end, now))
        subset = {v: [p for p in members if p.first <= cutoff] for v, members in groups.items()}
        arms = _summaries(metric, metrics, subset, cutoff)
        control = variants[0]
        for variant in variants[1:]:
            point: dict[str, Any] = {"date": day.isoformat(), "variant": variant,
                                     "users": len(subset[variant])}  # fmt: skip
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
    "chance_to_beat_control", "note",
)  # fmt: skip
