"""Sticky bucketing: GrowthBook's `stickyBucket` cases, and the promise it exists for."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.decide import FeatureEvaluator
from tailored.experiments.evaluation import (
    Experiment,
    ExperimentContext,
    InMemoryStickyBucketService,
    StickyAssignmentsDocument,
    run_experiment,
)
from tests.experiments.test_assignment import cases


def test_section_is_complete(conformance_cases):
    assert len(conformance_cases["stickyBucket"]) == 13


@pytest.mark.parametrize("index", cases("stickyBucket"))
def test_sticky_bucket_conformance(conformance_cases, index):
    _, context, stored, key, expected, expected_docs = conformance_cases["stickyBucket"][index]
    service = InMemoryStickyBucketService()
    for doc in stored:
        service.save_assignments(StickyAssignmentsDocument.model_validate(doc))
    ctx = ExperimentContext.from_growthbook(context, sticky_bucket_service=service)
    flags = FeatureEvaluator(context.get("features", {}))
    flags.load_sticky_buckets(ctx)

    result = flags.evaluate(key, ctx).experiment_result

    assert (result.to_json() if result is not None else None) == expected
    # The person's documents, as the context holds them and as the service stored them.
    assert {
        k: doc.to_json() for k, doc in ctx.sticky_bucket_assignment_docs.items()
    } == expected_docs
    assert {k: service.docs[k].to_json() for k in expected_docs} == expected_docs


# ---------------------------------------------------------------------------------------------
# The promise: a person keeps their variation while the split changes


def split(n):
    """Weights for n variations that sum to 1, as GrowthBook requires."""
    return st.lists(st.integers(1, 100), min_size=n, max_size=n).map(
        lambda raw: [w / sum(raw) for w in raw]
    )


@st.composite
def experiments_and_resplits(draw):
    n = draw(st.integers(2, 4))
    common = {"key": "exp", "variations": list(range(n)), "hashVersion": 2}
    before = Experiment.model_validate({**common, "weights": draw(split(n))})
    after = Experiment.model_validate(
        {**common, "weights": draw(split(n)), "coverage": draw(st.floats(0, 1))}
    )
    return before, after


@settings(max_examples=150, deadline=None)
@given(user=st.text(min_size=1, max_size=12), pair=experiments_and_resplits())
def test_variation_survives_a_change_of_weights_and_coverage(user, pair):
    before, after = pair
    ctx = ExperimentContext(
        attributes={"id": user}, sticky_bucket_service=InMemoryStickyBucketService()
    )
    first = run_experiment(before, ctx)
    second = run_experiment(after, ctx)
    if first.in_experiment:
        assert second.in_experiment
        assert second.variation_id == first.variation_id
        assert second.sticky_bucket_used


def test_a_new_bucket_version_starts_over_and_min_version_excludes():
    service = InMemoryStickyBucketService()
    ctx = ExperimentContext(attributes={"id": "u1"}, sticky_bucket_service=service)
    base = {"key": "exp", "variations": ["a", "b"], "meta": [{"key": "a"}, {"key": "b"}]}
    # Everyone goes to "b", then the split sends everyone to "a".
    assert run_experiment(Experiment.model_validate({**base, "weights": [0, 1]}), ctx).value == "b"
    kept = run_experiment(Experiment.model_validate({**base, "weights": [1, 0]}), ctx)
    assert (kept.value, kept.sticky_bucket_used) == ("b", True)
    fresh = Experiment.model_validate({**base, "weights": [1, 0], "bucketVersion": 1})
    assert run_experiment(fresh, ctx).value == "a"
    assert service.docs["id||u1"].assignments == {"exp__0": "b", "exp__1": "a"}
    excluding = Experiment.model_validate({**base, "bucketVersion": 2, "minBucketVersion": 1})
    blocked = run_experiment(excluding, ctx)
    assert (blocked.in_experiment, blocked.sticky_bucket_used) == (False, True)


def test_without_a_service_nothing_is_remembered():
    ctx = ExperimentContext(attributes={"id": "u1"})
    exp = Experiment.model_validate({"key": "exp", "variations": ["a", "b"], "weights": [0, 1]})
    run_experiment(exp, ctx)
    assert ctx.sticky_bucket_assignment_docs == {}
