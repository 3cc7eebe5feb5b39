"""Running an experiment for one person, step for step as GrowthBook's SDKs do.

The order of the checks is part of the contract: a forced variation beats targeting, a sticky
bucket skips targeting, coverage is checked before an experiment-level ``force``, and QA mode
leaves out everyone not forced. GrowthBook's ``run`` and ``feature`` cases pin it down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._attributes import is_truthy, js_string, resolve_hash_attribute
from ._context import ExperimentContext, ExperimentResult
from ._definition import Experiment, Filter
from ._sticky import (
    sticky_experiment_key,
    sticky_variation,
    updated_document,
    variation_key_of,
)
from .assignment import choose_variation, hash, in_namespace

_LEADING_INTEGER = re.compile(r"\s*([+-]?\d+)")


def query_string_override(key: str, url: str, variations: int) -> int | None:
    """The variation ``?<key>=<index>`` in ``url`` forces, if it names a valid one.

    Example:
        >>> query_string_override("cta", "https://shop.test/?cta=1#top", 2)
        1
        >>> query_string_override("cta", "https://shop.test/?cta=5", 2) is None
        True
    """
    parts = url.split("?")
    query = parts[1] if len(parts) > 1 else ""  # as GrowthBook: up to a second "?"
    if not query:
        return None
    for pair in query.partition("#")[0].split("&"):
        name, _, text = pair.partition("=")
        if name != key:
            continue
        match = _LEADING_INTEGER.match(text)  # parseInt semantics: "1abc" is 1
        index = int(match.group(1)) if match else -1
        return index if 0 <= index < variations else None
    return None


def _in_ranges(n: float, ranges: Sequence[tuple[float, float]]) -> bool:
    return any(start <= n < end for start, end in ranges)


def filtered_out(filters: Sequence[Filter], attributes: Mapping[str, Any]) -> bool:
    """Whether a person falls outside any of ``filters`` (or lacks an attribute to hash)."""
    for item in filters:
        _, value = resolve_hash_attribute(attributes, item.attribute)
        if not is_truthy(value):
            return True
        n = hash(item.seed, js_string(value), item.hash_version or 2)
        if n is None or not _in_ranges(n, item.ranges):
            return True
    return False


def in_rollout(
    attributes: Mapping[str, Any],
    seed: str,
    *,
    hash_attribute: str | None = None,
    fallback_attribute: str | None = None,
    coverage: float | None = None,
    range: tuple[float, float] | None = None,
    hash_version: int | None = None,
) -> bool:
    """Whether a person is in a percentage rollout: ``range`` if given, else ``coverage``.

    Example:
        >>> in_rollout({"id": "1"}, "flag", range=(0.0, 0.99))
        True
        >>> in_rollout({}, "flag", coverage=0.5)
        False
    """
    if range is None and coverage is None:
        return True
    if range is None and coverage == 0:
        return False
    _, value = resolve_hash_attribute(attributes, hash_attribute, fallback_attribute)
    if not is_truthy(value):
        return False
    n = hash(seed, js_string(value), hash_version or 1)
    if n is None:
        return False
    if range is not None:
        return _in_ranges(n, (range,))
    return coverage is None or n <= coverage


def _sticky(experiment: Experiment, context: ExperimentContext) -> bool:
    return context.sticky_bucket_service is not None and not experiment.disable_sticky_bucketing


def _result(
    experiment: Experiment,
    context: ExperimentContext,
    variation: int,
    feature_id: str | None,
    *,
    bucket: float | None = None,
    sticky_bucket_used: bool = False,
) -> ExperimentResult:
    """The result for ``variation``; an invalid index means "not enrolled, show the control"."""
    enrolled = 0 <= variation < len(experiment.variations)
    index = variation if enrolled else 0
    fallback = experiment.fallback_attribute if _sticky(experiment, context) else None
    hash_attribute, hash_value = resolve_hash_attribute(
        context.attributes, experiment.hash_attribute, fallback
    )
    meta = experiment.meta[index] if experiment.meta and index < len(experiment.meta) else None
    name = meta.name if meta is not None else None
    return ExperimentResult(
        in_experiment=enrolled,
        variation_id=index,
        value=experiment.variations[index],
        hash_used=bucket is not None,
        hash_attribute=hash_attribute,
        hash_value=hash_value,
        feature_id=feature_id,
        key=variation_key_of(experiment, index),
        bucket=bucket,
        sticky_bucket_used=sticky_bucket_used,
        name=name,
        passthrough=bool(meta is not None and meta.passthrough),
    )


def _forced(experiment: Experiment, context: ExperimentContext) -> int | None:
    """A variation forced by the URL or the context, which wins over every other rule."""
    forced = query_string_override(experiment.key, context.url, len(experiment.variations))
    if forced is not None:
        return forced
    return context.forced_variations.get(experiment.key)


def _prerequisites_pass(experiment: Experiment, context: ExperimentContext) -> bool:
    for parent in experiment.parent_conditions or ():
        outcome = context.prerequisites(parent.id) if context.prerequisites else None
        if outcome is not None and outcome.source == "cyclicPrerequisite":
            return False
        value = outcome.value if outcome is not None else None
        if not parent.compiled({"value": value}):
            return False
    return True


def _eligible(experiment: Experiment, context: ExperimentContext, hash_value: Any) -> bool:
    """Whether targeting lets a person in: filters (or namespace), condition, prerequisites."""
    if experiment.filters is not None:
        if filtered_out(experiment.filters, context.attributes):
            return False
    elif experiment.namespace is not None and not in_namespace(
        js_string(hash_value), experiment.namespace
    ):
        return False
    condition = experiment.compiled_condition
    if condition is not None and not condition(context.attributes, context.saved_groups):
        return False
    return _prerequisites_pass(experiment, context)


def _remember(
    experiment: Experiment, context: ExperimentContext, attribute: str, value: Any, key: str
) -> None:
    """Store a fresh assignment in the person's sticky bucket document, if it changed it."""
    docs = context.sticky_bucket_assignment_docs
    entry = {sticky_experiment_key(experiment.key, experiment.bucket_version): key}
    doc = updated_document(docs, attribute, js_string(value), entry)
    if doc is not None and context.sticky_bucket_service is not None:
        docs[doc.storage_key] = doc
        context.sticky_bucket_service.save_assignments(doc)


