"""Feature flags as GrowthBook defines them: a default value and rules tried in order."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from pydantic import Field

from tailored.conditions import Condition, compile_condition
from tailored.experiments.evaluation import (
    BanditLeaf,
    Experiment,
    Filter,
    GrowthBookModel,
    ParentCondition,
    VariationMeta,
    is_truthy,
)

# Keys a rule passes on to the experiment it runs: when present and truthy (JavaScript's
# notion), when present at all, and when not null, as GrowthBook's evaluator copies them.
_COPIED_IF_TRUTHY = (
    "weights",
    "hashAttribute",
    "fallbackAttribute",
    "disableStickyBucketing",
    "namespace",
    "meta",
    "ranges",
    "name",
    "phase",
    "seed",
    "hashVersion",
    "filters",
    "condition",
)
_COPIED_IF_PRESENT = ("coverage",)
_COPIED_IF_NOT_NULL = ("bucketVersion", "minBucketVersion")


class FeatureRule(GrowthBookModel):
    """One rule of a flag: a forced value (possibly a percentage rollout) or an experiment.

    A rule with ``force`` sets the value for people who pass its condition and rollout; a rule
    with ``variations`` runs an experiment and sets the value of the variation a person gets.
    """

    id: str | None = Field(None, description="Rule id, reported as `rule_id`.")
    condition: dict[str, Any] | None = Field(None, description="Targeting condition.")
    parent_conditions: tuple[ParentCondition, ...] | None = Field(
        None, description="Prerequisite flags: the rule is skipped (or the flag gated) if unmet."
    )
    filters: tuple[Filter, ...] | None = Field(None, description="Hash slices people must be in.")
    force: Any = Field(
        None, description="Value forced by the rule; a rule without it is not forced."
    )
    coverage: float | None = Field(None, description="Share of people the rule reaches.")
    range: tuple[float, float] | None = Field(
        None, description="`[start, end)` of the hash a rollout reaches; overrides coverage."
    )
    hash_attribute: str | None = Field(None, description="Attribute hashed; `id` when omitted.")
    fallback_attribute: str | None = Field(
        None, description="Attribute hashed when `hash_attribute` is empty (sticky bucketing)."
    )
    hash_version: int | None = Field(None, description="Hash version; 1 when omitted.")
    seed: str | None = Field(None, description="Hash seed; the flag key when omitted.")
    disable_sticky_bucketing: bool | None = Field(None, description="Never keep assignments.")
    variations: tuple[Any, ...] | None = Field(None, description="Experiment variation values.")
    weights: tuple[float, ...] | None = Field(None, description="Experiment split.")
    key: str | None = Field(None, description="Experiment key; the flag key when omitted.")
    namespace: tuple[str, float, float] | None = Field(None, description="Mutual exclusion.")
    ranges: tuple[tuple[float, float], ...] | None = Field(
        None, description="Explicit bucket of each variation."
    )
    meta: tuple[VariationMeta, ...] | None = Field(None, description="Variation keys and names.")
    name: str | None = Field(None, description="Experiment name.")
    phase: str | None = Field(None, description="Experiment phase.")
    bucket_version: int | None = Field(None, description="Sticky bucket version.")
    min_bucket_version: int | None = Field(None, description="Oldest sticky bucket version kept.")
    tracks: tuple[dict[str, Any], ...] | None = Field(
        None, description="Exposures to record when the rule applies (remote evaluation)."
    )
    contextual_variations: tuple[Any, ...] | None = Field(
        None, description="Variation values of a contextual bandit rule."
    )
    contextual_bandit_ref: str | None = Field(
        None, description="Id of the contextual bandit whose policy sets this rule's weights."
    )

    @property
    def forces(self) -> bool:
        """Whether the rule forces a value (``force`` given, even as null or false)."""
        return "force" in self.model_fields_set

    @cached_property
    def compiled_condition(self) -> Condition | None:
        """The targeting condition, compiled once; None when there is none."""
        if self.condition is None:
            return None
        return compile_condition(self.condition, strict=False)

    def experiment(self, feature_key: str) -> Experiment | None:
        """The experiment this rule runs for flag ``feature_key``; None for other rules."""
        data = self.to_json()
        variations = data.get("contextualVariations", data.get("variations"))
        if variations is None:
            return None
        spec: dict[str, Any] = {"variations": variations, "key": self.key or feature_key}
        spec.update((k, data[k]) for k in _COPIED_IF_PRESENT if k in data)
        spec.update((k, data[k]) for k in _COPIED_IF_TRUTHY if is_truthy(data.get(k)))
        spec.update((k, data[k]) for k in _COPIED_IF_NOT_NULL if data.get(k) is not None)
        return Experiment.model_validate(spec)


class FeatureDefinition(GrowthBookModel):
    """A feature flag: its rules, tried in order, and the value when none applies.

    Example:
        >>> flag = FeatureDefinition.model_validate(
        ...     {"defaultValue": False, "rules": [{"condition": {"plan": "pro"}, "force": True}]})
        >>> len(flag.rules), flag.default_value
        (1, False)
    """

    default_value: Any = Field(None, description="Value when no rule applies.")
    rules: tuple[FeatureRule, ...] = Field((), description="Rules, tried in order.")


class BanditContext(GrowthBookModel):
    """One leaf of a contextual bandit's policy: who it matches and how it splits them."""

    leaf_id: int = Field(description="Id of the leaf, recorded with exposures.")
    condition: dict[str, Any] = Field(
        default_factory=dict, description="Who the leaf matches; empty matches everyone."
    )
    weights: tuple[float, ...] = Field(description="Split of the people it matches.")

    @cached_property
    def compiled(self) -> Condition:
        """The condition, compiled once."""
        return compile_condition(self.condition, strict=False)


class ContextualBandit(GrowthBookModel):
    """A contextual bandit's current policy: the first leaf that matches sets the weights."""

    bandit_version: int | None = Field(None, description="Version of the policy.")
    contexts: tuple[BanditContext, ...] = Field((), description="Leaves, tried in order.")

    def route(
        self,
        attributes: Mapping[str, Any],
        saved_groups: Mapping[str, Any],
        marginal: tuple[float, ...] | None,
    ) -> BanditLeaf:
        """The leaf a person falls in; leaf -1 with the ``marginal`` weights when none matches."""
        extra: dict[str, Any] = {}
        if self.bandit_version is not None:
            extra["bandit_version"] = self.bandit_version
        for leaf in self.contexts:
            if leaf.compiled(attributes, saved_groups):
                return BanditLeaf(leaf_id=leaf.leaf_id, variation_weights=leaf.weights, **extra)
        return BanditLeaf(leaf_id=-1, variation_weights=marginal or (), **extra)
