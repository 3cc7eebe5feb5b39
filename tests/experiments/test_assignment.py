"""Experiment assignment: the GrowthBook cases, and the invariants bucketing rests on."""

from __future__ import annotations

import doctest
import functools
import itertools
import json
import math
import os
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.experiments import assignment
from tailored.experiments.assignment import (
    Bucketing,
    assign,
    bucket_ranges,
    choose_variation,
    equal_weights,
    hash,
    in_namespace,
)

TOLERANCE = 1e-9

# ---------------------------------------------------------------------------------------------
# GrowthBook conformance cases
#
# The cases are read by the `conformance_cases` fixture, which skips or fails properly when the
# file is absent. Their names are only needed for test ids, so they are read here at collection
# time when the file is there; when it is not, one placeholder per test lets the fixture decide.


@functools.cache
def _sections() -> dict[str, Any] | None:
    override = os.environ.get("TAILORED_CONFORMANCE_DIR")
    folder = Path(override) if override else Path(__file__).parents[3] / "shared" / "conformance"
    try:
        cases: dict[str, Any] = json.loads((folder / "growthbook-cases.json").read_text())
    except (OSError, ValueError):
        return None
    return cases


def cases(
    section: str,
    name: Callable[[list[Any]], str] = lambda case: str(case[0]),
    keep: Callable[[list[Any]], bool] = lambda case: True,
) -> list[Any]:
    """One ``pytest.param`` per case of ``section``: its index, with its name as the id."""
    sections = _sections()
    if sections is None or section not in sections:
        return [pytest.param(0, id="cases-unavailable")]
    return [
        pytest.param(index, id=name(case))
        for index, case in enumerate(sections[section])
        if keep(case)
    ]


def approx_ranges(ranges: list[list[float]]) -> list[Any]:
    return [pytest.approx(tuple(r), abs=TOLERANCE) for r in ranges]


# The sizes the README of the cases gives: a truncated file must not pass quietly.
SECTION_SIZES = {
    "hash": 15,
    "getBucketRange": 13,
    "chooseVariation": 13,
    "inNamespace": 16,
    "getEqualWeights": 6,
}


def test_conformance_sections_are_complete(conformance_cases):
    sizes = {name: len(conformance_cases[name]) for name in SECTION_SIZES}
    assert sizes == SECTION_SIZES


@pytest.mark.parametrize("index", cases("hash", name=lambda c: f"v{c[2]}:{c[0]!r}+{c[1]!r}"))
def test_hash_conformance(conformance_cases, index):
    seed, value, version, expected = conformance_cases["hash"][index]
    if expected is None:
        assert hash(seed, value, version) is None
    else:
        assert hash(seed, value, version) == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize("index", cases("getBucketRange"))
def test_bucket_ranges_conformance(conformance_cases, index):
    _, (n, coverage, weights), expected = conformance_cases["getBucketRange"][index]
    assert bucket_ranges(n, coverage, weights) == approx_ranges(expected)


@pytest.mark.parametrize("index", cases("chooseVariation"))
def test_choose_variation_conformance(conformance_cases, index):
    _, n, ranges, expected = conformance_cases["chooseVariation"][index]
    assert choose_variation(n, [tuple(r) for r in ranges]) == expected


@pytest.mark.parametrize("index", cases("inNamespace"))
def test_in_namespace_conformance(conformance_cases, index):
    _, user_id, namespace, expected = conformance_cases["inNamespace"][index]
    assert in_namespace(user_id, namespace) is expected
    assert in_namespace(user_id, tuple(namespace)) is expected


@pytest.mark.parametrize("index", cases("getEqualWeights", name=lambda c: f"n={c[0]}"))
def test_equal_weights_conformance(conformance_cases, index):
    n, expected = conformance_cases["getEqualWeights"][index]
    # The file writes 1/3 as 0.33333333: compare at the 8 decimals it keeps.
    weights = [round(w, 8) for w in equal_weights(n)]
    assert weights == pytest.approx(expected, abs=TOLERANCE)


