"""Deciding what each person sees: feature flags first.

:class:`FeatureEvaluator` compiles feature flags written in GrowthBook's JSON
(:class:`FeatureDefinition`, a default value and :class:`FeatureRule` s tried in order) and
evaluates them for a person's ``tailored.experiments.evaluation.ExperimentContext``: forced
values, percentage rollouts, experiments, prerequisite flags and contextual bandit rules, each
:class:`FeatureResult` saying why the flag has its value. :func:`evaluate_feature` does the
same in one call. GrowthBook's ``feature`` and ``stickyBucket`` conformance cases pin the
behaviour.

Example:
    >>> from tailored.experiments.evaluation import ExperimentContext
    >>> flags = FeatureEvaluator({"new-checkout": {"defaultValue": False, "rules": [
    ...     {"condition": {"country": "DE"}, "force": True}]}})
    >>> flags.evaluate("new-checkout", ExperimentContext(attributes={"country": "DE"})).on
    True
"""

from __future__ import annotations

from ._definitions import BanditContext, ContextualBandit, FeatureDefinition, FeatureRule
from ._features import FeatureEvaluator, FeatureResult, FeatureSource, evaluate_feature

__all__ = [
    "BanditContext",
    "ContextualBandit",
    "FeatureDefinition",
    "FeatureEvaluator",
    "FeatureResult",
    "FeatureRule",
    "FeatureSource",
    "evaluate_feature",
]
