"""The decide benchmark's workspace as GrowthBook features, for the SDK peer figure.

GrowthBook evaluates features from attributes the caller hands it; it has no profiles or
event-based segments. So each person's attributes are what our evaluation sees of them (their
segment keys, profile fields, traits, locale), worked out before the timing, and the SDK
evaluates the same placements and flags as 15 features:

- a placement: the 5% holdout (a rollout forcing the default), the rules experience (forced
  values under segment and locale conditions), then its experiment or bandit (an experiment
  rule: GrowthBook has no bandits, its experiment is the nearest, and cheaper);
- a flag: targeting conditions, rollouts, a prerequisite (``parentConditions``), an
  experiment rule.
"""

from __future__ import annotations

from typing import Any

from tailored import decide, segments
from tailored.core import utcnow

from ._workspace import PLACEMENTS, _objects

_HOLDOUT: dict[str, Any] = {"coverage": 0.05, "hashAttribute": "id", "seed": "holdout"}


def _in_segment(key: str) -> dict[str, Any]:
    return {"segments": {"$elemMatch": {"$eq": key}}}


def _audience(audience: dict[str, Any]) -> dict[str, Any]:
    return _in_segment(audience["segment"]) if "segment" in audience else audience["condition"]


def _experiment_rule(experiment: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    variants = experiment["variants"]
    weights = [v.get("weight", 1 / len(variants)) for v in variants]
    rule: dict[str, Any] = {
        "key": experiment["key"],
        "variations": values,
        "weights": weights,
        "coverage": experiment.get("coverage", 1.0),
        "hashAttribute": "id",
        "hashVersion": 2,
    }
    if "layer" in experiment:
        start, end = experiment["layer"]["range"]
        rule["namespace"] = [experiment["layer"]["key"], start, end]
    return rule


def features() -> dict[str, Any]:
    """The placements and flags of the benchmark's workspace as GrowthBook features."""
    objects = _objects()
    experiments = {e["key"]: e for e in objects["experiment"]}
    found: dict[str, Any] = {}
    for placement in PLACEMENTS:
        default = {"headline": f"{placement} default"}
        rules: list[dict[str, Any]] = [{**_HOLDOUT, "force": default}]
        for experience in objects["experience"]:
            if experience["placement"] != placement:
                continue
            contents = [v["content"] for v in experience["variants"]]
            if experience.get("allocation") == "experiment":
                experiment = experiments[experience["experiment"]]
                rules.append(_experiment_rule(experiment, contents))
            elif experience.get("allocation") == "bandit":
                arms = {"key": experience["key"], "variants": experience["variants"]}
                rules.append(_experiment_rule(arms, contents))
            else:
                audience = _audience(experience["audience"])
                for variant in experience["variants"]:
                    both = {"$and": [audience, _audience(variant["audience"])]}
                    rules.append({"condition": both, "force": variant["content"]})
        found[placement] = {"defaultValue": default, "rules": rules}
    for flag in objects["flag"]:
        flag_rules: list[dict[str, Any]] = []
        if flag.get("enabled", True):
            for rule in flag.get("rules", []):
                if "experiment" in rule:
                    experiment = experiments[rule["experiment"]]
                    values = [rule["values"][v["key"]] for v in experiment["variants"]]
                    flag_rules.append(_experiment_rule(experiment, values))
                    continue
                out: dict[str, Any] = {"force": rule["value"]}
                if "audience" in rule:
                    out["condition"] = _audience(rule["audience"])
                if "rollout" in rule:
                    out.update(coverage=rule["rollout"], hashAttribute="id", seed=flag["key"])
                if flag.get("prerequisites"):
                    out["parentConditions"] = [
                        {"id": p["flag"], "condition": {"value": True}}
                        for p in flag["prerequisites"]
                    ]
                flag_rules.append(out)
        default = flag.get("default", False)
        found[flag["key"]] = {"defaultValue": default, "rules": flag_rules}
    return found


def attributes(person: decide.Person, request: decide.DecideRequest) -> dict[str, Any]:
    """What GrowthBook is told of a person: the attributes the workspace's conditions read."""
    wanted = frozenset({"total_revenue", "lifecycle_stage"})
    profile = segments.profile_attributes(person.state, utcnow(), person.score, wanted)
    traits = person.state.get("traits", {})
    return {
        "id": request.user_id,
        "segments": sorted(person.segments),
        "locale": request.context.get("locale"),
        "traits": {key: entry[0] for key, entry in traits.items()},
        "total_revenue": profile.get("total_revenue"),
        "lifecycle_stage": profile.get("lifecycle_stage"),
    }