def _pure_bucketing(case: list[Any]) -> bool:
    """A `run` case that only hashes an id into buckets: the part `Bucketing` answers for."""
    _, context, experiment, *_ = case
    user_id = context.get("attributes", {}).get("id")
    return (
        set(context) == {"attributes"}
        and isinstance(user_id, str)
        and user_id != ""
        and len(experiment["variations"]) >= 2
        and set(experiment)
        <= {"key", "variations", "weights", "coverage", "seed", "hashVersion", "namespace"}
    )


@pytest.mark.parametrize("index", cases("run", keep=_pure_bucketing))
def test_bucketing_follows_growthbook_run_cases(conformance_cases, index):
    _, context, experiment, value, in_experiment, _ = conformance_cases["run"][index]
    variations = experiment["variations"]
    split = Bucketing(
        seed=experiment.get("seed", experiment["key"]),
        variations=len(variations),
        coverage=experiment.get("coverage", 1.0),
        weights=experiment.get("weights"),
        hash_version=experiment.get("hashVersion", 1),  # GrowthBook's default for `run`
        namespace=experiment.get("namespace"),
    )
    expected = variations.index(value) if in_experiment else -1
    assert split.assign(context["attributes"]["id"]) == expected


# ---------------------------------------------------------------------------------------------
# The hash, against a literal reading of the specification


def reference_fnv1a(text: str) -> int:
    """FNV-1a over UTF-16 code units, spelled out as GrowthBook's JavaScript does it."""
    state = 0x811C9DC5
    for char in text:
        point = ord(char)
        if point > 0xFFFF:
            point -= 0x10000
            units = [0xD800 + (point >> 10), 0xDC00 + (point & 0x3FF)]
        else:
            units = [point]
        for unit in units:
            state = ((state ^ unit) * 0x01000193) % 2**32
    return state


def reference_hash(seed: str, value: str, version: int) -> float | None:
    if version == 2:
        return reference_fnv1a(str(reference_fnv1a(seed + value))) % 10000 / 10000
    if version == 1:
        return reference_fnv1a(value + seed) % 1000 / 1000
    return None


# Long enough to cross from the short-input path to the per-step masked one.
texts = st.text(max_size=150)


@given(seed=texts, value=texts, version=st.sampled_from([1, 2]))
def test_hash_is_the_specified_function(seed, value, version):
    first = hash(seed, value, version)
    assert first == reference_hash(seed, value, version)
    assert hash(seed, value, version) == first
    assert first is not None
    assert 0 <= first < 1


# Every ASCII character, controls and DEL included: these are hashed in C.
ascii_texts = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=150)


@given(seed=ascii_texts, value=ascii_texts, version=st.sampled_from([1, 2]))
def test_ascii_input_is_hashed_as_specified(seed, value, version):
    assert hash(seed, value, version) == reference_hash(seed, value, version)


@given(version=st.integers().filter(lambda v: v not in (1, 2)))
def test_unknown_hash_versions_give_none(version):
    assert hash("seed", "id", version) is None
    assert assign("seed", "id", bucket_ranges(2), version) == -1


@pytest.mark.parametrize(
    ("seed", "value", "v1", "v2"),
    [
        # Values from GrowthBook's JavaScript `hash`, which sees UTF-16 code units.
        ("exp", "user-\U0001f600-1", 0.917, 0.9555),
        ("\U0001f3b2", "ünïcödé", 0.06, 0.3864),
        ("seed", "\ud800x", 0.3, 0.2023),  # a lone surrogate is one code unit
        ("checkout", "user_0001", 0.784, 0.4365),
    ],
)
def test_hash_matches_javascript_beyond_ascii(seed, value, v1, v2):
    assert hash(seed, value, 1) == pytest.approx(v1, abs=TOLERANCE)
    assert hash(seed, value, 2) == pytest.approx(v2, abs=TOLERANCE)


@given(
    seed=st.text(max_size=80),
    value=st.text(min_size=60, max_size=300),
    version=st.sampled_from([1, 2]),
)
def test_long_input_is_hashed_as_specified(seed, value, version):
    assert hash(seed, value, version) == reference_hash(seed, value, version)


def test_very_long_input_is_hashed_as_specified():
    value = "x\u00e9\U0001f600" * 2_000
    assert hash("seed", value, 2) == reference_hash("seed", value, 2)


