"""An experiment as GrowthBook defines it, read from (and written back to) its JSON shape."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tailored.conditions import Condition, compile_condition

from .assignment import bucket_ranges

# GrowthBook's JSON is camelCase; Python code may use the field names. Keys GrowthBook has added
# for features tailored does not implement (visual editor changes, URL patterns, tracking ids)
# are ignored rather than refused, so a GrowthBook payload loads unchanged.
GROWTHBOOK_JSON = ConfigDict(
    frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
)


class GrowthBookModel(BaseModel):
    """A frozen model read from GrowthBook's camelCase JSON and written back the same way."""

    model_config = GROWTHBOOK_JSON

    def to_json(self) -> dict[str, Any]:
        """The model as GrowthBook writes it: camelCase keys, only the keys that were given."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied, without the values cached from the original."""
        copied = super().model_copy(update=update, deep=deep)
        fields = type(self).model_fields
        for name in [name for name in copied.__dict__ if name not in fields]:
            del copied.__dict__[name]  # a cached_property computed from the old fields
        return copied


class Filter(GrowthBookModel):
    """A slice of a hash that people must fall in: GrowthBook's successor to namespaces."""

    seed: str = Field(description="Seed of this filter's hash, shared by exclusive experiments.")
    ranges: tuple[tuple[float, float], ...] = Field(
        description="`[start, end)` ranges of the hash; a person in none of them is filtered out."
    )
    attribute: str | None = Field(None, description="Attribute hashed; `id` when omitted.")
    hash_version: int | None = Field(None, description="Hash version; 2 when omitted.")


class VariationMeta(GrowthBookModel):
    """What is known about one variation besides its value."""

    key: str | None = Field(
        None, description="Stable id of the variation, recorded in exposures and sticky buckets."
    )
    name: str | None = Field(None, description="Human-readable name.")
    passthrough: bool | None = Field(
        None,
        description=(
            "A holdout variation: people in it count as enrolled for analysis, but the feature"
            " goes on to its next rule."
        ),
    )


class ParentCondition(GrowthBookModel):
    """A prerequisite: a condition on the value of another feature flag."""

    id: str = Field(description="Key of the prerequisite flag.")
    condition: dict[str, Any] = Field(
        default_factory=dict,
        description='Condition on `{"value": <the flag\'s value>}`; empty always passes.',
    )
    gate: bool = Field(
        False,
        description="When the condition fails, turn the whole flag off instead of skipping a rule.",
    )

    @cached_property
    def compiled(self) -> Condition:
        """The condition, compiled once."""
        return compile_condition(self.condition, strict=False)


class BanditLeaf(GrowthBookModel):
    """The leaf of a contextual bandit's policy that routed a person, with its weights."""

    leaf_id: int = Field(description="Id of the leaf; -1 when no leaf matched.")
    variation_weights: tuple[float, ...] = Field(description="Weights the person was split by.")
    bandit_version: int | None = Field(None, description="Version of the bandit's policy.")


class Experiment(GrowthBookModel):
    """One experiment: who takes part, how they are split, and what each variation is.

    Read GrowthBook's JSON with ``Experiment.model_validate(data)``; :meth:`to_json` writes it
    back with only the keys that were given.

    Example:
        >>> exp = Experiment.model_validate({"key": "cta", "variations": ["Buy", "Get"]})
        >>> exp.to_json()
        {'key': 'cta', 'variations': ['Buy', 'Get']}
    """

    key: str = Field(description="Unique key; also the hash seed when `seed` is omitted.")
    variations: tuple[Any, ...] = Field(description="Value of each variation, control first.")
    weights: tuple[float, ...] | None = Field(
        None, description="Share of enrolled people per variation; equal when omitted or invalid."
    )
    coverage: float | None = Field(
        None, description="Share of eligible people enrolled; 1 if omitted."
    )
    ranges: tuple[tuple[float, float], ...] | None = Field(
        None, description="Explicit `[start, end)` bucket of each variation; overrides the split."
    )
    condition: dict[str, Any] | None = Field(None, description="Targeting condition.")
    parent_conditions: tuple[ParentCondition, ...] | None = Field(
        None, description="Prerequisite flags that must have the given values."
    )
    namespace: tuple[str, float, float] | None = Field(
        None, description="`[id, start, end]`: mutual exclusion; ignored when `filters` is set."
    )
    filters: tuple[Filter, ...] | None = Field(
        None, description="Hash slices a person must be in, replacing `namespace`."
    )
    force: int | None = Field(
        None, description="Index of a variation everyone enrolled gets; no hash-based split."
    )
    active: bool | None = Field(None, description="False pauses the experiment for everyone.")
    status: str | None = Field(
        None, description="`draft` and `stopped` enroll nobody (forced variations still apply)."
    )
    hash_attribute: str | None = Field(None, description="Attribute hashed; `id` when omitted.")
    fallback_attribute: str | None = Field(
        None, description="Attribute hashed when `hash_attribute` is empty (sticky bucketing only)."
    )
    hash_version: int | None = Field(None, description="Hash version: 1 when omitted, 2 for new.")
    seed: str | None = Field(None, description="Hash seed; the key when omitted.")
    bucket_version: int | None = Field(
        None, description="Raised to re-randomize people already held in sticky buckets."
    )
    min_bucket_version: int | None = Field(
        None, description="People with sticky buckets of older versions are excluded."
    )
    disable_sticky_bucketing: bool | None = Field(
        None, description="Never keep nor reuse assignments for this experiment."
    )
    meta: tuple[VariationMeta, ...] | None = Field(
        None, description="Key, name and passthrough flag of each variation."
    )
    name: str | None = Field(None, description="Human-readable name.")
    phase: str | None = Field(None, description="Phase id, recorded with exposures.")
    contextual_bandit: BanditLeaf | None = Field(
        None, description="Set on evaluation when a contextual bandit chose the weights."
    )

    @cached_property
    def variation_ranges(self) -> tuple[tuple[float, float], ...]:
        """The range of hash values of each variation: ``ranges``, else from the split."""
        if self.ranges is not None:
            return self.ranges
        coverage = 1.0 if self.coverage is None else self.coverage
        return tuple(bucket_ranges(len(self.variations), coverage, self.weights))

    @cached_property
    def compiled_condition(self) -> Condition | None:
        """The targeting condition, compiled once; None when there is none."""
        if self.condition is None:
            return None
        return compile_condition(self.condition, strict=False)
