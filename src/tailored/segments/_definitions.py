"""What a segment condition needs (features, other segments, profile fields), and checks.

A condition is checked before it is saved: the condition language's own problems, references
to segments that do not exist, and reference cycles, each with the JSON path of the problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tailored.conditions import Condition, Predicate, compile_condition, validate
from tailored.core import ValidationError
from tailored.profiles import FIELD_EVENTS, SCORE_FIELDS

from ._features import FeatureSet, FeatureSpec
from ._monotone import EITHER, direction
from ._operators import direct_predicate
from ._queries import parse_event, parse_sequence

_PLAN_CACHE = 1024


@dataclass(frozen=True)
class Needs:
    """What evaluating a condition reads besides the built-in state."""

    features: tuple[FeatureSpec, ...]
    refs: tuple[tuple[str, str], ...]
    """``(segment key, JSON path)`` of each ``$segment`` reference."""
    events: frozenset[str] = frozenset()
    """The names of the events it counts: without one of them, a new event can change its
    answer only through the profile fields or segments it reads."""
    fields: frozenset[str] | None = frozenset()
    """The top-level profile fields it reads (``traits`` for ``traits.plan``); ``None`` when
    an operator of the general evaluator may read any."""

    @property
    def reads_profile(self) -> bool:
        """Whether it reads profile fields (traits, computed traits, RFM, consent)."""
        return self.fields is None or bool(self.fields)


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
    names: set[str] = set()
    fields: set[str] | None = set()
    for key, operand, loc in _walk(condition, "$"):
        if key == "$event":
            query = parse_event(operand)
            names.add(query.name)
            if query.feature is not None:
                features[query.feature.key] = query.feature
        elif key == "$sequence":
            for step in parse_sequence(operand).steps:
                names.add(step.event)
                features[step.key] = step
        elif key == "$segment":
            refs.append((str(operand), loc))
        else:  # a field, or an operator of the general evaluator, which reads the fields
            if key.startswith("$"):
                fields = None
            elif fields is not None:
                fields.add(key.split(".", 1)[0])
    read = None if fields is None else frozenset(fields)
    return Needs(tuple(features.values()), tuple(refs), frozenset(names), read)


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
    refs: frozenset[str] = frozenset()
    """The keys of the segments it refers to."""
    way: int = EITHER
    """Which way one more event can move its answer (see :mod:`._monotone`)."""
    triggers: frozenset[str] | None = None
    """The names of the events that can change its answer (``None``: any event)."""


def _direct(condition: Any) -> Predicate | None:
    try:
        return direct_predicate(condition)
    except (ValidationError, ValueError):
        return None


def _compiled(sid: int, key: str, condition: Any) -> CompiledSegment:
    needs = needs_of(condition)
    compiled = compile_condition(condition, strict=False)
    refs = frozenset(ref for ref, _ in needs.refs)
    return CompiledSegment(
        sid, key, compiled, needs, _direct(condition), refs, triggers=_triggers(needs)
    )


def _triggers(needs: Needs) -> frozenset[str] | None:
    """The events it counts and those that change the profile fields it reads."""
    if needs.fields is None:
        return None
    names = set(needs.events)
    for name in needs.fields:
        changed_by = FIELD_EVENTS.get(name)
        if changed_by is None:
            return None
        names |= changed_by
    return frozenset(names)


def _way(condition: Any, segments: Mapping[str, int]) -> int:
    try:
        return direction(condition, segments)
    except ValidationError:
        return EITHER


@dataclass(frozen=True)
class CompiledWorkspace:
    """A workspace's segments in dependency order, and the features they need."""

    segments: tuple[CompiledSegment, ...]
    features: FeatureSet
    fields: frozenset[str] | None = frozenset()
    """The profile fields the segments read (``None``: any)."""
    keys: dict[int, str] = field(default_factory=dict, compare=False, repr=False)
    """Segment keys by id."""
    _plans: dict[frozenset[str], Plan] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.keys.update((s.id, s.key) for s in self.segments)

    @property
    def reads_profile(self) -> bool:
        """Whether a segment reads profile fields (traits, computed traits, RFM, consent)."""
        return self.fields is None or bool(self.fields)

    @property
    def reads_scores(self) -> bool:
        """Whether a segment reads RFM scores (which are stored apart from profiles)."""
        return self.fields is None or not self.fields.isdisjoint(SCORE_FIELDS)

    def plan(self, events: frozenset[str]) -> Plan:
        """Which segments new events named ``events`` may change (see :class:`Plan`)."""
        found = self._plans.get(events)
        if found is None:
            if len(self._plans) >= _PLAN_CACHE:
                self._plans.clear()
            found = self._plans[events] = _plan(self.segments, events)
        return found


@dataclass(frozen=True)
class Plan:
    """The segments to evaluate again when a profile gains events of some names.

    A segment may change if it counts one of those events, reads profile fields that they
    may change (most fields change with every event; order totals only with orders, scores
    with none) or refers to a segment that may change; every other segment keeps its last
    answer (until a window of it lapses, which the worker's sweep handles).
    """

    evaluate: tuple[CompiledSegment, ...]
    """The segments that may change, in dependency order."""
    kept: frozenset[int]
    """The ids of the others."""
    referenced: frozenset[int]
    """The ids of kept segments that a segment to evaluate refers to."""


def _plan(ordered: tuple[CompiledSegment, ...], events: frozenset[str]) -> Plan:
    again: list[CompiledSegment] = []
    moved: set[str] = set()
    for segment in ordered:  # references come first, so one pass finds every dependent
        triggers = segment.triggers
        if triggers is None or not triggers.isdisjoint(events) or segment.refs & moved:
            again.append(segment)
            moved.add(segment.key)
    refs = {key for segment in again for key in segment.refs}
    kept = [s for s in ordered if s.key not in moved]
    return Plan(
        tuple(again),
        frozenset(s.id for s in kept),
        frozenset(s.id for s in kept if s.key in refs),
    )


def compile_workspace(rows: list[tuple[int, str, Any]]) -> CompiledWorkspace:
    """Compile ``(id, key, condition)`` rows; referenced segments come before their users."""
    compiled = {key: _compiled(sid, key, cond) for sid, key, cond in rows}
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
    conditions = {key: cond for _, key, cond in rows}
    ways: dict[str, int] = {}
    for n, segment in enumerate(ordered):  # a reference moves the way its segment does
        way = ways[segment.key] = _way(conditions[segment.key], ways)
        ordered[n] = dataclasses.replace(segment, way=way)
    features = FeatureSet([f for s in ordered for f in s.needs.features])
    reads = [s.needs.fields for s in ordered if s.needs.reads_profile]
    fields = None if None in reads else frozenset().union(*(f for f in reads if f is not None))
    return CompiledWorkspace(tuple(ordered), features, fields)