def test_hash_does_not_depend_on_what_was_hashed_before():
    before = hash("seed", "id", 2)
    for i in range(5000):
        hash(f"other-{i}", "id", 2)
    assert hash("seed", "id", 2) == before


# ---------------------------------------------------------------------------------------------
# Bucket ranges and variation choice


@st.composite
def splits(draw: st.DrawFn) -> tuple[int, float, list[float] | None]:
    n = draw(st.integers(1, 20))
    coverage = draw(st.floats(-0.5, 1.5, allow_nan=False))
    if draw(st.booleans()):
        return n, coverage, None
    raw = draw(st.lists(st.floats(0.001, 1), min_size=n, max_size=n))
    return n, coverage, [w / sum(raw) for w in raw]


@given(splits())
def test_bucket_ranges_cover_exactly_coverage_without_overlap(split):
    n, coverage, weights = split
    ranges = bucket_ranges(n, coverage, weights)
    assert len(ranges) == n
    covered = sum(end - start for start, end in ranges)
    assert covered == pytest.approx(min(max(coverage, 0), 1), abs=TOLERANCE)
    assert ranges[0][0] == 0
    assert ranges[-1][1] <= 1 + TOLERANCE
    for (start, end), (next_start, _) in itertools.pairwise(ranges):
        assert start <= end <= next_start


@given(n=st.integers(1, 10), weights=st.lists(st.floats(0, 1), max_size=12))
def test_bucket_ranges_ignore_weights_that_cannot_be_meant(n, weights):
    if len(weights) == n and 0.99 <= sum(weights) <= 1.01:
        return
    assert bucket_ranges(n, 1.0, weights) == bucket_ranges(n, 1.0, None)
    assert bucket_ranges(n, 1.0, None) == approx_ranges([[i / n, (i + 1) / n] for i in range(n)])


@given(split=splits(), n=st.floats(0, 1, exclude_max=True))
def test_choose_variation_picks_the_range_that_holds_the_hash(split, n):
    ranges = bucket_ranges(*split)
    index = choose_variation(n, ranges)
    holding = [i for i, (start, end) in enumerate(ranges) if start <= n < end]
    assert index == (holding[0] if holding else -1)


@given(n=st.integers(-5, 50))
def test_equal_weights_sum_to_one(n):
    weights = equal_weights(n)
    assert len(weights) == max(n, 0)
    assert len(set(weights)) <= 1
    if n >= 1:
        assert sum(weights) == pytest.approx(1, abs=TOLERANCE)


# ---------------------------------------------------------------------------------------------
# Assignment: deterministic and balanced


