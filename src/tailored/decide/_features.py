"""Evaluating feature flags for a person, with GrowthBook's semantics.

A flag's rules are tried in order: prerequisites first (a failing gate turns the flag off, a
failing plain prerequisite skips the rule), then filters, then either a forced value with its
condition and rollout, or an experiment whose variation sets the value. Prerequisites are
flags themselves, so evaluation recurses, and a cycle ends it with ``cyclicPrerequisite``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tailored.experiments.evaluation import (
    Experiment,
    ExperimentContext,
    ExperimentResult,
    filtered_out,
    in_rollout,
    is_truthy,
    load_sticky_assignments,
    run_experiment,
)

from ._definitions import ContextualBandit, FeatureDefinition, FeatureRule

FeatureSource = Literal[
    "unknownFeature",
    "defaultValue",
    "force",
    "experiment",
    "prerequisite",
    "cyclicPrerequisite",
    "override",
]
"""Why a flag has its value."""


@dataclass(frozen=True, slots=True)
class FeatureResult:
    """A flag's value for a person, and why it has it."""

    value: Any
    """The value; None when the flag is unknown or turned off by a prerequisite."""
    source: FeatureSource
    """Why the flag has this value."""
    rule_id: str = ""
    """Id of the rule that set the value, if it has one."""
    experiment: Experiment | None = None
    """The experiment that set the value, when ``source`` is ``"experiment"``."""
    experiment_result: ExperimentResult | None = None
    """The person's result in that experiment."""
    tracks: tuple[dict[str, Any], ...] = ()
    """Exposures the rule that applied asks to record (remotely evaluated experiments)."""

    @property
    def on(self) -> bool:
        """Whether the value counts as on (JavaScript truthiness: 0, "" and null are off)."""
        return is_truthy(self.value)

    @property
    def off(self) -> bool:
        """The opposite of :attr:`on`."""
        return not is_truthy(self.value)

    def to_json(self) -> dict[str, Any]:
        """The result as GrowthBook writes it."""
        out: dict[str, Any] = {
            "value": self.value,
            "on": self.on,
            "off": self.off,
            "source": self.source,
            "ruleId": self.rule_id,
        }
        if self.experiment is not None:
            out["experiment"] = self.experiment.to_json()
        if self.experiment_result is not None:
            out["experimentResult"] = self.experiment_result.to_json()
        return out


@dataclass(frozen=True, slots=True)
class _Rule:
    rule: FeatureRule
    experiment: Experiment | None


@dataclass(frozen=True, slots=True)
class _Feature:
    definition: FeatureDefinition
    rules: tuple[_Rule, ...]


@dataclass(frozen=True, slots=True)
class _Skip:
    """A rule whose plain (non-gating) prerequisite failed: go on to the next rule."""


_SKIP = _Skip()


