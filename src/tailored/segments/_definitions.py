"""What a segment condition needs (features, other segments, profile fields), and checks.

A condition is checked before it is saved: the condition language's own problems, references
to segments that do not exist, and reference cycles, each with the JSON path of the problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tailored.conditions import Condition, Predicate, compile_condition, validate
from tailored.core import ValidationError

from ._features import FeatureSet, FeatureSpec
from ._operators import direct_predicate
from ._queries import parse_event, parse_sequence


@dataclass(frozen=True)
class Needs:
    """What evaluating a condition reads besides the built-in state."""

    features: tuple[FeatureSpec, ...]
    refs: tuple[tuple[str, str], ...]
    """``(segment key, JSON path)`` of each ``$segment`` reference."""
    reads_profile: bool
    """Whether it reads profile fields (traits, computed traits, RFM, consent)."""


def _walk(condition: Any, loc: str) -> Iterator[tuple[str, Any, str]]:
    """Every ``(key, operand, path)`` of a condition object, nested logic included."""
    if not isinstance(condition, Mapping):
        return
    for key, operand in condition.items():
        here = f"{loc}.{key}"
        if key in ("$and", "$or", "$nor") and isinstance(operand, list):
            for index, item in enumerate(operand):
                yield from _walk(item, f"{here}[{index}]")
        elif key == "$not":
            yield from _walk(operand, here)
        else:
            yield str(key), operand, here


def needs_of(condition: Any) -> Needs:
    """What ``condition`` (already valid) reads."""
    features: dict[str, FeatureSpec] = {}
    refs: list[tuple[str, str]] = []
    reads_profile = False
    for key, operand, loc in _walk(condition, "$"):
        if key == "$event":
            spec = parse_event(operand).feature
            if spec is not None:
                features[spec.key] = spec
        elif key == "$sequence":
            for step in parse_sequence(operand).steps:
                features[step.key] = step
        elif key == "$segment":
            refs.append((str(operand), loc))
        elif not key.startswith("$"):
            reads_profile = True
    return Needs(tuple(features.values()), tuple(refs), reads_profile)


def check_condition(key: str, condition: Any, others: Mapping[str, Any]) -> Needs:
    """Check a segment's condition against the workspace's other segments.

    Args:
        key: The segment's key.
        condition: Its condition.
        others: The other segments' conditions by key.

    Raises:
        tailored.core.ValidationError: The condition has problems; ``details`` has one
            ``{"loc": "body.condition...", "message"}`` per problem.
    """
    problems = [p.as_detail() for p in validate(condition)]
    if not problems:
        needs = needs_of(condition)
        for ref, loc in needs.refs:
            if ref == key:
                problems.append({"loc": loc, "message": f"segment {key!r} refers to itself"})
            elif ref not in others:
                problems.append({"loc": loc, "message": f"no segment with key {ref!r}"})
            elif (path := _path_to(ref, key, others)) is not None:
                cycle = " -> ".join([key, *path, key])
                problems.append({"loc": loc, "message": f"reference cycle: {cycle}"})
    if problems:
        for problem in problems:
            problem["loc"] = "body.condition" + problem["loc"][1:]
        first = problems[0]
        raise ValidationError(f"invalid condition at {first['loc']}: {first['message']}", problems)
    return needs


def _path_to(start: str, target: str, others: Mapping[str, Any]) -> list[str] | None:
    """The chain of references from ``start`` to ``target`` (a cycle with the new one)."""
    stack, seen = [(start, [start])], {start}
    while stack:
        node, path = stack.pop()
        for ref, _ in needs_of(others[node]).refs if node in others else ():
            if ref == target:
                return path
            if ref not in seen:
                seen.add(ref)
                stack.append((ref, [*path, ref]))
    return None


@dataclass(frozen=True)
class CompiledSegment:
    """A segment ready to evaluate."""

    id: int
    key: str
    condition: Condition
    needs: Needs
    direct: Predicate | None = None
    """The condition as one predicate, when it reads no attributes (the fast path)."""


def _direct(condition: Any) -> Predicate | None:
    try:
        return direct_predicate(condition)
    except (ValidationError, ValueError):
        return None


@dataclass(frozen=True)
class CompiledWorkspace:
    """A workspace's segments in dependency order, and the features they need."""

    segments: tuple[CompiledSegment, ...]
    features: FeatureSet
    reads_profile: bool


def compile_workspace(rows: list[tuple[int, str, Any]]) -> CompiledWorkspace:
    """Compile ``(id, key, condition)`` rows; referenced segments come before their users."""
    compiled = {
        key: CompiledSegment(
            sid, key, compile_condition(cond, strict=False), needs_of(cond), _direct(cond)
        )
        for sid, key, cond in rows
    }
    ordered: list[CompiledSegment] = []
    placed: set[str] = set()

    def place(key: str, seen: frozenset[str]) -> None:
        if key in placed or key in seen or key not in compiled:
            return  # a cycle cannot be saved; a missing reference is simply never true
        for ref, _ in compiled[key].needs.refs:
            place(ref, seen | {key})
        placed.add(key)
        ordered.append(compiled[key])

    for key in sorted(compiled):
        place(key, frozenset())
    features = FeatureSet([f for s in ordered for f in s.needs.features])
    return CompiledWorkspace(tuple(ordered), features, any(s.needs.reads_profile for s in ordered))