@given(seed=texts, value=texts, split=splits(), version=st.sampled_from([1, 2]))
def test_assignment_is_deterministic(seed, value, split, version):
    ranges = bucket_ranges(*split)
    first = assign(seed, value, ranges, version)
    assert assign(seed, value, ranges, version) == first
    assert first == choose_variation(reference_hash(seed, value, version), ranges)


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for a chi-square variable with ``df`` degrees of freedom (closed form)."""
    half = x / 2
    if df % 2 == 0:
        term = total = math.exp(-half)
        for i in range(1, df // 2):
            term *= half / i
            total += term
        return total
    total = math.erfc(math.sqrt(half))
    term = math.exp(-half) * math.sqrt(half) / math.gamma(1.5)
    for i in range(1, (df - 1) // 2 + 1):
        total += term
        term *= half / (i + 0.5)
    return total


@pytest.mark.parametrize(
    ("x", "df"), [(10.827566, 1), (13.815511, 2), (16.266236, 3), (18.466827, 4), (20.515006, 5)]
)
def test_chi2_sf_at_the_critical_values(x, df):
    assert chi2_sf(x, df) == pytest.approx(0.001, rel=1e-5)


PEOPLE = 20_000
ALPHA = 0.001


def people(rng_seed: int, style: str) -> list[str]:
    """Ids as they come: random tokens, or a counter behind a prefix."""
    rng = random.Random(rng_seed)
    if style == "random":
        return [f"{rng.getrandbits(80):020x}" for _ in range(PEOPLE)]
    prefix = f"u{rng.randrange(1000)}-"
    return [f"{prefix}{i}" for i in range(PEOPLE)]


def chi2_p(counts: Counter[int], ranges: list[tuple[float, float]]) -> float:
    expected = [PEOPLE * (end - start) for start, end in ranges]
    statistic = sum((counts[i] - e) ** 2 / e for i, e in enumerate(expected))
    return chi2_sf(statistic, len(ranges) - 1)


# Each example is a statistical test that rejects a perfect hash with probability ALPHA:
# derandomized, the suite checks the same examples every run and never flakes.
statistical = settings(max_examples=8, deadline=None, derandomize=True)


@statistical
@given(
    seed=st.text(min_size=1, max_size=30),
    rng_seed=st.integers(0, 2**32 - 1),
    style=st.sampled_from(["random", "sequential"]),
)
def test_three_equal_variations_are_balanced(seed, rng_seed, style):
    ranges = bucket_ranges(3)
    counts = Counter(assign(seed, person, ranges) for person in people(rng_seed, style))
    assert set(counts) == {0, 1, 2}
    for variation in range(3):
        assert abs(counts[variation] / PEOPLE - 1 / 3) <= 0.025
    assert chi2_p(counts, ranges) >= ALPHA


@statistical
@given(
    seed=st.text(min_size=1, max_size=30),
    rng_seed=st.integers(0, 2**32 - 1),
    raw=st.lists(st.floats(0.05, 1), min_size=2, max_size=5),
)
def test_weighted_assignment_follows_the_weights(seed, rng_seed, raw):
    ranges = bucket_ranges(len(raw), 1.0, [w / sum(raw) for w in raw])
    counts = Counter(assign(seed, person, ranges) for person in people(rng_seed, "random"))
    assert -1 not in counts
    assert chi2_p(counts, ranges) >= ALPHA


def test_a_biased_split_is_rejected():
    # The chi-square check above can fail: half the people put in a 1/3 bucket is caught.
    ranges = bucket_ranges(3)
    counts = Counter({0: PEOPLE // 2, 1: PEOPLE // 4, 2: PEOPLE // 4})
    assert chi2_p(counts, ranges) < ALPHA


# ---------------------------------------------------------------------------------------------
# Bucketing


def test_bucketing_assigns_like_the_functions():
    split = Bucketing(seed="exp", variations=3, coverage=0.5, weights=(0.2, 0.3, 0.5))
    assert split.ranges == tuple(bucket_ranges(3, 0.5, [0.2, 0.3, 0.5]))
    for person in (f"user-{i}" for i in range(200)):
        assert split.assign(person) == assign("exp", person, split.ranges, 2)


def test_bucketing_excludes_people_outside_its_namespace():
    inside = Bucketing(seed="exp", namespace=("ns", 0.0, 0.5))
    outside = Bucketing(seed="exp", namespace=("ns", 0.5, 1.0))
    for person in (f"user-{i}" for i in range(200)):
        a, b = inside.assign(person), outside.assign(person)
        assert (a == -1) != (b == -1)  # disjoint slices of one namespace share nobody
        assert (a != -1) is in_namespace(person, ("ns", 0.0, 0.5))


@pytest.mark.parametrize(
    "fields",
    [
        {"weights": (0.5, 0.5, 0.0)},
        {"weights": (0.7, 0.6)},
        {"weights": (1.2, -0.2)},
        {"coverage": 1.5},
        {"variations": 0},
        {"hash_version": 3},
        {"namespace": ("ns", 0.6, 0.4)},
        {"seed": ""},
        {"salt": "x"},
    ],
    ids=repr,
)
def test_bucketing_refuses_what_cannot_be_meant(fields):
    with pytest.raises(pydantic.ValidationError):
        Bucketing(**{"seed": "exp", **fields})


def test_bucketing_is_frozen():
    split = Bucketing(seed="exp")
    with pytest.raises(pydantic.ValidationError):
        split.coverage = 0.5


# ---------------------------------------------------------------------------------------------
# The module's surface


def test_docstring_examples_run():
    result = doctest.testmod(assignment)
    assert result.attempted > 0
    assert result.failed == 0


def test_all_is_exact_and_sorted():
    public = {
        name
        for name, value in vars(assignment).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == assignment.__name__
    }
    assert assignment.__all__ == sorted(public)
