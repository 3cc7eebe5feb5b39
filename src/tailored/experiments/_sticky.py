"""Sticky bucketing: keep each person's variation when an experiment's split changes.

Hash-based assignment moves people when weights or coverage change mid-experiment. With
sticky bucketing on, the first assignment is stored in a document per attribute value
(``"id||u1"``, ``"deviceId||d9"``) and reused afterwards; raising an experiment's
``bucket_version`` starts over, and ``min_bucket_version`` excludes people assigned under
older versions. The documents and their keys are GrowthBook's, so stored assignments carry over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from pydantic import Field

from ._attributes import is_truthy, js_string, resolve_attribute, resolve_hash_attribute
from ._definition import Experiment, GrowthBookModel


class StickyAssignmentsDocument(GrowthBookModel):
    """The variations one attribute value was given, by experiment key and bucket version."""

    attribute_name: str = Field(description="Attribute, such as `id` or `deviceId`.")
    attribute_value: str = Field(description="Its value, as a string.")
    assignments: dict[str, str] = Field(
        default_factory=dict,
        description="Variation key by `<experiment key>__<bucket version>`.",
    )

    @property
    def storage_key(self) -> str:
        """``attributeName||attributeValue``, the key documents are stored and looked up by."""
        return sticky_attribute_key(self.attribute_name, self.attribute_value)


class StickyBucketService(Protocol):
    """Where sticky assignment documents are kept: memory here, a database in ``decide``."""

    def get_assignments(
        self, attribute_name: str, attribute_value: str
    ) -> StickyAssignmentsDocument | None:
        """The document of one attribute value, or None when it has none."""
        ...

    def save_assignments(self, doc: StickyAssignmentsDocument) -> None:
        """Store ``doc``, replacing the document of the same attribute value."""
        ...


class InMemoryStickyBucketService:
    """Sticky assignment documents in a dict: for tests, demos and single-process use.

    Example:
        >>> service = InMemoryStickyBucketService()
        >>> service.save_assignments(StickyAssignmentsDocument(
        ...     attribute_name="id", attribute_value="u1", assignments={"exp__0": "1"}))
        >>> service.get_assignments("id", "u1").assignments
        {'exp__0': '1'}
    """

    def __init__(self) -> None:
        self.docs: dict[str, StickyAssignmentsDocument] = {}
        """Every stored document by ``attributeName||attributeValue``."""

    def get_assignments(
        self, attribute_name: str, attribute_value: str
    ) -> StickyAssignmentsDocument | None:
        """The document of one attribute value, or None when it has none."""
        return self.docs.get(sticky_attribute_key(attribute_name, attribute_value))

    def save_assignments(self, doc: StickyAssignmentsDocument) -> None:
        """Store ``doc``, replacing the document of the same attribute value."""
        self.docs[doc.storage_key] = doc


def sticky_attribute_key(attribute_name: str, attribute_value: str) -> str:
    """The key of an attribute value's document: ``"id||u1"``."""
    return f"{attribute_name}||{attribute_value}"


def sticky_experiment_key(experiment_key: str, bucket_version: int | None = None) -> str:
    """The key of an experiment's assignment in a document: ``"checkout__0"``."""
    return f"{experiment_key}__{bucket_version or 0}"


def load_sticky_assignments(
    service: StickyBucketService, attributes: Mapping[str, Any], attribute_names: Iterable[str]
) -> dict[str, StickyAssignmentsDocument]:
    """The stored documents of a person's values of ``attribute_names``, by storage key.

    Load them once per request into ``ExperimentContext.sticky_bucket_assignment_docs``.
    """
    docs: dict[str, StickyAssignmentsDocument] = {}
    for name in attribute_names:
        value = resolve_attribute(attributes, name)
        if not is_truthy(value):
            continue
        doc = service.get_assignments(name, js_string(value))
        if doc is not None:
            docs[doc.storage_key] = doc
    return docs


def _assignments(
    docs: Mapping[str, StickyAssignmentsDocument],
    attributes: Mapping[str, Any],
    experiment: Experiment,
) -> dict[str, str]:
    """A person's stored assignments; those under the hash attribute win over the fallback's."""
    merged: dict[str, str] = {}
    fallback_name, fallback_value = resolve_hash_attribute(
        attributes, experiment.fallback_attribute
    )
    if is_truthy(fallback_value):
        fallback_doc = docs.get(sticky_attribute_key(fallback_name, js_string(fallback_value)))
        if fallback_doc is not None:
            merged.update(fallback_doc.assignments)
    name, value = resolve_hash_attribute(attributes, experiment.hash_attribute)
    doc = docs.get(sticky_attribute_key(name, js_string(value)))
    if doc is not None:
        merged.update(doc.assignments)
    return merged


def sticky_variation(
    docs: Mapping[str, StickyAssignmentsDocument],
    attributes: Mapping[str, Any],
    experiment: Experiment,
) -> tuple[int, bool]:
    """The stored variation of a person in ``experiment``, and whether they are blocked.

    Variations are matched by the key they were stored under, their meta key or else their
    index. GrowthBook's SDKs match meta keys only, so without meta they never reuse an
    assignment; here an experiment without meta is sticky too.

    Returns:
        ``(variation index or -1, blocked)``. Blocked means the person holds an assignment
        from a bucket version below ``min_bucket_version`` and must be left out.
    """
    assignments = _assignments(docs, attributes, experiment)
    for version in range(experiment.min_bucket_version or 0):
        if sticky_experiment_key(experiment.key, version) in assignments:
            return -1, True
    variation_key = assignments.get(
        sticky_experiment_key(experiment.key, experiment.bucket_version)
    )
    if variation_key is None:
        return -1, False
    for index in range(len(experiment.variations)):
        if variation_key_of(experiment, index) == variation_key:
            return index, False
    return -1, False  # a key the experiment no longer has: assign afresh


def variation_key_of(experiment: Experiment, index: int) -> str:
    """The key a variation is recorded by: its meta key, else its index as a string."""
    meta = experiment.meta
    key = meta[index].key if meta is not None and index < len(meta) else None
    return key or str(index)


def updated_document(
    docs: Mapping[str, StickyAssignmentsDocument],
    attribute_name: str,
    attribute_value: str,
    assignments: Mapping[str, str],
) -> StickyAssignmentsDocument | None:
    """The document of an attribute value with ``assignments`` added; None if unchanged."""
    existing = docs.get(sticky_attribute_key(attribute_name, attribute_value))
    old = existing.assignments if existing is not None else {}
    new = {**old, **assignments}
    if new == old:
        return None
    return StickyAssignmentsDocument(
        attribute_name=attribute_name, attribute_value=attribute_value, assignments=new
    )
