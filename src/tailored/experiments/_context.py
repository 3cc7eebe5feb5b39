"""What an experiment is evaluated for, and what the evaluation answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from ._definition import BanditLeaf
from ._sticky import StickyAssignmentsDocument, StickyBucketService

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class FlagOutcome(Protocol):
    """The part of a feature flag's evaluation a prerequisite reads."""

    @property
    def value(self) -> Any:
        """The flag's value for the person."""
        ...

    @property
    def source(self) -> str:
        """Why it has that value; ``"cyclicPrerequisite"`` ends the evaluation."""
        ...


PrerequisiteResolver = Callable[[str], FlagOutcome]
"""Evaluates a feature flag by key for the same person: how experiments read prerequisites."""


@dataclass(slots=True)
class ExperimentContext:
    """The person (or request) experiments and flags are evaluated for.

    Build one per request. It is read-only during an evaluation except for
    ``sticky_bucket_assignment_docs``, which gains the assignments made.

    Example:
        >>> ctx = ExperimentContext(attributes={"id": "u1", "country": "DE"})
        >>> ctx.enabled, ctx.qa_mode
        (True, False)
    """

    attributes: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """The person's attributes: ids to hash and values to target."""
    saved_groups: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """Saved groups by id, each a list of values, for ``$inGroup`` conditions."""
    forced_variations: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    """Variation index by experiment key, for QA and previews; wins over every rule."""
    enabled: bool = True
    """False puts nobody in any experiment (a kill switch)."""
    qa_mode: bool = False
    """True puts nobody in an experiment unless its variation is forced."""
    url: str = ""
    """The page's URL: ``?<experiment key>=<index>`` in it forces a variation."""
    sticky_bucket_service: StickyBucketService | None = None
    """Where assignments are kept; sticky bucketing is on when one is set."""
    sticky_bucket_assignment_docs: dict[str, StickyAssignmentsDocument] = field(
        default_factory=dict
    )
    """The person's stored assignment documents by ``attribute||value``, loaded beforehand."""
    prerequisites: PrerequisiteResolver | None = None
    """Evaluates prerequisite flags; without it every prerequisite flag is unknown."""

    @classmethod
    def from_growthbook(
        cls,
        data: Mapping[str, Any],
        *,
        sticky_bucket_service: StickyBucketService | None = None,
        prerequisites: PrerequisiteResolver | None = None,
    ) -> ExperimentContext:
        """A context from GrowthBook's JSON shape of one (``attributes``, ``qaMode``, ...).

        Keys for what is configuration here (``features``) or not supported are ignored.

        Example:
            >>> ctx = ExperimentContext.from_growthbook({"attributes": {"id": "1"}, "qaMode": True})
            >>> ctx.attributes, ctx.qa_mode
            ({'id': '1'}, True)
        """
        docs = data.get("stickyBucketAssignmentDocs") or {}
        return cls(
            attributes=data.get("attributes") or {},
            saved_groups=data.get("savedGroups") or {},
            forced_variations=data.get("forcedVariations") or {},
            enabled=data.get("enabled", True) is not False,
            qa_mode=bool(data.get("qaMode", False)),
            url=data.get("url") or "",
            sticky_bucket_service=sticky_bucket_service,
            sticky_bucket_assignment_docs={
                key: StickyAssignmentsDocument.model_validate(doc) for key, doc in docs.items()
            },
            prerequisites=prerequisites,
        )


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """Which variation a person sees in one experiment, and how it was decided."""

    in_experiment: bool
    """Whether the person is enrolled; if not, ``value`` is the control's."""
    variation_id: int
    """Index of the variation shown (0 when not enrolled)."""
    value: Any
    """Value of that variation."""
    hash_used: bool
    """Whether hashing chose the variation (False when forced): only such exposures count."""
    hash_attribute: str
    """The attribute that was (or would have been) hashed."""
    hash_value: Any
    """Its value."""
    feature_id: str | None
    """The feature flag whose rule ran the experiment, if any."""
    key: str
    """Stable key of the variation: its meta key, else its index."""
    bucket: float | None = None
    """The person's hash in [0, 1), when hashing chose the variation."""
    sticky_bucket_used: bool = False
    """Whether a stored assignment chose the variation."""
    name: str | None = None
    """Name of the variation, from its meta."""
    passthrough: bool = False
    """Whether the variation is a holdout that lets the flag go on to its next rule."""
    bandit: BanditLeaf | None = None
    """The contextual bandit leaf that set the weights, for a bandit rule."""

    def to_json(self) -> dict[str, Any]:
        """The result as GrowthBook writes it (camelCase keys, optional keys only when set)."""
        out: dict[str, Any] = {
            "key": self.key,
            "featureId": self.feature_id,
            "inExperiment": self.in_experiment,
            "hashUsed": self.hash_used,
            "variationId": self.variation_id,
            "value": self.value,
            "hashAttribute": self.hash_attribute,
            "hashValue": self.hash_value,
            "stickyBucketUsed": self.sticky_bucket_used,
        }
        if self.name:
            out["name"] = self.name
        if self.bucket is not None:
            out["bucket"] = self.bucket
        if self.passthrough:
            out["passthrough"] = True
        if self.bandit is not None:
            out.update(self.bandit.to_json())
        return out