@dataclass(frozen=True, slots=True)
class FeatureEvaluator:
    """Flags compiled once and evaluated for many people: the form hot paths hold.

    Example:
        >>> flags = FeatureEvaluator({"dark-mode": {"defaultValue": False,
        ...     "rules": [{"condition": {"plan": "pro"}, "force": True}]}})
        >>> flags.evaluate("dark-mode", ExperimentContext(attributes={"plan": "pro"})).value
        True
    """

    features: Mapping[str, FeatureDefinition | Mapping[str, Any]]
    """Flag definitions by key, as models or GrowthBook JSON."""
    contextual_bandits: Mapping[str, ContextualBandit | Mapping[str, Any]] = field(
        default_factory=dict
    )
    """Contextual bandit policies by id, for rules with a ``contextualBanditRef``."""
    overrides: Mapping[str, Any] = field(default_factory=dict)
    """Values that replace flags' evaluation outright, by key (QA and previews)."""
    _compiled: dict[str, _Feature] = field(init=False, repr=False, compare=False)
    _bandits: dict[str, ContextualBandit] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = {key: _compile(key, value) for key, value in self.features.items()}
        bandits = {
            key: ContextualBandit.model_validate(value)
            for key, value in self.contextual_bandits.items()
        }
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_bandits", bandits)

    @property
    def sticky_bucket_attributes(self) -> frozenset[str]:
        """The attributes experiment rules hash by, whose sticky bucket documents they read."""
        names: set[str] = set()
        for feature in self._compiled.values():
            for rule in feature.rules:
                if rule.experiment is not None:
                    names.add(rule.experiment.hash_attribute or "id")
                    if rule.experiment.fallback_attribute:
                        names.add(rule.experiment.fallback_attribute)
        return frozenset(names)

    def load_sticky_buckets(self, context: ExperimentContext) -> None:
        """Load the person's sticky bucket documents from the context's service, if it has one."""
        if context.sticky_bucket_service is not None:
            context.sticky_bucket_assignment_docs.update(
                load_sticky_assignments(
                    context.sticky_bucket_service, context.attributes, self.sticky_bucket_attributes
                )
            )

    def evaluate(self, key: str, context: ExperimentContext) -> FeatureResult:
        """The value of flag ``key`` for the person of ``context``."""
        return self._evaluate(key, context, frozenset())

    def run(self, experiment: Experiment, context: ExperimentContext) -> ExperimentResult:
        """Run a standalone experiment, reading its prerequisites from these flags."""
        if experiment.parent_conditions and context.prerequisites is None:
            context = replace(context, prerequisites=lambda key: self.evaluate(key, context))
        return run_experiment(experiment, context)

    def _evaluate(
        self, key: str, context: ExperimentContext, seen: frozenset[str]
    ) -> FeatureResult:
        if key in seen:
            return FeatureResult(None, "cyclicPrerequisite")
        seen = seen | {key}
        if key in self.overrides:
            return FeatureResult(self.overrides[key], "override")
        feature = self._compiled.get(key)
        if feature is None:
            return FeatureResult(None, "unknownFeature")
        for compiled in feature.rules:
            gate = self._prerequisites(compiled.rule, context, seen)
            if isinstance(gate, FeatureResult):
                return gate
            if gate is _SKIP:
                continue
            result = self._apply(key, compiled, context)
            if result is not None:
                return result
        return FeatureResult(feature.definition.default_value, "defaultValue")

    def _prerequisites(
        self, rule: FeatureRule, context: ExperimentContext, seen: frozenset[str]
    ) -> FeatureResult | _Skip | None:
        """None when a rule's prerequisites pass; else skip it, or a result ending the flag."""
        for parent in rule.parent_conditions or ():
            outcome = self._evaluate(parent.id, context, seen)
            if outcome.source == "cyclicPrerequisite":
                return FeatureResult(None, "cyclicPrerequisite")
            if not parent.compiled({"value": outcome.value}):
                return FeatureResult(None, "prerequisite") if parent.gate else _SKIP
        return None

    def _apply(self, key: str, compiled: _Rule, context: ExperimentContext) -> FeatureResult | None:
        """The result a rule gives, or None when it does not apply to the person."""
        rule = compiled.rule
        if rule.filters is not None and filtered_out(rule.filters, context.attributes):
            return None
        if rule.forces:
            if not self._forced_applies(key, rule, context):
                return None
            return FeatureResult(rule.force, "force", rule.id or "", tracks=rule.tracks or ())
        if compiled.experiment is None:
            return None
        experiment, result = self._run_rule(key, rule, compiled.experiment, context)
        if result.in_experiment and not result.passthrough:
            return FeatureResult(result.value, "experiment", rule.id or "", experiment, result)
        return None

    @staticmethod
    def _forced_applies(key: str, rule: FeatureRule, context: ExperimentContext) -> bool:
        condition = rule.compiled_condition
        if condition is not None and not condition(context.attributes, context.saved_groups):
            return False
        sticky = context.sticky_bucket_service is not None and not rule.disable_sticky_bucketing
        return in_rollout(
            context.attributes,
            rule.seed or key,
            hash_attribute=rule.hash_attribute,
            fallback_attribute=rule.fallback_attribute if sticky else None,
            coverage=rule.coverage,
            range=rule.range,
            hash_version=rule.hash_version,
        )

    def _run_rule(
        self, key: str, rule: FeatureRule, experiment: Experiment, context: ExperimentContext
    ) -> tuple[Experiment, ExperimentResult]:
        """Run a rule's experiment, with its weights from a contextual bandit if it has one."""
        ref = rule.contextual_bandit_ref
        bandit = self._bandits.get(ref) if ref is not None else None
        if bandit is None:
            return experiment, run_experiment(experiment, context, feature_id=key)
        leaf = bandit.route(context.attributes, context.saved_groups, experiment.weights)
        if leaf.variation_weights:
            experiment = experiment.model_copy(update={"weights": leaf.variation_weights})
        result = run_experiment(experiment, context, feature_id=key)
        if not result.hash_used:
            return experiment, result  # forced: the bandit did not choose
        experiment = experiment.model_copy(update={"contextual_bandit": leaf})
        return experiment, replace(result, bandit=leaf)


def _compile(key: str, value: FeatureDefinition | Mapping[str, Any]) -> _Feature:
    definition = FeatureDefinition.model_validate(value)
    rules = tuple(_Rule(rule, rule.experiment(key)) for rule in definition.rules)
    return _Feature(definition, rules)


def evaluate_feature(
    key: str,
    features: Mapping[str, FeatureDefinition | Mapping[str, Any]],
    context: ExperimentContext,
    *,
    contextual_bandits: Mapping[str, ContextualBandit | Mapping[str, Any]] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> FeatureResult:
    """The value of flag ``key`` for a person, following GrowthBook's rules.

    This compiles ``features`` on every call; hot paths build a :class:`FeatureEvaluator` once.

    Args:
        key: The flag's key.
        features: Flag definitions by key, as models or GrowthBook JSON.
        context: The person and the request.
        contextual_bandits: Contextual bandit policies by id.
        overrides: Values that replace flags' evaluation outright, by key.

    Example:
        >>> evaluate_feature("f", {"f": {"defaultValue": 1}}, ExperimentContext()).to_json()
        {'value': 1, 'on': True, 'off': False, 'source': 'defaultValue', 'ruleId': ''}
    """
    evaluator = FeatureEvaluator(features, contextual_bandits or {}, overrides or {})
    return evaluator.evaluate(key, context)
