"""Deterministic experiment assignment, bucket for bucket the same as GrowthBook's SDKs.

A person's variation is a pure function of an experiment's seed and their id: hash the pair
to a number in [0, 1), then find the variation whose bucket range holds it. Nothing is
stored to decide, every process agrees, and GrowthBook users keep their splits when they
move experiments over. The language-neutral GrowthBook cases pin every function here.

Strings are hashed as UTF-16 code units, as the JavaScript SDK (and so any browser) does.
GrowthBook's Python SDK hashes code points instead; the two differ only for characters outside
the Basic Multilingual Plane (emoji, for one), and on those we side with JavaScript so that the
browser snippet and the server always pick the same variation.

Example:
    >>> ranges = bucket_ranges(2, 1.0, None)
    >>> ranges
    [(0.0, 0.5), (0.5, 1.0)]
    >>> hash("checkout", "user_0001", 2)
    0.4365
    >>> assign("checkout", "user_0001", ranges)
    0
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Literal

from fnv_hash_fast import fnv1a_32
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Bucketing",
    "assign",
    "bucket_ranges",
    "choose_variation",
    "equal_weights",
    "hash",
    "in_namespace",
]

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK32 = 0xFFFFFFFF
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"

# Up to this many code units the FNV state is left to grow and masked once at the end: the low
# 32 bits of a product depend only on the low 32 bits of its factors, and skipping the mask per
# step saves about 15% on ids. Longer input is masked per step so work stays linear in length.
_UNMASKED_UNITS = 64


def _sum_to_one(weights: Sequence[float]) -> bool:
    """Whether ``weights`` sum to 1 within GrowthBook's tolerance of 0.01 (bounds included)."""
    return 0.99 <= sum(weights) <= 1.01


def _fnv1a(text: str) -> int:
    """32-bit FNV-1a of ``text``'s UTF-16 code units, the ``charCodeAt`` JavaScript sees."""
    state = _FNV_OFFSET
    # surrogatepass: a lone surrogate (legal in both languages' strings) is one code unit.
    units = memoryview(text.encode(_UTF16, "surrogatepass")).cast("H")
    if len(units) > _UNMASKED_UNITS:
        for unit in units:
            state = (state ^ unit) * _FNV_PRIME & _MASK32
        return state
    for unit in units:
        state = (state ^ unit) * _FNV_PRIME
    return state & _MASK32


def _fnv(text: str) -> int:
    """32-bit FNV-1a of ``text``: in C for ASCII (each character is one byte and one code
    unit), about forty times as fast as :func:`_fnv1a`, which hashes everything else."""
    return fnv1a_32(text.encode("ascii")) if text.isascii() else _fnv1a(text)


def hash(seed: str, value: str, version: int) -> float | None:
    """Hash ``value`` under ``seed`` to a number in [0, 1), or ``None`` for an unknown version.

    Version 2, the default for new experiments, hashes twice so that similar seeds and ids
    do not give correlated buckets: ``fnv(str(fnv(seed + value))) % 10000 / 10000``.
    Version 1, kept for experiments started with it, is ``fnv(value + seed) % 1000 / 1000``.
    ``fnv`` is 32-bit FNV-1a.

    Args:
        seed: The experiment's hash seed, usually its key.
        value: What is hashed, usually the person's id.
        version: The hashing version, 1 or 2.

    Returns:
        A number in [0, 1) with 4 (version 2) or 3 (version 1) decimals; ``None`` when the
        version is unknown, which GrowthBook treats as "not in the experiment".

    Example:
        >>> hash("seed", "a", 2)
        0.0505
        >>> hash("", "a", 1)
        0.22
        >>> hash("abc", "def", 99) is None
        True
    """
    if version == 2:
        return _fnv(str(_fnv(seed + value))) % 10000 / 10000
    if version == 1:
        return _fnv(value + seed) % 1000 / 1000
    return None


def equal_weights(n: int) -> list[float]:
    """``n`` equal weights that sum to 1; empty when ``n`` is below 1.

    Example:
        >>> equal_weights(4)
        [0.25, 0.25, 0.25, 0.25]
        >>> equal_weights(0)
        []
    """
    if n < 1:
        return []
    return [1 / n] * n


