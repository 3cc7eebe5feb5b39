"""Feature flags: GrowthBook's `feature` and `contextualBandit` cases, and what they imply."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import tailored.decide
from tailored.decide import (
    FeatureDefinition,
    FeatureEvaluator,
    FeatureResult,
    evaluate_feature,
)
from tailored.experiments import evaluation
from tailored.experiments.evaluation import ExperimentContext
from tests.experiments.test_assignment import cases

SECTION_SIZES = {"feature": 55, "contextualBandit": 35}


def test_sections_are_complete(conformance_cases):
    assert {name: len(conformance_cases[name]) for name in SECTION_SIZES} == SECTION_SIZES


def evaluate_case(case):
    _, context, key, _ = case
    return evaluate_feature(
        key,
        context.get("features", {}),
        ExperimentContext.from_growthbook(context),
        contextual_bandits=context.get("contextualBandits"),
    )


@pytest.mark.parametrize("index", cases("feature"))
def test_feature_conformance(conformance_cases, index):
    case = conformance_cases["feature"][index]
    assert evaluate_case(case).to_json() == case[3]


@pytest.mark.parametrize("index", cases("contextualBandit"))
def test_contextual_bandit_conformance(conformance_cases, index):
    case = conformance_cases["contextualBandit"][index]
    assert evaluate_case(case).to_json() == case[3]


# ---------------------------------------------------------------------------------------------
# Behaviour the cases leave implicit


@pytest.mark.parametrize(
    "name",
    [
        "tailored.decide",
        "tailored.decide._definitions",
        "tailored.decide._exposures",
        "tailored.decide._features",
    ],
)
def test_docstring_examples_run(name):
    assert doctest.testmod(importlib.import_module(name)).failed == 0


@pytest.mark.parametrize("module", [tailored.decide, evaluation])
def test_public_names_are_exactly_all(module):
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and name != "annotations" and not inspect.ismodule(value)
    }
    assert set(module.__all__) == public

    # isort's order, as ruff keeps it: CONSTANTS, then Classes, then functions.
    def rank(name):
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert module.__all__ == sorted(module.__all__, key=rank)


def test_overrides_win_over_rules():
    flags = FeatureEvaluator({"f": {"defaultValue": 1}}, overrides={"f": 5, "ghost": "x"})
    ctx = ExperimentContext()
    assert flags.evaluate("f", ctx) == FeatureResult(5, "override")
    assert flags.evaluate("ghost", ctx).source == "override"


@pytest.mark.parametrize(
    ("value", "on"), [([], True), ({}, True), (0, False), ("", False), ("0", True)]
)
def test_on_and_off_follow_javascript_truthiness(value, on):
    result = FeatureResult(value, "defaultValue")
    assert (result.on, result.off) == (on, not on)


def test_a_flag_that_requires_itself_is_cyclic():
    flag = {"defaultValue": 1, "rules": [{"parentConditions": [{"id": "f", "condition": {}}]}]}
    assert evaluate_feature("f", {"f": flag}, ExperimentContext()).source == "cyclicPrerequisite"


def test_evaluator_accepts_models_and_json_alike():
    as_json = {"defaultValue": "a", "rules": [{"condition": {"plan": "pro"}, "force": "b"}]}
    ctx = ExperimentContext(attributes={"plan": "pro"})
    from_json = FeatureEvaluator({"f": as_json}).evaluate("f", ctx)
    from_model = FeatureEvaluator({"f": FeatureDefinition.model_validate(as_json)}).evaluate(
        "f", ctx
    )
    assert from_json == from_model == FeatureResult("b", "force")


def test_forced_null_is_still_a_forced_rule():
    flag = {"defaultValue": 1, "rules": [{"force": None}]}
    result = evaluate_feature("f", {"f": flag}, ExperimentContext())
    assert (result.value, result.source) == (None, "force")


def test_tracks_of_the_applied_rule_are_reported():
    track = {"experiment": {"key": "remote"}, "result": {"variationId": 1}}
    flag = {"rules": [{"force": True, "tracks": [track]}]}
    assert evaluate_feature("f", {"f": flag}, ExperimentContext()).tracks == (track,)


def test_sticky_bucket_attributes_are_the_hash_and_fallback_attributes():
    flags = FeatureEvaluator(
        {
            "a": {"rules": [{"variations": [0, 1]}, {"force": 1, "hashAttribute": "ignored"}]},
            "b": {
                "rules": [
                    {
                        "variations": [0, 1],
                        "hashAttribute": "company",
                        "fallbackAttribute": "device",
                    }
                ]
            },
        }
    )
    assert flags.sticky_bucket_attributes == {"id", "company", "device"}