def run_experiment(
    experiment: Experiment, context: ExperimentContext, *, feature_id: str | None = None
) -> ExperimentResult:
    """The variation a person gets in ``experiment``, following GrowthBook's rules.

    Args:
        experiment: The experiment.
        context: The person and the request.
        feature_id: The feature flag whose rule runs the experiment, if any.

    Returns:
        The result; ``in_experiment`` is False (with the control's value) when the person
        is not enrolled.

    Example:
        >>> exp = Experiment.model_validate({"key": "my-test", "variations": [0, 1]})
        >>> result = run_experiment(exp, ExperimentContext(attributes={"id": "1"}))
        >>> result.in_experiment, result.value, result.hash_used
        (True, 1, True)
    """
    if len(experiment.variations) < 2 or not context.enabled:
        return _result(experiment, context, -1, feature_id)
    forced = _forced(experiment, context)
    if forced is not None:
        return _result(experiment, context, forced, feature_id)
    if experiment.status == "draft" or experiment.active is False:
        return _result(experiment, context, -1, feature_id)
    sticky = _sticky(experiment, context)
    attribute, value = resolve_hash_attribute(
        context.attributes,
        experiment.hash_attribute,
        experiment.fallback_attribute if sticky else None,
    )
    if not is_truthy(value):
        return _result(experiment, context, -1, feature_id)
    assigned, blocked = (
        sticky_variation(context.sticky_bucket_assignment_docs, context.attributes, experiment)
        if sticky
        else (-1, False)
    )
    found = assigned >= 0
    if not found and not _eligible(experiment, context, value):
        return _result(experiment, context, -1, feature_id)
    n = hash(experiment.seed or experiment.key, js_string(value), experiment.hash_version or 1)
    if n is None:
        return _result(experiment, context, -1, feature_id)
    if not found:
        assigned = choose_variation(n, experiment.variation_ranges)
    if blocked:
        return _result(experiment, context, -1, feature_id, sticky_bucket_used=True)
    if assigned < 0:
        return _result(experiment, context, -1, feature_id)
    if experiment.force is not None:
        return _result(experiment, context, experiment.force, feature_id)
    if context.qa_mode or experiment.status == "stopped":
        return _result(experiment, context, -1, feature_id)
    result = _result(experiment, context, assigned, feature_id, bucket=n, sticky_bucket_used=found)
    if sticky:
        _remember(experiment, context, attribute, value, result.key)
    return result
