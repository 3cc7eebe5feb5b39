"""The objects a workspace's decisions are configured with, as validated pydantic models.

Placements are the slots a page or message has; experiences fill them for an audience;
experiments split people between variants; flags are values with targeting and rollouts;
settings hold the global holdout, the consent rule and attribution. The same shapes are read
from the admin API, from ``tailored apply`` and written by ``tailored export``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tailored.conditions import validate
from tailored.core import ValidationError

KEY_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,99}$"
_KEY = re.compile(KEY_PATTERN)

Key = Annotated[
    str,
    Field(
        pattern=KEY_PATTERN,
        description="Lower-case letters, digits, `_`, `-` and `.`; up to 100 characters.",
    ),
]

Kind = Literal["placement", "experience", "experiment", "flag", "metric", "settings"]
#: Every kind of decide object, in the order they are applied (references point backwards).
KINDS: tuple[Kind, ...] = ("settings", "placement", "metric", "experiment", "flag", "experience")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Audience(_Strict):
    """Who an experience, variant or flag rule is for: a saved segment, a condition, or both.

    Conditions see the person's attributes: ``traits``, computed traits such as
    ``lifecycle_stage`` and ``total_revenue``, ``rfm_segment``, ``consent``, ``segments``
    (the keys of the segments they are in), and the request's ``context`` (``context.page.url``,
    ``context.locale``, ``device.type``, ``device.os``, ``channel``...).
    """

    segment: Key | None = None
    """Key of a saved segment the person must be in."""
    condition: dict[str, Any] | None = None
    """A condition of the condition language over the person's attributes."""

    @field_validator("condition")
    @classmethod
    def _compiles(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return value
        behavioural = sorted(_behavioural_keys(value))
        if behavioural:
            raise ValueError(
                f"{', '.join(behavioural)} read the event history, which a decision does not: "
                "save the condition as a segment and use `segment: <key>`"
            )
        problems = validate(value)
        if problems:
            raise ValueError("; ".join(f"{p.loc}: {p.message}" for p in problems))
        return value

    @model_validator(mode="after")
    def _something(self) -> Audience:
        if self.segment is None and self.condition is None:
            raise ValueError("an audience needs `segment`, `condition` or both")
        return self


class Schedule(_Strict):
    """When an experience is live; either end may be open."""

    start: datetime | None = None
    """From this moment (inclusive); ISO 8601 with a time zone."""
    end: datetime | None = None
    """Until this moment (exclusive)."""

    @model_validator(mode="after")
    def _ordered(self) -> Schedule:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"{name} needs a time zone, such as 2026-12-01T00:00:00Z")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Placement(_Strict):
    """A slot that shows personalized content: a hero banner, a call to action, a subject line."""

    key: Key
    name: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    default: dict[str, Any] = Field(default_factory=dict)
    """Content shown when no experience applies, to the holdout and without consent."""


class ExperimentVariant(_Strict):
    """One arm of an experiment."""

    key: Key
    weight: float = Field(1.0, ge=0.0)
    """Relative share of traffic; weights are normalized to sum to 1."""
    name: str = Field("", max_length=200)


class Layer(_Strict):
    """A slice of a mutually exclusive layer: experiments in one layer never share a person."""

    key: Key
    """The layer (namespace) name."""
    range: tuple[float, float] = (0.0, 1.0)
    """The share ``[start, end)`` of the layer's hash this experiment takes."""

    @field_validator("range")
    @classmethod
    def _valid(cls, value: tuple[float, float]) -> tuple[float, float]:
        start, end = value
        if not 0.0 <= start < end <= 1.0:
            raise ValueError("range must be [start, end) with 0 <= start < end <= 1")
        return value


