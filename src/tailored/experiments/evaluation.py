"""Evaluating experiments for a person, with GrowthBook's semantics.

:func:`run_experiment` decides whether a person takes part in an :class:`Experiment` and which
variation they see, from an :class:`ExperimentContext` (their attributes, forced variations,
QA mode and sticky buckets). The experiment definition is GrowthBook's JSON, read with
``Experiment.model_validate``; results write back to GrowthBook's shape with ``to_json()``.
The ``run`` and ``stickyBucket`` cases of GrowthBook's conformance suite pin the behaviour.

Sticky bucketing keeps people in their variation when a split changes: give the context a
:class:`StickyBucketService` and the person's documents (:func:`load_sticky_assignments`).

Feature flags, which run experiments as rules, are evaluated by ``tailored.decide``.

Example:
    >>> exp = Experiment.model_validate(
    ...     {"key": "cta", "variations": ["Buy", "Get"], "hashVersion": 2})
    >>> run_experiment(exp, ExperimentContext(attributes={"id": "u1"})).value
    'Get'
"""

from __future__ import annotations

from ._attributes import is_truthy, js_string, resolve_hash_attribute
from ._context import ExperimentContext, ExperimentResult, FlagOutcome, PrerequisiteResolver
from ._definition import (
    BanditLeaf,
    Experiment,
    Filter,
    GrowthBookModel,
    ParentCondition,
    VariationMeta,
)
from ._run import filtered_out, in_rollout, query_string_override, run_experiment
from ._sticky import (
    InMemoryStickyBucketService,
    StickyAssignmentsDocument,
    StickyBucketService,
    load_sticky_assignments,
    sticky_attribute_key,
    sticky_experiment_key,
)

__all__ = [
    "BanditLeaf",
    "Experiment",
    "ExperimentContext",
    "ExperimentResult",
    "Filter",
    "FlagOutcome",
    "GrowthBookModel",
    "InMemoryStickyBucketService",
    "ParentCondition",
    "PrerequisiteResolver",
    "StickyAssignmentsDocument",
    "StickyBucketService",
    "VariationMeta",
    "filtered_out",
    "in_rollout",
    "is_truthy",
    "js_string",
    "load_sticky_assignments",
    "query_string_override",
    "resolve_hash_attribute",
    "run_experiment",
    "sticky_attribute_key",
    "sticky_experiment_key",
]
