"""Running experiments: GrowthBook's `run` cases, and the rules they leave implicit."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tailored.decide import FeatureEvaluator
from tailored.experiments import evaluation
from tailored.experiments.evaluation import (
    Experiment,
    ExperimentContext,
    is_truthy,
    js_string,
    query_string_override,
    resolve_hash_attribute,
    run_experiment,
)
from tests.experiments.test_assignment import cases

SECTION_SIZES = {"run": 73, "getQueryStringOverride": 16}


def test_sections_are_complete(conformance_cases):
    assert {name: len(conformance_cases[name]) for name in SECTION_SIZES} == SECTION_SIZES


@pytest.mark.parametrize("index", cases("run"))
def test_run_conformance(conformance_cases, index):
    _, context, experiment, value, in_experiment, hash_used = conformance_cases["run"][index]
    # Prerequisite flags come with the context: the flags evaluator wires them in.
    flags = FeatureEvaluator(context.get("features", {}))
    result = flags.run(
        Experiment.model_validate(experiment), ExperimentContext.from_growthbook(context)
    )
    assert (result.value, result.in_experiment, result.hash_used) == (
        value,
        in_experiment,
        hash_used,
    )


@pytest.mark.parametrize("index", cases("getQueryStringOverride"))
def test_query_string_override_conformance(conformance_cases, index):
    _, key, url, variations, expected = conformance_cases["getQueryStringOverride"][index]
    assert query_string_override(key, url, variations) == expected


# ---------------------------------------------------------------------------------------------
# Rules the cases leave implicit


def experiment(**fields):
    return Experiment.model_validate({"key": "exp", "variations": ["a", "b"], **fields})


@pytest.mark.parametrize("name", ["_attributes", "_context", "_definition", "_run", "_sticky"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"tailored.experiments.{name}")
    assert doctest.testmod(module).failed == 0
    assert doctest.testmod(evaluation).failed == 0


@pytest.mark.parametrize("status", ["draft", "stopped"])
def test_draft_and_stopped_experiments_enroll_nobody(status):
    ctx = ExperimentContext(attributes={"id": "1"})
    assert run_experiment(experiment(), ctx).in_experiment
    assert not run_experiment(experiment(status=status), ctx).in_experiment


def test_forced_variation_still_applies_to_a_stopped_experiment():
    ctx = ExperimentContext(attributes={"id": "1"}, forced_variations={"exp": 1})
    result = run_experiment(experiment(status="stopped"), ctx)
    assert (result.in_experiment, result.value, result.hash_used) == (True, "b", False)


def test_unknown_hash_version_enrolls_nobody():
    ctx = ExperimentContext(attributes={"id": "1"})
    assert not run_experiment(experiment(hashVersion=99), ctx).in_experiment


def test_prerequisites_without_flags_are_unknown_flags():
    exp = experiment(
        parentConditions=[{"id": "parent", "condition": {"value": {"$exists": False}}}]
    )
    assert run_experiment(exp, ExperimentContext(attributes={"id": "1"})).in_experiment
    blocked = experiment(parentConditions=[{"id": "parent", "condition": {"value": True}}])
    assert not run_experiment(blocked, ExperimentContext(attributes={"id": "1"})).in_experiment


def test_result_json_has_growthbook_keys_and_variation_meta():
    exp = experiment(hashVersion=2, meta=[{"key": "ctl", "name": "Control"}, {"key": "new"}])
    result = run_experiment(exp, ExperimentContext(attributes={"id": "1"}), feature_id="flag")
    out = result.to_json()
    assert set(out) >= {"key", "featureId", "inExperiment", "hashUsed", "variationId", "value"}
    assert out["featureId"] == "flag"
    assert out["key"] == ("ctl" if result.variation_id == 0 else "new")
    assert ("name" in out) == (result.variation_id == 0)


def test_copy_recomputes_cached_ranges():
    exp = experiment(weights=[0.5, 0.5])
    assert exp.variation_ranges == ((0.0, 0.5), (0.5, 1.0))
    moved = exp.model_copy(update={"weights": (1.0, 0.0)})
    assert moved.variation_ranges == ((0.0, 1.0), (1.0, 1.0))
    assert moved.to_json()["weights"] == [1.0, 0.0]


def test_to_json_writes_only_the_keys_given():
    data = {"key": "k", "variations": [0, 1], "namespace": ["ns", 0, 0.5], "hashVersion": 2}
    assert Experiment.model_validate(data).to_json() == data


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("x", "x"),
        (123, "123"),
        (1.0, "1"),
        (1.5, "1.5"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (-2.5e-10, "-2.5e-10"),
        (True, "true"),
        (None, "null"),
        ([1, "a"], '[1,"a"]'),
    ],
)
def test_js_string_writes_values_as_javascript(value, text):
    assert js_string(value) == text


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (None, False),
        (False, False),
        (0, False),
        (0.0, False),
        (float("nan"), False),
        ("", False),
        (True, True),
        ("0", True),
        ([], True),
        ({}, True),
        (-1, True),
    ],
)
def test_truthiness_is_javascripts(value, truthy):
    assert is_truthy(value) is truthy


def test_hash_attribute_resolution():
    attrs = {"id": "", "device": "d1", "user": {"id": "u1"}, "a.b": 0}
    assert resolve_hash_attribute(attrs, None) == ("id", "")
    assert resolve_hash_attribute(attrs, "id", "device") == ("device", "d1")
    assert resolve_hash_attribute(attrs, "user.id") == ("user.id", "u1")
    assert resolve_hash_attribute(attrs, "a.b") == ("a.b", 0)  # a literal key wins
    assert resolve_hash_attribute(attrs, "missing", "also-missing") == ("missing", "")