def bucket_ranges(
    n: int, coverage: float = 1.0, weights: Sequence[float] | None = None
) -> list[tuple[float, float]]:
    """The range of hash values that lands in each of ``n`` variations.

    Variation ``i`` owns the slice of [0, 1) that starts where the weights before it end and
    is ``coverage * weights[i]`` long, so lowering coverage drops people without moving anyone
    already in to another variation. Like GrowthBook, this never fails: coverage is clamped to
    [0, 1], and weights that are missing, of the wrong length, or that miss a sum of 1 by more
    than 0.01 are replaced by equal weights.

    Args:
        n: The number of variations.
        coverage: The share of people in the experiment.
        weights: The share of included people for each variation.

    Returns:
        One ``(start, end)`` pair per variation, start inclusive and end exclusive.

    Example:
        >>> bucket_ranges(2, 0.5, None)
        [(0.0, 0.25), (0.5, 0.75)]
        >>> bucket_ranges(3, 1.0, [0.2, 0.3, 0.5])
        [(0.0, 0.2), (0.2, 0.5), (0.5, 1.0)]
    """
    coverage = min(max(coverage, 0.0), 1.0)
    if weights is None or len(weights) != n or not _sum_to_one(weights):
        weights = equal_weights(n)
    ranges: list[tuple[float, float]] = []
    cumulative = 0.0
    for weight in weights:
        ranges.append((cumulative, cumulative + coverage * weight))
        cumulative += weight
    return ranges


def choose_variation(n: float, ranges: Sequence[tuple[float, float]]) -> int:
    """The index of the first range that holds ``n``, or -1 when none does.

    Example:
        >>> choose_variation(0.5, [(0.0, 0.25), (0.5, 0.75)])
        1
        >>> choose_variation(0.3, [(0.0, 0.25), (0.5, 0.75)])
        -1
    """
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return -1


def in_namespace(user_id: str, namespace: tuple[str, float, float] | Sequence[Any]) -> bool:
    """Whether ``user_id`` falls in a namespace's slice, keeping experiments mutually exclusive.

    Experiments that share a namespace id and take disjoint slices of it never share a person.
    The namespace hash is version 1 with the seed ``"__" + namespace id``.

    Args:
        user_id: The value that is hashed, usually the person's id.
        namespace: ``(namespace id, start, end)``; start inclusive, end exclusive.

    Example:
        >>> in_namespace("1", ("namespace1", 0.4, 1.0))
        True
        >>> in_namespace("1", ("namespace1", 0.0, 0.4))
        False
    """
    namespace_id, start, end = namespace
    n = _fnv(f"{user_id}__{namespace_id}") % 1000 / 1000
    return bool(start <= n < end)


def assign(seed: str, value: str, ranges: Sequence[tuple[float, float]], version: int = 2) -> int:
    """The variation ``value`` gets under ``seed``: -1 when outside every range.

    Example:
        >>> assign("foo", "1", [(0.0, 0.5), (0.5, 1.0)])
        1
        >>> assign("foo", "1", [(0.0, 0.5), (0.5, 1.0)], version=99)
        -1
    """
    n = hash(seed, value, version)
    return -1 if n is None else choose_variation(n, ranges)


class Bucketing(BaseModel):
    """How one experiment splits people into variations, checked once when configured.

    Unlike :func:`bucket_ranges`, which quietly falls back to equal weights as GrowthBook does,
    this refuses weights that cannot be meant, so a typo fails at configuration time rather
    than as a silent 50/50 split.

    Example:
        >>> split = Bucketing(seed="foo", variations=2, weights=(0.5, 0.5), coverage=0.99)
        >>> split.assign("1")
        1
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: str = Field(
        min_length=1,
        description="Hash seed, usually the experiment key, so experiments split independently.",
    )
    variations: int = Field(2, ge=1, description="Number of variations, control included.")
    coverage: float = Field(1.0, ge=0, le=1, description="Share of people in the experiment.")
    weights: tuple[float, ...] | None = Field(
        None,
        description="Share of included people per variation, summing to 1; equal if omitted.",
    )
    hash_version: Literal[1, 2] = Field(
        2, description="2 for new experiments; 1 for GrowthBook experiments started with it."
    )
    namespace: tuple[str, float, float] | None = Field(
        None,
        description=(
            "`(id, start, end)`: only people whose namespace hash is in [start, end) take part;"
            " experiments with disjoint slices of one namespace never share a person."
        ),
    )

    @model_validator(mode="after")
    def _meant(self) -> Bucketing:
        if self.weights is not None:
            if len(self.weights) != self.variations:
                msg = f"{len(self.weights)} weights for {self.variations} variations"
                raise ValueError(msg)
            if min(self.weights) < 0:
                raise ValueError("weights must not be negative")
            if not _sum_to_one(self.weights):
                raise ValueError(f"weights sum to {sum(self.weights)}, not 1")
        if self.namespace is not None and not 0 <= self.namespace[1] <= self.namespace[2] <= 1:
            raise ValueError("namespace needs 0 <= start <= end <= 1")
        return self

    @cached_property
    def ranges(self) -> tuple[tuple[float, float], ...]:
        """The bucket range of each variation."""
        return tuple(bucket_ranges(self.variations, self.coverage, self.weights))

    def assign(self, value: str) -> int:
        """The variation ``value`` gets; -1 when outside the namespace or the coverage."""
        if self.namespace is not None and not in_namespace(value, self.namespace):
            return -1
        return assign(self.seed, value, self.ranges, self.hash_version)