class Experiment(_Strict):
    """A randomized test: people are split between variants by a hash of their id.

    Assignment is GrowthBook's (hash version 2) and sticky: a person keeps the variant they
    were first shown when weights or coverage change; raising ``bucket_version`` re-randomizes.
    """

    key: Key
    name: str = Field("", max_length=200)
    hypothesis: str = Field("", max_length=2000)
    status: Literal["draft", "running", "stopped"] = "running"
    """Only running experiments take people in; the others give the control."""
    variants: tuple[ExperimentVariant, ...] = Field(min_length=2, max_length=50)
    """The arms, control first."""
    coverage: float = Field(1.0, ge=0.0, le=1.0)
    """Share of eligible people who take part; the rest get the default."""
    layer: Layer | None = None
    """Mutual exclusion with the other experiments of the same layer."""
    seed: str | None = Field(None, max_length=200)
    """Hash seed; the key when omitted."""
    bucket_version: int = Field(0, ge=0)
    """Raise it to re-randomize everyone (sticky assignments of older versions are ignored)."""
    metrics: tuple[Key, ...] = ()
    """Keys of the metrics its results report."""

    @field_validator("variants")
    @classmethod
    def _distinct(cls, value: tuple[ExperimentVariant, ...]) -> tuple[ExperimentVariant, ...]:
        _unique([v.key for v in value], "variant")
        if sum(v.weight for v in value) <= 0:
            raise ValueError("at least one variant needs a weight above 0")
        return value

    @property
    def weights(self) -> tuple[float, ...]:
        """The variants' weights normalized to sum to 1."""
        total = sum(v.weight for v in self.variants)
        return tuple(v.weight / total for v in self.variants)


MetricType = Literal["conversion", "count", "sum", "ratio", "retention"]


class Metric(_Strict):
    """What an experiment is judged by, per person, from the events after their first exposure.

    - ``conversion``: did ``event`` happen within the window (0 or 1);
    - ``count``: how many ``event`` s; ``sum``: the sum of ``property`` over them (revenue);
    - ``ratio``: ``numerator`` over ``denominator`` (two count or sum metrics), compared by
      the delta method (average order value = revenue / orders);
    - ``retention``: did ``event`` (any event when omitted) happen between ``after_hours``
      and the end of the window.

    A ``guardrail`` is watched for harm rather than hoped to rise.
    """

    key: Key
    name: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    type: MetricType = "conversion"
    event: str | None = Field(None, min_length=1, max_length=200)
    property: str | None = Field(None, min_length=1, max_length=200)
    """The numeric property a ``sum`` adds up (``revenue``)."""
    numerator: Key | None = None
    denominator: Key | None = None
    window_hours: float = Field(24.0 * 7, gt=0.0, le=24.0 * 90)
    """Events up to this long after a person's first exposure count."""
    after_hours: float = Field(24.0, ge=0.0)
    """For ``retention``: the return must come at least this long after the exposure."""
    higher_is_better: bool = True
    guardrail: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Metric:
        if self.type in ("conversion", "count", "sum") and self.event is None:
            raise ValueError(f"a {self.type} metric needs `event`: the event's name")
        if self.type == "sum" and self.property is None:
            raise ValueError("a sum metric needs `property`: the property to add up")
        if self.type == "ratio" and (self.numerator is None or self.denominator is None):
            raise ValueError("a ratio metric needs `numerator` and `denominator` (metric keys)")
        if self.type == "retention" and self.after_hours >= self.window_hours:
            raise ValueError("after_hours must be below window_hours")
        return self


class Variant(_Strict):
    """One version of an experience's content."""

    key: Key
    name: str = Field("", max_length=200)
    content: dict[str, Any] = Field(default_factory=dict)
    """Free JSON: headline, CTA text and link, image URL, offer code..."""
    audience: Audience | None = None
    """For `rules` experiences: who gets this variant (the first match wins; none = everyone)."""


class BanditSettings(_Strict):
    """How a `bandit` experience learns: a policy of ``tailored.bandits`` and its settings."""

    policy: Literal[
        "bernoulli_thompson",
        "gaussian_thompson",
        "epsilon_greedy",
        "ucb1",
        "linucb",
        "linear_thompson",
        "uniform",
        "vw",
    ] = "bernoulli_thompson"
    settings: dict[str, Any] = Field(default_factory=dict)
    """The policy's settings (``exploration_floor``, ``epsilon``...)."""
    features: tuple[str, ...] = ()
    """Attribute paths used as numeric context by the contextual policies."""


class RecommendationSlot(_Strict):
    """How a `recommendations` experience fills its variant's ``items``."""

    strategy: Literal["for_you", "similar", "bought_together", "trending", "recently_viewed"] = (
        "for_you"
    )
    k: int = Field(4, ge=1, le=100)
    """How many items."""
    item_from: str | None = None
    """Context path of the anchor item for `similar` and `bought_together` (``context.item``)."""


Allocation = Literal["rules", "experiment", "bandit", "recommendations"]


class Experience(_Strict):
    """What a placement shows to an audience, and how the variant is chosen.

    ``allocation`` is ``rules`` (each variant's audience, first match wins), ``experiment``
    (the variants are the named experiment's arms), ``bandit`` (a policy learns which variant
    works, per person where context helps) or ``recommendations`` (one variant whose content
    gains ``items`` from the recommend stage).
    """

    key: Key
    name: str = Field("", max_length=200)
    placement: Key
    audience: Audience | None = None
    """Who the experience is for; everyone when omitted."""
    priority: int = 0
    """Experiences of a placement are tried from the highest priority down."""
    schedule: Schedule | None = None
    enabled: bool = True
    allocation: Allocation = "rules"
    experiment: Key | None = None
    """Key of the experiment, for ``allocation: experiment``."""
    bandit: BanditSettings | None = None
    recommendations: RecommendationSlot | None = None
    variants: tuple[Variant, ...] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> Experience:
        _unique([v.key for v in self.variants], "variant")
        if self.allocation == "experiment" and self.experiment is None:
            raise ValueError("allocation 'experiment' needs `experiment`: the experiment's key")
        if self.allocation != "experiment" and self.experiment is not None:
            raise ValueError("`experiment` is only used with allocation 'experiment'")
        if self.allocation == "bandit" and len(self.variants) < 2:
            raise ValueError("a bandit needs at least two variants to choose from")
        if self.allocation == "recommendations" and len(self.variants) != 1:
            raise ValueError("a recommendations experience has exactly one variant")
        if self.allocation != "rules":
            for n, variant in enumerate(self.variants):
                if variant.audience is not None:
                    raise ValueError(f"variants[{n}].audience is only used with allocation 'rules'")
        return self

    def live(self, now: datetime) -> bool:
        """Whether the experience is enabled and inside its schedule at ``now``."""
        if not self.enabled:
            return False
        schedule = self.schedule
        if schedule is None:
            return True
        return (schedule.start is None or schedule.start <= now) and (
            schedule.end is None or now < schedule.end
        )


FlagType = Literal["boolean", "string", "number", "json"]


class Prerequisite(_Strict):
    """Another flag that must have a value for this one to be on."""

    flag: Key
    value: Any = True
    """The value the prerequisite must have (``true`` by default)."""


class FlagRule(_Strict):
    """One rule of a flag, tried in order: a targeted value, a rollout, or an experiment."""

    id: Key | None = None
    audience: Audience | None = None
    """Who the rule applies to; everyone when omitted."""
    value: Any = None
    """The value the rule gives (not for experiment rules)."""
    rollout: float | None = Field(None, ge=0.0, le=1.0)
    """Share of the audience that gets the value (a stable hash of the person's id)."""
    experiment: Key | None = None
    """Key of an experiment whose variants set the value."""
    values: dict[str, Any] | None = None
    """For experiment rules: the value of each variant, by variant key."""

    @model_validator(mode="after")
    def _shape(self) -> FlagRule:
        if self.experiment is not None:
            if self.values is None:
                raise ValueError("an experiment rule needs `values`: the value of each variant")
            if "value" in self.model_fields_set or self.rollout is not None:
                raise ValueError("an experiment rule takes `values`, not `value` or `rollout`")
        elif "value" not in self.model_fields_set:
            raise ValueError("a rule needs `value` (or `experiment` and `values`)")
        return self


class Flag(_Strict):
    """A feature flag: typed values, targeting rules, rollouts and prerequisite flags."""

    key: Key
    name: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    type: FlagType = "boolean"
    default: Any = False
    """The value when no rule applies, and for everyone when the flag is disabled."""
    enabled: bool = True
    prerequisites: tuple[Prerequisite, ...] = ()
    rules: tuple[FlagRule, ...] = ()

    @field_validator("default")
    @classmethod
    def _typed_default(cls, value: Any, info: ValidationInfo) -> Any:
        _check_type(info.data.get("type", "boolean"), value, "the default")
        return value

    @field_validator("rules")
    @classmethod
    def _typed_rules(
        cls, rules: tuple[FlagRule, ...], info: ValidationInfo
    ) -> tuple[FlagRule, ...]:
        flag_type = info.data.get("type", "boolean")
        for n, rule in enumerate(rules):
            if rule.experiment is None:
                _check_type(flag_type, rule.value, f"rules[{n}].value")
            for variant, value in (rule.values or {}).items():
                _check_type(flag_type, value, f"rules[{n}].values.{variant}")
        _unique([rule.id for rule in rules if rule.id is not None], "rule id")
        return rules


class Holdout(_Strict):
    """A share of people who always get the defaults, to measure personalization's total lift."""

    percent: float = Field(0.0, ge=0.0, le=50.0)
    """Percentage of people held out (0 turns it off)."""
    seed: str = Field("holdout", max_length=200)
    """Hash seed; change it to draw a new holdout."""


class ConsentRule(_Strict):
    """What a person without personalization consent (or with GPC) gets."""

    experiments_without_consent: bool = False
    """Whether they still take part in experiments (never in bandits or targeted content)."""


class Attribution(_Strict):
    """Which events count as conversions of earlier decisions, and for how long."""

    window_hours: float = Field(24.0, gt=0.0, le=24.0 * 90)
    """A conversion is credited to the person's decisions made this long before it."""
    events: tuple[str, ...] = (
        "Order Completed",
        "Product Added",
        "Product Clicked",
        "Experience Clicked",
        "Signed Up",
    )
    """Events attributed by person; any event carrying ``properties.decision_id`` is
    attributed to that decision whatever its name."""


class Rewards(_Strict):
    """How rewards of bandit decisions are taken (``POST /v1/decisions/{id}/reward``)."""

    deadline_hours: float = Field(48.0, gt=0.0, le=24.0 * 30)
    """A reward later than this after its decision is refused."""
    once: bool = True
    """Refuse a second reward for the same decision."""
    from_conversions: bool = True
    """A bandit decision credited with a conversion (see attribution) is rewarded 1."""
    default: float | None = Field(0.0, ge=-1.0, le=1.0)
    """The reward of a bandit decision that got none by the deadline (``null``: none)."""


class Settings(_Strict):
    """The workspace's decide settings (one object, key ``decide``)."""

    key: Literal["decide"] = "decide"
    holdout: Holdout = Holdout()
    consent: ConsentRule = ConsentRule()
    attribution: Attribution = Attribution()
    rewards: Rewards = Rewards()


MODELS: dict[Kind, type[_Strict]] = {
    "placement": Placement,
    "experience": Experience,
    "experiment": Experiment,
    "flag": Flag,
    "metric": Metric,
    "settings": Settings,
}


_BEHAVIOURAL = frozenset({"$event", "$sequence", "$segment"})


def _behavioural_keys(condition: Any) -> set[str]:
    if isinstance(condition, dict):
        found = {k for k in condition if k in _BEHAVIOURAL}
        for value in condition.values():
            found |= _behavioural_keys(value)
        return found
    if isinstance(condition, list):
        return set().union(*(_behavioural_keys(v) for v in condition)) if condition else set()
    return set()


def _unique(keys: list[str], what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {key!r} appears twice")
        seen.add(key)


def _check_type(flag_type: FlagType, value: Any, where: str) -> None:
    ok = {
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "json": isinstance(value, dict | list),
    }[flag_type]
    if not ok:
        raise ValueError(f"{where} must be a {flag_type} value, not {value!r}")


def check_key(key: str, what: str = "key") -> None:
    """Refuse a key that is not lower-case letters, digits, ``_``, ``-`` and ``.``."""
    if not _KEY.match(key):
        raise ValidationError(
            f"{what} {key!r} must be 1-100 lower-case letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )
